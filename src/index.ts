/**
 * sau-monitor: simultaneous, daily and monthly active users of real-time servers, kept atomically
 * in Redis by Lua scripts.
 */
export { SessionMonitor } from './monitor/session-monitor';
export type { SessionMonitorOptions } from './monitor/monitor-options';
export type { SessionInfo } from './monitor/session-input';
export { SauReader, type SauReaderOptions } from './reader/sau-reader';
export { STATS_WINDOWS } from './reader/stats-types';
export type {
  Stats,
  StatsWindow,
  NowStats,
  DayStats,
  WeekStats,
  MonthStats,
} from './reader/stats-types';
export type { ReapReport, ReapProgress, DeadIncarnation } from './monitor/reaper';
export { Keys } from './keys';
export type { RedisInput, RedisClient } from './redis/redis-client';
export * from './errors';
