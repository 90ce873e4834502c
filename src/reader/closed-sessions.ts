import type { Keys } from '../keys';
import { InvalidArgumentError } from '../errors/invalid-argument-error';
import type { RedisClient } from '../redis/redis-client';
import { decodeClientAddress } from '../session/session-meta';
import { parseDate, type ZonedCalendar } from '../time/zoned-calendar';

/** Entries one XRANGE reads unless told otherwise. */
const DEFAULT_PAGE_SIZE = 1000;
const MAX_PAGE_SIZE = 10_000;

/** One session of the closed-session log (written by lua/includes/closedSessionLog.lua). */
export interface ClosedSession {
  /** Stream entry id: `<ms>-<seq>`, by Redis TIME when the record was written. */
  id: string;
  sessionId: string;
  /** The user logged in when it closed; null when anonymous. */
  userId: string | null;
  instanceId: string;
  /** When it connected (ms, Redis clock; to the second once carried over a midnight). */
  connectedAt: number;
  /** When it closed (ms): the close event, the stop, or a dead instance's last heartbeat. */
  closedAt: number;
  durationMs: number;
  /** When its user logged in (ms, to the second); null when anonymous. */
  loginAt: number | null;
  deviceType: string;
  osName: string;
  osVersion: string;
  clientName: string;
  clientVersion: string;
  /** As the monitor's address mode stored it; `''` when not stored. */
  clientAddress: string;
}

export interface ClosedSessionQuery {
  /** First day, `YYYY-MM-DD` in the reader's zone, inclusive. */
  from: string;
  /** Last day, inclusive. */
  to: string;
  /** Entries read per round trip (XRANGE COUNT), 1 to 10,000. Default 1000. */
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
    for (const [id, fields] of page) yield parseEntry(id, fields);
    if (page.length < count) return;
    start = `(${page[page.length - 1][0]}`;
  }
}

function parseEntry(id: string, fields: string[]): ClosedSession {
  const f = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i], fields[i + 1]);
  const text = (name: string): string => f.get(name) ?? '';
  const ms = (name: string): number | null => (text(name) === '' ? null : Number(text(name)));
  return {
    id,
    sessionId: text('sessionId'),
    userId: text('userId') || null,
    instanceId: text('instance'),
    connectedAt: ms('connectedAt') ?? 0,
    closedAt: ms('closedAt') ?? 0,
    durationMs: ms('durationMs') ?? 0,
    loginAt: ms('loginAt'),
    deviceType: text('device'),
    osName: text('os'),
    osVersion: text('osVersion'),
    clientName: text('client'),
    clientVersion: text('clientVersion'),
    clientAddress: decodeClientAddress(text('address')),
  };
}
