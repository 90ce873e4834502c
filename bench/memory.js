'use strict';
/**
 * Redis memory per live, logged-in session: INFO used_memory before and after N sessions are
 * opened and logged in (each by its own user, ids shaped like Meteor's), divided by N.
 *
 * One user per session is the worst case for the per-user structures (live users hash, day and
 * month tallies); real servers with several tabs per user spend less. Each key of the namespace is
 * then sized with MEMORY USAGE, so the table shows which structure the bytes go to.
 */
const { Redis } = require('ioredis');
const { SessionMonitor } = require('../dist');
const { meteorIds } = require('./meteor-id');

/** Fields of INFO memory, as numbers. */
async function infoMemory(client) {
  const text = await client.info('memory');
  const out = {};
  for (const line of text.split(/\r?\n/)) {
    const [name, value] = line.split(':');
    if (value !== undefined && /^\d+$/.test(value)) out[name] = Number(value);
  }
  return out;
}

/** YYYY-MM-DD of `ms` in `timeZone`: the day whose keys the monitor writes. */
function dateIn(ms, timeZone) {
  return new Intl.DateTimeFormat('en-CA', { timeZone }).format(new Date(ms));
}

/** Every key of the namespace, via SCAN (never KEYS, even on a private server: habits stick). */
async function namespaceKeys(client, prefix) {
  const keys = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys.sort();
}

/**
 * Sessions are opened in chunks with a flush after each, like ingest, so the measured delta holds
 * the data and not a million queued arguments in a client buffer.
 */
async function runMemory({
  url,
  namespace,
  sessions = 100_000,
  chunkSessions = 10_000,
  log = () => undefined,
}) {
  const client = new Redis(url);
  const errors = [];
  const monitor = new SessionMonitor({ redis: url, namespace, instanceId: 'bench-memory' });
  monitor.on('error', (err) => errors.push(err));
  try {
    await warmUp(url, `${namespace}-warmup`);
    await monitor.start();
    const sessionIds = meteorIds(sessions);
    const userIds = meteorIds(sessions);

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
    const liveUsers = await client.hlen(monitor.keys.liveUsers());
    if (Number(live.sessions) !== sessions || liveUsers !== sessions) {
      throw new Error(
        `expected ${sessions} live sessions and users, found ${live.sessions} and ${liveUsers}`,
      );
    }

    const structures = await sizeStructures(client, monitor, sessions);
    const sized = structures.reduce((sum, s) => sum + s.bytes, 0);
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
    [keys.liveUsers(), 'live users'],
    [keys.live(), 'live totals'],
    [keys.instance(monitor.options.instanceId), 'instance'],
    [keys.leases(), 'leases'],
    [keys.day(date), 'day'],
    [keys.dayUsers(date), 'day users'],
    [keys.dayUsersHll(date), 'day users hll'],
    [keys.month(date.slice(0, 7)), 'month'],
    [keys.monthUsers(date.slice(0, 7)), 'month users'],
    [keys.monthUsersHll(date.slice(0, 7)), 'month users hll'],
  ]);
  const out = [];
  for (const key of await namespaceKeys(client, keys.prefix)) {
    const bytes = Number(await client.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
    const encoding = String(await client.call('OBJECT', 'ENCODING', key));
    const type = await client.type(key);
    out.push({
      structure: labels.get(key) ?? 'other',
      key,
      type,
      encoding,
      bytes,
      bytesPerSession: round1(bytes / sessions),
    });
  }
  return out.sort((a, b) => b.bytes - a.bytes);
}

function round1(n) {
  return Math.round(n * 10) / 10;
}

module.exports = { runMemory };
