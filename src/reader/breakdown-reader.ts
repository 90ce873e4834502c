import type { Keys } from '../keys';
import type { RedisClient } from '../redis/redis-client';
import { InvalidArgumentError } from '../errors/invalid-argument-error';
import { addDays, parseDate, type ZonedCalendar } from '../time/zoned-calendar';
import {
  BREAKDOWN_DIMENSIONS,
  BREAKDOWN_WINDOWS,
  type Breakdown,
  type BreakdownDimension,
  type BreakdownQuery,
  type BreakdownWindow,
  type DayBreakdown,
  type LiveBreakdown,
  type LiveBreakdownRow,
  type MonthBreakdown,
  type MonthBreakdownRow,
  type PeriodBreakdownRow,
} from './breakdown-types';
import { dayBreakdownFields, INEXACT_FIELD, liveBreakdownFields } from './breakdown-fields';

/** A day's breakdown rows, users still in ms and unscaled, as the hash holds them. */
interface DayRows {
  rows: Map<string, { sessions: number; ms: number; users: number }>;
  /** Users the counts cover once the day outgrew its exact tally; undefined while exact. */
  frozenAt: number | undefined;
}

/**
 * Reads the breakdowns the scripts keep (lua/includes/breakdownFields.lua): one pipeline, one
 * round trip, plus one for Redis TIME when the date is not given.
 */
export class BreakdownReader {
  constructor(
    private readonly client: RedisClient,
    private readonly keys: Keys,
    private readonly calendar: ZonedCalendar,
  ) {}

  async read(query: BreakdownQuery): Promise<Breakdown> {
    const { by, window } = checkQuery(query);
    if (window === 'now') return this.live(by);
    const date = query.date ?? this.calendar.dateAt(await this.redisNowMs());
    return window === 'day' ? this.day(by, date) : this.month(by, date);
  }

  private async live(by: BreakdownDimension): Promise<LiveBreakdown> {
    const nowMs = await this.redisNowMs();
    const { sessions, loggedIn } = liveBreakdownFields(
      await this.client.hgetall(this.keys.live()),
      by,
    );
    const rows: LiveBreakdownRow[] = Object.entries(sessions).map(([value, n]) => ({
      value,
      sessions: Number(n),
      loggedInSessions: Number(loggedIn[value] ?? 0),
    }));
    rows.sort((a, b) => b.sessions - a.sessions || compare(a.value, b.value));
    return { by, window: 'now', at: new Date(nowMs).toISOString(), rows };
  }

  private async day(by: BreakdownDimension, date: string): Promise<DayBreakdown> {
    const pipeline = this.client.pipeline().hgetall(this.keys.day(date));
    this.queuePeriodUsers(
      pipeline,
      this.keys.day(date),
      this.keys.dayUsers(date),
      this.keys.dayUsersHll(date),
    );
    const [hash, ...users] = await exec<[Record<string, string>, ...unknown[]]>(pipeline);
    const day = parseDayHash(hash, by);
    const rows = scaledRows(day, periodUsers(users));
    return {
      by,
      window: 'day',
      date,
      usersExact: day.frozenAt === undefined,
      rows: sortPeriod(rows),
    };
  }

  private async month(by: BreakdownDimension, date: string): Promise<MonthBreakdown> {
    const month = date.slice(0, 7);
    const dates: string[] = [];
    for (let d = `${month}-01`; d.startsWith(month); d = addDays(d, 1)) dates.push(d);
    const pipeline = this.client.pipeline();
    for (const d of dates) {
      pipeline.hgetall(this.keys.day(d));
      this.queuePeriodUsers(
        pipeline,
        this.keys.day(d),
        this.keys.dayUsers(d),
        this.keys.dayUsersHll(d),
      );
    }
    this.queuePeriodUsers(
      pipeline,
      this.keys.month(month),
      this.keys.monthUsers(month),
      this.keys.monthUsersHll(month),
    );
    const replies = await exec<unknown[]>(pipeline);
    const totals = new Map<
      string,
      { sessions: number; ms: number; userDays: number; best: number }
    >();
    for (let i = 0; i < dates.length; i++) {
      const at = i * 4;
      const day = parseDayHash(replies[at] as Record<string, string>, by);
      for (const row of scaledRows(day, periodUsers(replies.slice(at + 1, at + 4)))) {
        const total = totals.get(row.value) ?? { sessions: 0, ms: 0, userDays: 0, best: 0 };
        total.sessions += row.sessions;
        total.ms += day.rows.get(row.value)?.ms ?? 0;
        total.userDays += row.users;
        total.best = Math.max(total.best, row.users);
        totals.set(row.value, total);
      }
    }
    const monthUsers = periodUsers(replies.slice(dates.length * 4));
    let userDays = 0;
    for (const total of totals.values()) userDays += total.userDays;
    const rows: MonthBreakdownRow[] = [...totals].map(([value, t]) => {
      const usersAtLeast = t.best;
      const usersAtMost = Math.max(usersAtLeast, Math.min(monthUsers, t.userDays));
      const share = userDays > 0 ? Math.round((monthUsers * t.userDays) / userDays) : 0;
      return {
        value,
        sessions: t.sessions,
        sessionSeconds: Math.round(t.ms / 1000),
        users: Math.min(usersAtMost, Math.max(usersAtLeast, share)),
        usersAtLeast,
        usersAtMost,
      };
    });
    return { by, window: 'month', month, usersExact: false, rows: sortPeriod(rows) };
  }

