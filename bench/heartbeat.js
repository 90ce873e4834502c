'use strict';
/**
 * Heartbeat cost against session count (invariant 4: an O(1) heartbeat, whose cost does not grow
 * with the sessions an instance holds).
 *
 * Two SessionMonitor instances live side by side in one namespace, one holding 1,000 sessions and
 * one 100,000 (every other one logged in). Their own heartbeat timers are set far beyond the run,
 * so during a measurement window the only client talking to Redis is one that sends K heartbeats
 * of an instance through the library's heartbeat command (the very call SessionMonitor makes on
 * its timer: same script, keys and arguments), one after the other; the sizes take turns for a
 * few rounds. Per heartbeat:
 *
 * - bytes: INFO stats total_net_input_bytes + total_net_output_bytes over the window. The INFO
 *   readings that bound a window add their own bytes: the first reading's replies, taken off as
 *   their exact size (an INFO reply's length moves with its numbers' digits), and requests, of a
 *   constant size that an empty window measured right before gives. The request size is also
 *   computed from RESP and must match what Redis counted.
 * - commands: calls of every command a script ran (INFO commandstats), per heartbeat.
 * - time: EVALSHA microseconds in Redis (commandstats), and the client's round trip.
 */
const { Redis } = require('ioredis');
const { SessionMonitor } = require('../dist');
const { ScriptRunner } = require('../dist/scripts/script-runner');
const { heartbeat } = require('../dist/scripts/commands/heartbeat');
const { loadScripts } = require('../dist/scripts/script-catalog');
const { meteorIds } = require('./meteor-id');
const { readCounters, diffCounters, bulkReplyBytes } = require('./server-counters');

/** Far beyond the run: the monitors must not beat on their own during a window. */
const IDLE_INTERVAL_MS = 3_600_000;
const SCRIPT_COMMANDS = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro']);

async function runHeartbeat({
  url,
  namespace,
  sizes = [1000, 100_000],
  beats = 1000,
  rounds = 3,
  chunkSessions = 10_000,
  log = () => undefined,
}) {
  const admin = new Redis(url);
  const beater = new Redis(url);
  const runner = new ScriptRunner(beater);
  // A failing batch is retried forever (flush() would never return): fail at the first error.
  let fail;
  const failed = new Promise((_, reject) => (fail = reject));
  failed.catch(() => undefined);
  const width = String(Math.max(...sizes)).length;
  const monitors = sizes.map(
    (size) =>
      new SessionMonitor({
        redis: url,
        namespace,
        // Nothing of their own during a window: no gauge sampling either.
        gaugeIntervalMs: 0,
        // Ids of one length: an id is in every heartbeat's request, and the sizes are compared.
        instanceId: `bench-heartbeat-${String(size).padStart(width, '0')}`,
        heartbeatIntervalMs: IDLE_INTERVAL_MS,
        leaseMs: 2 * IDLE_INTERVAL_MS,
      }),
  );
  try {
    for (const [i, monitor] of monitors.entries()) {
      monitor.on('error', (err) =>
        fail(new Error(`heartbeat: monitor reported ${err.code}: ${err.message}`)),
      );
      await monitor.start();
      await Promise.race([fill(monitor, sizes[i], chunkSessions), failed]);
    }

    const instances = [];
    for (const [i, monitor] of monitors.entries()) {
      const sessionsKey = monitor.keys.instanceSessions(
        monitor.options.instanceId,
        monitor.incarnation,
      );
      const held = await admin.zcard(sessionsKey);
      if (held !== sizes[i]) {
        throw new Error(`heartbeat: instance holds ${held} sessions in Redis, not ${sizes[i]}`);
      }
      const input = {
        instanceId: monitor.options.instanceId,
        incarnation: monitor.incarnation,
        leaseMs: monitor.options.leaseMs,
      };
      const beat = async () => {
        const reply = await heartbeat(runner, monitor.keys, input);
        if (reply.status !== 0) throw new Error(`heartbeat: status ${reply.status}, not renewed`);
        return reply;
      };
      // Loads the script into Redis's cache (the windows see EVALSHA only) and warms up both ends.
      for (let k = 0; k < 100; k++) await beat();
      instances.push({ size: sizes[i], keys: monitor.keys, input, beat, rounds: [] });
    }

    // Sizes take turns, round after round, so a busy moment of the machine does not land on one
    // size only; each size's time is its median round. Bytes and commands must not vary at all.
    for (let round = 0; round < rounds; round++) {
      for (const instance of instances) {
        const empty = await measureWindow(admin, async () => undefined);
        let lastReply;
        const window = await measureWindow(admin, async () => {
          for (let k = 0; k < beats; k++) lastReply = await instance.beat();
        });
        instance.rounds.push(perBeat({ ...instance, beats, empty, window, lastReply }));
      }
    }
    const results = instances.map(({ rounds: measured }) => {
      const distinct = new Set(measured.map((r) => `${r.bytes}/${r.commands}`));
      if (distinct.size > 1) {
        throw new Error(`heartbeat: bytes/commands varied between rounds: ${[...distinct]}`);
      }
      const median = (field) => measured.map((r) => r[field]).sort((a, b) => a - b)[rounds >> 1];
      return { ...measured[0], usec: median('usec'), roundTripUsec: median('roundTripUsec') };
    });
    const [small, large] = results;
    log(
      `heartbeat: ${small.bytes} B, ${small.commands} commands, ${small.usec} us at ${small.size} sessions; ` +
        `${large.bytes} B, ${large.commands} commands, ${large.usec} us at ${large.size} sessions`,
    );
    return {
      beats,
      rounds,
      bytesAt1k: small.bytes,
      bytesAt100k: large.bytes,
      commandsAt1k: small.commands,
      commandsAt100k: large.commands,
      usecAt1k: small.usec,
      usecAt100k: large.usec,
      roundTripUsecAt1k: small.roundTripUsec,
      roundTripUsecAt100k: large.roundTripUsec,
      sizes: results,
    };
  } finally {
    for (const monitor of monitors) {
      await monitor.stop().catch((err) => log(`heartbeat: stop failed: ${err.message}`));
    }
    beater.disconnect();
    admin.disconnect();
  }
}

