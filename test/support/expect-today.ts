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
 * Asserts today's numbers (and the month's), read in one reading, unless Redis's date is no
 * longer `startDate`: a test that crossed midnight split its events over two days, and no exact
 * number of either day can hold (the suite also runs with the clock set just before midnight).
 */
export async function expectToday(
  reader: SauReader,
  startDate: string,
  expected: TodayExpectation,
): Promise<void> {
  const { day, month } = await reader.stats({ window: 'all' });
  if (day!.date !== startDate) return;
  const { activeUsers, sessions, logins } = day!;
  const actual: TodayExpectation = { activeUsers, sessions, logins };
  if (expected.monthActiveUsers !== undefined) actual.monthActiveUsers = month!.activeUsers;
  expect(actual).toEqual(expected);
}
