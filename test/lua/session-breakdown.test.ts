import type { Redis } from 'ioredis';
import { useRedis } from '../support/use-redis';
import { uniqueNamespace } from '../support/redis-server';
import { redisNowMs, snapshot } from '../support/monitor-harness';
import { daysAroundMidnight } from '../support/midnight-days';
import { Keys } from '../../src/keys';
import { ScriptRunner } from '../../src/scripts/script-runner';
import { ScriptStatus } from '../../src/scripts/script-status';
import { writeEvents } from '../support/event-writer';
import { closeSessions } from '../../src/scripts/commands/close-sessions';
import { readSessions } from '../../src/scripts/commands/read-sessions';
import { registerInstance } from '../../src/scripts/commands/register-instance';
import { parseMember } from '../../src/session/session-member';
import { storedSessionOf, storedSessions } from '../support/stored-sessions';
import {
  BREAKDOWN_DIMENSIONS,
  type BreakdownDimension,
} from '../../src/session/breakdown-dimensions';
import {
  EMPTY_SESSION_META,
  encodeRestore,
  encodeSessionMeta,
  storedSessionMeta,
  type SessionMeta,
} from '../../src/session/session-meta';
import { ZonedCalendar, type ZonedDay } from '../../src/time/zoned-calendar';
import { expiryOf } from '../../src/time/retention';
import {
  dayBreakdownHash,
  liveBreakdownHash,
  liveLoggedInHash,
  profilesHash,
} from '../support/breakdown-hashes';

