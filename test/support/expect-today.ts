import type { Redis } from 'ioredis';
import type { SauReader } from '../../src/reader/sau-reader';
import { ZonedCalendar } from '../../src/time/zoned-calendar';
import { redisNowMs } from './monitor-harness';

const UTC = new ZonedCalendar('UTC');

/** The day's distinct users, sessions opened and logins; optionally the month's distinct users. */
export interface TodayExpectation {
  activeUsers: number;
  sessions: number;
  logins: number;
  monthActiveUsers?: number;
}

/** Redis's date now (UTC, the monitors' default zone): take it before a test's events. */
export async function redisDate(client: Redis): Promise<string> {
  return UTC.dateAt(await redisNowMs(client));
}

/**
 * Waits, when Redis's day (UTC) ends within `needMs`, until the next day has begun, so that a test
 * whose events and readings must all fall on one day runs wholly on one; gives that day's date. The
 * suite also runs with the clock set just before a midnight (scripts/test-at.js); there this costs
 * up to `needMs`.
 */
export async function clearOfMidnight(client: Redis, needMs: number): Promise<string> {
  const nowMs = await redisNowMs(client);
  const leftMs = UTC.dayAt(nowMs).endMs - nowMs;
  if (leftMs >= needMs) return UTC.dateAt(nowMs);
  await new Promise((r) => setTimeout(r, leftMs + 50));
  return redisDate(client);
}

/**
 * Runs `write` until one run of it starts and ends on the same date by Redis's clock, and gives
 * that date: writes that straddle midnight split over two days, and a test that then reads "today"
 * finds half of them. Midnight comes once a day, so a second try always fits; `write` must write
 * somewhere fresh (a new namespace) each time it runs.
 */
export async function writeOnOneDay(client: Redis, write: () => Promise<void>): Promise<string> {
  for (let attempt = 1; ; attempt += 1) {
    const before = await redisDate(client);
    await write();
    if ((await redisDate(client)) === before) return before;
    if (attempt === 2) throw new Error('two tries each straddled a midnight: the clock jumps');
  }
}

/**
 * Asserts a day's numbers (and its month's), read in one reading. `date` is the day the test's
 * events fall on (clearOfMidnight): named, not "today", so that a wrong number cannot hide behind
 * a midnight.
 */
export async function expectToday(
  reader: SauReader,
  date: string,
  expected: TodayExpectation,
): Promise<void> {
  const { day, month } = await reader.stats({ window: 'all', date });
  const { activeUsers, sessions, logins } = day!;
  const actual: TodayExpectation = { activeUsers, sessions, logins };
  if (expected.monthActiveUsers !== undefined) actual.monthActiveUsers = month!.activeUsers;
  expect(actual).toEqual(expected);
}
