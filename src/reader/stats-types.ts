/** Which period `stats()` reports besides `now`; `all` gives day, week and month from one reading. */
export type StatsWindow = 'now' | 'day' | 'week' | 'month' | 'all';
export const STATS_WINDOWS: readonly StatsWindow[] = ['now', 'day', 'week', 'month', 'all'];

/** Live values at the moment of reading. */
export interface NowStats {
  /** Distinct logged-in users with at least one live session (SAU). */
  users: number;
  sessions: number;
  anonymousSessions: number;
  /** Instances holding an unexpired lease. */
  instances: number;
}

export interface DayStats {
  date: string;
  /** Distinct users active that day (DAU). */
  activeUsers: number;
  /** True while counted from an exact set; false once the day outgrew it (HyperLogLog, ~0.8 % error). */
  exact: boolean;
  /** Sessions opened that day. */
  sessions: number;
  logins: number;
  /** Session time spent that day by sessions that have closed (time of open sessions counts when they close). */
  sessionSeconds: number;
  /** sessionSeconds over the sessions closed that day; 0 when none closed. */
  averageSessionSeconds: number;
  /** Highest SAU of the day and when it was first reached (null before any login). */
  peakUsers: number;
  peakAt: string | null;
}

export interface WeekStats {
  from: string;
  to: string;
  activeUsers: number;
  exact: boolean;
}

export interface MonthStats {
  month: string;
  activeUsers: number;
  exact: boolean;
  /** Distinct users of the 30 days ending on the requested date. */
  rolling30: number;
  rolling30Exact: boolean;
  /** DAU of the requested date over MAU of its month (0 when the month has no users). */
  stickiness: number;
}

/** What `SauReader.stats()` and `sau-cli stats --json` return. */
export interface Stats {
  namespace: string;
  timezone: string;
  /** Redis time of the reading. */
  at: string;
  now: NowStats;
  day?: DayStats;
  week?: WeekStats;
  month?: MonthStats;
}
