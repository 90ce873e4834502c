'use strict';
/**
 * The Centrifugo-style peer: what Centrifugo's Redis presence does per connection event, fed the
 * same event stream (bench/event-stream.js) as the library and the naive counter, on the same Redis.
 *
 * It follows centrifugal/centrifuge's RedisPresenceManager with user mapping on (presence_redis.go,
 * which runs internal/redis_lua/presence_add.lua and presence_rem.lua): per channel a presence
 * zset (client id -> expire-at, seconds), a presence hash (client id -> ClientInfo protobuf), a
 * per-user zset (user id -> expire-at) and a per-user hash (user id -> connection count); every
 * add refreshes the four keys' TTL (PresenceTTL, 60 s by default) and the expire-at is the node's
 * own clock plus that TTL. Here the whole server is one channel (one hash tag), so its presence
 * counts live sessions and distinct live users as the library's `now` does.
 *
 * Per event one EVALSHA of one of two small scripts, loaded once before the clock starts:
 *   open   add, user mapping off: ZADD + HSET of the client, EXPIRE of both keys
 *   login  add, user mapping on: the same, ZADD of the user, HINCRBY of its count, EXPIREs
 *   close  rem: HDEL + ZREM of the client, HINCRBY -1 of its user, ZREM + HDEL of it at 0
 * One departure, forced by the stream: a Centrifugo client has its user from connect, so its add
 * counts the user only for a client not yet in the hash (HEXISTS), which keeps the refresh every
 * 25 s idempotent. Our sessions log in after they opened, anonymously, so the login would find the
 * client and never count its user; the test is instead whether the stored info is already this one
 * (HGET and compare): the same O(1) read, still idempotent for a refresh.
 *
 * Unlike the library and the naive counter (one call in flight), the peer keeps up to
 * IN_FLIGHT calls outstanding on its one connection, as a busy Centrifugo node's connection does.
 * What it does not do, it does not pay for: no day or month tallies, no durations, no breakdowns,
 * no lease of the instance (expired entries are found by their score when presence is read).
 */
const { Redis } = require('ioredis');
const { ingestEvents } = require('./event-stream');
const { readCounters, diffCounters } = require('./server-counters');

/** EVALSHA calls kept outstanding on the connection. */
const IN_FLIGHT = 128;
/** Centrifugo's default PresenceTTL (RedisPresenceManagerConfig), in seconds. */
const PRESENCE_TTL_SECONDS = 60;

// The two scripts, in the order and with the calls of Centrifugo's (see the header above).
const ADD_PRESENCE = `--[[
  Add or refresh a client's presence (Centrifugo presence_add.lua, user mapping variant).
  Input:
    KEYS[1] presence zset, KEYS[2] presence hash, KEYS[3] per-user zset, KEYS[4] per-user hash
    ARGV[1] key expire seconds, ARGV[2] expire at for the members, ARGV[3] client id,
    ARGV[4] info payload, ARGV[5] user id, ARGV[6] user mapping "0" or "1"
  Output:
    nil
]]
local rcall = redis.call
local presenceZset, presenceHash, userZset, userHash = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local ttl, expireAt, client, info, user, mapUser = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local isNewClient = false
if mapUser ~= '0' then
  isNewClient = rcall('hget', presenceHash, client) ~= info
end
rcall('zadd', presenceZset, expireAt, client)
rcall('hset', presenceHash, client, info)
rcall('expire', presenceZset, ttl)
rcall('expire', presenceHash, ttl)
if mapUser ~= '0' then
  rcall('zadd', userZset, expireAt, user)
  rcall('expire', userZset, ttl)
  if isNewClient then
    rcall('hincrby', userHash, user, 1)
  end
  rcall('expire', userHash, ttl)
end
`;

