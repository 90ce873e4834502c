import type { Keys } from '../keys';
import { InvalidArgumentError } from '../errors/invalid-argument-error';
import type { RedisClient } from '../redis/redis-client';
import { parseClosedEntry, type ClosedSessionRecord } from '../session/closed-record';
import { parseDate, type ZonedCalendar } from '../time/zoned-calendar';

/** Entries one XRANGE reads unless told otherwise: each holds the sessions one call closed. */
const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 10_000;

/** One session of the closed-session log (src/session/closed-record.ts). */
export interface ClosedSession extends ClosedSessionRecord {
  /**
   * Id of the stream entry that holds it: `<ms>-<seq>`, by Redis TIME when it was written. One
   * entry holds every session one call closed, so sessions share ids.
   */
  id: string;
}

export interface ClosedSessionQuery {
  /** First day, `YYYY-MM-DD` in the reader's zone, inclusive. */
  from: string;
  /** Last day, inclusive. */
  to: string;
  /** Entries read per round trip (XRANGE COUNT; each holds the sessions one call closed), 1 to 10,000. Default 20. */
  count?: number;
}

/**
 * The closed sessions logged from the start of `from` to the end of `to` in the zone, oldest
 * first, read page by page (never the whole range at once). A record belongs to the day it was
 * logged on (its entry id): for a reaped session that is shortly after its `closedAt`, so the
 * exports of consecutive days never miss or repeat a record.
 */
export async function* readClosedSessions(
  client: RedisClient,
  keys: Keys,
  calendar: ZonedCalendar,
  query: ClosedSessionQuery,
): AsyncGenerator<ClosedSession> {
  for (const [name, date] of [
    ['from', query.from],
    ['to', query.to],
  ] as const) {
    try {
      parseDate(date);
    } catch (err) {
      throw new InvalidArgumentError(`${name}: ${(err as Error).message}`);
    }
  }
  if (query.from > query.to) {
    throw new InvalidArgumentError(`from (${query.from}) is after to (${query.to})`);
  }
  const count = query.count ?? DEFAULT_PAGE_SIZE;
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_PAGE_SIZE) {
    throw new InvalidArgumentError(`count must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  const startMs = calendar.day(query.from).startMs;
  const endMs = calendar.day(query.to).endMs;
  let start = `${startMs}-0`;
  // The last id of the range: every sequence number of the last ms before the end.
  const end = `${endMs - 1}-18446744073709551615`;
  for (;;) {
    const page = (await client.xrange(keys.closedSessions(), start, end, 'COUNT', count)) as [
      string,
      string[],
    ][];
    for (const [id, fields] of page) {
      for (const record of parseClosedEntry(fields)) yield { id, ...record };
    }
    if (page.length < count) return;
    start = `(${page[page.length - 1][0]}`;
  }
}