/** applyBatch and closeSessions with session metadata: profiles, live and day breakdowns. */
describe('session metadata and breakdowns in the scripts', () => {
  const redis = useRedis();
  const calendar = new ZonedCalendar('UTC');

  const meta = (fields: Partial<SessionMeta>): SessionMeta => ({
    ...EMPTY_SESSION_META,
    ...fields,
  });
  const CHROME_WINDOWS = meta({
    deviceType: 'browser',
    osName: 'Windows',
    osVersion: '10',
    clientName: 'Chrome',
    clientVersion: '126',
    clientAddress: '203.0.113.0',
  });
  const CHROME_MAC = meta({
    deviceType: 'browser',
    osName: 'Mac OS',
    osVersion: '10.15.7',
    clientName: 'Chrome',
    clientVersion: '125',
    clientAddress: '198.51.100.7',
  });
  const RC_IOS = meta({
    deviceType: 'mobile-app',
    osName: 'iOS',
    osVersion: '17.4.1',
    clientName: 'RC Mobile',
    clientVersion: '4.49.0',
    clientAddress: '2001:db8:85a3::',
  });

  async function setup(options: { exactThreshold?: number; breakdownCap?: number } = {}) {
    const client = redis.client();
    const keys = new Keys(uniqueNamespace('bd'));
    const runner = new ScriptRunner(client);
    const register = (incarnation: string) =>
      registerInstance(runner, keys, {
        instanceId: 'node-1',
        incarnation,
        leaseMs: 60_000,
        host: 'test',
        pid: 1,
      });
    await register('inc-1');
    const today = calendar.dayAt(await redisNowMs(client));
    const apply = (events: string[], extra: { day?: ZonedDay; firstSeq?: number } = {}) => {
      const day = extra.day ?? today;
      return writeEvents(runner, keys, {
        instanceId: 'node-1',
        incarnation: 'inc-1',
        day,
        expiry: expiryOf(day, 400),
        exactThreshold: options.exactThreshold ?? 1000,
        breakdownCap: options.breakdownCap,
        events,
        firstSeq: extra.firstSeq,
      });
    };
    const close = (
      batchSize = 100,
      instant: 'now' | 'heartbeat' | `${number}` = 'now',
      day: ZonedDay = today,
    ) =>
      closeSessions(runner, keys, {
        instanceId: 'node-1',
        incarnation: 'inc-1',
        instant,
        day,
        expiry: expiryOf(day, 400),
        batchSize,
        breakdownCap: options.breakdownCap,
      });
    const sessionsKey = keys.instanceSessions('node-1', 'inc-1');
    const member = (sessionId: string) => storedSessionOf(client, sessionsKey, sessionId);
    return { client, keys, runner, today, apply, close, member, sessionsKey };
  }

  /** Live breakdown of one dimension: value → [sessions, logged-in sessions]. */
  async function liveBreakdown(client: Redis, keys: Keys, by: BreakdownDimension) {
    const sessions = await liveBreakdownHash(client, keys, by);
    const loggedIn = await liveLoggedInHash(client, keys, by);
    for (const field of Object.keys(loggedIn)) expect(sessions[field]).toBeDefined();
    return Object.fromEntries(
      Object.entries(sessions).map(([v, n]) => [v, [Number(n), Number(loggedIn[v] ?? 0)]]),
    );
  }

  /** Day breakdown of one dimension: value → [sessions opened, session ms, users]. */
  async function dayBreakdown(client: Redis, keys: Keys, date: string, by: BreakdownDimension) {
    const hash = await dayBreakdownHash(client, keys, date, by);
    return Object.fromEntries(
      Object.entries(hash)
        .filter(([field]) => !field.startsWith('|'))
        .map(([v, text]) => [v, text.split('|').map(Number)]),
    );
  }

  async function expectNoLiveBreakdown(client: Redis, keys: Keys): Promise<void> {
    for (const by of BREAKDOWN_DIMENSIONS) {
      expect({
        ...(await liveBreakdownHash(client, keys, by)),
        ...(await liveLoggedInHash(client, keys, by)),
      }).toEqual({});
    }
    expect(await profilesHash(client, keys)).toEqual({});
  }

  it('counts an open with metadata live and as opened today, and stores it compactly', async () => {
    const { client, keys, apply, member, today } = await setup();
    const result = await apply(
      [
        ...['o', 's1', encodeSessionMeta(CHROME_WINDOWS)],
        ...['o', 's2', encodeSessionMeta(CHROME_WINDOWS)],
        ...['o', 's3', encodeSessionMeta(RC_IOS)],
      ],
      { firstSeq: 0 },
    );
    expect(result).toMatchObject({ status: ScriptStatus.OK, applied: 3 });

    expect(await liveBreakdown(client, keys, 'device')).toEqual({
      browser: [2, 0],
      'mobile-app': [1, 0],
    });
    expect(await liveBreakdown(client, keys, 'os')).toEqual({ Windows: [2, 0], iOS: [1, 0] });
    expect(await liveBreakdown(client, keys, 'browser')).toEqual({
      Chrome: [2, 0],
      'RC Mobile': [1, 0],
    });
    expect(await dayBreakdown(client, keys, today.date, 'os')).toEqual({
      Windows: [2, 0, 0],
      iOS: [1, 0, 0],
    });

    // Two distinct profiles, each stored once with its live session count.
    const profiles = await profilesHash(client, keys);
    const records = Object.entries(profiles).filter(([f]) => /^[0-9a-z]+$/.test(f));
    expect(records.map(([, r]) => r.split('|')[0]).sort()).toEqual(['1', '2']);

    const s1 = await member('s1');
    const s3 = await member('s3');
    expect(s1).toMatchObject({ sessionId: 's1', userId: null, loginAtMs: null });
    expect(s1.connectedAtMs).toBe(result.nowMs);
    expect(s1.profileId).not.toBe(s3.profileId);
    // A /24 IPv4 address takes 4 characters of the member, a /48 IPv6 address 9.
    expect(s1.addressCode).toHaveLength(4);
    expect(s3.addressCode).toHaveLength(9);
  });

  it('gives the metadata back unchanged through the member and its profile', async () => {
    const { apply, runner, keys } = await setup();
    const odd = meta({
      deviceType: 'desktop-app',
      osName: 'Яндекс ОС',
      osVersion: '1.0 {beta}',
      clientName: '微信 "app"',
      clientVersion: 'x'.repeat(32),
      clientAddress: 'Zm9vYmFyYmF6cXV4',
    });
    const cases: Record<string, SessionMeta> = {
      a: CHROME_WINDOWS,
      b: CHROME_MAC,
      c: RC_IOS,
      d: odd,
      e: meta({ clientAddress: '1234' }),
      f: meta({ clientAddress: '::1' }),
      g: meta({ clientAddress: '2001:db8::8a2e:370:7334' }),
      h: meta({ osName: 'Linux' }),
      i: EMPTY_SESSION_META,
    };
    await apply(Object.entries(cases).flatMap(([id, m]) => ['o', id, encodeSessionMeta(m)]));
    const page = await readSessions(runner, keys, {
      instanceId: 'node-1',
      incarnation: 'inc-1',
      after: undefined,
      examine: 100,
      limit: 100,
      userId: '',
    });
    const read = Object.fromEntries(
      page.sessions.map(({ member, profile }) => {
        const m = parseMember(member);
        return [m.sessionId, storedSessionMeta(profile, m.addressCode)];
      }),
    );
    expect(read).toEqual(cases);
  });

  it('keeps separators out of stored metadata, whoever sends it', async () => {
    const { apply, client, keys, member, today } = await setup();
    const dirty = meta({
      osName: 'Win|dows\u001f1\u0000\u001e',
      clientName: 'x'.repeat(40),
      clientAddress: '10.0.0.1\n',
    });
    expect(encodeSessionMeta(dirty)).toBe(
      encodeSessionMeta(
        meta({ osName: 'Windows1', clientName: 'x'.repeat(32), clientAddress: '10.0.0.1' }),
      ),
    );
    // A caller that skips encodeSessionMeta and sends a NUL cannot split the member either.
    const raw = 'brow\u0000ser\u001fLinux';
    await apply([...['o', 's1', encodeSessionMeta(dirty)], ...['o', 's2', raw, 'c', 's2', '']]);
    expect(await member('s1')).toMatchObject({ sessionId: 's1' });
    expect(await liveBreakdown(client, keys, 'os')).toEqual({ Windows1: [1, 0] });
    expect((await dayBreakdown(client, keys, today.date, 'device')).browser).toEqual([
      1,
      expect.any(Number),
      0,
    ]);
  });

  it('moves a session between anonymous and logged in, and counts distinct users per value', async () => {
    const { client, keys, apply, member, today } = await setup();
    await apply(
      [
        ...['o', 'w1', encodeSessionMeta(CHROME_WINDOWS)],
        ...['o', 'w2', encodeSessionMeta(CHROME_WINDOWS)],
        ...['o', 'm1', encodeSessionMeta(CHROME_MAC)],
        ...['o', 'p1', encodeSessionMeta(RC_IOS)],
      ],
      { firstSeq: 0 },
    );
    const login = await apply(
      [
        // Alice on two Windows tabs and her phone; Bob on a Mac, then Carol takes over his session.
        ...['i', 'w1', 'alice', 'i', 'w2', 'alice', 'i', 'p1', 'alice'],
        ...['i', 'm1', 'bob', 'i', 'm1', 'carol'],
      ],
      { firstSeq: 4 },
    );
    expect(login.applied).toBe(5);
    expect(await liveBreakdown(client, keys, 'os')).toEqual({
      Windows: [2, 2],
      'Mac OS': [1, 1],
      iOS: [1, 1],
    });
    expect(await liveBreakdown(client, keys, 'browser')).toEqual({
      Chrome: [3, 3],
      'RC Mobile': [1, 1],
    });
    // Users: alice once on Windows however many tabs; bob and carol both used the Mac.
    expect(await dayBreakdown(client, keys, today.date, 'os')).toEqual({
      Windows: [2, 0, 1],
      'Mac OS': [1, 0, 2],
      iOS: [1, 0, 1],
    });
    expect(await dayBreakdown(client, keys, today.date, 'browser')).toEqual({
      Chrome: [3, 0, 3],
      'RC Mobile': [1, 0, 1],
    });
    const m1 = await member('m1');
    expect(m1.userId).toBe('carol');
    expect(m1.loginAtMs).toBe(
      m1.connectedAtMs + Math.floor((login.nowMs - m1.connectedAtMs) / 1000) * 1000,
    );

    await apply(['u', 'w1', '', 'u', 'm1', '', 'u', 'm1', ''], { firstSeq: 9 });
    expect(await liveBreakdown(client, keys, 'os')).toEqual({
      Windows: [2, 1],
      'Mac OS': [1, 0],
      iOS: [1, 1],
    });
    expect(await member('m1')).toMatchObject({ userId: null, loginAtMs: null });
    // Logging out removes nobody from the day.
    expect((await dayBreakdown(client, keys, today.date, 'os'))['Mac OS']).toEqual([1, 0, 2]);
  });

  it('takes a closed session off the live breakdowns and credits its time by value', async () => {
    const { client, keys, apply, close, today } = await setup();
    const opened = await apply(
      [
        ...['o', 's1', encodeSessionMeta(CHROME_WINDOWS), 'i', 's1', 'alice'],
        ...['o', 's2', encodeSessionMeta(RC_IOS)],
        ...['o', 's3', ''],
        ...['o', 's4', encodeSessionMeta(CHROME_MAC), 'i', 's4', 'bob'],
      ],
      { firstSeq: 0 },
    );
    expect(await liveBreakdown(client, keys, 'device')).toEqual({
      browser: [2, 2],
      'mobile-app': [1, 0],
      unknown: [1, 0],
    });
    await new Promise((r) => setTimeout(r, 20));
    const closedByEvent = await apply(['c', 's1', '', 'c', 's3', ''], { firstSeq: 6 });
    expect(await liveBreakdown(client, keys, 'os')).toEqual({ iOS: [1, 0], 'Mac OS': [1, 1] });

    const reaped = await close(1);
    expect(reaped).toMatchObject({ status: ScriptStatus.OK, closed: 1, left: 1 });
    const rest = await close(10);
    expect(rest).toMatchObject({ closed: 1, left: 0 });
    await expectNoLiveBreakdown(client, keys);

    // Every session's time is in the day hash and, by value, in each day breakdown.
    const sessionMs = Number(await client.hget(keys.day(today.date), 'sessionMs'));
    expect(sessionMs).toBe(
      2 * (closedByEvent.nowMs - opened.nowMs) +
        (reaped.closeMs - opened.nowMs) +
        (rest.closeMs - opened.nowMs),
    );
    for (const by of BREAKDOWN_DIMENSIONS) {
      const rows = Object.values(await dayBreakdown(client, keys, today.date, by));
      expect(rows.reduce((sum, r) => sum + r[0], 0)).toBe(4);
      expect(rows.reduce((sum, r) => sum + r[1], 0)).toBe(sessionMs);
    }
    const os = await dayBreakdown(client, keys, today.date, 'os');
    expect(os.Windows).toEqual([1, closedByEvent.nowMs - opened.nowMs, 1]);
    expect(os.unknown).toEqual([1, closedByEvent.nowMs - opened.nowMs, 0]);
  });

  it('counts values past the cap as "other", live and per day, and frees them on close', async () => {
    const { client, keys, apply, today } = await setup({ breakdownCap: 3 });
    const events: string[] = [];
    for (let i = 0; i < 6; i++) {
      events.push(
        'o',
        `s${i}`,
        encodeSessionMeta(meta({ osName: `OS ${i}`, clientName: 'Chrome' })),
      );
      events.push('i', `s${i}`, `user-${i}`);
    }
    // Two more sessions of admitted values still count as themselves.
    events.push('o', 's6', encodeSessionMeta(meta({ osName: 'OS 0' })));
    events.push('o', 's7', '');
    await apply(events, { firstSeq: 0 });
    expect(await liveBreakdown(client, keys, 'os')).toEqual({
      'OS 0': [2, 1],
      'OS 1': [1, 1],
      'OS 2': [1, 1],
      other: [3, 3],
      unknown: [1, 0],
    });
    expect(await dayBreakdown(client, keys, today.date, 'os')).toEqual({
      'OS 0': [2, 0, 1],
      'OS 1': [1, 0, 1],
      'OS 2': [1, 0, 1],
      other: [3, 0, 3],
      unknown: [1, 0, 0],
    });
    expect(await liveBreakdown(client, keys, 'browser')).toEqual({
      Chrome: [6, 6],
      unknown: [2, 0],
    });
    // The listing still shows each session's own value.
    const other = (await client.zrange(keys.instanceSessions('node-1', 'inc-1'), 0, -1)).find((m) =>
      m.startsWith('s5\0'),
    );
    const profile = (await profilesHash(client, keys))[parseMember(other!).profileId];
    expect(profile).toContain('OS 5');

    await apply(Array.from({ length: 8 }, (_, i) => ['c', `s${i}`, '']).flat(), { firstSeq: 14 });
    await expectNoLiveBreakdown(client, keys);
  });

  it('caps at 50 distinct values a day by default', async () => {
    const { client, keys, apply, today } = await setup();
    const events: string[] = [];
    for (let i = 0; i < 60; i++) {
      events.push('o', `s${i}`, encodeSessionMeta(meta({ clientName: `Odd Browser ${i}` })));
    }
    await apply(events);
    const day = await dayBreakdown(client, keys, today.date, 'browser');
    expect(Object.keys(day)).toHaveLength(51);
    expect(day.other).toEqual([10, 0, 0]);
    const live = await liveBreakdown(client, keys, 'browser');
    expect(Object.keys(live)).toHaveLength(51);
    expect(live.other).toEqual([10, 0]);
  });

  it('changes nothing when events are replayed or duplicated', async () => {
    const { apply, client, keys } = await setup();
    const batch = [
      ...['o', 's1', encodeSessionMeta(CHROME_WINDOWS), 'i', 's1', 'alice'],
      ...['o', 's2', encodeSessionMeta(RC_IOS), 'i', 's2', 'bob', 'u', 's2', ''],
      ...['o', 's3', encodeSessionMeta(CHROME_MAC), 'c', 's3', ''],
    ];
    expect(await apply(batch, { firstSeq: 0 })).toMatchObject({ applied: 7 });
    const after = await snapshot(client, keys.prefix);
    expect(await apply(batch, { firstSeq: 0 })).toMatchObject({ applied: 0 });
    expect(await snapshot(client, keys.prefix)).toEqual(after);
    // Unnumbered duplicates: a second open (even with other metadata), the same login again, a
    // logout of an anonymous session, a close of a closed one.
    const dup = await apply([
      ...['o', 's1', encodeSessionMeta(CHROME_MAC), 'i', 's1', 'alice'],
      ...['u', 's2', '', 'c', 's3', '', 'r', 's1', encodeRestore('alice', '')],
    ]);
    expect(dup.applied).toBe(0);
    expect(await snapshot(client, keys.prefix)).toEqual(after);
  });

  it('restores a session with its user and metadata, live but not opened again', async () => {
    const { client, keys, apply, member, today } = await setup();
    await apply([
      ...['r', 's1', encodeRestore('alice', encodeSessionMeta(RC_IOS))],
      ...['r', 's2', encodeRestore('', encodeSessionMeta(CHROME_WINDOWS))],
      ...['r', 's3', 'bob'],
    ]);
    expect(await liveBreakdown(client, keys, 'os')).toEqual({
      iOS: [1, 1],
      Windows: [1, 0],
      unknown: [1, 1],
    });
    expect(await dayBreakdown(client, keys, today.date, 'os')).toEqual({
      iOS: [0, 0, 1],
      unknown: [0, 0, 1],
    });
    expect(await member('s1')).toMatchObject({ userId: 'alice' });
    expect((await member('s1')).loginAtMs).toBe((await member('s1')).connectedAtMs);
    expect(await client.hmget(keys.live(), 'sessions', 'anonymous')).toEqual(['3', '1']);
  });

  it('stops recording users by value once the day is past its exact threshold', async () => {
    const { client, keys, apply, today } = await setup({ exactThreshold: 2 });
    const events: string[] = [];
    for (let i = 0; i < 4; i++) {
      events.push('o', `s${i}`, encodeSessionMeta(CHROME_WINDOWS), 'i', `s${i}`, `user-${i}`);
    }
    await apply(events.slice(0, 12));
    expect(await client.hlen(keys.dayBreakdownUsers(today.date))).toBe(2);
    expect(await client.ttl(keys.dayBreakdownUsers(today.date))).toBeGreaterThan(0);
    await apply(events.slice(12));
    expect(await client.exists(keys.dayBreakdownUsers(today.date))).toBe(0);
    for (const by of BREAKDOWN_DIMENSIONS) {
      expect((await dayBreakdownHash(client, keys, today.date, by))['|inexact']).toBe('2');
    }
    // Users counted until then stay; the reader scales them to the day's HyperLogLog count.
    expect(await dayBreakdown(client, keys, today.date, 'os')).toEqual({ Windows: [4, 0, 2] });
  });

  it('splits the time of a session open across midnight by value and keeps when it connected', async () => {
    const { client, keys, runner, close } = await setup();
    // A "day" that ends 1.2 s from now.
    const t0 = await redisNowMs(client);
    const { midnight, dayOne, dayTwo } = daysAroundMidnight(t0, 1200);
    const apply = (day: ZonedDay, events: string[]) =>
      writeEvents(runner, keys, {
        instanceId: 'node-1',
        incarnation: 'inc-1',
        day,
        expiry: expiryOf(day, 400),
        exactThreshold: 100,
        events,
      });
    const opened = await apply(dayOne, [
      ...['o', 's1', encodeSessionMeta(RC_IOS), 'i', 's1', 'alice'],
    ]);
    const wait = midnight - (await redisNowMs(client)) + 50;
    await new Promise((r) => setTimeout(r, wait));
    await apply(dayTwo, ['m', 's1', '']);
    const [s1] = await storedSessions(client, keys.instanceSessions('node-1', 'inc-1'));
    expect(s1.stampMs).toBe(midnight);
    expect(Math.abs(s1.connectedAtMs - opened.nowMs)).toBeLessThanOrEqual(500);
    expect(s1.loginAtMs).not.toBeNull();
    expect(await dayBreakdown(client, keys, '2031-01-31', 'os')).toEqual({
      iOS: [1, midnight - opened.nowMs, 1],
    });
    // Alice is active on day two by the session's value, without a login.
    expect(await dayBreakdown(client, keys, '2031-02-01', 'os')).toEqual({ iOS: [0, 0, 1] });

    const closed = await close(10, 'now', dayTwo);
    expect(await dayBreakdown(client, keys, '2031-02-01', 'os')).toEqual({
      iOS: [0, closed.closeMs - midnight, 1],
    });
    await expectNoLiveBreakdown(client, keys);
  });

  it('credits each value the time of its sessions reaped across midnight, on both days', async () => {
    const { client, keys, runner, close } = await setup();
    const t0 = await redisNowMs(client);
    const { midnight, dayOne, dayTwo } = daysAroundMidnight(t0, 1200);
    // Several values, interleaved in connection order, so a close call's scores come grouped by
    // value and not in the order read; two sessions connect after midnight.
    const before = ['a', 'b', 'c', 'd'];
    const metaOf: Record<string, SessionMeta> = {
      a: CHROME_MAC,
      b: RC_IOS,
      c: CHROME_MAC,
      d: CHROME_WINDOWS,
      e: RC_IOS,
      f: CHROME_WINDOWS,
    };
    const open = (day: ZonedDay, ids: string[]) =>
      writeEvents(runner, keys, {
        instanceId: 'node-1',
        incarnation: 'inc-1',
        day,
        expiry: expiryOf(day, 400),
        exactThreshold: 100,
        events: ids.flatMap((id) => ['o', id, encodeSessionMeta(metaOf[id])]),
      });
    for (const id of before) await open(dayOne, [id]);
    const wait = midnight - (await redisNowMs(client)) + 50;
    await new Promise((r) => setTimeout(r, wait));
    await open(dayTwo, ['e', 'f']);
    const stamps = Object.fromEntries(
      (await storedSessions(client, keys.instanceSessions('node-1', 'inc-1'))).map((s) => [
        s.sessionId,
        s.stampMs,
      ]),
    );
    expect(Object.keys(stamps).sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);

    const closed = await close(10, 'now', dayTwo);
    expect(closed).toMatchObject({ status: 0, closed: 6, left: 0 });
    const end = closed.closeMs;
    const osTime = (ids: string[], from: (id: string) => number, to: (id: string) => number) =>
      ids.reduce((sum, id) => sum + to(id) - from(id), 0);
    const dayOneOs = await dayBreakdown(client, keys, '2031-01-31', 'os');
    const dayTwoOs = await dayBreakdown(client, keys, '2031-02-01', 'os');
    const stamp = (id: string) => stamps[id];
    expect(dayOneOs['Mac OS'][1]).toBe(osTime(['a', 'c'], stamp, () => midnight));
    expect(dayOneOs.iOS[1]).toBe(osTime(['b'], stamp, () => midnight));
    expect(dayOneOs.Windows[1]).toBe(osTime(['d'], stamp, () => midnight));
    expect(dayTwoOs['Mac OS'][1]).toBe(2 * (end - midnight));
    expect(dayTwoOs.iOS[1]).toBe(end - midnight + osTime(['e'], stamp, () => end));
    expect(dayTwoOs.Windows[1]).toBe(end - midnight + osTime(['f'], stamp, () => end));
    // The days' totals are the values' sums.
    const total = async (date: string) => Number(await client.hget(keys.day(date), 'sessionMs'));
    expect(await total('2031-01-31')).toBe(
      dayOneOs['Mac OS'][1] + dayOneOs.iOS[1] + dayOneOs.Windows[1],
    );
    expect(await total('2031-02-01')).toBe(
      dayTwoOs['Mac OS'][1] + dayTwoOs.iOS[1] + dayTwoOs.Windows[1],
    );
    await expectNoLiveBreakdown(client, keys);
  });
});
