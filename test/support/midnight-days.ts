import type { ZonedDay } from '../../src/time/zoned-calendar';

/**
 * Two days for script tests, Jan 31 and Feb 1 2031 (a day and a month boundary), whose midnight
 * falls `msToMidnight` after `nowMs` (Redis TIME): the scripts accept any bounds that contain
 * Redis TIME, so a test can cross "midnight" in a second or two.
 */
export function daysAroundMidnight(
  nowMs: number,
  msToMidnight: number,
): { midnight: number; dayOne: ZonedDay; dayTwo: ZonedDay } {
  const midnight = nowMs + msToMidnight;
  return {
    midnight,
    dayOne: {
      date: '2031-01-31',
      month: '2031-01',
      startMs: nowMs - 60_000,
      endMs: midnight,
      monthEndMs: midnight,
    },
    dayTwo: {
      date: '2031-02-01',
      month: '2031-02',
      startMs: midnight,
      endMs: midnight + 86_400_000,
      monthEndMs: midnight + 28 * 86_400_000,
    },
  };
}
