'use strict';
/**
 * The floor of a one-event call: the common path of applyBatch written straight, one function per
 * event type (open, login, close), one FCALL per event, with only the arguments that event needs.
 * Not the product: bench/hincrby-layout.js sets it beside applyBatch.
 *
 * Every counter is a hash field of its own, changed by HINCRBY. Each function does what applyBatch
 * does on the common path: TIME, the instance's incarnation and sequence (refused unless the call
 * is next), the member checked (ZSCORE) and written, the live totals, the user's live sessions and
 * SAU with the day's peak, the profile's live count (its labels written with its first session),
 * the breakdowns, the day's opened, logins, closed and session time, the day's and month's users
 * (set, HyperLogLog and count), each user's values of the day (distinct users by value), the
 * closed-session log (one XADD), the sequence number. It leaves out what costs nothing on that
 * path (the cap of values and "other", the exact threshold, expiries, the log's trimming) and what
 * a batch needs (sections of any length, sums by profile and value).
 *
 * Three layouts of the breakdowns, the only part they differ in:
 * - by value, as the product keeps them: live sessions, logged-in live sessions, the day's
 *   sessions opened and their time, each counted per value (device, OS, browser: three fields);
 * - none: no breakdowns at all (the profile's live count and labels stay), the floor of the rest;
 * - by profile: the same counted once per client profile (its live count is already a field,
 *   `n:<id>`; `N:<id>` logged in, `pd:<id>` opened today, `pt:<id>` their time, the profile's
 *   labels written into the day with its first session of the day), to be summed by value where
 *   they are read. The day's distinct users by value stay by value: users do not add up over
 *   profiles.
 */
const { Redis } = require('ioredis');
const { ingestEvents } = require('./event-stream');
const { readCounters, diffCounters } = require('./server-counters');

const LIBRARY = 'sau_layout_sketch';

/** Checks the call is the instance's next (KEYS[2]: instance hash); sets `now` and `seq`. */
const PREAMBLE = `
  local t = redis.call('TIME')
  local now = t[1] * 1000 + math.floor(t[2] / 1000)
  local own = redis.call('HMGET', KEYS[2], 'incarnation', 'eventSeq')
  if own[1] ~= ARGV[1] then return -2 end
  local seq = tonumber(own[2] or '0')
  if seq ~= tonumber(ARGV[2]) then return -9 end`;
const SEQUENCE = `redis.call('HSET', KEYS[2], 'eventSeq', seq + 1, 'appliedAt', now)`;

// The one client profile of the bench's user agent, and its values' fields.
const PROFILE = 'profile';
const LABELS = 'unknown\x1f\x1f\x1f\x1f';
const VALUES = ['d:unknown', 'o:unknown', 'b:unknown'];
const LOGGED_IN = VALUES.map((v) => v[0].toUpperCase() + v.slice(1));
const dayFields = (letter) => VALUES.map((v) => `${v[0]}${letter}${v.slice(1)}`);

/**
 * Per layout, the breakdowns' part of each function and the arguments it takes after the common
 * ones. Open: ARGV[1..6] incarnation, seq, member, profile count field, profile labels field,
 * labels. Login: ARGV[1..5] incarnation, seq, old member, new member, user; the day's users by
 * value from ARGV[usersFrom] (three fields, then their entries in the user's values; none where
 * usersFrom is 0). Close:
 * ARGV[1..6] incarnation, seq, member, profile count field, user, profile labels field; `ms` is
 * the session's time; the labels at ARGV[labelsAt].
 */
const LAYOUTS = {
  'by value': {
    open: `for i = 7, 9 do redis.call('HINCRBY', KEYS[1], ARGV[i], 1) end
  for i = 10, 12 do redis.call('HINCRBY', KEYS[4], ARGV[i], 1) end`,
    openArgs: [...VALUES, ...dayFields('')],
    login: `for i = 6, 8 do redis.call('HINCRBY', KEYS[1], ARGV[i], 1) end`,
    loginArgs: LOGGED_IN,
    usersFrom: 9,
    close: `for i = 7, 12 do
    if redis.call('HINCRBY', KEYS[1], ARGV[i], -1) <= 0 then redis.call('HDEL', KEYS[1], ARGV[i]) end
  end
  for i = 13, 15 do redis.call('HINCRBY', KEYS[4], ARGV[i], ms) end`,
    closeArgs: [...VALUES, ...LOGGED_IN, ...dayFields('t')],
    labelsAt: 16,
  },
  // The floor without breakdowns: the profile's live count and labels, no counts by value.
  none: {
    open: '',
    openArgs: [],
    login: '',
    loginArgs: [],
    usersFrom: 0,
    close: '',
    closeArgs: [],
    labelsAt: 7,
  },
  'by profile': {
    open: `if redis.call('HINCRBY', KEYS[4], ARGV[7], 1) == 1 then redis.call('HSET', KEYS[4], ARGV[5], ARGV[6]) end`,
    openArgs: [`pd:${PROFILE}`],
    login: `redis.call('HINCRBY', KEYS[1], ARGV[6], 1)`,
    loginArgs: [`N:${PROFILE}`],
    usersFrom: 7,
    close: `if redis.call('HINCRBY', KEYS[1], ARGV[7], -1) <= 0 then redis.call('HDEL', KEYS[1], ARGV[7]) end
  redis.call('HINCRBY', KEYS[4], ARGV[8], ms)`,
    closeArgs: [`N:${PROFILE}`, `pt:${PROFILE}`],
    labelsAt: 9,
  },
};

