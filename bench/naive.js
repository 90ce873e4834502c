'use strict';
/**
 * The naive baseline: the session counter a developer would write without this library. Per event
 * one MULTI/EXEC of plain commands, awaited before the next event is sent; no Lua, no batching.
 *
 *   open   MULTI  HSET session:<id> instance openedAt   SADD instance sessions
 *                 HINCRBY live sessions 1   HINCRBY day sessions 1                        EXEC
 *   login  MULTI  HSET session:<id> user   HINCRBY live:users <user> 1
 *                 SADD + PFADD day users, SADD + PFADD month users   HINCRBY day logins 1 EXEC
 *   close  MULTI  DEL session:<id>   SREM instance sessions   HINCRBY live sessions -1
 *                 HINCRBY live:users <user> -1   HINCRBY day sessionMs, closed             EXEC
 *
 * Like the library's monitor, it keeps what a server knows in process memory (a session's user and
 * when it opened), so a close needs no read first. It has the usual flaws of such code (the day
 * is the local clock's, users whose refcount fell to 0 stay in live:users, a crashed instance's
 * sessions stay forever, day and month sets are never given up for their HyperLogLog); they are
 * not this benchmark's subject, its speed and memory are.
 *
 * Ingest uses one connection and one event in flight, as the monitor has one batch in flight on
 * its one connection: the two differ only in what a round trip carries.
 */
const { Redis } = require('ioredis');
const { ingestEvents } = require('./event-stream');
const { infoMemory } = require('./memory-info');
const { deleteKeys } = require('./scan-keys');

const INSTANCE_ID = 'bench-naive';
/** Sessions whose commands are pipelined at once while memory is filled (speed is not measured there). */
const FILL_SESSIONS_IN_FLIGHT = 500;
/** Session hashes sized with MEMORY USAGE: one per session is too many keys to size them all. */
const SAMPLED_SESSION_KEYS = 1000;

/** Key names of the naive counter: no hash tag, no namespace discipline beyond a prefix. */
function naiveKeys(namespace, date) {
  const prefix = `naive:${namespace}:`;
  const month = date.slice(0, 7);
  return {
    prefix,
    session: (id) => `${prefix}session:${id}`,
    instanceSessions: `${prefix}instance:${INSTANCE_ID}:sessions`,
    live: `${prefix}live`,
    liveUsers: `${prefix}live:users`,
    day: `${prefix}day:${date}`,
    dayUsers: `${prefix}day:${date}:users`,
    dayHll: `${prefix}day:${date}:hll`,
    monthUsers: `${prefix}month:${month}:users`,
    monthHll: `${prefix}month:${month}:hll`,
  };
}

class NaiveCounter {
  constructor(client, namespace) {
    this.client = client;
    this.keys = naiveKeys(namespace, new Date().toISOString().slice(0, 10));
    /** What the server knows of each live session: sessionId -> { userId, openedAt }. */
    this.sessions = new Map();
  }

  /** One event as its MULTI/EXEC transaction, sent and awaited by the caller. */
  send(op, sessionId, userId) {
    return this.client.multi(this.commands(op, sessionId, userId)).exec();
  }

  /** The plain commands of one event (and this process's own record of the session updated). */
  commands(op, sessionId, userId) {
    const k = this.keys;
    if (op === 'open') {
      const openedAt = Date.now();
      this.sessions.set(sessionId, { userId: undefined, openedAt });
      return [
        ['hset', k.session(sessionId), 'instance', INSTANCE_ID, 'openedAt', openedAt],
        ['sadd', k.instanceSessions, sessionId],
        ['hincrby', k.live, 'sessions', 1],
        ['hincrby', k.day, 'sessions', 1],
      ];
    }
    if (op === 'login') {
      this.sessions.get(sessionId).userId = userId;
      return [
        ['hset', k.session(sessionId), 'user', userId],
        ['hincrby', k.liveUsers, userId, 1],
        ['sadd', k.dayUsers, userId],
        ['pfadd', k.dayHll, userId],
        ['sadd', k.monthUsers, userId],
        ['pfadd', k.monthHll, userId],
        ['hincrby', k.day, 'logins', 1],
      ];
    }
    const session = this.sessions.get(sessionId);
    this.sessions.delete(sessionId);
    return [
      ['del', k.session(sessionId)],
      ['srem', k.instanceSessions, sessionId],
      ['hincrby', k.live, 'sessions', -1],
      ...(session.userId === undefined ? [] : [['hincrby', k.liveUsers, session.userId, -1]]),
      ['hincrby', k.day, 'sessionMs', Date.now() - session.openedAt],
      ['hincrby', k.day, 'closed', 1],
    ];
  }
}

