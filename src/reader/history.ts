import type { Keys } from '../keys';
import type { RedisClient } from '../redis/redis-client';
import { InvalidArgumentError } from '../errors/invalid-argument-error';
import { addDays, parseDate, type ZonedCalendar } from '../time/zoned-calendar';
import { execPipeline, redisNowMs } from './redis-reads';
import type { DayStats } from './stats-types';

/** Most days one history holds: the default retention of day keys. */
export const MAX_HISTORY_DAYS = 400;

/** What `SauReader.history()` takes. */
export interface HistoryQuery {
  /** Number of days, 1 to 400, ending on `to`. */
  days: number;
  /** Last day, `YYYY-MM-DD` in the reader's zone; default today by Redis time. */
  to?: string;
}

/** What `SauReader.history()` and `sau-cli history --json` return. */
export interface History {
  namespace: string;
  timezone: string;
  /** Oldest first, one entry a day, days without data as zeros. */
  days: DayStats[];
}

/** Fields of a day hash read per day, in this order (see Keys.day). */
const DAY_FIELDS = [
  'sessions',
  'logins',
  'sessionMs',
  'peakUsers',
  'peakAt',
  'closed',
  'inexact',
  'users',
] as const;

/**
 * The day records of `days` days ending on `to`: one pipeline of HMGET + SCARD a day, plus one
 * pipeline of PFCOUNT for the days that outgrew their exact set. Round trips do not grow with the
 * number of days. Users are counted as readStats counts them: the live set while it exists, the
 * frozen exact count once it was dropped, the HyperLogLog once the day went inexact.
 */
export async function readHistory(
  client: RedisClient,
  keys: Keys,
  calendar: ZonedCalendar,
  query: HistoryQuery,
): Promise<History> {
  const days = checkQuery(query);
  const to = query.to ?? calendar.dateAt(await redisNowMs(client));
  const dates = Array.from({ length: days }, (_, i) => addDays(to, i - days + 1));
  const pipeline = client.pipeline();
  for (const date of dates) {
    pipeline.hmget(keys.day(date), ...DAY_FIELDS).scard(keys.dayUsers(date));
  }
  const replies = await execPipeline(pipeline);
  const records = dates.map((date, i) => {
    const fields = replies[i * 2] as Array<string | null>;
    const value = Object.fromEntries(DAY_FIELDS.map((f, j) => [f, fields[j]])) as Record<
      (typeof DAY_FIELDS)[number],
      string | null
    >;
    return { date, value, setSize: Number(replies[i * 2 + 1]) };
  });
  const inexact = records.filter((r) => r.value.inexact === '1');
  const hllCounts = new Map<string, number>();
  if (inexact.length > 0) {
    const counts = client.pipeline();
    for (const r of inexact) counts.pfcount(keys.dayUsersHll(r.date));
    const replies = await execPipeline(counts);
    inexact.forEach((r, i) => hllCounts.set(r.date, Number(replies[i])));
  }
  return {
    namespace: keys.namespace,
    timezone: calendar.timeZone,
    days: records.map(({ date, value, setSize }) => {
      const exact = value.inexact !== '1';
      const closed = num(value.closed);
      const sessionMs = num(value.sessionMs);
      const peakAt = num(value.peakAt);
      return {
        date,
        activeUsers: !exact ? (hllCounts.get(date) ?? 0) : setSize > 0 ? setSize : num(value.users),
        exact,
        sessions: num(value.sessions),
        logins: num(value.logins),
        sessionSeconds: Math.round(sessionMs / 1000),
        averageSessionSeconds: closed > 0 ? Math.round((sessionMs / 1000 / closed) * 10) / 10 : 0,
        peakUsers: num(value.peakUsers),
        peakAt: peakAt > 0 ? new Date(peakAt).toISOString() : null,
      };
    }),
  };
}

function checkQuery(query: HistoryQuery): number {
  if (typeof query !== 'object' || query === null) {
    throw new InvalidArgumentError('history needs an object such as { days: 30 }');
  }
  const { days } = query;
  if (!Number.isSafeInteger(days) || days < 1 || days > MAX_HISTORY_DAYS) {
    throw new InvalidArgumentError(
      `days must be a whole number from 1 to ${MAX_HISTORY_DAYS}, not ${JSON.stringify(days)}`,
    );
  }
  if (query.to !== undefined) {
    try {
      parseDate(query.to);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  }
  return days;
}

function num(value: string | null): number {
  const n = Number(value ?? 0);
  return Number.isFinite(n) ? n : 0;
}