const REMOVE_PRESENCE = `--[[
  Remove a client's presence (Centrifugo presence_rem.lua).
  Input:
    KEYS[1] presence zset, KEYS[2] presence hash, KEYS[3] per-user zset, KEYS[4] per-user hash
    ARGV[1] client id, ARGV[2] user id, ARGV[3] user mapping "0" or "1"
  Output:
    nil
]]
local rcall = redis.call
local presenceZset, presenceHash, userZset, userHash = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local client, user, mapUser = ARGV[1], ARGV[2], ARGV[3]
local clientExists = false
if mapUser ~= '0' then
  clientExists = rcall('hexists', presenceHash, client) == 1
end
rcall('hdel', presenceHash, client)
rcall('zrem', presenceZset, client)
if mapUser ~= '0' and clientExists then
  local connections = rcall('hincrby', userHash, user, -1)
  if connections <= 0 then
    rcall('zrem', userZset, user)
    rcall('hdel', userHash, user)
  end
end
`;

/** The commands the two scripts call: what commandsPerEvent counts (and nothing the checks send). */
const SCRIPT_CALLS = new Set([
  'zadd',
  'hset',
  'expire',
  'hget',
  'hincrby',
  'hexists',
  'hdel',
  'zrem',
]);

/** Centrifugo's key names for one channel (presence_redis.go), hash-tagged as on a Cluster. */
function presenceKeys(channel) {
  const ch = `{${channel}}`;
  return [
    `centrifuge.presence.expire.${ch}`,
    `centrifuge.presence.data.${ch}`,
    `centrifuge.presence.user.expire.${ch}`,
    `centrifuge.presence.user.clients.${ch}`,
  ];
}

/**
 * The presence hash's value: protocol.ClientInfo as protobuf (user = 1, client = 2; an empty
 * string is not written), as infoToProto(info).MarshalVT() stores it. Ids here are ASCII.
 */
function clientInfo(client, user) {
  const field = (tag, text) => (text ? String.fromCharCode(tag, text.length) + text : '');
  return field(0x0a, user) + field(0x12, client);
}

/**
 * Events per second of the peer over `workload`. Its counts are checked halfway through (the
 * clock paused meanwhile) against what the stream says is live, and again at the end, when
 * everything must be gone.
 */