/** KEYS: live hash, instance hash, sessions zset, day hash. */
const open = (layout) => `${PREAMBLE}
  if redis.call('ZSCORE', KEYS[3], ARGV[3]) then return -6 end
  redis.call('ZADD', KEYS[3], now, ARGV[3])
  redis.call('HINCRBY', KEYS[1], 'sessions', 1)
  redis.call('HINCRBY', KEYS[1], 'anonymous', 1)
  if redis.call('HINCRBY', KEYS[1], ARGV[4], 1) == 1 then redis.call('HSET', KEYS[1], ARGV[5], ARGV[6]) end
  redis.call('HINCRBY', KEYS[4], 'sessions', 1)
  ${layout.open}
  ${SEQUENCE}
  return now`;

/** The day's distinct users by value: the user's values of the day, three fields from ARGV[from]. */
const usersByValue = (from) => `local values = redis.call('HGET', KEYS[11], ARGV[5]) or ''
  local changed = false
  for i = ${from}, ${from + 2} do
    if not string.find(values, ARGV[i + 3], 1, true) then
      values = values .. ARGV[i + 3]
      redis.call('HINCRBY', KEYS[4], ARGV[i], 1)
      changed = true
    end
  end
  if changed then redis.call('HSET', KEYS[11], ARGV[5], values) end`;

/**
 * KEYS: live, instance, sessions, day, live users hash, day users set, day HLL, month users set,
 * month HLL, month hash, day users' values hash.
 */
const login = (layout) => `${PREAMBLE}
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
  ${layout.login}
  redis.call('HINCRBY', KEYS[4], 'logins', 1)
  if redis.call('SADD', KEYS[6], ARGV[5]) == 1 then
    redis.call('PFADD', KEYS[7], ARGV[5])
    redis.call('HINCRBY', KEYS[4], 'activeUsers', 1)
    if redis.call('SADD', KEYS[8], ARGV[5]) == 1 then
      redis.call('PFADD', KEYS[9], ARGV[5])
      redis.call('HINCRBY', KEYS[10], 'activeUsers', 1)
    end
  end
  ${layout.usersFrom ? usersByValue(layout.usersFrom) : ''}
  ${SEQUENCE}
  return now`;

/** KEYS: live, instance, sessions, day, live users hash, closed-session log. */
const close = (layout) => `${PREAMBLE}
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
  ${layout.close}
  redis.call('HINCRBY', KEYS[4], 'closed', 1)
  redis.call('HINCRBY', KEYS[4], 'sessionMs', ms)
  redis.call('XADD', KEYS[6], 'MAXLEN', '~', 1000000, '*', 'instance', 'sketch', 'closedAt', now,
    'p' .. ARGV[4], ARGV[${layout.labelsAt}], 'm', ARGV[3], 'c', score)
  ${SEQUENCE}
  return now`;

function libraryCode(layout) {
  const fn = (name, body) => `redis.register_function('${name}', function(KEYS, ARGV)${body}\nend)`;
  return [
    `#!lua name=${LIBRARY}`,
    fn('open', open(layout)),
    fn('login', login(layout)),
    fn('close', close(layout)),
  ].join('\n');
}

/**
 * The stream through the sketch of `layoutName` ('by value', 'none' or 'by profile'), one FCALL per
 * event in turn, on the Redis at `url`; its events, script time and commands (INFO commandstats).
 */
async function runSketch(url, workload, layoutName) {
  const layout = LAYOUTS[layoutName];
  if (!layout) throw new Error(`no sketch layout ${JSON.stringify(layoutName)}`);
  const redis = new Redis(url);
  try {
    await redis.function('LOAD', 'REPLACE', libraryCode(layout));
    const k = (name) => `sau:{sketch}:${name}`;
    const [live, instance, sessions, day] = [k('live'), k('instance'), k('sessions'), k('day')];
    const userKeys = [k('dayUsers'), k('dayHll'), k('monthUsers'), k('monthHll'), k('month')];
    await redis.hset(instance, 'incarnation', 'i1', 'eventSeq', 0);
    const usersByValueArgs = [...dayFields('u'), ...VALUES.map((v) => `\x1f${v}`)];
    const usersKey = (userId) => k(`liveUsers:${userId.charCodeAt(0) % 16}`);
    const [count, labelsField] = [`n:${PROFILE}`, `p:${PROFILE}`];
    let seq = 0;
    const before = await readCounters(redis);
    for (const [op, sessionId, userId] of ingestEvents(workload)) {
      const anonymous = `${sessionId}\x1f\x1f\x1f${PROFILE}`;
      const loggedIn = `${sessionId}\x1f${userId}\x1f0\x1f${PROFILE}`;
      const common = ['i1', seq++];
      if (op === 'open') {
        const args = [...common, anonymous, count, labelsField, LABELS, ...layout.openArgs];
        await redis.fcall('open', 4, live, instance, sessions, day, ...args);
      } else if (op === 'login') {
        const byValue = layout.usersFrom ? usersByValueArgs : [];
        const args = [...common, anonymous, loggedIn, userId, ...layout.loginArgs, ...byValue];
        const keys = [live, instance, sessions, day, usersKey(userId), ...userKeys, k('byUsers')];
        await redis.fcall('login', keys.length, ...keys, ...args);
      } else {
        const args = [...common, loggedIn, count, userId, labelsField, ...layout.closeArgs, LABELS];
        const keys = [live, instance, sessions, day, usersKey(userId), k('closed')];
        await redis.fcall('close', keys.length, ...keys, ...args);
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

module.exports = { runSketch, LAYOUTS };