  /** Distinct users of a day or month, as readStats counts them: three replies, see periodUsers. */
  private queuePeriodUsers(
    pipeline: ReturnType<RedisClient['pipeline']>,
    hashKey: string,
    setKey: string,
    hllKey: string,
  ): void {
    pipeline.hmget(hashKey, 'inexact', 'users').scard(setKey).pfcount(hllKey);
  }

  private async redisNowMs(): Promise<number> {
    const [seconds, micros] = await this.client.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }
}

/** Validates a query; throws InvalidArgumentError naming what is wrong. */
function checkQuery(query: BreakdownQuery): { by: BreakdownDimension; window: BreakdownWindow } {
  if (typeof query !== 'object' || query === null) {
    throw new InvalidArgumentError('breakdown needs an object such as { by: "device" }');
  }
  const window = query.window ?? 'now';
  if (!BREAKDOWN_DIMENSIONS.includes(query.by)) {
    throw new InvalidArgumentError(
      `unknown breakdown ${JSON.stringify(query.by)}; use one of ${BREAKDOWN_DIMENSIONS.join(', ')}`,
    );
  }
  if (!BREAKDOWN_WINDOWS.includes(window)) {
    throw new InvalidArgumentError(
      `unknown window ${JSON.stringify(window)}; use one of ${BREAKDOWN_WINDOWS.join(', ')}`,
    );
  }
  if (query.date !== undefined) {
    try {
      parseDate(query.date);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  }
  return { by: query.by, window };
}

async function exec<T extends unknown[]>(
  pipeline: ReturnType<RedisClient['pipeline']>,
): Promise<T> {
  const replies = (await pipeline.exec()) ?? [];
  return replies.map(([err, value]) => {
    if (err) throw err;
    return value;
  }) as T;
}

/** [HMGET inexact users, SCARD set, PFCOUNT hll] → the period's distinct users. */
function periodUsers([fields, setSize, hllCount]: unknown[]): number {
  const [inexact, users] = fields as Array<string | null>;
  if (inexact === '1') return Number(hllCount);
  if (Number(setSize) > 0) return Number(setSize);
  return Number(users ?? 0);
}

function parseDayHash(hash: Record<string, string>, by: BreakdownDimension): DayRows {
  const rows = dayBreakdownFields(hash, by);
  const frozen = hash[INEXACT_FIELD];
  return { rows, frozenAt: frozen === undefined ? undefined : Number(frozen) };
}

/** Rows of one day; users scaled from the frozen counts to the day's users when it went inexact. */
function scaledRows(day: DayRows, dayUsers: number): PeriodBreakdownRow[] {
  const scale = day.frozenAt && day.frozenAt > 0 ? dayUsers / day.frozenAt : 1;
  return [...day.rows].map(([value, r]) => ({
    value,
    sessions: r.sessions,
    sessionSeconds: Math.round(r.ms / 1000),
    users: scale > 1 ? Math.round(r.users * scale) : r.users,
  }));
}

function sortPeriod<R extends PeriodBreakdownRow>(rows: R[]): R[] {
  return rows.sort(
    (a, b) =>
      b.sessions - a.sessions ||
      b.sessionSeconds - a.sessionSeconds ||
      b.users - a.users ||
      compare(a.value, b.value),
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
