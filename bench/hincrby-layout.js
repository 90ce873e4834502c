'use strict';
/**
 * How far applyBatch's one-event call is from the floor of its layout:
 * `node bench/hincrby-layout.js [--sessions 30000] [--rounds 3]`. A tool for working on the
 * script (script time at batch 1, issue 13), not a figure of the bench, and not the product: the
 * sketch here is the common path only, written straight, one function per event type.
 *
 * Each round, side by side on fresh private redis-servers: the bench's ingest stream at batch 1
 * through a SessionMonitor (applyBatch), then the same events through the sketch's three
 * functions, one FCALL per event. Both are measured the same way, by INFO commandstats: script
 * time and commands called per event.
 *
 * Both keep every counter a hash field of its own, changed by HINCRBY (includes/hashCounters.lua;
 * a day's value as three fields). The sketch does what applyBatch does on the common path: TIME,
 * the instance's incarnation and sequence (refused unless the call is next), the member checked
 * (ZSCORE) and written, the live totals, the user's live sessions and SAU with the day's peak,
 * the profile's live count (its labels written with its first session), live sessions and
 * logged-in sessions by value, the day's opened, logins, closed and session time, by value too,
 * the day's and month's users (set, HyperLogLog and count), each user's values of the day
 * (distinct users by value), the closed-session log (one XADD), the sequence number. It leaves out
 * what costs nothing on that path (the cap of values and "other", the exact threshold, expiries,
 * the log's trimming) and what a batch needs: sections of any length, sums by profile and value,
 * a batch's arguments (applyBatch gets about 50 and 13 keys at batch 1, the sketch 10 to 16).
 */
const { parseArgs } = require('node:util');
const { Redis } = require('ioredis');
const { startPrivateRedis } = require('./redis-process');
const { ingestEvents, ingestWorkload } = require('./event-stream');
const { runIngest } = require('./ingest');
const { readCounters, diffCounters } = require('./server-counters');
const { positiveFlag } = require('./options');

const USAGE = 'node bench/hincrby-layout.js [--sessions 30000] [--rounds 3]';
const LIBRARY = 'sau_hincrby_layout_sketch';

/** Checks the call is the instance's next (KEYS[2]: instance hash); sets `now` and `seq`. */
const PREAMBLE = `
  local t = redis.call('TIME')
  local now = t[1] * 1000 + math.floor(t[2] / 1000)
  local own = redis.call('HMGET', KEYS[2], 'incarnation', 'eventSeq')
  if own[1] ~= ARGV[1] then return -2 end
  local seq = tonumber(own[2] or '0')
  if seq ~= tonumber(ARGV[2]) then return -9 end`;
const SEQUENCE = `redis.call('HSET', KEYS[2], 'eventSeq', seq + 1, 'appliedAt', now)`;

// KEYS: live hash, instance hash, sessions zset, day hash. ARGV: incarnation, seq, member,
// profile count field, profile labels field, labels, live value fields (3), day opened fields (3).
const OPEN = `${PREAMBLE}
  if redis.call('ZSCORE', KEYS[3], ARGV[3]) then return -6 end
  redis.call('ZADD', KEYS[3], now, ARGV[3])
  redis.call('HINCRBY', KEYS[1], 'sessions', 1)
  redis.call('HINCRBY', KEYS[1], 'anonymous', 1)
  if redis.call('HINCRBY', KEYS[1], ARGV[4], 1) == 1 then redis.call('HSET', KEYS[1], ARGV[5], ARGV[6]) end
  for i = 7, 9 do redis.call('HINCRBY', KEYS[1], ARGV[i], 1) end
  redis.call('HINCRBY', KEYS[4], 'sessions', 1)
  for i = 10, 12 do redis.call('HINCRBY', KEYS[4], ARGV[i], 1) end
  ${SEQUENCE}
  return now`;

