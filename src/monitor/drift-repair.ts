import type { RedisClient } from '../redis/redis-client';
import { parseMember } from '../session/session-member';
import type { LiveSessions } from './live-sessions';
import type { SessionMirror } from './session-mirror';

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

/**
 * Compares this incarnation's sessions in Redis with what the writer believes Redis holds (its
 * mirror) and with the instance's own truth, as both were when the scan began (the caller starts
 * it when no event waits for Redis), a page at a time (ZSCAN: never one long call).
 *
 * Where Redis and the mirror differ (a failover lost writes; a batch found members it did not
 * expect), the mirror is corrected at once and Redis's member is closed as a ghost (`g`); then
 * every session is brought to the truth with ordinary events: a close, a restore, a login or a
 * logout. A session that changed during the scan is left alone: its own events are queued behind
 * the scan and settle it.
 */
export async function findDrift(
  client: RedisClient,
  sessionsKey: string,
  mirror: SessionMirror,
  truth: LiveSessions,
): Promise<Drift> {
  const truthBefore = truth.users();
  const mirrorBefore = new Map<string, string>();
  for (const [sessionId] of mirror.entries()) {
    mirrorBefore.set(sessionId, mirror.memberOf(sessionId) as string);
  }
  // Sessions whose belief this comparison dropped itself.
  const corrected = new Set<string>();
  const unchanged = (sessionId: string): boolean =>
    truth.userOf(sessionId) === truthBefore.get(sessionId) &&
    (mirror.memberOf(sessionId) === mirrorBefore.get(sessionId) ||
      (corrected.has(sessionId) && mirror.memberOf(sessionId) === undefined));
  const forget = (sessionId: string): void => {
    mirror.delete(sessionId);
    corrected.add(sessionId);
  };

  const drift: Drift = { events: [], ghosts: 0, missing: 0, mismatched: 0 };
  // ZSCAN may return a member twice; each session is judged once.
  const seen = new Set<string>();
  // What Redis holds of each session once the ghosts go: its user, or absent.
  const inRedis = new Map<string, string>();
  let cursor = '0';
  do {
    const [next, page] = await client.zscan(sessionsKey, cursor, 'COUNT', SCAN_COUNT);
    cursor = next;
    for (let i = 0; i < page.length; i += 2) {
      const member = page[i];
      const { sessionId, userId } = parseMember(member);
      if (seen.has(sessionId)) continue;
      seen.add(sessionId);
      if (!unchanged(sessionId)) continue;
      if (mirrorBefore.get(sessionId) === member) {
        inRedis.set(sessionId, userId);
      } else {
        // Not what the writer believes: close it as it is, and forget the belief.
        drift.events.push('g', sessionId, `${page[i + 1]}\0${member}`);
        forget(sessionId);
        if (truthBefore.has(sessionId)) drift.mismatched++;
        else drift.ghosts++;
      }
    }
  } while (cursor !== '0');

  for (const sessionId of mirrorBefore.keys()) {
    // The writer believes Redis holds it, Redis does not.
    if (!seen.has(sessionId) && unchanged(sessionId)) forget(sessionId);
  }
  for (const [sessionId, userId] of inRedis) {
    const mine = truthBefore.get(sessionId);
    if (mine === undefined) {
      drift.ghosts++;
      drift.events.push('c', sessionId, '');
    } else if (mine !== userId) {
      drift.mismatched++;
      if (mine) drift.events.push('i', sessionId, mine);
      else drift.events.push('u', sessionId, '');
    }
  }
  for (const [sessionId] of truthBefore) {
    if (inRedis.has(sessionId) || !unchanged(sessionId)) continue;
    if (!seen.has(sessionId)) drift.missing++;
    drift.events.push('r', sessionId, truth.restoreArgument(sessionId));
  }
  return drift;
}
