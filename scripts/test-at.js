#!/usr/bin/env node
// Runs the jest suite with the wall clock of node and of every process the tests start (each
// redis-server, redis-sentinel, child instance) moved to a chosen instant, through the LD_PRELOAD
// shim test/support/clock-shift.c. The monotonic clock is left alone, so timers run as usual.
//
//   node scripts/test-at.js 2027-02-28T23:58:30Z [--tz Europe/Berlin] [jest arguments…]
//
// The instant is where the clock stands when jest starts: a suite that takes two minutes started
// at 23:58:30 crosses midnight while it runs, which is the point (a test file due to start in the
// last 40 s of a UTC day waits for the next: test/support/file-clear-of-midnight.ts). --tz sets TZ for node (the
// process's own zone; counts use the zone each monitor is given).
const { spawnSync } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

function usage(message) {
  if (message) console.error(`test-at: ${message}`);
  console.error('usage: node scripts/test-at.js <ISO 8601 instant> [--tz <IANA zone>] [jest args]');
  process.exit(2);
}

const args = process.argv.slice(2);
const at = args.shift();
if (!at) usage('no instant given');
const targetMs = Date.parse(at);
if (!/^\d{4}-\d{2}-\d{2}T/.test(at) || Number.isNaN(targetMs)) {
  usage(`${JSON.stringify(at)} is not an ISO 8601 instant such as 2027-02-28T23:58:30Z`);
}
let zone;
if (args[0] === '--tz') {
  args.shift();
  zone = args.shift();
  if (!zone) usage('--tz needs a zone');
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
  } catch {
    usage(`unknown time zone ${JSON.stringify(zone)}`);
  }
}
if (process.env.REDIS_URL)
  usage('unset REDIS_URL: the clock of a Redis the tests do not start cannot move');

const dir = mkdtempSync(join(tmpdir(), 'sau-test-at-'));
const library = join(dir, 'clock-shift.so');
const root = join(__dirname, '..');
const cc = spawnSync(
  'cc',
  ['-shared', '-fPIC', '-O2', '-o', library, join(root, 'test', 'support', 'clock-shift.c')],
  { stdio: 'inherit' },
);
if (cc.status !== 0) {
  console.error('test-at: cannot build the clock shim (is a C compiler installed?)');
  process.exit(1);
}

// Computed last, right before jest starts, so the suite begins at the instant asked for.
const env = {
  ...process.env,
  LD_PRELOAD: library,
  SAU_CLOCK_SHIFT_MS: String(targetMs - Date.now()),
  ...(zone ? { TZ: zone } : {}),
};
console.error(
  `test-at: jest with the clock at ${new Date(targetMs).toISOString()}${zone ? ` (TZ=${zone})` : ''}`,
);
const jest = spawnSync(process.execPath, [require.resolve('jest/bin/jest'), ...args], {
  cwd: root,
  env,
  stdio: 'inherit',
});
rmSync(dir, { recursive: true, force: true });
process.exit(jest.status ?? 1);
