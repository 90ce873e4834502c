import fc from 'fast-check';
import { Redis } from 'ioredis';
import { useRedis } from '../support/use-redis';
import { clearOfMidnight } from '../support/expect-today';
import { uniqueNamespace } from '../support/redis-server';
import { SessionMonitor } from '../../src/monitor/session-monitor';
import type { SessionInfo } from '../../src/monitor/session-input';
import { SauReader } from '../../src/reader/sau-reader';
import type { SauError } from '../../src/errors/sau-error';
import { Keys } from '../../src/keys';
import { ScriptRunner } from '../../src/scripts/script-runner';
import { loadScripts } from '../../src/scripts/script-catalog';
import { parseMember } from '../../src/session/session-member';
import { ScriptStatus } from '../../src/scripts/script-status';
import { writeEvents } from '../support/event-writer';
import { closeSessions } from '../../src/scripts/commands/close-sessions';
import { registerInstance } from '../../src/scripts/commands/register-instance';
import {
  BREAKDOWN_DIMENSIONS,
  type BreakdownDimension,
} from '../../src/session/breakdown-dimensions';
import {
  EMPTY_SESSION_META,
  encodeRestore,
  encodeSessionMeta,
  type SessionMeta,
} from '../../src/session/session-meta';
import { ZonedCalendar, type ZonedDay } from '../../src/time/zoned-calendar';
import { expiryOf } from '../../src/time/retention';
import { liveUserRefcounts } from '../support/live-users';
import {
  dayBreakdownHash,
  liveBreakdownHash,
  liveLoggedInHash,
  profilesHash,
} from '../support/breakdown-hashes';

/**
 * Invariants 1, 2 and 5 under random use: several instances of one namespace receive random
 * open/login/logout/close sequences, bad input and replays included, and every number Redis keeps
 * must equal what a plain in-memory model of the same sequence says. The breakdowns by device, OS
 * and browser follow the same sequences: through the monitor (no metadata yet, so every session is
 * `unknown`), and straight through the scripts with random metadata, caps and re-sent batches.
 */

/** The script whose reply a lost connection drops. */
const APPLY_BATCH_SHA = loadScripts().get('applyBatch')!.sha;

const INSTANCES = 3;
const SESSION_IDS = ['s0', 's1', 's2', 's3', '{s}:4', 'ß5'];
const USER_IDS = ['u0', 'u1', 'u2', 'u3', '{u}:4', 'ユ5'];

type Command =
  | { kind: 'open'; inst: number; sid: string }
  | { kind: 'login'; inst: number; sid: string; user: string }
  | { kind: 'logout'; inst: number; sid: string }
  | { kind: 'close'; inst: number; sid: string }
  | { kind: 'bad'; inst: number; bad: number }
  /** Sends one of the earlier commands again. */
  | { kind: 'replay'; index: number }
  /** Waits until every instance's queue is in Redis, then compares live numbers with the model. */
  | { kind: 'flush' }
  /** The next applyBatch reply is lost after the script ran, so the monitor sends the batch again. */
  | { kind: 'loseReply' };

/** Input the monitor must refuse, with the code it must report. */
const BAD_INPUT: { code: string; run: (m: SessionMonitor) => void }[] = [
  { code: 'INVALID_SESSION_ID', run: (m) => m.open({ id: '' }) },
  { code: 'INVALID_SESSION_ID', run: (m) => m.open({ id: 'x'.repeat(257) }) },
  { code: 'INVALID_SESSION_ID', run: (m) => m.open({ id: 42 } as unknown as SessionInfo) },
  { code: 'INVALID_SESSION_ID', run: (m) => m.login('', 'u0') },
  { code: 'INVALID_USER_ID', run: (m) => m.login('s0', '') },
  { code: 'INVALID_USER_ID', run: (m) => m.login('s1', 'u'.repeat(257)) },
  { code: 'INVALID_USER_ID', run: (m) => m.login('s2', 'nul\0user') },
];

