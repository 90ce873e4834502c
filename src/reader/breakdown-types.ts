import type { BreakdownDimension } from '../session/breakdown-dimensions';

export { BREAKDOWN_DIMENSIONS, type BreakdownDimension } from '../session/breakdown-dimensions';

/** `now`: live sessions; `day`: one calendar day; `month`: the calendar month of a day. */
export type BreakdownWindow = 'now' | 'day' | 'month';
export const BREAKDOWN_WINDOWS: readonly BreakdownWindow[] = Object.freeze(['now', 'day', 'month']);

/** What `SauReader.breakdown()` takes. */
export interface BreakdownQuery {
  by: BreakdownDimension;
  /** Default `now`. */
  window?: BreakdownWindow;
  /** `YYYY-MM-DD` in the reader's zone (for `day`, and `month` = its month); default today. */
  date?: string;
}

/** One value of a live breakdown. */
export interface LiveBreakdownRow {
  /** The device type, OS or browser/app; `unknown` when not given, `other` past the cap. */
  value: string;
  sessions: number;
  /**
   * Live sessions with a user logged in. Sessions, not distinct users: a user with two tabs counts
   * twice (an exact per-value user count would cost a refcount per session and value).
   */
  loggedInSessions: number;
}

/** One value of a day or month breakdown. */
export interface PeriodBreakdownRow {
  value: string;
  /** Sessions opened in the period. */
  sessions: number;
  /** Time spent in the period by sessions that have closed (open sessions count when they close). */
  sessionSeconds: number;
  /** Distinct users active with this value; see `usersExact` of the breakdown. */
  users: number;
}

/**
 * One value of a month breakdown. Distinct users per value are not kept for a month (that would
 * cost a user-value pair per monthly user and value), so `users` is an estimate between two
 * bounds computed from the days: the truth is never below `usersAtLeast` (the value's best day)
 * nor above `usersAtMost` (the sum of its days' users, and the month's distinct users).
 */
export interface MonthBreakdownRow extends PeriodBreakdownRow {
  /** Estimate: the value's share of the month's user-days times the month's distinct users. */
  users: number;
  usersAtLeast: number;
  usersAtMost: number;
}

export interface LiveBreakdown {
  by: BreakdownDimension;
  window: 'now';
  /** Redis time of the reading. */
  at: string;
  /** Sorted by sessions, most first. */
  rows: LiveBreakdownRow[];
}

export interface DayBreakdown {
  by: BreakdownDimension;
  window: 'day';
  date: string;
  /**
   * True while the day counted its users exactly. Past the exact threshold each value's count was
   * frozen and is scaled by the day's HyperLogLog count (assumes the values' shares stay the same).
   */
  usersExact: boolean;
  rows: PeriodBreakdownRow[];
}

export interface MonthBreakdown {
  by: BreakdownDimension;
  window: 'month';
  /** `YYYY-MM`. */
  month: string;
  /**
   * Always false: sessions and time are sums of the days, but users per value are estimates (see
   * MonthBreakdownRow), which undercount a value whose users come on few days while another's
   * come every day.
   */
  usersExact: false;
  rows: MonthBreakdownRow[];
}

/** What `SauReader.breakdown()` returns, by window. */
export type Breakdown = LiveBreakdown | DayBreakdown | MonthBreakdown;

/** The breakdown type of a window. */
export type BreakdownOf<W extends BreakdownWindow> = Extract<Breakdown, { window: W }>;