// KEYS: live, instance, sessions, day, live users hash, day users set, day HLL, month users set,
// month HLL, month hash, day users' values hash. ARGV: incarnation, seq, old member, new member,
// user, logged-in value fields (3), day users-by-value fields (3), their entries (3).
const LOGIN = `${PREAMBLE}
  local score = redis.call('ZSCORE', KEYS[3], ARGV[3])
  if not score or redis.call('ZSCORE', KEYS[3], ARGV[4]) then return -6 end
  redis.call('ZREM', KEYS[3], ARGV[3])
  redis.call('ZADD', KEYS[3], score, ARGV[4])
  redis.call('HINCRBY', KEYS[1], 'anonymous', -1)
  if redis.call('HINCRBY', KEYS[5], ARGV[5], 1) == 1 then
    local users = redis.call('HINCRBY', KEYS[1], 'users', 1)
    if users > tonumber(redis.call('HGET', KEYS[4], 'peakUsers') or '0') then
      redis.call('HSET', KEYS[4], 'peakUsers', users, 'peakAt', now)
    end
  end
  for i = 6, 8 do redis.call('HINCRBY', KEYS[1], ARGV[i], 1) end
  redis.call('HINCRBY', KEYS[4], 'logins', 1)
  if redis.call('SADD', KEYS[6], ARGV[5]) == 1 then
    redis.call('PFADD', KEYS[7], ARGV[5])
    redis.call('HINCRBY', KEYS[4], 'activeUsers', 1)
    if redis.call('SADD', KEYS[8], ARGV[5]) == 1 then
      redis.call('PFADD', KEYS[9], ARGV[5])
      redis.call('HINCRBY', KEYS[10], 'activeUsers', 1)
    end
  end
  local values = redis.call('HGET', KEYS[11], ARGV[5]) or ''
  local changed = false
  for i = 9, 11 do
    if not string.find(values, ARGV[i + 3], 1, true) then
      values = values .. ARGV[i + 3]
      redis.call('HINCRBY', KEYS[4], ARGV[i], 1)
      changed = true
    end
  end
  if changed then redis.call('HSET', KEYS[11], ARGV[5], values) end
  ${SEQUENCE}
  return now`;

// KEYS: live, instance, sessions, day, live users hash, closed-session log. ARGV: incarnation, seq,
// member, profile count field, user, profile labels field, live value fields (3), logged-in ones
// (3), day time fields (3), labels.
const CLOSE = `${PREAMBLE}
  local score = redis.call('ZSCORE', KEYS[3], ARGV[3])
  if not score then return -6 end
  redis.call('ZREM', KEYS[3], ARGV[3])
  local ms = now - tonumber(score)
  redis.call('HINCRBY', KEYS[1], 'sessions', -1)
  if redis.call('HINCRBY', KEYS[5], ARGV[5], -1) <= 0 then
    redis.call('HDEL', KEYS[5], ARGV[5])
    redis.call('HINCRBY', KEYS[1], 'users', -1)
  end
  if redis.call('HINCRBY', KEYS[1], ARGV[4], -1) <= 0 then redis.call('HDEL', KEYS[1], ARGV[4], ARGV[6]) end
  for i = 7, 12 do
    if redis.call('HINCRBY', KEYS[1], ARGV[i], -1) <= 0 then redis.call('HDEL', KEYS[1], ARGV[i]) end
  end
  redis.call('HINCRBY', KEYS[4], 'closed', 1)
  redis.call('HINCRBY', KEYS[4], 'sessionMs', ms)
  for i = 13, 15 do redis.call('HINCRBY', KEYS[4], ARGV[i], ms) end
  redis.call('XADD', KEYS[6], 'MAXLEN', '~', 1000000, '*', 'instance', 'sketch', 'closedAt', now,
    'p' .. ARGV[4], ARGV[16], 'm', ARGV[3], 'c', score)
  ${SEQUENCE}
  return now`;

function libraryCode() {
  const fn = (name, body) => `redis.register_function('${name}', function(KEYS, ARGV)${body}\nend)`;
  return [`#!lua name=${LIBRARY}`, fn('open', OPEN), fn('login', LOGIN), fn('close', CLOSE)].join(
    '\n',
  );
}