const inst = fc.integer({ min: 0, max: INSTANCES - 1 });
const sid = fc.constantFrom(...SESSION_IDS);
const user = fc.constantFrom(...USER_IDS);
const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('open' as const), inst, sid }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('login' as const), inst, sid, user }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('logout' as const), inst, sid }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('close' as const), inst, sid }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('bad' as const),
      inst,
      bad: fc.integer({ min: 0, max: BAD_INPUT.length - 1 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('replay' as const), index: fc.nat() }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'flush' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'loseReply' as const }) },
);

type SessionCommand = Extract<Command, { kind: 'open' | 'login' | 'logout' | 'close' }>;

/** Live sessions of every instance: session id → user id ('' when anonymous). */
class LiveState {
  readonly sessions = Array.from({ length: INSTANCES }, () => new Map<string, string>());

  /** Applies one event as the monitor and the script define it; tells what it changed. */
  apply(cmd: SessionCommand): 'opened' | 'login' | 'relogin' | 'closed' | 'unknown' | 'none' {
    const live = this.sessions[cmd.inst];
    const current = live.get(cmd.sid);
    switch (cmd.kind) {
      case 'open':
        if (current !== undefined) return 'none';
        live.set(cmd.sid, '');
        return 'opened';
      case 'login':
        if (current === undefined) return 'unknown';
        live.set(cmd.sid, cmd.user);
        return current === cmd.user ? 'relogin' : 'login';
      case 'logout':
        if (current) live.set(cmd.sid, '');
        return 'none';
      case 'close':
        return live.delete(cmd.sid) ? 'closed' : 'none';
    }
  }

  /** user → number of live sessions it is logged in on, over every instance. */
  liveUsers(): Map<string, number> {
    const users = new Map<string, number>();
    for (const live of this.sessions) {
      for (const u of live.values()) if (u) users.set(u, (users.get(u) ?? 0) + 1);
    }
    return users;
  }

  get liveSessions(): number {
    return this.sessions.reduce((n, live) => n + live.size, 0);
  }

  get anonymousSessions(): number {
    return this.sessions.reduce((n, live) => n + [...live.values()].filter((u) => !u).length, 0);
  }
}

/** What Redis should hold, computed without Redis. */
class Model {
  /** State after every event so far, in call order. */
  readonly state = new LiveState();
  readonly errors = Array.from({ length: INSTANCES }, () => [] as string[]);
  readonly activeUsers = new Set<string>();
  opened = 0;
  closed = 0;
  logins = 0;
  /**
   * Peak SAU depends on the order events of different instances reach Redis: each instance sends
   * the events of one flush as one atomic batch, instance 0 first (flush() starts them in order).
   * So the peak is computed on a second state that gets each flush's events instance by instance.
   */
  peakUsers = 0;
  private readonly batched = new LiveState();
  private pending = Array.from({ length: INSTANCES }, () => [] as SessionCommand[]);

  apply(cmd: Command): void {
    if (cmd.kind === 'bad') {
      this.errors[cmd.inst].push(BAD_INPUT[cmd.bad].code);
      return;
    }
    if (
      cmd.kind !== 'open' &&
      cmd.kind !== 'login' &&
      cmd.kind !== 'logout' &&
      cmd.kind !== 'close'
    )
      return;
    const change = this.state.apply(cmd);
    if (change === 'unknown') this.errors[cmd.inst].push('UNKNOWN_SESSION');
    if (change === 'opened') this.opened++;
    if (change === 'closed') this.closed++;
    if (change === 'login') this.logins++;
    if (change === 'login' || change === 'relogin')
      this.activeUsers.add((cmd as { user: string }).user);
    this.pending[cmd.inst].push(cmd);
  }

  /** Every instance's queued events reached Redis, one batch per instance in instance order. */
  flushed(): void {
    for (const batch of this.pending) {
      for (const cmd of batch) {
        if (this.batched.apply(cmd) === 'login') {
          this.peakUsers = Math.max(this.peakUsers, this.batched.liveUsers().size);
        }
      }
    }
    this.pending = this.pending.map(() => []);
  }
}