/** Events per second of the naive counter over the same workload as the library's ingest. */
async function runNaiveIngest({ url, namespace, workload, log = () => undefined }) {
  const client = new Redis(url);
  try {
    const naive = new NaiveCounter(client, namespace);
    let events = 0;
    const started = process.hrtime.bigint();
    for (const [op, sessionId, userId] of ingestEvents(workload)) {
      await naive.send(op, sessionId, userId);
      events++;
    }
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    const check = await verifyNaive(client, naive.keys, workload);
    await deleteKeys(client, naive.keys.prefix);
    const eventsPerSec = events / (elapsedMs / 1000);
    log(
      `naive: ${events} events in ${elapsedMs.toFixed(0)} ms (${Math.round(eventsPerSec)}/s), ` +
        `${check.dayUsers} day users`,
    );
    return {
      events,
      elapsedMs: Math.round(elapsedMs),
      eventsPerSec: Math.round(eventsPerSec),
      commandsPerEvent: round2(commandsPerEvent(workload)),
      dayActiveUsers: check.dayUsers,
    };
  } finally {
    await client.quit();
  }
}

/** Plain commands per event of the workload, MULTI and EXEC included. */
function commandsPerEvent(workload) {
  const open = 6;
  const login = 9;
  const close = 8;
  return (workload.sessions * (open + login + close)) / workload.events;
}

/** The baseline is only a baseline if it counted right: every session once, every one closed. */
async function verifyNaive(client, keys, workload) {
  const day = await client.hgetall(keys.day);
  const live = await client.hget(keys.live, 'sessions');
  const dayUsers = await client.scard(keys.dayUsers);
  const problems = [];
  if (Number(day.sessions) !== workload.sessions) problems.push(`day sessions ${day.sessions}`);
  if (Number(day.logins) !== workload.sessions) problems.push(`day logins ${day.logins}`);
  if (Number(live) !== 0) problems.push(`live sessions ${live}`);
  if (dayUsers !== workload.distinctUsers) problems.push(`day users ${dayUsers}`);
  if (problems.length > 0) throw new Error(`naive counts are wrong: ${problems.join(', ')}`);
  return { dayUsers };
}

/**
 * Redis memory per live, logged-in session of the naive counter: used_memory before and after
 * `sessions` sessions are opened and logged in, each by its own user, as bench/memory.js measures
 * the library. Filling sends the same commands as open and login, FILL_SESSIONS_IN_FLIGHT
 * sessions' worth in one pipeline and without the MULTI/EXEC around each event: what is stored
 * does not depend on how fast or how atomically it came. Its keys are deleted afterwards.
 */
async function runNaiveMemory({
  url,
  namespace,
  sessions,
  sessionIds,
  userIds,
  log = () => undefined,
}) {
  const client = new Redis(url);
  try {
    const naive = new NaiveCounter(client, namespace);
    const before = await infoMemory(client);
    for (let i = 0; i < sessions; i += FILL_SESSIONS_IN_FLIGHT) {
      const commands = [];
      for (let j = i; j < Math.min(sessions, i + FILL_SESSIONS_IN_FLIGHT); j++) {
        commands.push(
          ...naive.commands('open', sessionIds[j]),
          ...naive.commands('login', sessionIds[j], userIds[j]),
        );
      }
      await client.pipeline(commands).exec();
    }
    const after = await infoMemory(client);
    const delta = after.used_memory - before.used_memory;
    const live = Number(await client.hget(naive.keys.live, 'sessions'));
    if (live !== sessions) throw new Error(`naive memory: ${live} live sessions, not ${sessions}`);
    const structures = await sizeNaiveStructures(client, naive.keys, sessionIds, sessions);
    log(`naive memory: +${delta} for ${sessions} sessions`);
    await deleteKeys(client, naive.keys.prefix);
    return {
      sessions,
      usedMemoryDelta: delta,
      bytesPerSession: round1(delta / sessions),
      structures,
    };
  } finally {
    await client.quit();
  }
}

/** MEMORY USAGE of each shared key, and of the session hashes from a sample of them. */
async function sizeNaiveStructures(client, keys, sessionIds, sessions) {
  const usage = async (key) => Number(await client.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
  const shared = [
    ['instance sessions set', keys.instanceSessions],
    ['live users hash', keys.liveUsers],
    ['day users set', keys.dayUsers],
    ['month users set', keys.monthUsers],
    ['day users hll', keys.dayHll],
    ['month users hll', keys.monthHll],
    ['live totals + day hashes', keys.live, keys.day],
  ];
  const out = [];
  const sample = Math.min(SAMPLED_SESSION_KEYS, sessions);
  // One pipeline: a thousand round trips one after the other take seconds on a busy machine.
  const sizes = await Promise.all(
    Array.from({ length: sample }, (_, i) =>
      usage(keys.session(sessionIds[Math.floor((i * sessions) / sample)])),
    ),
  );
  out.push({
    structure: `session hashes (${sample} sampled)`,
    bytesPerSession: round1(sizes.reduce((sum, bytes) => sum + bytes, 0) / sample),
  });
  for (const [structure, ...names] of shared) {
    let bytes = 0;
    for (const name of names) bytes += await usage(name);
    out.push({ structure, bytes, bytesPerSession: round1(bytes / sessions) });
  }
  return out;
}

function round1(n) {
  return Math.round(n * 10) / 10;
}

function round2(n) {
  return Math.round(n * 100) / 100;
}

module.exports = { runNaiveIngest, runNaiveMemory, FILL_SESSIONS_IN_FLIGHT };