async function runCentrifugoPeer({ url, namespace, workload, log = () => undefined }) {
  const client = new Redis(url);
  const keys = presenceKeys(namespace);
  try {
    const addSha = await client.script('LOAD', ADD_PRESENCE);
    const remSha = await client.script('LOAD', REMOVE_PRESENCE);
    const ttl = String(PRESENCE_TTL_SECONDS);
    /** What the node knows of each live session: sessionId -> userId once logged in, else ''. */
    const live = new Map();
    const liveUsers = new Map();

    let inFlight = 0;
    let failure;
    let wake;
    const settled = () => {
      inFlight--;
      if (wake) {
        const resume = wake;
        wake = undefined;
        resume();
      }
    };
    const failed = (err) => {
      failure ??= err;
      settled();
    };
    const waitBelow = async (limit) => {
      while (inFlight > limit) await new Promise((resolve) => (wake = resolve));
      if (failure) throw failure;
    };
    const send = (sha, args) => {
      inFlight++;
      client.evalsha(sha, 4, ...keys, ...args).then(settled, failed);
    };

    const checkAt = Math.floor(workload.events / 2);
    let events = 0;
    let pausedMs = 0;
    let midCheck;
    const countersBefore = await readCounters(client);
    const started = process.hrtime.bigint();
    for (const [op, sessionId, userId] of ingestEvents(workload)) {
      await waitBelow(IN_FLIGHT - 1);
      // Like Centrifugo, the expire-at comes from this process's clock.
      const expireAt = String(Math.floor(Date.now() / 1000) + PRESENCE_TTL_SECONDS);
      if (op === 'open') {
        live.set(sessionId, '');
        send(addSha, [ttl, expireAt, sessionId, clientInfo(sessionId, ''), '', '0']);
      } else if (op === 'login') {
        live.set(sessionId, userId);
        liveUsers.set(userId, (liveUsers.get(userId) ?? 0) + 1);
        send(addSha, [ttl, expireAt, sessionId, clientInfo(sessionId, userId), userId, '1']);
      } else {
        const user = live.get(sessionId);
        live.delete(sessionId);
        if (user) {
          const left = liveUsers.get(user) - 1;
          if (left === 0) liveUsers.delete(user);
          else liveUsers.set(user, left);
        }
        send(remSha, [sessionId, user, user ? '1' : '0']);
      }
      if (++events === checkAt) {
        const pausedAt = process.hrtime.bigint();
        await waitBelow(0);
        midCheck = await verifyLive(client, keys, live, liveUsers);
        pausedMs = Number(process.hrtime.bigint() - pausedAt) / 1e6;
      }
    }
    await waitBelow(0);
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6 - pausedMs;
    const server = diffCounters(countersBefore, await readCounters(client));
    await verifyLive(client, keys, live, liveUsers);
    const left = await client.exists(...keys);
    if (left !== 0) throw new Error(`centrifugo peer: ${left} presence keys left after the stream`);

    const eventsPerSec = events / (elapsedMs / 1000);
    const scriptCalls = server.commands.filter((c) => SCRIPT_CALLS.has(c.command));
    const evalsha = server.commands.find((c) => c.command === 'evalsha');
    log(
      `centrifugo peer: ${events} events in ${elapsedMs.toFixed(0)} ms (${Math.round(eventsPerSec)}/s), ` +
        `halfway ${midCheck.sessions} live sessions of ${midCheck.users} users`,
    );
    return {
      events,
      inFlight: IN_FLIGHT,
      elapsedMs: Math.round(elapsedMs),
      eventsPerSec: Math.round(eventsPerSec),
      presenceTtlSeconds: PRESENCE_TTL_SECONDS,
      checkedHalfway: midCheck,
      server: {
        cpuSeconds: server.cpuSeconds,
        busyFraction: Math.round((server.cpuSeconds / (elapsedMs / 1000)) * 1000) / 1000,
        cpuUsecPerEvent: round2((server.cpuSeconds * 1e6) / events),
        scriptCalls: evalsha?.calls ?? 0,
        scriptUsecPerEvent: round2((evalsha?.usec ?? 0) / events),
        commandsPerEvent: round2(scriptCalls.reduce((sum, c) => sum + c.calls, 0) / events),
        commands: scriptCalls,
      },
    };
  } finally {
    client.disconnect();
  }
}

/** The peer's presence must say what the stream says is live: sessions, users and their counts. */
async function verifyLive(client, keys, live, liveUsers) {
  const [presenceZset, presenceHash, userZset, userHash] = keys;
  const sessions = await client.hlen(presenceHash);
  const members = await client.zcard(presenceZset);
  const users = await client.zcard(userZset);
  const counts = await client.hgetall(userHash);
  const problems = [];
  if (sessions !== live.size) problems.push(`${sessions} clients in the hash, ${live.size} live`);
  if (members !== live.size) problems.push(`${members} clients in the zset, ${live.size} live`);
  if (users !== liveUsers.size) problems.push(`${users} users in the zset, ${liveUsers.size} live`);
  const wrong = [...liveUsers].filter(([user, n]) => Number(counts[user]) !== n).length;
  if (wrong > 0 || Object.keys(counts).length !== liveUsers.size) {
    problems.push(`${wrong} users with a wrong count of ${Object.keys(counts).length}`);
  }
  if (problems.length > 0) throw new Error(`centrifugo peer counts are wrong: ${problems}`);
  return { sessions, users };
}

function round2(n) {
  return Math.round(n * 100) / 100;
}

module.exports = { runCentrifugoPeer, ADD_PRESENCE, REMOVE_PRESENCE, IN_FLIGHT };
