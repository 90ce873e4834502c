import { Redis } from 'ioredis';
import { SessionMonitor } from '../../src';
import type { ClosedSession } from '../../src/reader/closed-sessions';
import {
  closedMembersValue,
  closedTimesValue,
  parseClosedEntry,
} from '../../src/session/closed-record';
import { encodeClientAddress } from '../../src/session/session-meta';
import { SauReaper } from '../../src/monitor/sau-reaper';
import { startRedis, uniqueNamespace, type TestRedis } from '../support/redis-server';
import { redisNowMs, useMonitors } from '../support/monitor-harness';
import { storedSessionOf } from '../support/stored-sessions';

const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
/** Small stream nodes, so the approximate MAXLEN trims close to the cap. */
const NODE_ENTRIES = 4;

describe('closed-session log', () => {
  let server: TestRedis;
  let client: Redis;
  beforeAll(async () => {
    server = await startRedis(['--stream-node-max-entries', String(NODE_ENTRIES)]);
    client = new Redis(server.url);
  });
  afterAll(async () => {
    await client?.quit();
    await server?.stop();
  });
  const harness = useMonitors(() => server.url);

  /** Every logged session, oldest first, with the fields one record per session used to have. */
  async function entries(monitor: SessionMonitor): Promise<Record<string, string>[]> {
    const raw = await client.xrange(monitor.keys.closedSessions(), '-', '+');
    return raw.flatMap(([, fields]) =>
      parseClosedEntry(fields).map((r) => ({
        sessionId: r.sessionId,
        userId: r.userId ?? '',
        instance: r.instanceId,
        connectedAt: String(r.connectedAt),
        closedAt: String(r.closedAt),
        durationMs: String(r.durationMs),
        loginAt: r.loginAt === null ? '' : String(r.loginAt),
        device: r.deviceType,
        os: r.osName,
        osVersion: r.osVersion,
        client: r.clientName,
        clientVersion: r.clientVersion,
        address: encodeClientAddress(r.clientAddress),
      })),
    );
  }

  function member(monitor: SessionMonitor, sessionId: string) {
    const key = monitor.keys.instanceSessions(monitor.options.instanceId, monitor.incarnation);
    return storedSessionOf(client, key, sessionId);
  }

  it('stop() in many small calls, several in flight, closes and logs each session once', async () => {
    const namespace = uniqueNamespace('closed-log');
    // 7 sessions a call, 3 in flight: reads of 21 ahead, and a last call of 4 sessions.
    const { monitor, errors } = await harness.start({
      namespace,
      instanceId: 'app-1',
      closeBatchSize: 7,
      closeCallsInFlight: 3,
    });
    const ids = Array.from({ length: 200 }, (_, i) => `s-${i}`);
    for (const [i, id] of ids.entries()) {
      monitor.open({ id });
      if (i % 3 === 0) monitor.login(id, `u-${i % 17}`);
    }
    await monitor.flush();
    await monitor.stop();
    const log = await entries(monitor);
    expect(log.map((e) => e.sessionId).sort()).toEqual([...ids].sort());
    const raw = await client.xrange(monitor.keys.closedSessions(), '-', '+');
    expect(raw).toHaveLength(Math.ceil(ids.length / 7));
    const live = await client.hgetall(monitor.keys.live());
    expect([live.sessions ?? '0', live.users ?? '0', live.anonymous ?? '0']).toEqual([
      '0',
      '0',
      '0',
    ]);
    expect(errors).toEqual([]);
  });

  it('still logs a close when the stream already holds a later id (Redis clock stepped back)', async () => {
    const namespace = uniqueNamespace('closed-log');
    const { monitor, errors } = await harness.start({ namespace, instanceId: 'app-1' });
    const future = (await redisNowMs(client)) + 60_000;
    await client.xadd(
      monitor.keys.closedSessions(),
      `${future}-0`,
      'instance',
      'app-0',
      'closedAt',
      future,
      'm',
      closedMembersValue(['from-later']),
      'c',
      closedTimesValue([future]),
    );
    for (const id of ['s1', 's2']) monitor.open({ id });
    await monitor.flush();
    monitor.close('s1');
    monitor.close('s2');
    await monitor.flush();
    const log = await entries(monitor);
    expect(log.map((e) => e.sessionId)).toEqual(['from-later', 's1', 's2']);
    expect(errors).toEqual([]);
  });

  it('a close event logs one record with every field; a duplicate close logs nothing', async () => {
    const namespace = uniqueNamespace('closed-log');
    const { monitor, errors } = await harness.start({
      namespace,
      instanceId: 'app-1',
      addressMode: 'full',
    });
    monitor.open({ id: 's1', userAgent: CHROME, clientAddress: '192.0.2.7' });
    monitor.login('s1', 'alice');
    monitor.open({ id: 's2' });
    await monitor.flush();
    const s1 = await member(monitor, 's1');
    const before = await redisNowMs(client);
    monitor.close('s1');
    await monitor.flush();
    const after = await redisNowMs(client);
    // A duplicate close, sent straight to the script as a replayed event would be.
    monitor.close('s1');
    await monitor.flush();

    const log = await entries(monitor);
    expect(log).toHaveLength(1);
    const closedAt = Number(log[0].closedAt);
    expect(closedAt).toBeGreaterThanOrEqual(before);
    expect(closedAt).toBeLessThanOrEqual(after);
    expect(log[0]).toEqual({
      sessionId: 's1',
      userId: 'alice',
      instance: 'app-1',
      connectedAt: String(s1.connectedAtMs),
      closedAt: String(closedAt),
      durationMs: String(closedAt - s1.connectedAtMs),
      loginAt: String(s1.loginAtMs),
      device: 'browser',
      os: 'Windows',
      osVersion: '10',
      client: 'Chrome',
      clientVersion: '124',
      address: s1.addressCode,
    });
    // The stream id is Redis TIME at the close.
    const [[id]] = await client.xrange(monitor.keys.closedSessions(), '-', '+');
    expect(Number(id.split('-')[0])).toBe(closedAt);

    const reader = harness.reader({ namespace });
    const today = new Date(closedAt).toISOString().slice(0, 10);
    const read: ClosedSession[] = [];
    for await (const s of reader.closedSessions({ from: today, to: today })) read.push(s);
    expect(read).toEqual([
      {
        id,
        sessionId: 's1',
        userId: 'alice',
        instanceId: 'app-1',
        connectedAt: s1.connectedAtMs,
        closedAt,
        durationMs: closedAt - s1.connectedAtMs,
        loginAt: s1.loginAtMs,
        deviceType: 'browser',
        osName: 'Windows',
        osVersion: '10',
        clientName: 'Chrome',
        clientVersion: '124',
        clientAddress: '192.0.2.7',
      },
    ]);
    expect(errors).toEqual([]);
  });

  it('stop() logs every session it closes, anonymous ones with an empty user', async () => {
    const namespace = uniqueNamespace('closed-stop');
    const { monitor } = await harness.start({ namespace, instanceId: 'app-1' });
    for (let i = 0; i < 5; i++) monitor.open({ id: `m-${i}` });
    monitor.login('m-0', 'bob');
    await monitor.flush();
    const before = await redisNowMs(client);
    await monitor.stop();
    const log = await entries(monitor);
    expect(log.map((e) => e.sessionId).sort()).toEqual(['m-0', 'm-1', 'm-2', 'm-3', 'm-4']);
    for (const e of log) {
      expect(e.instance).toBe('app-1');
      expect(Number(e.closedAt)).toBeGreaterThanOrEqual(before);
      expect(e.userId).toBe(e.sessionId === 'm-0' ? 'bob' : '');
      expect(e.loginAt === '').toBe(e.sessionId !== 'm-0');
      // No user agent: classified as an unknown device, nothing else known.
      expect([e.device, e.os, e.client, e.address]).toEqual(['unknown', '', '', '']);
    }
  });

  it('a reap logs the dead instance’s sessions once, closed at its last heartbeat', async () => {
    const namespace = uniqueNamespace('closed-reap');
    const dead = await harness.start({
      namespace,
      instanceId: 'dead-1',
      heartbeatIntervalMs: 100,
      leaseMs: 300,
    });
    for (let i = 0; i < 3; i++) dead.monitor.open({ id: `d-${i}` });
    dead.monitor.login('d-1', 'carol');
    await dead.monitor.flush();
    await new Promise((r) => setTimeout(r, 250));
    expect(dead.monitor.crash()).toBe(3);
    await new Promise((r) => setTimeout(r, 150)); // a heartbeat already on the wire lands
    const lastHeartbeat = Number(
      await client.hget(dead.monitor.keys.instance('dead-1'), 'heartbeatAt'),
    );
    await new Promise((r) => setTimeout(r, 400)); // the lease lapses

    const reaper = new SauReaper({ redis: server.url, namespace });
    expect(await reaper.reap()).toEqual({ instances: 1, sessions: 3 });
    expect(await reaper.reap()).toEqual({ instances: 0, sessions: 0 });
    await reaper.close();
    const log = await entries(dead.monitor);
    expect(log.map((e) => e.sessionId).sort()).toEqual(['d-0', 'd-1', 'd-2']);
    for (const e of log) {
      expect(e.instance).toBe('dead-1');
      expect(Number(e.closedAt)).toBe(lastHeartbeat);
      expect(Number(e.durationMs)).toBe(lastHeartbeat - Number(e.connectedAt));
    }
  });

  it('keeps about closedSessionMaxLen entries, and none when the log is off', async () => {
    const namespace = uniqueNamespace('closed-cap');
    const { monitor } = await harness.start({
      namespace,
      instanceId: 'app-1',
      closedSessionMaxLen: 10,
    });
    // One batch, and so one entry, per closed session.
    for (let i = 0; i < 60; i++) {
      monitor.open({ id: `c-${i}` });
      monitor.close(`c-${i}`);
      await monitor.flush();
    }
    const length = await client.xlen(monitor.keys.closedSessions());
    expect(length).toBeGreaterThanOrEqual(10);
    expect(length).toBeLessThanOrEqual(10 + NODE_ENTRIES);
    // The newest are kept.
    const last = await client.xrevrange(monitor.keys.closedSessions(), '+', '-', 'COUNT', 1);
    expect(parseClosedEntry(last[0][1]).map((r) => r.sessionId)).toEqual(['c-59']);
    const ttl = await client.pttl(monitor.keys.closedSessions());
    expect(ttl).toBeGreaterThan(34 * 86_400_000);
    expect(ttl).toBeLessThanOrEqual(35 * 86_400_000);

    const off = await harness.start({
      namespace: uniqueNamespace('closed-off'),
      instanceId: 'app-1',
      closedSessionLog: false,
    });
    off.monitor.open({ id: 'x' });
    off.monitor.close('x');
    await off.monitor.flush();
    await off.monitor.stop();
    expect(await client.exists(off.monitor.keys.closedSessions())).toBe(0);
  });

  it('rejects a bad range and bad options', async () => {
    const reader = harness.reader({ namespace: uniqueNamespace('closed-bad') });
    const drain = async (query: { from: string; to: string }) => {
      for await (const s of reader.closedSessions(query)) void s;
    };
    await expect(drain({ from: '2026-02-02', to: '2026-02-01' })).rejects.toThrow(/after/);
    await expect(drain({ from: '2026-02-30', to: '2026-03-01' })).rejects.toThrow(/not exist/);
    expect(() => new SessionMonitor({ closedSessionMaxLen: -1 })).toThrow(/closedSessionMaxLen/);
    expect(() => new SessionMonitor({ closedSessionRetentionDays: 0 })).toThrow(
      /closedSessionRetentionDays/,
    );
  });
});
