import { ConfigError } from './errors/config-error';
import type { BreakdownDimension } from './scripts/breakdown-dimensions';

const MAX_NAMESPACE_BYTES = 64;
const MAX_INSTANCE_ID_BYTES = 128;

/**
 * The only place key names are built. Every key of a namespace is `sau:{<namespace>}:…`: the hash
 * tag puts a whole namespace in one Cluster slot, so every script touches a single slot, while
 * different namespaces spread over the cluster.
 */
export class Keys {
  readonly prefix: string;

  constructor(readonly namespace: string) {
    assertNamespace(namespace);
    this.prefix = `sau:{${namespace}}:`;
  }

  /** HASH: `sessions`, `anonymous` — live totals, kept by the scripts. */
  live(): string {
    return `${this.prefix}live`;
  }
  /** HASH: userId → number of live sessions; HLEN is SAU. */
  liveUsers(): string {
    return `${this.prefix}live:users`;
  }
  /** ZSET: instanceId → lease expiry (ms, Redis clock). */
  leases(): string {
    return `${this.prefix}leases`;
  }
  /** HASH: `<instanceId>\0<incarnation>` → last heartbeat (ms) of incarnations being reaped. */
  reaping(): string {
    return `${this.prefix}reaping`;
  }
  /** HASH: incarnation, startedAt, heartbeatAt, host, pid of one instance. */
  instance(instanceId: string): string {
    assertInstanceId(instanceId);
    return `${this.prefix}instance:${instanceId}`;
  }
  /**
   * ZSET (all scores 0, ordered by member): the live sessions of one incarnation of an instance,
   * one member each (format in lua/includes/sessionMember.lua).
   */
  instanceSessions(instanceId: string, incarnation: string): string {
    assertInstanceId(instanceId);
    return `${this.prefix}sessions:${instanceId}:${incarnation}`;
  }
  /**
   * HASH: the client profiles (device, OS, browser and versions) of live sessions, each stored once
   * and referenced by id from the session members; refcounted, empty when no session is live.
   */
  sessionProfiles(): string {
    return `${this.prefix}live:profiles`;
  }
  /** HASH: value → live sessions with that device type, OS or browser (capped; rest in `other`). */
  liveBreakdown(by: BreakdownDimension): string {
    return `${this.prefix}live:by:${by}`;
  }
  /** HASH: value → logged-in live sessions with that value (sessions, not distinct users). */
  liveBreakdownLoggedIn(by: BreakdownDimension): string {
    return `${this.prefix}live:by:${by}:in`;
  }
  /** HASH: sessions, logins, sessionMs, peakUsers, peakAt, users (exact count) or inexact=1. */
  day(date: string): string {
    return `${this.prefix}day:${date}`;
  }
  /** SET of user ids active that day, while the day is small enough to be exact. */
  dayUsers(date: string): string {
    return `${this.prefix}day:${date}:users`;
  }
  /** HyperLogLog of user ids active that day, kept from the first user on. */
  dayUsersHll(date: string): string {
    return `${this.prefix}day:${date}:hll`;
  }
  /**
   * HASH: value → `<sessions opened>|<session ms>|<distinct users>` that day; `|inexact` holds the
   * number of users the user counts cover once the day outgrew its exact tally.
   */
  dayBreakdown(date: string, by: BreakdownDimension): string {
    return `${this.prefix}day:${date}:by:${by}`;
  }
  /**
   * HASH: userId → the device, OS and browser values it was active with that day, so that each
   * value counts a user once; kept while the day counts exactly, expires soon after the day ends.
   */
  dayBreakdownUsers(date: string): string {
    return `${this.prefix}day:${date}:by:users`;
  }
  /**
   * HASH: digest → 1 for every part of an imported day (`sau-cli import`) already applied, so the
   * same import applied again adds nothing; expires with the day hash.
   */
  dayImports(date: string): string {
    return `${this.prefix}day:${date}:imports`;
  }
  /** HASH: users (exact count) or inexact=1. */
  month(month: string): string {
    return `${this.prefix}month:${month}`;
  }
  monthUsers(month: string): string {
    return `${this.prefix}month:${month}:users`;
  }
  monthUsersHll(month: string): string {
    return `${this.prefix}month:${month}:hll`;
  }
  /**
   * The six keys of a day's and its month's distinct users, in the order every script that counts
   * users takes them (lua/includes/userTally.lua: hash, exact set, HyperLogLog; day, then month).
   */
  dayAndMonthUsers(date: string, month: string): string[] {
    return [
      this.day(date),
      this.dayUsers(date),
      this.dayUsersHll(date),
      this.month(month),
      this.monthUsers(month),
      this.monthUsersHll(month),
    ];
  }
  /**
   * HASH: the namespace's current numbers (src/reader/gauges.ts lists the fields), rewritten by the
   * one sampling instance every interval; what Grafana and Prometheus read in one command.
   */
  gauges(): string {
    return `${this.prefix}gauges`;
  }
  /** STREAM: one entry per sample with the gauges' fields, ids by Redis TIME, trimmed by age. */
  timeline(): string {
    return `${this.prefix}timeline`;
  }
  /**
   * HASH: `version` (bumped whenever a day gains users after the fact: replays, imports), and the
   * `date` the window cache was `built` for at which version, with whether the days before it
   * were all exact (`exact7`, `exact30`) and their exact counts' sum (`total7`, `total30`).
   */
  windowCache(): string {
    return `${this.prefix}windows`;
  }
  /**
   * STRING (HyperLogLog): the users of the `days - 1` days before `date`, merged once by the gauge
   * sampler, so a 7 or 30 day count merges two HyperLogLogs instead of up to 30. Expires in 2 days.
   */
  windowCacheHll(date: string, days: 7 | 30): string {
    return `${this.prefix}window:${date}:${days}`;
  }
  /** STRING: id of the instance that samples the gauges, with a lease (PX) it renews as it samples. */
  samplerLease(): string {
    return `${this.prefix}sampler`;
  }
  /**
   * STRING: set by `sau-cli demo` in a namespace it writes to, so it never writes into one that
   * holds real data (src/demo/demo-namespace.ts); expires after everything a demo writes.
   */
  demoMarker(): string {
    return `${this.prefix}demo`;
  }
  /**
   * STREAM: one entry per closed session (lua/includes/closedSessionLog.lua lists the fields),
   * ids by Redis TIME, capped by length and age.
   */
  closedSessions(): string {
    return `${this.prefix}closed`;
  }
}

