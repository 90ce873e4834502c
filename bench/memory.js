'use strict';
/**
 * Redis memory per live, logged-in session: INFO used_memory before and after N sessions are
 * opened and logged in (each by its own user, ids shaped like Meteor's), divided by N.
 *
 * One user per session is the worst case for the per-user structures (live users hash, day and
 * month tallies); real servers with several tabs per user spend less. Each key of the namespace is
 * then sized with MEMORY USAGE, so the table shows which structure the bytes go to.
 *
 * The same is measured for sessions with full metadata (device type, OS and version, browser/app
 * and version, a /24-truncated IPv4 address, from a realistic mix): `bytesPerSessionWithMeta` with
 * half the sessions logged in, as the issue sets the target, and `bytesPerLoggedInSessionWithMeta`
 * with every one logged in, comparable with `bytesPerSession`. Those events go through the
 * monitor's write path (a BatchWriter under its incarnation) with the metadata given as it is,
 * so the mix of clients is exactly the one chosen, not what user agents classify to.
 */
const { Redis } = require('ioredis');
const { SessionMonitor } = require('../dist');
const { ScriptRunner } = require('../dist/scripts/script-runner');
const { BatchWriter } = require('../dist/monitor/batch-writer');
const { encodeSessionMeta } = require('../dist/session/session-meta');
const { ZonedCalendar } = require('../dist/time/zoned-calendar');
const { seededRandom } = require('../dist/demo/random');
const { meteorIds } = require('./meteor-id');
const { realisticMeta } = require('./realistic-meta');
const { infoMemory } = require('./memory-info');
const { scanKeys, deleteKeys } = require('./scan-keys');

/** Sessions per batch in the metadata runs: the monitor's default batch is 1000 events. */
const META_BATCH_SESSIONS = 500;

/** YYYY-MM-DD of `ms` in `timeZone`: the day whose keys the monitor writes. */
function dateIn(ms, timeZone) {
  return new Intl.DateTimeFormat('en-CA', { timeZone }).format(new Date(ms));
}

/**
 * Memory per session without metadata, then (unless `withMeta` is false) with it (see the top of
 * this file). `whileLive({ sessions })` runs while the sessions without metadata are live and
 * measured, before they are removed: stats latency is measured there.
 */
async function runMemory({ withMeta = true, ...options }) {
  const plain = await measurePlain(options);
  return withMeta ? { ...plain, ...(await runMemoryWithMeta(options)) } : plain;
}

/**
 * Sessions are opened in chunks with a flush after each, like ingest, so the measured delta holds
 * the data and not a million queued arguments in a client buffer. Afterwards the namespace's keys
 * are deleted before the monitor stops: a graceful stop would close (and log) every session one
 * by one, which takes longer than the measurement at a million sessions.
 */
