import type { RedisClient } from '../redis/redis-client';

const SCAN_COUNT = 1000;

/** What a comparison of Redis with this instance's own truth found, as events that repair it. */
export interface Drift {
  /** Events to queue: close ghosts, restore missing sessions, set the right user. */
  events: string[];
  /** Sessions in Redis that this instance does not hold. */
  ghosts: number;
  /** Sessions this instance holds that Redis lacks. */
  missing: number;
  /** Sessions Redis holds with another user (or none) than this instance does. */
  mismatched: number;
}

/** The session id and user id of a live-session member (`sid\0opened[\0user]`). */
export type MemberReader = (member: string) => { sessionId: string; userId: string };

/**
 * Compares this incarnation's sessions in Redis with the instance's own map as it was when the scan
 * began (`before`; the caller starts only when no event is waiting for Redis), a page at a time
 * (ZSCAN: never one long call), and returns the events that make Redis equal to the map.
 *
 * A session that changed during the scan (`now` differs from `before`) is left alone: its own
 * events are queued behind the scan and settle it. Every repair event is idempotent anyway (a
 * restore of a present session, a close of an absent one and a login of the user already there
 * change nothing), so a race can cost a no-op, never a miscount.
 */
export async function findDrift(
  client: RedisClient,
  sessionsKey: string,
  before: ReadonlyMap<string, string>,
  now: ReadonlyMap<string, string>,
  readMember: MemberReader,
  restoreEvent: (sessionId: string, userId: string) => string[],
): Promise<Drift> {
  const drift: Drift = { events: [], ghosts: 0, missing: 0, mismatched: 0 };
  // ZSCAN may return a member twice; each session is judged once.
  const seen = new Set<string>();
  let cursor = '0';
  do {
    const [next, page] = await client.zscan(sessionsKey, cursor, 'COUNT', SCAN_COUNT);
    cursor = next;
    for (let i = 0; i < page.length; i += 2) {
      const { sessionId, userId } = readMember(page[i]);
      if (seen.has(sessionId)) continue;
      seen.add(sessionId);
      const mine = before.get(sessionId);
      if (now.get(sessionId) !== mine) continue;
      if (mine === undefined) {
        drift.ghosts++;
        drift.events.push('c', sessionId, '');
      } else if (mine !== userId) {
        drift.mismatched++;
        if (mine) drift.events.push('i', sessionId, mine);
        else drift.events.push('u', sessionId, '');
      }
    }
  } while (cursor !== '0');
  for (const [sessionId, userId] of before) {
    if (seen.has(sessionId) || now.get(sessionId) !== userId) continue;
    drift.missing++;
    drift.events.push(...restoreEvent(sessionId, userId));
  }
  return drift;
}