describe('counting invariants under random event sequences', () => {
  const redis = useRedis();

  it('keeps SAU, sessions, DAU and MAU equal to the model, never negative, never double', async () => {
    const client = new Redis(redis.server().url);
    // A lost reply: the script ran in Redis, but the caller sees a connection error.
    let loseReply = false;
    const evalsha = client.evalsha.bind(client) as (...args: unknown[]) => Promise<unknown>;
    (client as unknown as { evalsha: typeof evalsha }).evalsha = async (...args: unknown[]) => {
      const reply = await evalsha(...args);
      if (loseReply && args[0] === APPLY_BATCH_SHA) {
        loseReply = false;
        throw new Error('Connection lost');
      }
      return reply;
    };

    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(command, { minLength: 1, maxLength: 60 }),
          fc.boolean(),
          async (commands, closeByStop) => {
            loseReply = false;
            // The model has one day: a run that straddled midnight would split its counts.
            await clearOfMidnight(client, 5_000);
            const namespace = uniqueNamespace('prop');
            const model = new Model();
            const errors = Array.from({ length: INSTANCES }, () => [] as string[]);
            const monitors = Array.from({ length: INSTANCES }, (_, i) => {
              const m = new SessionMonitor({
                redis: client,
                namespace,
                instanceId: `node-${i}`,
                // Unused heartbeats would only add noise; the lease outlives a run.
                heartbeatIntervalMs: 60_000,
                leaseMs: 120_000,
              });
              m.on('error', (err: SauError) => errors[i].push(err.code));
              return m;
            });
            const reader = new SauReader({ redis: client, namespace });
            try {
              await Promise.all(monitors.map((m) => m.start()));
              const flushAll = () => Promise.all(monitors.map((m) => m.flush()));

              const run = async (cmd: Command, index: number): Promise<void> => {
                switch (cmd.kind) {
                  case 'open':
                    monitors[cmd.inst].open({ id: cmd.sid });
                    break;
                  case 'login':
                    monitors[cmd.inst].login(cmd.sid, cmd.user);
                    break;
                  case 'logout':
                    monitors[cmd.inst].logout(cmd.sid);
                    break;
                  case 'close':
                    monitors[cmd.inst].close(cmd.sid);
                    break;
                  case 'bad':
                    BAD_INPUT[cmd.bad].run(monitors[cmd.inst]);
                    break;
                  case 'replay':
                    if (index > 0) return run(commands[cmd.index % index], cmd.index % index);
                    return;
                  case 'loseReply':
                    loseReply = true;
                    return;
                  case 'flush':
                    await flushAll();
                    model.flushed();
                    await expectLive(reader, model);
                    return;
                }
                model.apply(cmd);
              };
              for (let i = 0; i < commands.length; i++) await run(commands[i], i);
              await flushAll();
              model.flushed();

              // Rejections were reported, exactly those, and nothing else went wrong except
              // the lost replies, which were retried.
              for (let i = 0; i < INSTANCES; i++) {
                expect(errors[i].filter((c) => c !== 'REDIS_UNAVAILABLE')).toEqual(model.errors[i]);
              }

              await expectLive(reader, model);
              await expectRaw(client, monitors, model);
              await expectUnknownBreakdowns(client, monitors[0].keys, model);
              const stats = await reader.stats({ window: 'day' });
              expect(stats.day).toMatchObject({
                activeUsers: model.activeUsers.size,
                exact: true,
                sessions: model.opened,
                logins: model.logins,
                peakUsers: model.peakUsers,
              });
              const closedSoFar = Number(
                (await client.hget(monitors[0].keys.day(stats.day!.date), 'closed')) ?? 0,
              );
              expect(closedSoFar).toBe(model.closed);

              // Every session ends: users and sessions go back to 0, DAU and MAU keep everyone.
              if (closeByStop) {
                await Promise.all(monitors.map((m) => m.stop()));
              } else {
                model.state.sessions.forEach((live, i) => {
                  for (const id of live.keys()) monitors[i].close(id);
                });
                await flushAll();
              }
              const after = await reader.stats({ window: 'month' });
              expect(after.now).toEqual({
                users: 0,
                sessions: 0,
                anonymousSessions: 0,
                instances: closeByStop ? 0 : INSTANCES,
              });
              expect(after.month).toMatchObject({
                activeUsers: model.activeUsers.size,
                exact: true,
              });
              const day = (await reader.stats({ window: 'day' })).day!;
              expect(day).toMatchObject({
                activeUsers: model.activeUsers.size,
                sessions: model.opened,
                logins: model.logins,
              });
              expect(
                Number((await client.hget(monitors[0].keys.day(day.date), 'closed')) ?? 0),
              ).toBe(model.opened);
              expect(Object.keys(await liveUserRefcounts(client, monitors[0].keys))).toHaveLength(
                0,
              );
              const liveTotals = await client.hgetall(monitors[0].keys.live());
              for (const value of Object.values(liveTotals)) expect(Number(value)).toBe(0);
              await expectNoLiveBreakdowns(client, monitors[0].keys);
              // The day's breakdowns hold every session opened, and every user, as unknown.
              for (const by of BREAKDOWN_DIMENSIONS) {
                const rows = await dayBreakdownRows(client, monitors[0].keys, day.date, by);
                expect(Object.keys(rows)).toEqual(model.opened > 0 ? ['unknown'] : []);
                if (model.opened > 0) {
                  expect(rows.unknown[0]).toBe(model.opened);
                  expect(rows.unknown[1]).toBe(
                    Number(await client.hget(monitors[0].keys.day(day.date), 'sessionMs')),
                  );
                  expect(rows.unknown[2]).toBe(model.activeUsers.size);
                }
              }
            } finally {
              await Promise.all(monitors.map((m) => m.stop().catch(() => undefined)));
              await reader.close();
            }
          },
        ),
        { numRuns: Number(process.env.SAU_PROPERTY_RUNS ?? 35) },
      );
    } finally {
      client.disconnect();
    }
  });
});

