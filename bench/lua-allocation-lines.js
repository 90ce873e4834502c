'use strict';
/**
 * Where applyBatch's Lua allocation goes, statement by statement: `node bench/lua-allocation-lines.js
 * [--batch 1] [--sessions 3000] [--most 25]`. A tool for working on the script, not a figure of the
 * bench: lua-allocation.js gives the total a call allocates; this says which of the script's
 * top-level statements allocate it. applyBatch runs as a Redis Function, so what its includes
 * define is made once, when its library loads, and only the function's body is probed.
 *
 * The ingest stream of the bench (bench/event-stream.js, sized down) goes through one monitor on
 * a private redis-server, its applyBatch calls run by a copy of the body with a probe before
 * every statement that starts a line (column 0, not `end`/`else`/a comment): each probe adds the
 * memory Lua allocated since the one before to the statement before it, with the collector
 * stopped for the call. The probes' own bookkeeping is left out of the counts.
 */
const { parseArgs } = require('node:util');
const { Redis } = require('ioredis');
const { startPrivateRedis } = require('./redis-process');
const { ingestWorkload } = require('./event-stream');
const { runIngest } = require('./ingest');
const { runScriptCopy } = require('./lua-allocation');
const { positiveFlag } = require('./options');

const USAGE = 'node bench/lua-allocation-lines.js [--batch 1] [--sessions 3000] [--most 25]';
const TALLY_KEY = 'bench:lua-allocation-lines';
/** Lines that continue a statement or close a block: no probe before them. */
const NOT_A_STATEMENT = /^(end\b|else\b|elseif\b|until\b|--|\]\]|\)|\}|$|\s)/;

/** The body with a probe before each statement that starts a line; returns it and those lines. */
function probedSource(source) {
  const probed = [];
  const lines = source.split('\n').map((line, at) => {
    if (NOT_A_STATEMENT.test(line)) return line;
    probed.push({ line: at + 1, text: line });
    return `__probe(${probed.length}) ${line}`;
  });
  const head = [
    "collectgarbage('stop')",
    'local __kb = {}',
    "local __last = collectgarbage('count')",
    'local __at = 0',
    // Adds what was allocated since the last probe to the statement it stood before.
    'local function __probe(next)',
    "  local now = collectgarbage('count')",
    '  if __at > 0 then __kb[__at] = (__kb[__at] or 0) + (now - __last) end',
    '  __at = next',
    "  __last = collectgarbage('count')",
    'end',
    `local __script = function()\n${lines.join('\n')}\nend`,
  ];
  const tail = [
    'local __reply = __script()',
    '__probe(0)',
    "collectgarbage('restart')",
    `for at, kb in pairs(__kb) do redis.call('HINCRBYFLOAT', '${TALLY_KEY}', at, kb) end`,
    `redis.call('HINCRBY', '${TALLY_KEY}', 'calls', 1)`,
    'return __reply',
  ];
  return { source: [...head, ...tail].join('\n'), probed };
}

async function main() {
  let values;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        batch: { type: 'string', default: '1' },
        sessions: { type: 'string', default: '3000' },
        most: { type: 'string', default: '25' },
      },
    }));
  } catch (err) {
    throw new Error(`${err.message}\n${USAGE}`);
  }
  const batch = positiveFlag('batch', values.batch, USAGE);
  const sessions = positiveFlag('sessions', values.sessions, USAGE);
  const most = positiveFlag('most', values.most, USAGE);

  let probed;
  const server = await startPrivateRedis();
  const client = new Redis(server.url);
  try {
    await runScriptCopy(client, 'applyBatch', (bundle) => {
      const copy = probedSource(bundle);
      probed = copy.probed;
      return copy.source;
    });
    const workload = ingestWorkload({
      sessions,
      users: Math.ceil((sessions * 2) / 3),
      liveSessions: Math.ceil(sessions / 6),
    });
    await runIngest({
      url: server.url,
      redis: client,
      namespace: 'lines',
      workload,
      maxBatchSize: batch,
    });
    const tally = await client.hgetall(TALLY_KEY);
    const calls = Number(tally.calls);
    if (!(calls > 0)) throw new Error('no applyBatch call was counted');
    const rows = probed
      .map((p, i) => ({ ...p, kb: Number(tally[i + 1] ?? 0) / calls }))
      .sort((a, b) => b.kb - a.kb);
    const total = rows.reduce((sum, row) => sum + row.kb, 0);
    process.stdout.write(
      `applyBatch at batch ${batch}: ${calls} calls, ${total.toFixed(2)} KB a call; ` +
        `the ${Math.min(most, rows.length)} statements that allocate most (KB a call, line of lua/applyBatch-12+.lua):\n`,
    );
    for (const row of rows.slice(0, most)) {
      const text = row.text.length > 90 ? `${row.text.slice(0, 87)}...` : row.text;
      process.stdout.write(
        `${row.kb.toFixed(3).padStart(8)}  ${String(row.line).padStart(4)}  ${text}\n`,
      );
    }
  } finally {
    client.disconnect();
    await server.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
