import { ConfigError } from './errors/config-error';

const MAX_NAMESPACE_BYTES = 64;
export const MAX_INSTANCE_ID_BYTES = 128;

/**
 * The only place key names are built. Every key of a namespace is `sau:{<namespace>}:…`: the hash
 * tag puts a whole namespace in one Cluster slot, so every script touches a single slot, while
 * different namespaces spread over the cluster.
 */
export class Keys {
  readonly prefix: string;
  /** The live users hashes' names, made once each: every batch and close call names hundreds. */
  private readonly liveUsersNames: string[] = [];

  constructor(readonly namespace: string) {
    assertNamespace(namespace);
    this.prefix = `sau:{${namespace}}:`;
  }

  /**
   * HASH: `sessions`, `anonymous`, `users` (SAU) — live totals, kept by the scripts — with the live
   * breakdowns by device, OS and browser and the live sessions' client profiles
   * (lua/includes/breakdownFields.lua).
   */
  live(): string {
    return `${this.prefix}live`;
  }
  /**
   * HASH number `index` of the LIVE_USER_HASHES that spread the live users: userId → number of live
   * sessions (every instance's). Small hashes stay compact listpacks (see lua/includes/liveChanges).
   */
  liveUsers(index: number): string {
    if (!Number.isInteger(index) || index < 0 || index >= LIVE_USER_HASHES) {
      throw new RangeError(`live users hash ${index} is not in 0..${LIVE_USER_HASHES - 1}`);
    }
    return `${this.prefix}live:users:${index}`;
  }
  /** The live users hash that holds `userId`. */
  liveUsersOf(userId: string): string {
    const index = liveUsersHashOf(userId);
    return (this.liveUsersNames[index] ??= this.liveUsers(index));
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
   * ZSET: the live sessions of one incarnation of an instance, one member each, scored by when its
   * time starts to count (format in src/session/session-member.ts).
   */
  instanceSessions(instanceId: string, incarnation: string): string {
    assertInstanceId(instanceId);
    return `${this.prefix}sessions:${instanceId}:${incarnation}`;
  }
  /**
   * HASH: sessions, logins, closed, sessionMs, peakUsers, peakAt, users (exact count) or inexact=1,
   * and the day's breakdowns by device, OS and browser (lua/includes/breakdownFields.lua).
   */
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
   * STRING: which process reports the sessions of a remote instance (a Rocket.Chat ddp-streamer
   * that every app process hears of), with a lease (PX) the holder renews on its heartbeat.
   */
  reporterLease(instanceId: string): string {
    assertInstanceId(instanceId);
    return `${this.prefix}reporter:${instanceId}`;
  }
  /**
   * STRING: set by `sau-cli demo` in a namespace it writes to, so it never writes into one that
   * holds real data (src/demo/demo-namespace.ts); expires after everything a demo writes.
   */
  demoMarker(): string {
    return `${this.prefix}demo`;
  }
  /**
   * STREAM: one entry per script call that closes sessions, with a field per session
   * (src/session/closed-record.ts lists the fields), ids by Redis TIME, capped by length and age.
   */
  closedSessions(): string {
    return `${this.prefix}closed`;
  }
}

/** How many hashes the live users are spread over. Fixed: a user's hash must never move. */
export const LIVE_USER_HASHES = 4096;

/** Which live users hash holds `userId`: FNV-1a of its UTF-16 code units. */
export function liveUsersHashOf(userId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) {
    hash ^= userId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % LIVE_USER_HASHES;
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