async function expectLive(reader: SauReader, { state }: Model): Promise<void> {
  const { now } = await reader.stats();
  expect(now).toEqual({
    users: state.liveUsers().size,
    sessions: state.liveSessions,
    anonymousSessions: state.anonymousSessions,
    instances: INSTANCES,
  });
}

/** The raw keys behind the numbers: refcounts, totals and each incarnation's session set. */
async function expectRaw(
  client: Redis,
  monitors: SessionMonitor[],
  { state: model }: Model,
): Promise<void> {
  const keys = monitors[0].keys;
  const live = await client.hgetall(keys.live());
  // Every count of the live totals hash; its `p:` fields are client profiles (records, not counts).
  for (const [field, value] of Object.entries(live)) {
    if (!field.startsWith('p:')) expect(Number(value)).toBeGreaterThanOrEqual(0);
  }
  expect(Number(live.sessions ?? 0)).toBe(model.liveSessions);
  expect(Number(live.anonymous ?? 0)).toBe(model.anonymousSessions);

  const refcounts = await liveUserRefcounts(client, keys);
  for (const value of Object.values(refcounts)) expect(Number(value)).toBeGreaterThanOrEqual(1);
  expect(
    new Map(Object.entries(refcounts).map(([u, n]) => [u, Number(n)] as [string, number])),
  ).toEqual(model.liveUsers());

  for (let i = 0; i < INSTANCES; i++) {
    const members = await client.zrange(
      keys.instanceSessions(`node-${i}`, monitors[i].incarnation),
      0,
      -1,
    );
    const stored = new Map(
      members.map((m) => {
        const { sessionId, userId } = parseMember(m);
        return [sessionId, userId] as [string, string];
      }),
    );
    expect(stored).toEqual(model.sessions[i]);
  }
}

/** With no metadata, every live session is `unknown` in every live breakdown. */
async function expectUnknownBreakdowns(client: Redis, keys: Keys, { state }: Model): Promise<void> {
  const loggedIn = state.liveSessions - state.anonymousSessions;
  for (const by of BREAKDOWN_DIMENSIONS) {
    const { sessions, loggedInSessions } = await liveBreakdownOf(client, keys, by);
    expect(sessions).toEqual(state.liveSessions > 0 ? { unknown: state.liveSessions } : {});
    expect(loggedInSessions).toEqual(loggedIn > 0 ? { unknown: loggedIn } : {});
  }
}

