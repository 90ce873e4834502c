import type { ZonedDay } from './zoned-calendar';

const DAY_S = 86_400;
/** A day's exact user set serves every rolling 30-day window that contains the day. */
const DAY_SET_DAYS = 31;
/** A month's exact set is needed while the month runs; a month more leaves room for late writes. */
const MONTH_SET_DAYS = 31;

/** Absolute expiry times (unix seconds) of one day's and its month's keys. */
export interface PeriodExpiry {
  day: number;
  daySet: number;
  month: number;
  monthSet: number;
  previousDay: number;
}

/**
 * Expiry of history keys, fixed from the period's end (not from when a key was first written), so
 * every key of a period ages out together. Exact sets go first; their final counts stay frozen in
 * the period's hash, and the HyperLogLogs stay for the whole retention.
 */
export function expiryOf(day: ZonedDay, retentionDays: number): PeriodExpiry {
  const dayEnd = Math.floor(day.endMs / 1000);
  const monthEnd = Math.floor(day.monthEndMs / 1000);
  const retention = retentionDays * DAY_S;
  return {
    day: dayEnd + retention,
    daySet: dayEnd + Math.min(retention, DAY_SET_DAYS * DAY_S),
    month: monthEnd + retention,
    monthSet: monthEnd + Math.min(retention, MONTH_SET_DAYS * DAY_S),
    previousDay: Math.floor(day.startMs / 1000) + retention,
  };
}
