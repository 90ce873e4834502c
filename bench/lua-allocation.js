'use strict';
/**
 * Lua memory allocated per applyBatch call: a figure of the script's own work that, unlike its
 * time, does not move with the host. On this shared machine the same code measured 61 or 90 µs of
 * script per event at batch 1 within an hour, while what a call allocates is the same from run to
 * run at batch 1; and inside a script each KB allocated costs about 2 µs (garbage collection
 * included), so it tells whether a change to the scripts made them cheaper before a timed run can.
 *
 * The monitor runs as in the ingest section, on a connection of its own whose applyBatch calls go
 * to a copy of the script that stops Lua's collector for the call, reads its memory count before
 * and after, and adds the difference to a hash beside the data. Everything else (its reply, what
 * it writes) is the script's own. Slower than the real script, so only its allocation is kept.
 */
const { Redis } = require('ioredis');
const { loadScripts } = require('../dist/scripts/script-catalog');
const { runIngest } = require('./ingest');

/** The copy of applyBatch that counts its allocation into `tallyKey` (fields kb and calls). */
function countingSource(source, tallyKey) {
  return [
    `local script = function()\n${source}\nend`,
    "collectgarbage('stop')",
    "local allocatedBefore = collectgarbage('count')",
    'local reply = script()',
    "local allocatedKb = collectgarbage('count') - allocatedBefore",
    "collectgarbage('restart')",
    `redis.call('HINCRBYFLOAT', '${tallyKey}', 'kb', allocatedKb)`,
    `redis.call('HINCRBY', '${tallyKey}', 'calls', 1)`,
    'return reply',
  ].join('\n');
}

/**
 * Feeds `workload` through one monitor at `maxBatchSize` with its applyBatch calls counted.
 * Returns { calls, events, kbPerCall, kbPerEvent }.
 */
async function measureLuaAllocation({ url, namespace, workload, maxBatchSize, chunkSessions }) {
  const applyBatch = loadScripts().get('applyBatch');
  const tallyKey = `${namespace}:lua-allocation`;
  const counting = countingSource(applyBatch.source, tallyKey);
  const client = new Redis(url);
  try {
    const countingSha = await client.script('LOAD', counting);
    // Every applyBatch call this connection sends runs the counting copy: by SHA, or by source
    // after a NOSCRIPT (then the copy is sent whole, and Redis keeps it).
    const send = client.sendCommand.bind(client);
    client.sendCommand = (command, stream) => {
      if (command.name === 'evalsha' && command.args[0] === applyBatch.sha) {
        command.args[0] = countingSha;
      } else if (command.name === 'eval' && command.args[0] === applyBatch.source) {
        command.args[0] = counting;
      }
      return send(command, stream);
    };
    const run = await runIngest({
      url,
      redis: client,
      namespace,
      workload,
      maxBatchSize,
      chunkSessions,
    });
    const [kb, calls] = (await client.hmget(tallyKey, 'kb', 'calls')).map(Number);
    await client.del(tallyKey);
    if (!(calls > 0)) throw new Error('lua allocation: no applyBatch call was counted');
    return {
      calls,
      events: run.events,
      kbPerCall: Math.round((kb / calls) * 100) / 100,
      kbPerEvent: Math.round((kb / run.events) * 1000) / 1000,
    };
  } finally {
    client.disconnect();
  }
}

module.exports = { measureLuaAllocation, countingSource };