/** The stream through the sketch, one FCALL per event in turn; its script time and commands. */
async function runSketch(url, workload) {
  const redis = new Redis(url);
  try {
    await redis.function('LOAD', 'REPLACE', libraryCode());
    const k = (name) => `sau:{sketch}:${name}`;
    const [live, instance, sessions, day] = [k('live'), k('instance'), k('sessions'), k('day')];
    const userKeys = [k('dayUsers'), k('dayHll'), k('monthUsers'), k('monthHll'), k('month')];
    await redis.hset(instance, 'incarnation', 'i1', 'eventSeq', 0);
    // One client profile, as the bench's user agent gives: its values' fields, as the writer names them.
    const labels = 'unknown\x1f\x1f\x1f\x1f';
    const values = ['d:unknown', 'o:unknown', 'b:unknown'];
    const field = (suffix) => values.map((v) => `${v}|${suffix}`);
    const loggedIn = values.map((v) => v.toUpperCase().slice(0, 1) + v.slice(1));
    const entries = values.map((v) => `\x1f${v}`);
    const usersKey = (userId) => k(`liveUsers:${userId.charCodeAt(0) % 16}`);
    let seq = 0;
    const before = await readCounters(redis);
    for (const [op, sessionId, userId] of ingestEvents(workload)) {
      const loggedInMember = `${sessionId}\x1f${userId}\x1f0\x1fprofile`;
      const common = ['i1', seq++];
      if (op === 'open') {
        const args = [...common, `${sessionId}\x1f\x1f\x1fprofile`, 'n:profile', 'p:profile'];
        args.push(labels, ...values, ...field('opened'));
        await redis.fcall('open', 4, live, instance, sessions, day, ...args);
      } else if (op === 'login') {
        const args = [...common, `${sessionId}\x1f\x1f\x1fprofile`, loggedInMember, userId];
        args.push(...loggedIn, ...field('users'), ...entries);
        await redis.fcall(
          'login',
          11,
          live,
          instance,
          sessions,
          day,
          usersKey(userId),
          ...userKeys,
          k('dayUserValues'),
          ...args,
        );
      } else {
        const args = [...common, loggedInMember, 'n:profile', userId, 'p:profile'];
        args.push(...values, ...loggedIn, ...field('ms'), labels);
        await redis.fcall(
          'close',
          6,
          live,
          instance,
          sessions,
          day,
          usersKey(userId),
          k('closed'),
          ...args,
        );
      }
    }
    const server = diffCounters(before, await readCounters(redis));
    // A speed means nothing if the counts are wrong: every session counted once, and closed.
    const left = await redis.hmget(live, 'sessions', 'users', 'anonymous');
    if (left.some((n) => Number(n) !== 0)) throw new Error(`the sketch left ${left} live`);
    const counted = await redis.hmget(day, 'sessions', 'logins', 'closed');
    if (counted.some((n) => Number(n) !== workload.sessions)) {
      throw new Error(
        `the sketch counted ${counted} sessions, logins, closes of ${workload.sessions}`,
      );
    }
    return { events: seq, ...server };
  } finally {
    redis.disconnect();
  }
}

function options(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        sessions: { type: 'string', default: '30000' },
        rounds: { type: 'string', default: '3' },
      },
    }));
  } catch (err) {
    throw new Error(`${err.message}\n${USAGE}`);
  }
  return {
    sessions: positiveFlag('sessions', values.sessions, USAGE),
    rounds: positiveFlag('rounds', values.rounds, USAGE),
  };
}

async function main() {
  const { sessions, rounds } = options(process.argv.slice(2));
  // The bench's workload (bench/run.js defaults), sized by --sessions.
  const workload = ingestWorkload({
    sessions,
    users: Math.ceil((sessions * 2) / 3),
    liveSessions: Math.ceil(sessions / 6),
  });
  const perEvent = (usec, events) => (usec / events).toFixed(2);
  for (let round = 1; round <= rounds; round++) {
    for (const side of ['applyBatch', 'sketch']) {
      const server = await startPrivateRedis();
      try {
        if (side === 'applyBatch') {
          const run = await runIngest({
            url: server.url,
            namespace: 'b',
            workload,
            maxBatchSize: 1,
          });
          console.log(
            `round ${round}  applyBatch, batch 1  ${run.server.scriptUsecPerEvent} us of script ` +
              `an event, ${run.server.commandsPerEvent} commands`,
          );
        } else {
          const run = await runSketch(server.url, workload);
          console.log(
            `round ${round}  HINCRBY sketch       ${perEvent(run.scriptMs * 1000, run.events)} us ` +
              `of script an event, ${(run.commandsInsideScripts / run.events).toFixed(2)} commands`,
          );
        }
      } finally {
        await server.stop();
      }
    }
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err.message);
    process.exit(1);
  },
);
