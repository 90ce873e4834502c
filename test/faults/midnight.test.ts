import { Redis } from 'ioredis';
import { SauReader, SessionMonitor, type SauError } from '../../src';
import { ZonedCalendar } from '../../src/time/zoned-calendar';
import { shiftedClockEnv } from '../support/clock-shift';
import { redisNowMs, waitFor } from '../support/monitor-harness';
import { startRedis, uniqueNamespace, type TestRedis } from '../support/redis-server';

// Midnight with the monitor, its heartbeat and its calendar, against a redis-server whose clock is
// moved (LD_PRELOAD shim) to a few seconds before midnight in a zone with a 45-minute offset, on
// the last day of a month: the rollover the monitor drives from the configured zone, checked on
// both days and both months.

jest.setTimeout(60_000);

const ZONE = 'Asia/Kathmandu'; // UTC+05:45: a day boundary no whole-hour arithmetic would find
const DAY_ONE = '2031-01-31';
const DAY_TWO = '2031-02-01';
const MIDNIGHT_MS = new ZonedCalendar(ZONE).day(DAY_TWO).startMs;
const HEARTBEAT_MS = 200;

interface Clocked {
  server: TestRedis;
  admin: Redis;
  reader: SauReader;
  monitor: SessionMonitor;
  errors: SauError[];
}

