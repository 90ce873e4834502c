'use strict';
/**
 * Flags of `npm run bench`. The defaults are the sizes; every size can be turned down for
 * a quick run on a busy machine.
 */
const { parseArgs } = require('node:util');

const USAGE = `node bench/run.js [--json] [--sessions 30000] [--users 20000] [--live 5000]
                   [--batch-sizes 1,16,128] [--chunk 10000] [--ceiling-requests 1000000]
                   [--memory-sessions 100000,1000000] [--stats-calls 1000]
                   [--accuracy-users 10,1000,100000,1000000]
                   [--reap-sessions 100000,1000000] [--reap-batch N] [--heartbeats 1000]
                   [--skip-liveness] [--results bench/RESULTS.md] [--help]`;

/** A wrong flag: the tool shows this message and its usage, not a stack. */
class UsageError extends Error {}

/**
 * `parseArgs` of `args` with `config` (its options, allowPositionals), or a UsageError that says
 * what was wrong and shows `usage`: every bench tool parses its flags this way. `--help` (or `-h`)
 * prints `usage` and ends the process.
 */
function parseFlags(args, config, usage) {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  try {
    return parseArgs({ args, ...config });
  } catch (err) {
    throw new UsageError(`${err.message}\n${usage}`);
  }
}

/** A flag's value as a positive integer, or a UsageError that names the flag and shows `usage`. */
function positiveFlag(name, text, usage) {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new UsageError(
      `--${name} must be a positive integer, got ${JSON.stringify(text)}\n${usage}`,
    );
  }
  return n;
}

/** What a bench tool prints of the error that ended it: a wrong flag without its stack. */
function failureText(err) {
  return err instanceof UsageError ? err.message : (err.stack ?? err.message);
}

function parseOptions(argv) {
  const { values } = parseFlags(
    argv,
    {
      options: {
        json: { type: 'boolean', default: false },
        sessions: { type: 'string', default: '30000' },
        users: { type: 'string', default: '20000' },
        live: { type: 'string', default: '5000' },
        'batch-sizes': { type: 'string', default: '1,16,128' },
        chunk: { type: 'string', default: '10000' },
        'ceiling-requests': { type: 'string', default: '1000000' },
        'memory-sessions': { type: 'string', default: '100000,1000000' },
        'stats-calls': { type: 'string', default: '1000' },
        'accuracy-users': { type: 'string', default: '10,1000,100000,1000000' },
        'reap-sessions': { type: 'string', default: '100000,1000000' },
        'reap-batch': { type: 'string' },
        heartbeats: { type: 'string', default: '1000' },
        'skip-liveness': { type: 'boolean', default: false },
        results: { type: 'string', default: 'bench/RESULTS.md' },
      },
    },
    USAGE,
  );
  const positive = (name, text) => positiveFlag(name, text, USAGE);
  const int = (name) => positive(name, values[name]);
  // Ascending and distinct: tables read smallest first, and "at the largest" is the last one.
  const list = (name) =>
    [...new Set(values[name].split(',').map((part) => positive(name, part.trim())))].sort(
      (a, b) => a - b,
    );
  return {
    json: values.json,
    sessions: int('sessions'),
    users: int('users'),
    live: int('live'),
    batchSizes: list('batch-sizes'),
    chunk: int('chunk'),
    ceilingRequests: int('ceiling-requests'),
    memorySessions: list('memory-sessions'),
    statsCalls: int('stats-calls'),
    accuracyUsers: list('accuracy-users'),
    reapSessions: list('reap-sessions'),
    reapBatch: values['reap-batch'] === undefined ? undefined : int('reap-batch'),
    heartbeats: int('heartbeats'),
    skipLiveness: values['skip-liveness'],
    results: values.results,
  };
}

module.exports = { failureText, parseFlags, parseOptions, positiveFlag, USAGE };
