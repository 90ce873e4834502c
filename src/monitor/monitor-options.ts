import { hostname } from 'node:os';
import { ConfigError } from '../errors/config-error';
import { assertPositiveInteger } from '../config/positive-integer';
import { assertTimerDelay } from '../config/timer-delay';
import { assertInstanceId, assertNamespace } from '../keys';
import type { RedisInput } from '../redis/redis-client';
import {
  assertAddressOptions,
  DEFAULT_ADDRESS_MODE,
  type AddressMode,
} from '../privacy/address-mode';
import { DEFAULT_BREAKDOWN_CAP, MAX_BREAKDOWN_CAP } from '../session/breakdown-dimensions';
import { DEFAULT_CLOSE_CALLS_IN_FLIGHT } from './close-incarnation';
import {
  DEFAULT_CLOSED_SESSION_MAX_LEN,
  DEFAULT_CLOSED_SESSION_RETENTION_DAYS,
} from '../scripts/closed-log-limits';

/** Sessions one close or reap call handles unless told otherwise (bench/reap.js measures it). */
export const DEFAULT_CLOSE_BATCH_SIZE = 250;
/** Most close calls in flight a closing may keep: past a few, Redis is busy anyway. */
export const MAX_CLOSE_CALLS_IN_FLIGHT = 64;
/**
 * Most events one batch, and most sessions one close call, may carry: a script call's arguments
 * are bounded (Lua's unpack), and larger calls would block Redis longer without being faster.
 */
export const MAX_CALL_SIZE = 2000;
/** Days a day's and a month's keys are kept unless told otherwise. */
export const DEFAULT_RETENTION_DAYS = 400;

/** Options of `new SessionMonitor(...)`; every field has a default. */
export interface SessionMonitorOptions {
  /** URL, ioredis options, or an ioredis Redis/Cluster you own. Default redis://127.0.0.1:6379. */
  redis?: RedisInput;
  /** Key namespace (one per app or tenant). Default `default`. */
  namespace?: string;
  /** Default `<hostname>:<pid>`. An incarnation token is added internally at every start(). */
  instanceId?: string;
  /** IANA time zone of day and month boundaries. Default `UTC`. */
  timezone?: string;
  /** How often the lease is renewed. Default 5000. */
  heartbeatIntervalMs?: number;
  /** How long a lease lasts without a heartbeat; at least twice the interval. Default 15000. */
  leaseMs?: number;
  /** Most distinct users a day or month counts exactly before relying on HyperLogLog. Default 10000. */
  exactThreshold?: number;
  /** Days of day/month history kept in Redis. Default 400. */
  retentionDays?: number;
  /** Most events one script call carries. Default 1000. */
  maxBatchSize?: number;
  /** Most events held while Redis is slow or away; beyond, events are dropped and reported. Default 1,000,000. */
  maxQueuedEvents?: number;
  /**
   * Most sessions one close/reap script call handles. Default 250: at 4–5 µs a session in Redis
   * (with the closed-session log) a call takes about 1 ms, so reaping 1,000,000 sessions never
   * blocks Redis for long.
   */
  closeBatchSize?: number;
  /**
   * Close/reap calls in flight at most: Redis runs one while the next is prepared (up to 64).
   * Default 3, about 1.4 times the speed of 1 (one after the other); more are a little faster
   * but make longer calls when Redis shares its cores with the closing process.
   */
  closeCallsInFlight?: number;
  /**
   * Most user-days of logins remembered until Redis has them, so that logins seen during an outage
   * that spans midnight count on the day they happened. Beyond, they count on the day Redis comes
   * back, and are reported. Default 100,000.
   */
  maxReplayUserDays?: number;
  /** How often this instance's live sessions in Redis are compared with its own and repaired. Default 300,000 (5 min). */
  resyncIntervalMs?: number;
  /**
   * How long users stay remembered after Redis acknowledged the write that counted them active on a
   * day, to be marked active again after a reconnection: a Sentinel failover can promote a replica
   * that never received the old master's last writes. At most `maxReplayUserDays` user-days are
   * kept; 0 turns the replay off (the resync of live sessions after a reconnection still runs).
   * Default 60,000 (1 min).
   */
  failoverReplayMs?: number;
  /** Longest a graceful stop() waits for Redis; then the lease lapses and reapers finish. Default 10000. */
  stopTimeoutMs?: number;
  /**
   * Longest start() waits to register with Redis before it rejects (`START_FAILED`). Without it, a
   * Cluster that never becomes ready would keep start() pending for good. Default 15000.
   */
  startTimeoutMs?: number;
  /**
   * How much of a client's IP address is stored: `full`, `truncate` (the /24 of IPv4, the /48 of
   * IPv6), `hash` (keyed HMAC, needs `addressSecret`) or `none`. Default `truncate`.
   */
  addressMode?: AddressMode;
  /** Key of the `hash` address mode, at least 16 characters. Keep it secret and stable. */
  addressSecret?: string;
  /**
   * Proxies in front of the server that append to `X-Forwarded-For`; the client address is taken
   * that many hops back. Default 0: the header is ignored, as any client can forge it.
   */
  trustedProxies?: number;
  /** Distinct user agents whose classification is cached. Default 10,000. */
  userAgentCacheSize?: number;
  /** Distinct values a breakdown (device, OS, browser) counts a day before the rest go to `other`. Default 50, at most 120. */
  breakdownCap?: number;
  /**
   * Append every closed session (close event, stop, reap, restart) to the namespace's capped
   * closed-session stream (`sau:{ns}:closed`, read by `SauReader.closedSessions()` and
   * `sau-cli export`): one stream entry per script call that closes sessions, not one per
   * session. Default true.
   */
  closedSessionLog?: boolean;
  /**
   * Most entries the closed-session stream keeps (`MAXLEN ~`: trimmed by whole stream nodes, so
   * up to `stream-node-max-entries`, 100 by default, more); 0 turns the log off. Default 1,000,000.
   */
  closedSessionMaxLen?: number;
  /** Days a closed-session entry is kept (trimmed by `XTRIM MINID ~` once per script call). Default 35. */
  closedSessionRetentionDays?: number;
  /**
   * How often the namespace's gauges hash and timeline stream (what Grafana and Prometheus read)
   * are sampled. Every instance tries; a lease in Redis lets one write, so there is one sample per
   * interval whatever the number of instances. 0: this instance never samples. Default 10,000.
   */
  gaugeIntervalMs?: number;
  /** Days of timeline samples kept (trimmed by `MINID ~` at every sample). Default 35. */
  timelineRetentionDays?: number;
  /** Where problems go when nobody listens to the `error` event. Default console. */
  logger?: Pick<Console, 'warn'>;
}

