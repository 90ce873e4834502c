'use strict';
/**
 * The ceiling that ingest is judged against: how many plain SETs per second this Redis, on this
 * machine, accepts from redis-benchmark with deep pipelining. Measured against the same server in
 * the same run, so the ratio ingest/ceiling cancels out the machine's speed.
 */
const { execFile } = require('node:child_process');

/**
 * Runs `redis-benchmark -t set -P <pipeline> -n <requests> --csv` and returns requests/second.
 * --csv is parsed instead of -q because -q redraws its progress line with carriage returns.
 */
function measureSetCeiling({ host, port, requests = 1_000_000, pipeline = 32 }) {
  const args = [
    '-h',
    host,
    '-p',
    String(port),
    '-P',
    String(pipeline),
    '-t',
    'set',
    '-n',
    String(requests),
    '--csv',
  ];
  return new Promise((resolve, reject) => {
    execFile('redis-benchmark', args, { timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`redis-benchmark failed: ${err.message} ${stderr}`.trim()));
      const perSec = parseSetRps(stdout);
      if (!Number.isFinite(perSec) || perSec <= 0) {
        return reject(new Error(`cannot read requests/sec from redis-benchmark output: ${stdout}`));
      }
      resolve({ setPerSec: perSec, command: `redis-benchmark ${args.join(' ')}` });
    });
  });
}

/** Reads the "rps" column of the SET row; redis-benchmark 6 and 7 both print a header row first. */
function parseSetRps(csv) {
  const rows = csv
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .map((line) => line.split(',').map((cell) => cell.replace(/^"|"$/g, '')));
  const header = rows.find((row) => row[0] === 'test');
  const column = header ? header.indexOf('rps') : 1;
  const set = rows.find((row) => row[0] === 'SET');
  return set ? Number(set[column]) : NaN;
}

module.exports = { measureSetCeiling, parseSetRps };