async function measurePlain({
  url,
  namespace,
  sessions = 100_000,
  chunkSessions = 10_000,
  // Ids may be handed in (shared with other measurements, as making a million takes seconds).
  sessionIds = meteorIds(sessions),
  userIds = meteorIds(sessions),
  whileLive = async () => undefined,
  log = () => undefined,
}) {
  const client = new Redis(url);
  const errors = [];
  // No gauge sampling: the stats() rows measured while these sessions are live decide when the
  // window cache is built (stats-latency.js), and a sample between them would build it early.
  const monitor = new SessionMonitor({
    redis: url,
    namespace,
    instanceId: 'bench-memory',
    gaugeIntervalMs: 0,
  });
  monitor.on('error', (err) => errors.push(err));
  try {
    await warmUp(url, `${namespace}-warmup`);
    await monitor.start();
    if (sessionIds.length < sessions || userIds.length < sessions) {
      throw new Error(`memory: fewer ids than the ${sessions} sessions to open`);
    }

    const before = await infoMemory(client);
    for (let i = 0; i < sessions; i++) {
      monitor.open({ id: sessionIds[i], clientAddress: '10.0.0.1', userAgent: 'bench' });
      monitor.login(sessionIds[i], userIds[i]);
      if ((i + 1) % chunkSessions === 0) await monitor.flush();
    }
    await monitor.flush();
    const after = await infoMemory(client);
    if (errors.length > 0) {
      throw new Error(`monitor reported ${errors.length} errors, first: ${errors[0].message}`);
    }

    const delta = after.used_memory - before.used_memory;
    const live = await client.hgetall(monitor.keys.live());
    const liveUsers = Number(live.users);
    if (Number(live.sessions) !== sessions || liveUsers !== sessions) {
      throw new Error(
        `expected ${sessions} live sessions and users, found ${live.sessions} and ${liveUsers}`,
      );
    }

    const structures = await sizeStructures(client, monitor, sessions);
    const sized = structures.reduce((sum, s) => sum + s.bytes, 0);
    await whileLive({ sessions });
    await deleteKeys(client, monitor.keys.prefix);
    log(
      `memory: used_memory ${before.used_memory} -> ${after.used_memory} (+${delta}) for ${sessions} sessions`,
    );
    return {
      sessions,
      usedMemoryBefore: before.used_memory,
      usedMemoryAfter: after.used_memory,
      usedMemoryDelta: delta,
      bytesPerSession: round1(delta / sessions),
      // Redis's own split of the delta: per-key data vs. server overhead (clients, keyspace tables).
      datasetDelta: after.used_memory_dataset - before.used_memory_dataset,
      overheadDelta: after.used_memory_overhead - before.used_memory_overhead,
      // Client buffers and allocator bookkeeping that MEMORY USAGE of the keys does not see.
      clientBuffersDelta: (after.mem_clients_normal ?? 0) - (before.mem_clients_normal ?? 0),
      unattributedBytesPerSession: round1((delta - sized) / sessions),
      structures,
      exactThreshold: monitor.options.exactThreshold,
    };
  } finally {
    await monitor.stop().catch((err) => log(`memory: stop failed: ${err.message}`));
    client.disconnect();
  }
}

/**
 * Memory per session with full metadata: half the sessions logged in (the target's case), then
 * every session logged in. Each run uses its own namespace and monitor, stopped before the next.
 */
async function runMemoryWithMeta({ url, namespace, sessions, log }) {
  const half = await measureWithMeta({
    url,
    namespace: `${namespace}-meta-half`,
    sessions,
    loggedInShare: 0.5,
    log,
  });
  const all = await measureWithMeta({
    url,
    namespace: `${namespace}-meta-all`,
    sessions,
    loggedInShare: 1,
    log,
  });
  return {
    bytesPerSessionWithMeta: half.bytesPerSession,
    bytesPerLoggedInSessionWithMeta: all.bytesPerSession,
    withMeta: { halfLoggedIn: half, allLoggedIn: all },
  };
}

async function measureWithMeta({ url, namespace, sessions, loggedInShare, log }) {
  const client = new Redis(url);
  const instanceId = 'bench-memory-meta';
  const monitor = new SessionMonitor({ redis: url, namespace, instanceId });
  const errors = [];
  monitor.on('error', (err) => errors.push(err));
  try {
    await monitor.start();
    const runner = new ScriptRunner(client);
    const calendar = new ZonedCalendar(monitor.options.timezone);
    const random = seededRandom(0x3e7a);
    const sessionIds = meteorIds(sessions);
    const userIds = meteorIds(sessions);
    const loggedIn = Math.round(sessions * loggedInShare);

    const before = await infoMemory(client);
    let events = [];
    let seq = 0;
    const writer = new BatchWriter(runner, monitor.keys, calendar, {
      instanceId,
      incarnation: monitor.incarnation,
      exactThreshold: monitor.options.exactThreshold,
      retentionDays: monitor.options.retentionDays,
    });
    const send = async () => {
      if (events.length === 0) return;
      const result = await writer.write(events, seq, calendar.dayAt(Date.now()));
      if (result.status !== 0) throw new Error(`applyBatch answered status ${result.status}`);
      seq += events.length / 3;
      events = [];
    };
    for (let i = 0; i < sessions; i++) {
      // Every other session logs in when half do, so both kinds spread over the whole run.
      const logsIn = loggedInShare >= 1 || (i % 2 === 0 && i / 2 < loggedIn);
      events.push('o', sessionIds[i], encodeSessionMeta(realisticMeta(random)));
      if (logsIn) events.push('i', sessionIds[i], userIds[i]);
      if ((i + 1) % META_BATCH_SESSIONS === 0) await send();
    }
    await send();
    const after = await infoMemory(client);
    if (errors.length > 0) {
      throw new Error(`monitor reported ${errors.length} errors, first: ${errors[0].message}`);
    }
    const live = await client.hgetall(monitor.keys.live());
    if (Number(live.sessions) !== sessions) {
      throw new Error(`expected ${sessions} live sessions with metadata, found ${live.sessions}`);
    }
    const delta = after.used_memory - before.used_memory;
    const structures = await sizeStructures(client, monitor, sessions);
    const sized = structures.reduce((sum, s) => sum + s.bytes, 0);
    // As in measurePlain: deleted, not closed one by one by a graceful stop.
    await deleteKeys(client, monitor.keys.prefix);
    log(
      `memory with metadata (${Math.round(loggedInShare * 100)}% logged in): +${delta} for ${sessions} sessions`,
    );
    return {
      sessions,
      loggedInSessions: Number(sessions) - Number(live.anonymous),
      usedMemoryDelta: delta,
      bytesPerSession: round1(delta / sessions),
      unattributedBytesPerSession: round1((delta - sized) / sessions),
      structures,
    };
  } finally {
    await monitor.stop().catch((err) => log(`memory: stop failed: ${err.message}`));
    client.disconnect();
  }
}