/** One dimension's live breakdown as numbers; fails on any count below 1 (never negative, never 0). */
async function liveBreakdownOf(
  client: Redis,
  keys: Keys,
  by: BreakdownDimension,
): Promise<{ sessions: Record<string, number>; loggedInSessions: Record<string, number> }> {
  const read = async (hash: Record<string, string>) => {
    const out: Record<string, number> = {};
    for (const [value, n] of Object.entries(hash)) {
      expect(Number(n)).toBeGreaterThanOrEqual(1);
      out[value] = Number(n);
    }
    return out;
  };
  const sessions = await read(await liveBreakdownHash(client, keys, by));
  const loggedInSessions = await read(await liveLoggedInHash(client, keys, by));
  for (const [value, n] of Object.entries(loggedInSessions)) {
    expect(n).toBeLessThanOrEqual(sessions[value] ?? 0);
  }
  return { sessions, loggedInSessions };
}

/** value → [sessions opened, session ms, users] of one day breakdown. */
async function dayBreakdownRows(
  client: Redis,
  keys: Keys,
  date: string,
  by: BreakdownDimension,
): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [field, text] of Object.entries(await dayBreakdownHash(client, keys, date, by))) {
    if (field.startsWith('|')) continue;
    const row = text.split('|').map(Number);
    for (const n of row) expect(n).toBeGreaterThanOrEqual(0);
    out[field] = row;
  }
  return out;
}

/** Every live breakdown hash is gone (each value left at 0), and so is the profiles hash. */
async function expectNoLiveBreakdowns(client: Redis, keys: Keys): Promise<void> {
  for (const by of BREAKDOWN_DIMENSIONS) {
    expect(await liveBreakdownHash(client, keys, by)).toEqual({});
    expect(await liveLoggedInHash(client, keys, by)).toEqual({});
  }
  expect(await profilesHash(client, keys)).toEqual({});
}

// --- Breakdowns with random metadata, straight through the scripts -------------------------------

/** Metadata the sessions pick from: more OS and browser values than the small cap admits. */
const METAS: SessionMeta[] = [
  EMPTY_SESSION_META,
  {
    ...EMPTY_SESSION_META,
    deviceType: 'browser',
    osName: 'Windows',
    osVersion: '10',
    clientName: 'Chrome',
    clientVersion: '126',
    clientAddress: '203.0.113.0',
  },
  {
    ...EMPTY_SESSION_META,
    deviceType: 'browser',
    osName: 'Windows',
    osVersion: '11',
    clientName: 'Chrome',
    clientVersion: '125',
  },
  {
    ...EMPTY_SESSION_META,
    deviceType: 'browser',
    osName: 'Mac OS',
    clientName: 'Safari',
    clientAddress: '2001:db8:85a3::',
  },
  { ...EMPTY_SESSION_META, deviceType: 'mobile-app', osName: 'iOS', clientName: 'RC Mobile' },
  { ...EMPTY_SESSION_META, deviceType: 'mobile-app', osName: 'Android', clientName: 'RC Mobile' },
  { ...EMPTY_SESSION_META, osName: 'Яндекс {OS}', clientName: '微信' },
  { ...EMPTY_SESSION_META, deviceType: 'bot', osName: 'other', clientName: 'unknown' },
  { ...EMPTY_SESSION_META, clientAddress: '198.51.100.23' },
];
const META_INSTANCES = 2;

type MetaCommand =
  | { kind: 'open'; inst: number; sid: string; meta: number }
  | { kind: 'restore'; inst: number; sid: string; user: string; meta: number }
  | { kind: 'login'; inst: number; sid: string; user: string }
  | { kind: 'logout'; inst: number; sid: string }
  | { kind: 'close'; inst: number; sid: string }
  /** Sends the instance's queued events as one numbered batch; `merged`: with the last batch again. */
  | { kind: 'send'; inst: number; merged: boolean }
  /** Sends the instance's last batch again, as after a lost reply: nothing may change. */
  | { kind: 'resend'; inst: number }
  /** Sends everything, then compares the breakdowns with the model. */
  | { kind: 'check' };

