import { Keys } from '../keys';
import { InvalidArgumentError } from '../errors/invalid-argument-error';
import { connectQuietRedis, type RedisClient, type RedisInput } from '../redis/redis-client';
import { ScriptRunner } from '../scripts/script-runner';
import { readStats, type RawStats } from '../scripts/commands/read-stats';
import { addDays, parseDate, ZonedCalendar } from '../time/zoned-calendar';
import { assertPositiveInteger } from '../config/positive-integer';
import { deadInstances, type DeadIncarnation } from '../scripts/commands/expired-leases';
import { STATS_WINDOWS, type Stats, type StatsWindow } from './stats-types';
import { BreakdownReader } from './breakdown-reader';
import type { BreakdownOf, BreakdownQuery, BreakdownWindow } from './breakdown-types';
import { SessionLister } from './session-listing';
import type { SessionPage, SessionQuery } from './session-types';
import { readHistory, type History, type HistoryQuery } from './history';
import { readInstances, type Instances } from './instances';
import { readClosedSessions, type ClosedSession, type ClosedSessionQuery } from './closed-sessions';
import { readGauges, type Gauges } from './gauges';
import { checkNamespace, type NamespaceCheck } from './namespace-check';

/** Options of `new SauReader(...)`. */
export interface SauReaderOptions {
  /** URL, ioredis options, or an ioredis Redis/Cluster you own. Default redis://127.0.0.1:6379. */
  redis?: RedisInput;
  namespace?: string;
  /** IANA zone of the days asked for; use the monitors' zone. Default `UTC`. */
  timezone?: string;
  /** Largest union of day sets computed exactly for week and rolling 30 days. Default 10000. */
  exactThreshold?: number;
}

/**
 * The read side: every number the monitors keep, in O(1) round trips. It never writes (reaping dead
 * instances is the writer's: SauReaper), so it may run as a read-only Redis user.
 */
export class SauReader {
  readonly keys: Keys;
  readonly timezone: string;
  private readonly calendar: ZonedCalendar;
  private readonly client: RedisClient;
  private readonly ownsClient: boolean;
  private readonly runner: ScriptRunner;
  private readonly exactThreshold: number;
  private readonly breakdowns: BreakdownReader;
  private readonly lister: SessionLister;

  constructor(options: SauReaderOptions = {}) {
    this.keys = new Keys(options.namespace ?? 'default');
    this.timezone = options.timezone ?? 'UTC';
    this.calendar = new ZonedCalendar(this.timezone);
    this.exactThreshold = options.exactThreshold ?? 10_000;
    assertPositiveInteger('exactThreshold', this.exactThreshold);
    const { client, owned } = connectQuietRedis(options.redis);
    this.client = client;
    this.ownsClient = owned;
    this.runner = new ScriptRunner(client);
    this.breakdowns = new BreakdownReader(client, this.keys, this.calendar);
    this.lister = new SessionLister(client, this.runner, this.keys);
  }

  /** Instances whose lease lapsed, and incarnations whose sessions are being closed (`reap --dry-run`). */
  deadInstances(): Promise<{ lapsed: string[]; reaping: DeadIncarnation[] }> {
    return deadInstances(this.runner, this.keys);
  }

  /**
   * Live numbers, plus the requested window: `day` (DAU and day totals), `week` (7 days ending on
   * `date`), `month` (calendar month of `date`, rolling 30 days, stickiness), or `all` of them
   * from one consistent reading. `date` is
   * `YYYY-MM-DD` in the reader's zone, default today by Redis time.
   */
  async stats(query: { window?: StatsWindow; date?: string } = {}): Promise<Stats> {
    if (typeof query !== 'object' || query === null) {
      throw new InvalidArgumentError("stats takes an object such as { window: 'day' }");
    }
    const window = query.window ?? 'now';
    if (!STATS_WINDOWS.includes(window)) {
      throw new InvalidArgumentError(
        `unknown window ${JSON.stringify(window)}; use one of ${STATS_WINDOWS.join(', ')}`,
      );
    }
    if (query.date !== undefined) {
      try {
        parseDate(query.date);
      } catch (err) {
        throw new InvalidArgumentError((err as Error).message);
      }
    }
    let date = query.date ?? this.calendar.dateAt(Date.now());
    let raw = await this.read(date);
    const today = this.calendar.dateAt(raw.nowMs);
    if (query.date === undefined && today !== date) {
      // The local clock guessed another day than Redis TIME: ask again for Redis's today.
      date = today;
      raw = await this.read(date);
    }
    return this.shape(window, date, raw);
  }