/**
 * Loads the scripts into the server's script cache (and creates nothing in the measured
 * namespace), so the cached Lua source is not counted as session memory.
 */
async function warmUp(url, namespace) {
  const monitor = new SessionMonitor({ redis: url, namespace, instanceId: 'bench-memory-warmup' });
  await monitor.start();
  monitor.open({ id: 'warmup-session' });
  monitor.login('warmup-session', 'warmup-user');
  monitor.close('warmup-session');
  await monitor.flush();
  await monitor.stop();
}

/** MEMORY USAGE (every element, SAMPLES 0) and encoding of each key the sessions created. */
async function sizeStructures(client, monitor, sessions) {
  const [seconds] = await client.time();
  const date = dateIn(Number(seconds) * 1000, monitor.options.timezone);
  const keys = monitor.keys;
  const labels = new Map([
    [keys.instanceSessions(monitor.options.instanceId, monitor.incarnation), 'instance sessions'],
    [keys.dayBreakdownUsers(date), 'day breakdown users'],
    [keys.live(), 'live totals, breakdowns, profiles'],
    [keys.instance(monitor.options.instanceId), 'instance'],
    [keys.leases(), 'leases'],
    [keys.day(date), 'day, with its breakdowns'],
    [keys.dayUsers(date), 'day users'],
    [keys.dayUsersHll(date), 'day users hll'],
    [keys.month(date.slice(0, 7)), 'month'],
    [keys.monthUsers(date.slice(0, 7)), 'month users'],
    [keys.monthUsersHll(date.slice(0, 7)), 'month users hll'],
  ]);
  const out = [];
  for (const key of await scanKeys(client, keys.prefix)) {
    const bytes = Number(await client.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
    const encoding = String(await client.call('OBJECT', 'ENCODING', key));
    const type = await client.type(key);
    out.push({
      structure:
        labels.get(key) ?? (key.startsWith(`${keys.prefix}live:users:`) ? 'live users' : 'other'),
      key,
      type,
      encoding,
      bytes,
      bytesPerSession: round1(bytes / sessions),
    });
  }
  return mergeLiveUsers(out, keys.prefix, sessions).sort((a, b) => b.bytes - a.bytes);
}

/** The live users hashes (up to 4096) as one row, with how many there are and their encodings. */
function mergeLiveUsers(rows, prefix, sessions) {
  const hashes = rows.filter((row) => row.structure === 'live users');
  if (hashes.length === 0) return rows;
  const bytes = hashes.reduce((sum, row) => sum + row.bytes, 0);
  const encodings = [...new Set(hashes.map((row) => row.encoding))].join('+');
  return [
    ...rows.filter((row) => row.structure !== 'live users'),
    {
      structure: 'live users',
      key: `${prefix}live:users:* (${hashes.length} hashes)`,
      type: 'hash',
      encoding: encodings,
      bytes,
      bytesPerSession: round1(bytes / sessions),
    },
  ];
}

function round1(n) {
  return Math.round(n * 10) / 10;
}

module.exports = { runMemory };