const metaInst = fc.integer({ min: 0, max: META_INSTANCES - 1 });
const metaIndex = fc.integer({ min: 0, max: METAS.length - 1 });
const metaSid = fc.constantFrom('s0', 's1', 's2', 's3', 's4', '{s}5');
const metaUser = fc.constantFrom('u0', 'u1', 'u2', 'ユ3');
const metaCommand: fc.Arbitrary<MetaCommand> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('open' as const),
      inst: metaInst,
      sid: metaSid,
      meta: metaIndex,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('restore' as const),
      inst: metaInst,
      sid: metaSid,
      user: fc.oneof(metaUser, fc.constant('')),
      meta: metaIndex,
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('login' as const),
      inst: metaInst,
      sid: metaSid,
      user: metaUser,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('logout' as const), inst: metaInst, sid: metaSid }),
  },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('close' as const), inst: metaInst, sid: metaSid }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('send' as const),
      inst: metaInst,
      merged: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('resend' as const), inst: metaInst }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'check' as const }) },
);

/** A session's value in each dimension, as the day breakdowns count it. */
function valuesOf(meta: SessionMeta): Record<BreakdownDimension, string> {
  const v = (text: string) => text || 'unknown';
  return { device: v(meta.deviceType), os: v(meta.osName), browser: v(meta.clientName) };
}

/** Live sessions and what the day breakdowns must hold, by the scripts' rules, without Redis. */
class MetaModel {
  readonly live = Array.from(
    { length: META_INSTANCES },
    () => new Map<string, { user: string; meta: SessionMeta }>(),
  );
  /** dimension → value → sessions opened today. */
  readonly opened = new Map<string, number>();
  /** "dimension\0value\0user" of every user active on a session with that value. */
  readonly pairs = new Set<string>();

  apply(cmd: Exclude<MetaCommand, { kind: 'send' | 'resend' | 'check' }>): void {
    const live = this.live[cmd.inst];
    const current = live.get(cmd.sid);
    switch (cmd.kind) {
      case 'open':
        if (current) return;
        live.set(cmd.sid, { user: '', meta: METAS[cmd.meta] });
        for (const [by, value] of Object.entries(valuesOf(METAS[cmd.meta]))) {
          const key = `${by}\0${value}`;
          this.opened.set(key, (this.opened.get(key) ?? 0) + 1);
        }
        return;
      case 'restore':
        if (current) return;
        live.set(cmd.sid, { user: cmd.user, meta: METAS[cmd.meta] });
        if (cmd.user) this.active(METAS[cmd.meta], cmd.user);
        return;
      case 'login':
        if (!current) return;
        current.user = cmd.user;
        this.active(current.meta, cmd.user);
        return;
      case 'logout':
        if (current) current.user = '';
        return;
      case 'close':
        live.delete(cmd.sid);
        return;
    }
  }

  private active(meta: SessionMeta, user: string): void {
    for (const [by, value] of Object.entries(valuesOf(meta)))
      this.pairs.add(`${by}\0${value}\0${user}`);
  }

  /** Live sessions (and logged-in ones) per value of one dimension. */
  liveBy(by: BreakdownDimension): { sessions: Map<string, number>; loggedIn: Map<string, number> } {
    const sessions = new Map<string, number>();
    const loggedIn = new Map<string, number>();
    for (const live of this.live) {
      for (const { user, meta } of live.values()) {
        const value = valuesOf(meta)[by];
        sessions.set(value, (sessions.get(value) ?? 0) + 1);
        if (user) loggedIn.set(value, (loggedIn.get(value) ?? 0) + 1);
      }
    }
    return { sessions, loggedIn };
  }
}

