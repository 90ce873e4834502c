import type { Keys } from '../keys';
import { SauError } from '../errors/sau-error';
import type { RedisClient } from '../redis/redis-client';
import type { ScriptRunner } from '../scripts/script-runner';
import type { ClosedLogLimits } from '../scripts/closed-log-limits';
import type { ZonedCalendar } from '../time/zoned-calendar';
import type { BatchWriter } from './batch-writer';
import type { EventQueue } from './event-queue';
import type { LiveSessions } from './live-sessions';
import type { ResolvedMonitorOptions } from './monitor-options';
import type { RecentLogins } from './recent-logins';
import type { RedisClock } from './redis-clock';
import type { ReplayBuffer } from './replay-buffer';

export type MonitorState = 'new' | 'starting' | 'started' | 'stopping' | 'stopped';

/** What start() opens: the connection, its script runner and the writer of this incarnation. */
export interface MonitorConnection {
  client: RedisClient;
  runner: ScriptRunner;
  writer: BatchWriter;
}

/**
 * The state one SessionMonitor's parts share (session-monitor.ts builds it): its options, its own
 * truth and queue, its clock, and, once started, its connection. Parts report problems through it,
 * never by throwing into the host.
 */
export interface MonitorContext {
  readonly options: ResolvedMonitorOptions;
  readonly keys: Keys;
  readonly calendar: ZonedCalendar;
  readonly clock: RedisClock;
  readonly queue: EventQueue;
  readonly sessions: LiveSessions;
  readonly replay: ReplayBuffer;
  readonly recentLogins: RecentLogins;
  readonly closedLog: ClosedLogLimits;
  state: MonitorState;
  /** Events a full queue turned away, since start. */
  droppedEvents: number;
  connection: MonitorConnection | undefined;
  report(err: SauError): void;
  emit(event: string, ...args: unknown[]): boolean;
}

/** The connection, or a NOT_STARTED error for work asked of a monitor that has none. */
export function connectionOf(ctx: MonitorContext): MonitorConnection {
  if (!ctx.connection) throw new SauError('NOT_STARTED', `monitor is ${ctx.state}`);
  return ctx.connection;
}
