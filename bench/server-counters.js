'use strict';
/**
 * Where the time went, from Redis's side: CPU seconds the server used and per-command totals from
 * INFO commandstats, diffed over one measurement. Commands that scripts call are counted too, so
 * the diff shows both the script calls' total (EVALSHA, FCALL) and what each batch spent in ZMSCORE,
 * HINCRBY, etc. The gap between the script time and the sum of the commands the scripts called is
 * Lua and redis.call overhead.
 */

/**
 * One reading of the counters; `replyBytes` is what Redis sent for it (two INFO replies), for a
 * caller that counts network bytes around it.
 */
async function readCounters(client) {
  const [cpu, commandstats] = await Promise.all([client.info('cpu'), client.info('commandstats')]);
  const cpuField = (name) => Number((new RegExp(`^${name}:([\\d.]+)`, 'm').exec(cpu) ?? [])[1]);
  const commands = {};
  for (const match of commandstats.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
    commands[match[1]] = { calls: Number(match[2]), usec: Number(match[3]) };
  }
  return {
    cpuSeconds: cpuField('used_cpu_user') + cpuField('used_cpu_sys'),
    commands,
    replyBytes: bulkReplyBytes(cpu) + bulkReplyBytes(commandstats),
  };
}

/** Bytes of `text` sent as a RESP bulk string (`$<length>\r\n<text>\r\n`), as INFO replies. */
function bulkReplyBytes(text) {
  const length = Buffer.byteLength(text);
  return `$${length}\r\n`.length + length + 2;
}

/**
 * What happened between two readings: server CPU seconds, and calls and microseconds per command,
 * busiest first. Script calls (the EVAL and FCALL families) count time that includes the commands
 * they call.
 */
function diffCounters(before, after) {
  const commands = [];
  for (const [name, now] of Object.entries(after.commands)) {
    const then = before.commands[name] ?? { calls: 0, usec: 0 };
    const calls = now.calls - then.calls;
    if (calls <= 0) continue;
    const usec = now.usec - then.usec;
    commands.push({
      command: name,
      calls,
      usec,
      usecPerCall: Math.round((usec / calls) * 100) / 100,
    });
  }
  commands.sort((a, b) => b.usec - a.usec);
  const isScript = (c) => /^(eval|evalsha|fcall)/.test(c.command);
  const scriptUsec = commands.filter(isScript).reduce((sum, c) => sum + c.usec, 0);
  const calledUsec = commands.filter((c) => !isScript(c)).reduce((sum, c) => sum + c.usec, 0);
  const calledCalls = commands.filter((c) => !isScript(c)).reduce((sum, c) => sum + c.calls, 0);
  return {
    cpuSeconds: Math.round((after.cpuSeconds - before.cpuSeconds) * 1000) / 1000,
    scriptMs: Math.round(scriptUsec / 1000),
    commandsInsideScriptsMs: Math.round(calledUsec / 1000),
    commandsInsideScripts: calledCalls,
    commands,
  };
}

module.exports = { readCounters, diffCounters, bulkReplyBytes };
