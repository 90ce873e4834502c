'use strict';
/**
 * Where applyBatch's Lua allocation, or its time, goes, statement by statement:
 * `node bench/lua-allocation-lines.js [--batch 1] [--sessions 3000] [--most 25] [--time]`. A tool
 * for working on the script, not a figure of the bench: lua-allocation.js gives the total a call
 * allocates; this says which of the script's top-level statements allocate it. applyBatch runs as
 * a Redis Function, so what its includes define is made once, when its library loads, and only the
 * function's body is probed.
 *
 * The ingest stream of the bench (bench/event-stream.js, sized down) goes through one monitor on
 * a private redis-server, its applyBatch calls run by a copy of the body with a probe before
 * every statement that starts a line (column 0, not `end`/`else`/a comment): each probe adds the
 * memory Lua allocated since the one before to the statement before it, with the collector
 * stopped for the call. The probes' own bookkeeping is left out of the counts.
 *
 * With --time, each probe adds the microseconds since the one before instead, from Redis TIME
 * (scripts have no other clock), with the collector running as it does in a real call; a probe's
 * own cost (about a microsecond: a TIME call) is measured by two probes around nothing at the
 * start of every call and taken off every statement. The probes' replies allocate (about 150 bytes
 * each), so the collector's work lands on every statement and a call so timed takes about twice
 * as long: read the figures as an order, not as a sum. What a part of the script costs is better
 * measured by running copies of it cut short at successive points, side by side.
 */
const { Redis } = require('ioredis');
const { startPrivateRedis } = require('./redis-process');
const { ingestWorkload } = require('./event-stream');
const { runIngest } = require('./ingest');
const { runScriptCopy } = require('./lua-allocation');
const { failureText, parseFlags, positiveFlag } = require('./options');

const USAGE =
  'node bench/lua-allocation-lines.js [--batch 1] [--sessions 3000] [--most 25] [--time]';
const TALLY_KEY = 'bench:lua-allocation-lines';
/** Lines that continue a statement or close a block: no probe before them. */
const NOT_A_STATEMENT = /^(end\b|else\b|elseif\b|until\b|--|\]\]|\)|\}|$|\s)/;
/** The tally's field for the probe's own cost (--time): two probes around nothing. */
const PROBE_COST = 'probe';

/** What a probe reads: Lua's allocated KB, or (timed) the microseconds of Redis TIME. */
const READINGS = {
  kb: ["collectgarbage('count')", "collectgarbage('stop')", "collectgarbage('restart')"],
  us: ["(function() local t = redis.call('TIME'); return t[1] * 1000000 + t[2] end)()", '', ''],
};

/**
 * The body with a probe before each statement that starts a line; returns it and those lines.
 * `unit` is 'kb' (allocation) or 'us' (time).
 */
function probedSource(source, unit = 'kb') {
  const [read, before, after] = READINGS[unit];
  const probed = [];
  const lines = source.split('\n').map((line, at) => {
    if (NOT_A_STATEMENT.test(line)) return line;
    probed.push({ line: at + 1, text: line });
    return `__probe(${probed.length}) ${line}`;
  });
  const head = [
    before,
    'local __tally, __runs = {}, {}',
    `local __last = ${read}`,
    'local __at = 0',
    // Adds what was allocated (or the time that went) since the last probe to the statement it
    // stood before.
    'local function __probe(next)',
    `  local now = ${read}`,
    '  if __at ~= 0 then',
    '    __tally[__at] = (__tally[__at] or 0) + (now - __last)',
    '    __runs[__at] = (__runs[__at] or 0) + 1',
    '  end',
    '  __at = next',
    `  __last = ${read}`,
    'end',
    `__probe('${PROBE_COST}')`,
    '__probe(0)',
    `local __script = function()\n${lines.join('\n')}\nend`,
  ];
  const tail = [
    'local __reply = __script()',
    '__probe(0)',
    after,
    `for at, n in pairs(__tally) do redis.call('HINCRBYFLOAT', '${TALLY_KEY}', at, n) end`,
    `for at, n in pairs(__runs) do redis.call('HINCRBY', '${TALLY_KEY}', 'runs:' .. at, n) end`,
    `redis.call('HINCRBY', '${TALLY_KEY}', 'calls', 1)`,
    'return __reply',
  ];
  return { source: [...head, ...tail].join('\n'), probed };
}

async function main() {
  const config = {
    options: {
      batch: { type: 'string', default: '1' },
      sessions: { type: 'string', default: '3000' },
      most: { type: 'string', default: '25' },
      time: { type: 'boolean', default: false },
    },
  };
  const { values } = parseFlags(process.argv.slice(2), config, USAGE);
  const batch = positiveFlag('batch', values.batch, USAGE);
  const sessions = positiveFlag('sessions', values.sessions, USAGE);
  const most = positiveFlag('most', values.most, USAGE);
  const unit = values.time ? 'us' : 'kb';

  let probed;
  const server = await startPrivateRedis();
  const client = new Redis(server.url);
  try {
    await runScriptCopy(client, 'applyBatch', (bundle) => {
      const copy = probedSource(bundle, unit);
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
    // Timed, each run of a statement has one probe's cost in it (allocation probes count none).
    const probeCost = unit === 'us' ? Number(tally[PROBE_COST] ?? 0) / calls : 0;
    const rows = probed
      .map((p, i) => {
        const runs = Number(tally[`runs:${i + 1}`] ?? 0);
        return { ...p, amount: (Number(tally[i + 1] ?? 0) - runs * probeCost) / calls };
      })
      .sort((a, b) => b.amount - a.amount);
    const total = rows.reduce((sum, row) => sum + row.amount, 0);
    const what = unit === 'us' ? 'take most time' : 'allocate most';
    const probeNote =
      unit === 'us' ? ` (a probe's own ${probeCost.toFixed(2)} us taken off each)` : '';
    process.stdout.write(
      `applyBatch at batch ${batch}: ${calls} calls, ${total.toFixed(2)} ${unit === 'us' ? 'us' : 'KB'} a call${probeNote}; ` +
        `the ${Math.min(most, rows.length)} statements that ${what} (${unit === 'us' ? 'us' : 'KB'} a call, line of lua/applyBatch-12+.lua):\n`,
    );
    for (const row of rows.slice(0, most)) {
      const text = row.text.length > 90 ? `${row.text.slice(0, 87)}...` : row.text;
      process.stdout.write(
        `${row.amount.toFixed(3).padStart(8)}  ${String(row.line).padStart(4)}  ${text}\n`,
      );
    }
  } finally {
    client.disconnect();
    await server.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${failureText(err)}\n`);
  process.exit(1);
});