  /**
   * Sessions and users by device type, OS or browser/app (`by`): live now (sessions and logged-in
   * sessions per value), or for a day or month (sessions opened, session time, distinct users per
   * value). `date` is `YYYY-MM-DD` in the reader's zone, default today by Redis time.
   */
  breakdown<W extends BreakdownWindow = 'now'>(
    query: BreakdownQuery & { window?: W },
  ): Promise<BreakdownOf<W>> {
    return this.breakdowns.read(query) as Promise<BreakdownOf<W>>;
  }

  /**
   * One page of live sessions, optionally of one instance or one user; pass the returned `cursor`
   * back for the next page until it is null. Never KEYS: bounded reads of each instance's sessions.
   */
  sessions(query: SessionQuery = {}): Promise<SessionPage> {
    return this.lister.list(query);
  }

  /**
   * One record a day (DAU, sessions, logins, session time, peak SAU) for `days` days (1 to 400)
   * ending on `to` (`YYYY-MM-DD` in the reader's zone, default today by Redis time), oldest first.
   * A constant number of round trips, whatever the number of days.
   */
  history(query: HistoryQuery): Promise<History> {
    return readHistory(this.client, this.keys, this.calendar, query);
  }

  /**
   * Every instance holding a lease (live or lapsed) and every incarnation being reaped: lease,
   * heartbeat age by Redis time, host, pid and live sessions (`sau-cli instances`).
   */
  instances(): Promise<Instances> {
    return readInstances(this.client, this.keys);
  }

  /**
   * The closed sessions logged from the start of `from` to the end of `to` (`YYYY-MM-DD` in the
   * reader's zone, inclusive), oldest first, read `count` (default 1000) per round trip as the
   * caller iterates (`sau-cli export`).
   */
  closedSessions(query: ClosedSessionQuery): AsyncGenerator<ClosedSession> {
    return readClosedSessions(this.client, this.keys, this.calendar, query);
  }

  /**
   * The gauges hash as the sampling monitor last wrote it (one HGETALL; what `sau-cli metrics` and
   * Grafana read), or null when no monitor of the namespace has sampled yet. `updatedAt` tells how
   * old it is: at most `gaugeIntervalMs` while a monitor runs.
   */
  gauges(): Promise<Gauges | null> {
    return readGauges(this.client, this.keys);
  }

  /**
   * Whether the namespace has any data at all (else which namespaces this Redis holds), and the
   * zones its live monitors count days in, to compare with the reader's: a wrong namespace or zone
   * reads zeros, or another day, that look real. See `namespaceProblems()` for the words.
   */
  checkNamespace(): Promise<NamespaceCheck> {
    return checkNamespace(this.client, this.keys, this.timezone);
  }

  /** Closes the connection if the reader opened it. */
  async close(): Promise<void> {
    if (this.ownsClient) await this.client.quit().catch(() => this.client.disconnect());
  }

  private read(date: string): Promise<RawStats> {
    return readStats(this.runner, this.keys, { date, exactUnionLimit: this.exactThreshold });
  }

  private shape(window: StatsWindow, date: string, raw: RawStats): Stats {
    const stats: Stats = {
      namespace: this.keys.namespace,
      timezone: this.timezone,
      at: new Date(raw.nowMs).toISOString(),
      now: {
        users: raw.liveUsers,
        sessions: raw.liveSessions,
        anonymousSessions: raw.anonymousSessions,
        instances: raw.instances,
      },
    };
    if (window === 'day' || window === 'all') {
      const sessionSeconds = Math.round(raw.daySessionMs / 1000);
      stats.day = {
        date,
        activeUsers: raw.dayUsers,
        exact: raw.dayExact,
        sessions: raw.daySessions,
        logins: raw.dayLogins,
        sessionSeconds,
        averageSessionSeconds:
          raw.dayClosed > 0 ? round(raw.daySessionMs / 1000 / raw.dayClosed, 1) : 0,
        peakUsers: raw.dayPeakUsers,
        peakAt: raw.dayPeakAt > 0 ? new Date(raw.dayPeakAt).toISOString() : null,
      };
    }
    if (window === 'week' || window === 'all') {
      stats.week = {
        from: addDays(date, -6),
        to: date,
        activeUsers: raw.weekUsers,
        exact: raw.weekExact,
      };
    }
    if (window === 'month' || window === 'all') {
      stats.month = {
        month: date.slice(0, 7),
        activeUsers: raw.monthUsers,
        exact: raw.monthExact,
        rolling30: raw.rolling30Users,
        rolling30Exact: raw.rolling30Exact,
        stickiness: raw.monthUsers > 0 ? round(raw.dayUsers / raw.monthUsers, 4) : 0,
      };
    }
    return stats;
  }
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