/** Opens `count` sessions, every other one logged in (users shared by two sessions each). */
async function fill(monitor, count, chunkSessions) {
  const sessionIds = meteorIds(count);
  const userIds = meteorIds(Math.ceil(count / 4));
  for (let i = 0; i < count; i++) {
    monitor.open({ id: sessionIds[i], clientAddress: '10.0.0.3', userAgent: 'bench' });
    if (i % 2 === 0) monitor.login(sessionIds[i], userIds[(i / 2) % userIds.length]);
    if ((i + 1) % chunkSessions === 0) await monitor.flush();
  }
  await monitor.flush();
}

/** Network bytes and command counters around `work`, and its wall time. */
async function measureWindow(admin, work) {
  const before = await readWindowCounters(admin);
  const started = process.hrtime.bigint();
  await work();
  const elapsedUs = Number(process.hrtime.bigint() - started) / 1000;
  const after = await readWindowCounters(admin);
  return {
    inBytes: after.inBytes - before.inBytes,
    // The first reading's replies left after its byte counters were read, inside the window.
    outBytes: after.outBytes - before.outBytes - before.replyBytes,
    connections: after.connections - before.connections,
    server: diffCounters(before.counters, after.counters),
    elapsedUs,
  };
}

async function readWindowCounters(admin) {
  const stats = await admin.info('stats');
  const field = (name) => Number((new RegExp(`^${name}:(\\d+)`, 'm').exec(stats) ?? [])[1]);
  const counters = await readCounters(admin);
  return {
    inBytes: field('total_net_input_bytes'),
    outBytes: field('total_net_output_bytes'),
    connections: field('total_connections_received'),
    counters,
    replyBytes: bulkReplyBytes(stats) + counters.replyBytes,
  };
}

function perBeat({ size, beats, empty, window, input, keys, lastReply }) {
  // Reading the counters is itself traffic and commands (INFO): its replies are taken off as they
  // were (measureWindow), its requests as the empty window measured them.
  if (empty.outBytes !== 0) {
    throw new Error(
      `heartbeat: ${empty.outBytes} bytes sent in an empty window: someone else talked`,
    );
  }
  const inBytes = (window.inBytes - empty.inBytes) / beats;
  const outBytes = window.outBytes / beats;
  const calls = new Map(window.server.commands.map((c) => [c.command, c]));
  for (const c of empty.server.commands) {
    const seen = calls.get(c.command);
    if (seen) calls.set(c.command, { ...seen, calls: seen.calls - c.calls });
  }
  const scripts = [...calls.values()].filter((c) => SCRIPT_COMMANDS.has(c.command));
  const inside = [...calls.values()].filter(
    (c) => !SCRIPT_COMMANDS.has(c.command) && c.command !== 'info' && c.calls > 0,
  );
  const scriptCalls = scripts.reduce((sum, c) => sum + c.calls, 0);
  // Nobody else may talk during the window: exactly one EVALSHA per heartbeat, no new connection.
  if (scriptCalls !== beats || calls.get('evalsha')?.calls !== beats) {
    throw new Error(`heartbeat: ${scriptCalls} script calls in a window of ${beats} heartbeats`);
  }
  if (window.connections !== 0) throw new Error('heartbeat: a client connected during the window');
  const expectedRequest = respRequestBytes(input, keys);
  const expectedReply = respReplyBytes(lastReply);
  return {
    size,
    bytes: round1(inBytes + outBytes),
    requestBytes: round1(inBytes),
    replyBytes: round1(outBytes),
    // What RESP says one heartbeat is; a mismatch means someone else's traffic was counted.
    expectedBytes: expectedRequest + expectedReply,
    commands: round2(inside.reduce((sum, c) => sum + c.calls, 0) / beats),
    commandsInside: Object.fromEntries(inside.map((c) => [c.command, round2(c.calls / beats)])),
    usec: round2(scripts.reduce((sum, c) => sum + c.usec, 0) / beats),
    roundTripUsec: round2(window.elapsedUs / beats),
  };
}

/** RESP size of the EVALSHA the heartbeat command sends. */
function respRequestBytes(input, keys) {
  const script = loadScripts().get('heartbeat');
  const args = [
    'evalsha',
    script.sha,
    String(script.numberOfKeys),
    keys.leases(),
    keys.instance(input.instanceId),
    input.instanceId,
    input.incarnation,
    String(input.leaseMs),
  ];
  const bulk = (s) => `$${Buffer.byteLength(s)}\r\n`.length + Buffer.byteLength(s) + 2;
  return `*${args.length}\r\n`.length + args.reduce((sum, a) => sum + bulk(a), 0);
}

/** RESP size of its reply, `*2 :status :nowMs`. */
function respReplyBytes(reply) {
  return `*2\r\n:${reply.status}\r\n:${reply.nowMs}\r\n`.length;
}

function round1(n) {
  return Math.round(n * 10) / 10;
}

function round2(n) {
  return Math.round(n * 100) / 100;
}

module.exports = { runHeartbeat };