export type ResolvedMonitorOptions = Required<
  Omit<SessionMonitorOptions, 'redis' | 'addressSecret'>
> &
  Pick<SessionMonitorOptions, 'redis' | 'addressSecret'>;

export function resolveMonitorOptions(options: SessionMonitorOptions): ResolvedMonitorOptions {
  const resolved: ResolvedMonitorOptions = {
    redis: options.redis,
    namespace: options.namespace ?? 'default',
    instanceId: options.instanceId ?? `${hostname()}:${process.pid}`,
    timezone: options.timezone ?? 'UTC',
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 5000,
    leaseMs: options.leaseMs ?? 15000,
    exactThreshold: options.exactThreshold ?? 10_000,
    ...writeOptionsOf(options),
    maxBatchSize: options.maxBatchSize ?? 1000,
    maxQueuedEvents: options.maxQueuedEvents ?? 1_000_000,
    stopTimeoutMs: options.stopTimeoutMs ?? 10_000,
    startTimeoutMs: options.startTimeoutMs ?? 15_000,
    maxReplayUserDays: options.maxReplayUserDays ?? 100_000,
    resyncIntervalMs: options.resyncIntervalMs ?? 300_000,
    failoverReplayMs: options.failoverReplayMs ?? 60_000,
    addressMode: options.addressMode ?? DEFAULT_ADDRESS_MODE,
    addressSecret: options.addressSecret,
    trustedProxies: options.trustedProxies ?? 0,
    userAgentCacheSize: options.userAgentCacheSize ?? 10_000,
    gaugeIntervalMs: options.gaugeIntervalMs ?? 10_000,
    timelineRetentionDays: options.timelineRetentionDays ?? 35,
    logger: options.logger ?? console,
  };
  assertAddressOptions(resolved.addressMode, resolved.addressSecret);
  if (!Number.isSafeInteger(resolved.trustedProxies) || resolved.trustedProxies < 0) {
    throw new ConfigError(
      `trustedProxies must be a whole number of proxies, 0 or more, got ${String(resolved.trustedProxies)}`,
    );
  }
  if (!Number.isSafeInteger(resolved.userAgentCacheSize) || resolved.userAgentCacheSize < 0) {
    throw new ConfigError(
      `userAgentCacheSize must be 0 or more, got ${String(resolved.userAgentCacheSize)}`,
    );
  }
  if (!Number.isSafeInteger(resolved.gaugeIntervalMs) || resolved.gaugeIntervalMs < 0) {
    throw new ConfigError(
      `gaugeIntervalMs must be 0 (never sample) or a positive integer, got ${String(resolved.gaugeIntervalMs)}`,
    );
  }
  if (!Number.isSafeInteger(resolved.failoverReplayMs) || resolved.failoverReplayMs < 0) {
    throw new ConfigError(
      `failoverReplayMs must be 0 (no replay) or a positive number of milliseconds, got ${String(resolved.failoverReplayMs)}`,
    );
  }
  if (typeof resolved.logger?.warn !== 'function') {
    // Else every problem reported with no `error` listener would be lost without a trace.
    throw new ConfigError('logger must have a warn(message) method, as console does');
  }
  assertNamespace(resolved.namespace);
  assertInstanceId(resolved.instanceId);
  for (const name of [
    'heartbeatIntervalMs',
    'leaseMs',
    'exactThreshold',
    'maxBatchSize',
    'maxQueuedEvents',
    'stopTimeoutMs',
    'startTimeoutMs',
    'maxReplayUserDays',
    'resyncIntervalMs',
    'timelineRetentionDays',
  ] as const) {
    assertPositiveInteger(name, resolved[name]);
  }
  for (const name of [
    'heartbeatIntervalMs',
    'stopTimeoutMs',
    'startTimeoutMs',
    'resyncIntervalMs',
    'gaugeIntervalMs',
  ] as const) {
    assertTimerDelay(name, resolved[name]);
  }
  assertCallSize('maxBatchSize', resolved.maxBatchSize);
  assertWriteOptions(resolved);
  if (resolved.leaseMs < 2 * resolved.heartbeatIntervalMs) {
    throw new ConfigError(
      `leaseMs (${resolved.leaseMs}) must be at least twice heartbeatIntervalMs (${resolved.heartbeatIntervalMs}), or one late heartbeat would look like a crash`,
    );
  }
  return resolved;
}

