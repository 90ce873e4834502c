import fc from 'fast-check';
import { Redis } from 'ioredis';
import { useRedis } from '../support/use-redis';
import { uniqueNamespace } from '../support/redis-server';
import { SessionMonitor } from '../../src/monitor/session-monitor';
import type { SessionInfo } from '../../src/monitor/session-input';
import { SauReader } from '../../src/reader/sau-reader';
import type { SauError } from '../../src/errors/sau-error';

/**
 * Invariants 1, 2 and 5 under random use: several instances of one namespace receive random
 * open/login/logout/close sequences, bad input and replays included, and every number Redis keeps
 * must equal what a plain in-memory model of the same sequence says.
 */

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
  /** The next applyEvents reply is lost after the script ran, so the monitor sends the batch again. */
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
      if (loseReply && args[1] === 11 /* applyEvents, the one script with 11 keys */) {
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
              expect(await client.hlen(monitors[0].keys.liveUsers())).toBe(0);
              const liveTotals = await client.hgetall(monitors[0].keys.live());
              for (const value of Object.values(liveTotals)) expect(Number(value)).toBe(0);
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
  for (const value of Object.values(live)) expect(Number(value)).toBeGreaterThanOrEqual(0);
  expect(Number(live.sessions ?? 0)).toBe(model.liveSessions);
  expect(Number(live.anonymous ?? 0)).toBe(model.anonymousSessions);

  const refcounts = await client.hgetall(keys.liveUsers());
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
        const [id, , userId] = m.split('\0');
        return [id, userId ?? ''] as [string, string];
      }),
    );
    expect(stored).toEqual(model.sessions[i]);
  }
}