describe('breakdown invariants under random events with metadata', () => {
  const redis = useRedis();
  const calendar = new ZonedCalendar('UTC');

  it('keeps live breakdowns equal to the live sessions, never negative, and empty once all close', async () => {
    const client = new Redis(redis.server().url);
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(metaCommand, { minLength: 1, maxLength: 80 }),
          fc.constantFrom(2, 50),
          async (commands, cap) => {
            const keys = new Keys(uniqueNamespace('prop-meta'));
            const runner = new ScriptRunner(client);
            const model = new MetaModel();
            const instanceId = (i: number) => `node-${i}`;
            for (let i = 0; i < META_INSTANCES; i++) {
              await registerInstance(runner, keys, {
                instanceId: instanceId(i),
                incarnation: 'inc',
                leaseMs: 120_000,
                host: 'test',
                pid: i,
              });
            }
            let day: ZonedDay = calendar.dayAt(Date.now());
            const pending = Array.from({ length: META_INSTANCES }, () => [] as string[]);
            const nextSeq = Array.from({ length: META_INSTANCES }, () => 0);
            const last = Array.from(
              { length: META_INSTANCES },
              () => undefined as { firstSeq: number; events: string[] } | undefined,
            );
            const call = async (inst: number, events: string[], firstSeq: number) => {
              for (;;) {
                const result = await writeEvents(runner, keys, {
                  instanceId: instanceId(inst),
                  incarnation: 'inc',
                  day,
                  expiry: expiryOf(day, 400),
                  exactThreshold: 1000,
                  breakdownCap: cap,
                  events,
                  firstSeq,
                });
                if (result.status !== ScriptStatus.WRONG_DAY) return result;
                day = calendar.dayAt(result.nowMs);
              }
            };
            const send = async (inst: number, merged: boolean) => {
              const previous = last[inst];
              if (pending[inst].length === 0) return;
              const batch = { firstSeq: nextSeq[inst], events: pending[inst] };
              nextSeq[inst] += batch.events.length / 3;
              pending[inst] = [];
              if (merged && previous) {
                // A lost reply: the old batch goes again with the new events behind it.
                await call(inst, [...previous.events, ...batch.events], previous.firstSeq);
              } else {
                await call(inst, batch.events, batch.firstSeq);
              }
              last[inst] = batch;
            };
            const sendAll = async () => {
              for (let i = 0; i < META_INSTANCES; i++) await send(i, false);
            };
            const check = async () => {
              await sendAll();
              await expectMetaBreakdowns(client, keys, model, cap, day.date);
            };

            for (const cmd of commands) {
              switch (cmd.kind) {
                case 'open':
                  pending[cmd.inst].push('o', cmd.sid, encodeSessionMeta(METAS[cmd.meta]));
                  model.apply(cmd);
                  break;
                case 'restore':
                  pending[cmd.inst].push(
                    'r',
                    cmd.sid,
                    encodeRestore(cmd.user, encodeSessionMeta(METAS[cmd.meta])),
                  );
                  model.apply(cmd);
                  break;
                case 'login':
                  pending[cmd.inst].push('i', cmd.sid, cmd.user);
                  model.apply(cmd);
                  break;
                case 'logout':
                  pending[cmd.inst].push('u', cmd.sid, '');
                  model.apply(cmd);
                  break;
                case 'close':
                  pending[cmd.inst].push('c', cmd.sid, '');
                  model.apply(cmd);
                  break;
                case 'send':
                  await send(cmd.inst, cmd.merged);
                  break;
                case 'resend': {
                  const previous = last[cmd.inst];
                  if (previous) {
                    const again = await call(cmd.inst, previous.events, previous.firstSeq);
                    expect(again.applied).toBe(0);
                  }
                  break;
                }
                case 'check':
                  await check();
                  break;
              }
            }
            await check();

            // Every session ends, some by a close event and the rest by closeSessions (stop or
            // reap) in small batches: every live breakdown empties, and the day keeps all the time.
            const [first] = model.live[0].keys();
            if (first !== undefined) {
              pending[0].push('c', first, '');
              model.apply({ kind: 'close', inst: 0, sid: first });
              await sendAll();
            }
            for (let i = 0; i < META_INSTANCES; i++) {
              for (;;) {
                const closed = await closeSessions(runner, keys, {
                  instanceId: instanceId(i),
                  incarnation: 'inc',
                  instant: 'now',
                  day,
                  expiry: expiryOf(day, 400),
                  batchSize: 2,
                  breakdownCap: cap,
                });
                if (closed.status === ScriptStatus.WRONG_DAY) {
                  day = calendar.dayAt(closed.closeMs);
                  continue;
                }
                if (closed.left === 0) break;
              }
              model.live[i].clear();
            }
            await expectMetaBreakdowns(client, keys, model, cap, day.date);
            await expectNoLiveBreakdowns(client, keys);
            const sessionMs = Number((await client.hget(keys.day(day.date), 'sessionMs')) ?? 0);
            for (const by of BREAKDOWN_DIMENSIONS) {
              const rows = Object.values(await dayBreakdownRows(client, keys, day.date, by));
              expect(rows.reduce((n, r) => n + r[1], 0)).toBe(sessionMs);
            }
          },
        ),
        { numRuns: Number(process.env.SAU_PROPERTY_RUNS ?? 35) },
      );
    } finally {
      client.disconnect();
    }
  });
});