describe(`day rollover in ${ZONE} with a moved Redis clock`, () => {
  let setup: Clocked | undefined;

  afterEach(async () => {
    if (!setup) return;
    await setup.monitor.stop().catch(() => undefined);
    await setup.reader.close();
    setup.admin.disconnect();
    await setup.server.stop();
    setup = undefined;
  });

  /** Redis reads `leadMs` before midnight once it answers; undefined (test skipped) without the shim. */
  async function startBeforeMidnight(leadMs: number): Promise<Clocked | undefined> {
    const env = shiftedClockEnv(MIDNIGHT_MS - leadMs);
    if ('reason' in env) {
      process.stdout.write(`[midnight] skipped: ${String(env.reason)}\n`);
      return undefined;
    }
    const server = await startRedis([], env);
    const admin = new Redis(server.url);
    const namespace = uniqueNamespace('midnight');
    const reader = new SauReader({ redis: server.url, namespace, timezone: ZONE });
    const monitor = new SessionMonitor({
      redis: server.url,
      namespace,
      instanceId: 'night-shift',
      timezone: ZONE,
      heartbeatIntervalMs: HEARTBEAT_MS,
      leaseMs: 5 * HEARTBEAT_MS,
    });
    const errors: SauError[] = [];
    monitor.on('error', (err: SauError) => errors.push(err));
    await monitor.start();
    setup = { server, admin, reader, monitor, errors };
    return setup;
  }

  const dayUsers = async (reader: SauReader, date: string) =>
    (await reader.stats({ window: 'day', date })).day?.activeUsers;
  const monthUsers = async (reader: SauReader, date: string) =>
    (await reader.stats({ window: 'month', date })).month?.activeUsers;

  it('counts sessions open across midnight on both days and months and splits their time', async () => {
    const clocked = await startBeforeMidnight(3000);
    if (!clocked) return;
    const { admin, reader, monitor } = clocked;
    const openedFrom = await redisNowMs(admin);
    expect(openedFrom).toBeLessThan(MIDNIGHT_MS);
    monitor.open({ id: 's1' });
    monitor.login('s1', 'alice');
    monitor.open({ id: 's2' });
    monitor.login('s2', 'bob');
    monitor.open({ id: 's3' });
    await monitor.flush();
    const openedTo = await redisNowMs(admin);
    expect(openedTo).toBeLessThan(MIDNIGHT_MS - 500);
    expect(await dayUsers(reader, DAY_ONE)).toBe(2);
    expect(await dayUsers(reader, DAY_TWO)).toBe(0);

    // Nobody reconnects: the monitor's first heartbeat of the new local day carries them over.
    await waitFor(
      () => dayUsers(reader, DAY_TWO),
      (users) => users === 2,
      MIDNIGHT_MS - openedTo + 20 * HEARTBEAT_MS,
    );
    expect(await monthUsers(reader, DAY_TWO)).toBe(2);
    monitor.open({ id: 's4' });
    monitor.login('s4', 'carol');
    await monitor.flush();
    const closedFrom = await redisNowMs(admin);
    await monitor.stop();
    const closedTo = await redisNowMs(admin);

    const one = (await reader.stats({ window: 'all', date: DAY_ONE }))!;
    const two = (await reader.stats({ window: 'all', date: DAY_TWO }))!;
    expect(one.day).toMatchObject({ date: DAY_ONE, activeUsers: 2, sessions: 3, logins: 2 });
    expect(two.day).toMatchObject({ date: DAY_TWO, activeUsers: 3, sessions: 1, logins: 1 });
    expect(one.month).toMatchObject({ month: '2031-01', activeUsers: 2 });
    expect(two.month).toMatchObject({ month: '2031-02', activeUsers: 3 });
    // Three sessions ran from their open to midnight on day one, and on from midnight on day two.
    const s = (ms: number) => ms / 1000;
    expect(one.day!.sessionSeconds).toBeGreaterThanOrEqual(
      Math.floor(3 * s(MIDNIGHT_MS - openedTo)),
    );
    expect(one.day!.sessionSeconds).toBeLessThanOrEqual(Math.ceil(3 * s(MIDNIGHT_MS - openedFrom)));
    expect(two.day!.sessionSeconds).toBeGreaterThanOrEqual(
      Math.floor(3 * s(closedFrom - MIDNIGHT_MS)),
    );
    expect(two.day!.sessionSeconds).toBeLessThanOrEqual(
      Math.ceil(3 * s(closedTo - MIDNIGHT_MS) + s(closedTo - openedTo)),
    );
    expect(two.now).toEqual({ users: 0, sessions: 0, anonymousSessions: 0, instances: 0 });
    expect(clocked.errors).toEqual([]);
  });

  it('replays logins seen while Redis was paused across midnight into the day they happened', async () => {
    const clocked = await startBeforeMidnight(2500);
    if (!clocked) return;
    const { admin, reader, monitor } = clocked;
    monitor.open({ id: 'stays' });
    monitor.login('stays', 'alice');
    await monitor.flush();
    const pausedAt = await redisNowMs(admin);
    const pauseMs = MIDNIGHT_MS - pausedAt + 1500;
    await admin.call('CLIENT', 'PAUSE', String(pauseMs), 'ALL');

    // Before midnight by this machine's clock corrected to Redis: carol comes and goes, dave stays.
    monitor.open({ id: 'brief' });
    monitor.login('brief', 'carol');
    monitor.close('brief');
    monitor.open({ id: 'late' });
    monitor.login('late', 'dave');
    expect(monitor.queueStatus.replayBuffered).toBe(2);

    await waitFor(
      async () => monitor.queueStatus,
      (status) => status.queued === 0 && status.replayBuffered === 0,
      pauseMs + 20 * HEARTBEAT_MS,
    );
    await monitor.flush();
    expect(await redisNowMs(admin)).toBeGreaterThan(MIDNIGHT_MS);
    expect(await dayUsers(reader, DAY_ONE)).toBe(3);
    expect(await monthUsers(reader, DAY_ONE)).toBe(3);
    // Alice and dave are still connected on day two; carol's login reached Redis that day too.
    await waitFor(
      () => dayUsers(reader, DAY_TWO),
      (users) => users !== undefined && users >= 2,
      20 * HEARTBEAT_MS,
    );
    expect((await reader.stats({ window: 'now' })).now).toMatchObject({ users: 2, sessions: 2 });
    expect(monitor.queueStatus.replayOverflow).toBe(0);
  });
});
