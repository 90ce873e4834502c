'use strict';
/**
 * Lua memory allocated per script call: a figure of a script's own work that, unlike its time,
 * does not move with the host. On this shared machine the same code measured 61 or 90 µs of script
 * per event at batch 1 within an hour, while what a call allocates is the same from run to run;
 * and inside a script each KB allocated in small objects costs about 2 µs (garbage collection
 * included), so it tells whether a change to the scripts made them cheaper before a timed run can.
 *
 * Counted for applyBatch (a monitor fed the ingest stream, as in the ingest section) and for
 * closeSessions (a reap of a SIGKILLed instance, as in the reap section), each untimed, on a
 * connection of its own whose calls of that script go to a copy of it that stops Lua's collector
 * for the call, reads its memory count before and after, and adds the difference to a hash beside
 * the data. Everything else (its reply, what it writes) is the script's own.
 */
const { Redis } = require('ioredis');
const { SauReader, SauReaper } = require('../dist');
const { libraryCode, loadScripts } = require('../dist/scripts/script-catalog');
const { DEFAULT_CLOSE_BATCH_SIZE } = require('../dist/monitor/monitor-options');
const { runIngest } = require('./ingest');
const { killedVictim } = require('./reap');
const { kill } = require('./dying-instance');

/** The copy of a script that counts its allocation into `tallyKey` (fields kb and calls). */
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
 * Makes every call of script `name` on `client` run `copy` (what a call of the script runs,
 * rewritten) instead. A script run by EVALSHA: its bundle, swapped by SHA, or by source after a
 * NOSCRIPT (then the copy is sent whole, and Redis keeps it). A Redis Function: its function's
 * body, in a library of its own under another name that the calls are sent to; what the includes
 * define is made once, when that library loads, as for the script itself.
 */
async function runScriptCopy(client, name, copy) {
  const script = loadScripts().get(name);
  const { library } = script;
  if (library) {
    const copyName = `${library.name}_copy`;
    await client.call(
      'FUNCTION',
      'LOAD',
      'REPLACE',
      libraryCode(copyName, library.includes, copy(library.body)),
    );
    swapScript(client, (command) => {
      if (command.name === 'fcall' && command.args[0] === library.name) command.args[0] = copyName;
    });
    return;
  }
  const source = copy(script.source);
  const sha = await client.script('LOAD', source);
  swapScript(client, (command) => {
    if (command.name === 'evalsha' && command.args[0] === script.sha) command.args[0] = sha;
    else if (command.name === 'eval' && command.args[0] === script.source) command.args[0] = source;
  });
}

/** Lets `swap` rewrite each command `client` sends. */
function swapScript(client, swap) {
  const send = client.sendCommand.bind(client);
  client.sendCommand = (command, stream) => {
    swap(command);
    return send(command, stream);
  };
}

/** Runs script `name` on `client` by its counting copy; returns what was counted so far. */
async function countScriptAllocation(client, name, tallyKey) {
  await runScriptCopy(client, name, (source) => countingSource(source, tallyKey));
  return async () => {
    const [kb, calls] = (await client.hmget(tallyKey, 'kb', 'calls')).map(Number);
    if (!(calls > 0)) throw new Error(`lua allocation: no ${name} call was counted`);
    return { kb, calls };
  };
}

/**
 * Feeds `workload` through one monitor at `maxBatchSize` with its applyBatch calls counted.
 * Returns { calls, events, kbPerCall, kbPerEvent }.
 */
async function measureLuaAllocation({ url, namespace, workload, maxBatchSize, chunkSessions }) {
  const client = new Redis(url);
  try {
    const counted = await countScriptAllocation(
      client,
      'applyBatch',
      `${namespace}:lua-allocation`,
    );
    const run = await runIngest({
      url,
      redis: client,
      namespace,
      workload,
      maxBatchSize,
      chunkSessions,
    });
    const { kb, calls } = await counted();
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

/**
 * Reaps a SIGKILLed instance of `sessions` sessions (half logged in, as in reap.js) with its
 * closeSessions calls counted, by a reaper in this process. Returns { sessions, closeBatchSize,
 * calls, kbPerCall, bytesPerSession }.
 */
async function measureReapLuaAllocation({ url, namespace, sessions, log = () => undefined }) {
  const client = new Redis(url);
  const reader = new SauReader({ redis: url, namespace });
  const dying = [];
  try {
    const counted = await countScriptAllocation(
      client,
      'closeSessions',
      `${namespace}:lua-allocation`,
    );
    const victimConfig = { url, namespace, reader, sessions, leaseMs: 2000, log };
    await killedVictim({ ...victimConfig, heartbeatIntervalMs: 500 }, dying, {
      connected: Promise.resolve(),
    });
    const report = await new SauReaper({ redis: client, namespace }).reap();
    if (report.sessions !== sessions) {
      throw new Error(`lua allocation: the reap closed ${report.sessions} sessions of ${sessions}`);
    }
    const { kb, calls } = await counted();
    return {
      sessions,
      closeBatchSize: DEFAULT_CLOSE_BATCH_SIZE,
      calls,
      kbPerCall: Math.round((kb / calls) * 100) / 100,
      bytesPerSession: Math.round(((kb * 1024) / sessions) * 10) / 10,
    };
  } finally {
    for (const child of dying) await kill(child);
    await reader.close();
    client.disconnect();
  }
}

module.exports = { measureLuaAllocation, measureReapLuaAllocation, runScriptCopy };