/**
 * The breakdowns against the model. With a cap no value set can reach (50), every value's live
 * and day numbers must equal the model's; with a small cap (2) the values past it are merged into
 * `other`, so only sums, bounds and the cap itself can be checked.
 */
async function expectMetaBreakdowns(
  client: Redis,
  keys: Keys,
  model: MetaModel,
  cap: number,
  date: string,
): Promise<void> {
  const capped = cap < METAS.length;
  const daySessions = Number((await client.hget(keys.day(date), 'sessions')) ?? 0);
  let profiled = 0;
  for (const live of model.live) {
    for (const { meta } of live.values()) {
      if (encodeSessionMeta({ ...meta, clientAddress: '' }) !== '') profiled++;
    }
  }
  for (const by of BREAKDOWN_DIMENSIONS) {
    const want = model.liveBy(by);
    const got = await liveBreakdownOf(client, keys, by);
    const sum = (m: Map<string, number> | Record<string, number>) =>
      [...(m instanceof Map ? m.values() : Object.values(m))].reduce((n, x) => n + x, 0);
    expect(sum(got.sessions)).toBe(sum(want.sessions));
    expect(sum(got.loggedInSessions)).toBe(sum(want.loggedIn));
    const admitted = Object.keys(got.sessions).filter((v) => v !== 'other' && v !== 'unknown');
    expect(admitted.length).toBeLessThanOrEqual(cap);

    const rows = await dayBreakdownRows(client, keys, date, by);
    expect(Object.values(rows).reduce((n, r) => n + r[0], 0)).toBe(daySessions);
    if (!capped) {
      expect(got.sessions).toEqual(Object.fromEntries(want.sessions));
      expect(got.loggedInSessions).toEqual(Object.fromEntries(want.loggedIn));
      for (const [key, n] of model.opened) {
        const [dim, value] = key.split('\0');
        if (dim === by) expect(rows[value]?.[0]).toBe(n);
      }
      for (const [value, row] of Object.entries(rows)) {
        const users = [...model.pairs].filter((p) => p.startsWith(`${by}\0${value}\0`)).length;
        expect([value, row[2]]).toEqual([value, users]);
      }
    } else {
      // A value counted as itself is never over what the model has of it.
      for (const [value, n] of Object.entries(got.sessions)) {
        if (value !== 'other') expect(n).toBeLessThanOrEqual(want.sessions.get(value) ?? 0);
      }
    }
  }
  // One profile per distinct metadata of the live sessions, counting exactly those sessions.
  const profiles = await profilesHash(client, keys);
  const counts = Object.entries(profiles)
    .filter(([field]) => /^[0-9a-z]+$/.test(field))
    .map(([, record]) => Number(record.split('|')[0]));
  for (const n of counts) expect(n).toBeGreaterThanOrEqual(1);
  expect(counts.reduce((n, x) => n + x, 0)).toBe(profiled);
}
