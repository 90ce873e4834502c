'use strict';
/**
 * Distinct-user accuracy: a day's active users as `SauReader.stats()` reports them, against the
 * truth, at several numbers of distinct users, in both of the tally's modes:
 *
 * - exact: the exact threshold is twice the users, so the day keeps its SET (count must be exact);
 * - hll: the threshold is half the users, so the day outgrows its SET midway and reports the
 *   HyperLogLog that was fed from the first user on (Redis's HLL: 0.81 % standard error).
 *
 * Users are counted through the markActiveUsers script (the same user tally a login runs in
 * applyBatch), `BATCH_USERS` users a call, into a namespace of its own per case, removed after.
 */
const { Redis } = require('ioredis');
const { SauReader } = require('../dist');
const { ScriptRunner } = require('../dist/scripts/script-runner');
const { markActiveUsers } = require('../dist/scripts/commands/mark-active-users');
const { Keys } = require('../dist/keys');
const { ZonedCalendar } = require('../dist/time/zoned-calendar');
const { expiryOf } = require('../dist/time/retention');
const { meteorIds } = require('./meteor-id');
const { deleteKeys } = require('./scan-keys');

const BATCH_USERS = 5000;
const RETENTION_DAYS = 400;
const MODES = {
  exact: (users) => users * 2,
  hll: (users) => Math.max(1, Math.floor(users / 2)),
};

async function runAccuracy({
  url,
  namespace,
  sizes = [10, 1000, 100_000, 1_000_000],
  log = () => undefined,
}) {
  const client = new Redis(url);
  const runner = new ScriptRunner(client);
  const calendar = new ZonedCalendar('UTC');
  // Distinct by construction; each size counts the first `users` of them.
  const userIds = meteorIds(Math.max(...sizes));
  const cases = [];
  try {
    for (const users of sizes) {
      for (const [mode, thresholdOf] of Object.entries(MODES)) {
        const caseNamespace = `${namespace}-${mode}-${users}`;
        const keys = new Keys(caseNamespace);
        const exactThreshold = thresholdOf(users);
        const [seconds] = await client.time();
        let day = calendar.dayAt(Number(seconds) * 1000);
        for (let i = 0; i < users; i += BATCH_USERS) {
          const batch = userIds.slice(i, Math.min(users, i + BATCH_USERS));
          const send = () =>
            markActiveUsers(runner, keys, {
              day,
              expiry: expiryOf(day, RETENTION_DAYS),
              exactThreshold,
              userIds: batch,
            });
          let result = await send();
          // -1: midnight passed by Redis TIME since the day was chosen; count into the new day.
          if (result.status === -1) {
            day = calendar.dayAt(result.nowMs);
            result = await send();
          }
          if (result.status !== 0) throw new Error(`markActiveUsers answered ${result.status}`);
        }
        const reader = new SauReader({ redis: url, namespace: caseNamespace });
        let stats;
        try {
          stats = await reader.stats({ window: 'day', date: day.date });
        } finally {
          await reader.close();
        }
        await deleteKeys(client, keys.prefix);
        const counted = stats.day.activeUsers;
        const expectExact = mode === 'exact';
        if (stats.day.exact !== expectExact) {
          throw new Error(
            `accuracy: ${mode} case of ${users} users reported exact=${stats.day.exact}`,
          );
        }
        const relativeError = Math.abs(counted - users) / users;
        log(
          `accuracy: ${mode} ${users} users -> ${counted} (${(relativeError * 100).toFixed(3)} %)`,
        );
        cases.push({
          users,
          mode,
          exactThreshold,
          counted,
          exact: stats.day.exact,
          relativeError: round6(relativeError),
        });
      }
    }
  } finally {
    await client.quit();
  }
  const largest = Math.max(...sizes);
  const atLargest = cases.filter((c) => c.users === largest);
  return {
    sizes,
    cases,
    largest,
    // The figure: the largest relative error, over both modes, at the largest size (1M).
    maxErrorAtLargest: Math.max(...atLargest.map((c) => c.relativeError)),
    maxErrorAt1M: largest === 1_000_000 ? Math.max(...atLargest.map((c) => c.relativeError)) : null,
    exactAllZero: cases.filter((c) => c.mode === 'exact').every((c) => c.counted === c.users),
  };
}

function round6(n) {
  return Math.round(n * 1e6) / 1e6;
}

module.exports = { runAccuracy };