/** Throws a ConfigError unless `value` is a positive integer up to MAX_CALL_SIZE. */
function assertCallSize(name: string, value: number): void {
  assertPositiveInteger(name, value);
  if (value > MAX_CALL_SIZE) {
    throw new ConfigError(
      `${name} must be at most ${MAX_CALL_SIZE} (one script call's arguments are bounded, and larger calls only block Redis longer), got ${value}`,
    );
  }
}

/** What a SauReaper writes with, as the monitors do: checked the same way for both. */
export interface WriteOptions {
  closeBatchSize: number;
  closeCallsInFlight: number;
  retentionDays: number;
  breakdownCap: number;
  closedSessionLog: boolean;
  closedSessionMaxLen: number;
  closedSessionRetentionDays: number;
}

/** The write options given, with the defaults a monitor and a SauReaper share for the rest. */
export function writeOptionsOf(options: Partial<WriteOptions>): WriteOptions {
  return {
    closeBatchSize: options.closeBatchSize ?? DEFAULT_CLOSE_BATCH_SIZE,
    closeCallsInFlight: options.closeCallsInFlight ?? DEFAULT_CLOSE_CALLS_IN_FLIGHT,
    retentionDays: options.retentionDays ?? DEFAULT_RETENTION_DAYS,
    breakdownCap: options.breakdownCap ?? DEFAULT_BREAKDOWN_CAP,
    closedSessionLog: options.closedSessionLog ?? true,
    closedSessionMaxLen: options.closedSessionMaxLen ?? DEFAULT_CLOSED_SESSION_MAX_LEN,
    closedSessionRetentionDays:
      options.closedSessionRetentionDays ?? DEFAULT_CLOSED_SESSION_RETENTION_DAYS,
  };
}

/**
 * Throws a ConfigError naming the first bad option of closing and reaping sessions, of the day
 * keys they write and of the closed-session log. A monitor and a SauReaper check them before they
 * connect: a retention of 0 days would trim the whole log, a cap of 0 fail a reap halfway.
 */
export function assertWriteOptions(options: WriteOptions): void {
  assertCloseOptions(options);
  assertPositiveInteger('retentionDays', options.retentionDays);
  assertPositiveInteger('closedSessionRetentionDays', options.closedSessionRetentionDays);
  if (
    !Number.isSafeInteger(options.breakdownCap) ||
    options.breakdownCap < 1 ||
    options.breakdownCap > MAX_BREAKDOWN_CAP
  ) {
    throw new ConfigError(
      `breakdownCap must be an integer from 1 to ${MAX_BREAKDOWN_CAP}, got ${String(options.breakdownCap)}`,
    );
  }
  if (typeof options.closedSessionLog !== 'boolean') {
    throw new ConfigError(
      `closedSessionLog must be true or false, got ${String(options.closedSessionLog)}`,
    );
  }
  if (!Number.isSafeInteger(options.closedSessionMaxLen) || options.closedSessionMaxLen < 0) {
    throw new ConfigError(
      `closedSessionMaxLen must be 0 (no log) or a positive integer, got ${String(options.closedSessionMaxLen)}`,
    );
  }
}

/** The options of closing and reaping sessions. */
function assertCloseOptions(options: { closeBatchSize: number; closeCallsInFlight: number }): void {
  assertCallSize('closeBatchSize', options.closeBatchSize);
  assertPositiveInteger('closeCallsInFlight', options.closeCallsInFlight);
  if (options.closeCallsInFlight > MAX_CLOSE_CALLS_IN_FLIGHT) {
    throw new ConfigError(
      `closeCallsInFlight must be at most ${MAX_CLOSE_CALLS_IN_FLIGHT}, got ${options.closeCallsInFlight}`,
    );
  }
}
