import type { Redis } from 'ioredis';
import { useRedis } from './use-redis';
import { uniqueNamespace } from './redis-server';
import { redisNowMs } from './monitor-harness';
import { writeEvents } from './event-writer';
import { storedSessionOf } from './stored-sessions';
import { Keys } from '../../src/keys';
import { ScriptRunner } from '../../src/scripts/script-runner';
import { closeSessions } from '../../src/scripts/commands/close-sessions';
import { registerInstance } from '../../src/scripts/commands/register-instance';
import {
  BREAKDOWN_DIMENSIONS,
  type BreakdownDimension,
} from '../../src/session/breakdown-dimensions';
import { ZonedCalendar, type ZonedDay } from '../../src/time/zoned-calendar';
import { expiryOf } from '../../src/time/retention';
import {
  dayBreakdownHash,
  liveBreakdownHash,
  liveLoggedInHash,
  profilesHash,
} from './breakdown-hashes';

// What every test/lua/session-breakdown-*.test.ts file shares: setup() for applyBatch and
// closeSessions on one registered instance, and readers of the breakdowns.

/**
 * Gives the test file its own redis-server and setup(), which registers instance node-1 on a fresh
 * namespace and returns apply() and close() for its incarnation inc-1. Call at the top of the
 * file's describe block.
 */
export function useSessionBreakdownScripts() {
  const redis = useRedis();
  const calendar = new ZonedCalendar('UTC');

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

  return { setup };
}

/** Live breakdown of one dimension: value → [sessions, logged-in sessions]. */
export async function liveBreakdown(client: Redis, keys: Keys, by: BreakdownDimension) {
  const sessions = await liveBreakdownHash(client, keys, by);
  const loggedIn = await liveLoggedInHash(client, keys, by);
  for (const field of Object.keys(loggedIn)) expect(sessions[field]).toBeDefined();
  return Object.fromEntries(
    Object.entries(sessions).map(([v, n]) => [v, [Number(n), Number(loggedIn[v] ?? 0)]]),
  );
}

/** Day breakdown of one dimension: value → [sessions opened, session ms, users]. */
export async function dayBreakdown(
  client: Redis,
  keys: Keys,
  date: string,
  by: BreakdownDimension,
) {
  const hash = await dayBreakdownHash(client, keys, date, by);
  return Object.fromEntries(
    Object.entries(hash)
      .filter(([field]) => !field.startsWith('|'))
      .map(([v, text]) => [v, text.split('|').map(Number)]),
  );
}

export async function expectNoLiveBreakdown(client: Redis, keys: Keys): Promise<void> {
  for (const by of BREAKDOWN_DIMENSIONS) {
    expect({
      ...(await liveBreakdownHash(client, keys, by)),
      ...(await liveLoggedInHash(client, keys, by)),
    }).toEqual({});
  }
  expect(await profilesHash(client, keys)).toEqual({});
}