/** Throws a ConfigError naming what is wrong with a namespace. */
export function assertNamespace(namespace: unknown): asserts namespace is string {
  if (typeof namespace !== 'string' || namespace.length === 0) {
    throw new ConfigError('namespace must be a non-empty string', 'INVALID_NAMESPACE');
  }
  if (/[{}\s]/u.test(namespace) || /\p{Cc}/u.test(namespace)) {
    throw new ConfigError(
      `namespace ${JSON.stringify(namespace)} may not contain '{', '}', whitespace or control characters (they would break the Redis hash tag)`,
      'INVALID_NAMESPACE',
    );
  }
  if (Buffer.byteLength(namespace) > MAX_NAMESPACE_BYTES) {
    throw new ConfigError(
      `namespace is ${Buffer.byteLength(namespace)} bytes; at most ${MAX_NAMESPACE_BYTES} are allowed`,
      'INVALID_NAMESPACE',
    );
  }
}

/** Throws a ConfigError naming what is wrong with an instance id. */
export function assertInstanceId(instanceId: unknown): asserts instanceId is string {
  if (
    typeof instanceId !== 'string' ||
    instanceId.length === 0 ||
    Buffer.byteLength(instanceId) > MAX_INSTANCE_ID_BYTES ||
    /[{}\s]/u.test(instanceId) ||
    /\p{Cc}/u.test(instanceId)
  ) {
    throw new ConfigError(
      `instanceId ${JSON.stringify(instanceId)} must be 1-${MAX_INSTANCE_ID_BYTES} bytes without '{', '}', whitespace or control characters`,
      'INVALID_INSTANCE_ID',
    );
  }
}
