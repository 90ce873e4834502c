import { emptyBatchPayload, type BatchPayload } from '../scripts/commands/apply-batch';
import { closedMembersValue, closedProfileField, closedTimesValue } from '../session/closed-record';
import { profileIdOf } from '../session/profile-id';
import { memberOf, parseMember } from '../session/session-member';
import { splitSessionMeta } from '../session/session-meta';
import type { ActiveToday } from './active-today';
import { splitLogin } from './login-argument';
import type { MirroredSession, SessionMirror } from './session-mirror';
import { HOLDS_BOTH, HOLDS_NOTHING, UserProfilePairs } from './user-profile-pairs';

/**
 * One queued session event, as three strings (the queue stores them flat):
 *   o open     sid, encoded metadata (encodeSessionMeta)
 *   r restore  sid, encodeRestore(user, metadata): a session this instance holds that Redis lacks
 *   i login    sid, user id, then NUL and the seconds since the session opened (base 36), if known
 *   u logout   sid
 *   c close    sid
 *   m midnight sid: a session still open on a new day
 *   a active   '', user id: a user whose login Redis may not have counted, without a session
 *   g ghost    sid, score NUL member: a session Redis holds that this instance does not (drift)
 */
export type SessionOp = 'o' | 'r' | 'i' | 'u' | 'c' | 'm' | 'a' | 'g';

/** What a batch makes of one session: its state before (in Redis) and after. */
interface Touched {
  before: MirroredSession | undefined;
  /** null: closed by the batch. */
  after: MirroredSession | null;
  carried: boolean;
  /** A ghost's member exactly as Redis holds it. */
  member?: string;
}

/** A batch ready for lua/applyBatch, and what the mirror becomes once it is applied. */
export interface BuiltBatch {
  payload: BatchPayload;
  /**
   * Events it covers, from the first given: fewer when a session closed in it opened again, or
   * (built ahead) when it closes a session a batch in flight opens; none if the first does.
   */
  eventCount: number;
  /** Events that changed something (a duplicate open, an unknown close… change nothing). */
  applied: number;
  /**
   * The session of each member the script checks, in its order: closes, carries, rewrites (old
   * members), then opened and restored sessions (new members).
   */
  transitionSessions: string[];
  /** How many of those are old members (the rest are new). */
  oldMembers: number;
  /** Each touched session after the batch (null: closed); new sessions' stamps are NaN until applied. */
  after: Map<string, MirroredSession | null>;
  /** It carries a midnight event, which must reach Redis to learn whether its day has begun. */
  midnight: boolean;
}

/**
 * Folds queued events over the mirror into one batch: per session touched, the member it had in
 * Redis and the one it ends with; per user, the live-session changes in event order (so the day's
 * peak is exact); per client profile, the changes of live and logged-in sessions and of sessions
 * opened; the users active today that `known` has not seen confirmed yet; the closed-session log.
 * The script only checks and writes.
 */
export function buildBatch(
  events: readonly string[],
  mirror: SessionMirror,
  day: { date: string; startMs: number },
  known: ActiveToday,
): BuiltBatch {
  const touched = new Map<string, Touched>();
  const profiles = new Map<string, [string, string, number, number, number]>();
  const logProfiles = new Map<string, string>();
  // The closed sessions' members and connection times, for the closed-session log.
  const logMembers: string[] = [];
  const logTimes: (number | undefined)[] = [];
  // Users and pairs the batch has decided on: sent, or known to Redis already.
  const seen = new UserProfilePairs();
  const payload = emptyBatchPayload();
  let applied = 0;
  let midnight = false;

  const profile = (session: MirroredSession) => {
    let p = profiles.get(session.profileId);
    if (!p) {
      p = [session.profileId, session.content, 0, 0, 0];
      profiles.set(session.profileId, p);
    }
    return p;
  };
  const active = (userId: string, session?: MirroredSession) => {
    const profileId = session?.profileId;
    if (session) profile(session);
    const inBatch = seen.holds(userId, profileId);
    if (inBatch === HOLDS_BOTH) return;
    const inRedis = known.holds(day.date, userId, profileId);
    if (inBatch === HOLDS_NOTHING && inRedis === HOLDS_NOTHING) payload.activeUsers.push(userId);
    if (profileId !== undefined && inRedis !== HOLDS_BOTH) payload.pairs.push(userId, profileId);
    seen.add(userId, profileId);
  };
  const userLeaves = (session: MirroredSession) => {
    if (session.userId) {
      payload.userChanges.push([session.userId, -1]);
      profile(session)[3]--;
    } else {
      payload.anonymousDelta--;
    }
  };
  const update = (
    sessionId: string,
    current: MirroredSession | null | undefined,
    next: MirroredSession | null,
  ) => {
    const t = touched.get(sessionId);
    if (t) t.after = next;
    else
      touched.set(sessionId, {
        before: current ?? undefined,
        after: next,
        carried: false,
      });
  };
  const close = (
    sessionId: string,
    session: MirroredSession,
    connectedAtMs: number | undefined,
  ) => {
    payload.closed++;
    payload.sessionsDelta--;
    profile(session)[2]--;
    userLeaves(session);
    logMembers.push(memberOf(session));
    logTimes.push(connectedAtMs);
    if (session.profileId) logProfiles.set(session.profileId, session.content);
    update(sessionId, session, null);
  };

  let count = 0;
  for (; count * 3 < events.length; count++) {
    const op = events[count * 3] as SessionOp;
    const sessionId = events[count * 3 + 1];
    const arg = events[count * 3 + 2];
    const t = touched.get(sessionId);
    const current = t ? t.after : op === 'a' ? undefined : mirror.get(sessionId);
    if (op === 'o' || op === 'r') {
      if (current) continue;
      // A session closed earlier in this batch opens again: its two lives go in two batches.
      if (t && count > 0) break;
      const [userId, meta] = op === 'r' ? splitRestore(arg) : ['', arg];
      const { content, addressCode } = splitSessionMeta(meta);
      const session: MirroredSession = {
        sessionId,
        userId,
        loginSec: 0,
        profileId: profileIdOf(content),
        addressCode,
        carriedSec: 0,
        stampMs: NaN,
        content,
      };
      update(sessionId, undefined, session);
      payload.sessionsDelta++;
      const p = profile(session);
      p[2]++;
      if (op === 'o') {
        p[4]++;
        payload.opened++;
      }
      if (userId) {
        payload.userChanges.push([userId, 1]);
        p[3]++;
        active(userId, session);
      } else {
        payload.anonymousDelta++;
      }
      applied++;
    } else if (op === 'i') {
      if (!current) continue;
      const [userId, loginSec] = splitLogin(arg);
      if (current.userId !== userId) {
        if (current.userId) payload.userChanges.push([current.userId, -1]);
        else {
          payload.anonymousDelta--;
          profile(current)[3]++;
        }
        payload.userChanges.push([userId, 1]);
        payload.logins++;
        update(sessionId, current, { ...current, userId, loginSec });
        applied++;
      }
      active(userId, current);
    } else if (op === 'u') {
      if (!current?.userId) continue;
      userLeaves(current);
      payload.anonymousDelta++;
      update(sessionId, current, { ...current, userId: '', loginSec: 0 });
      applied++;
    } else if (op === 'c') {
      if (!current) continue;
      const before = t ? t.before : current;
      // Opened by a batch still in flight (this one is built ahead): when it connected is known
      // once that one answers, and the closed-session log needs it. This close waits for it.
      if (before && Number.isNaN(before.stampMs)) break;
      close(sessionId, current, before && before.stampMs - before.carriedSec * 1000);
      // Closed after a midnight its instance has not carried it over yet: its user was online on
      // the new day too, as a carry-over would have counted.
      if (current.userId && current.stampMs < day.startMs) active(current.userId, current);
      applied++;
    } else if (op === 'm') {
      midnight = true;
      if (!current) continue;
      if (current.stampMs < day.startMs) {
        const carriedSec = current.carriedSec + Math.round((day.startMs - current.stampMs) / 1000);
        update(sessionId, current, { ...current, carriedSec, stampMs: day.startMs });
        (touched.get(sessionId) as Touched).carried = true;
        profile(current);
        applied++;
      }
      if (current.userId) active(current.userId, current);
    } else if (op === 'a') {
      active(arg);
    } else if (op === 'g') {
      if (current) continue;
      const nul = arg.indexOf('\0');
      const member = arg.slice(nul + 1);
      const ghost = { ...parseMember(member), stampMs: Number(arg.slice(0, nul)), content: '' };
      touched.set(sessionId, {
        before: ghost,
        after: ghost,
        carried: false,
        member,
      });
      close(sessionId, ghost, ghost.stampMs - ghost.carriedSec * 1000);
      applied++;
    }
  }

  // Each touched session's member change, grouped as the script takes them.
  const closing: string[] = [];
  const carrying: string[] = [];
  const rewriting: string[] = [];
  const adding: string[] = [];
  const after = new Map<string, MirroredSession | null>();
  for (const [sessionId, { before, after: next, carried, member }] of touched) {
    after.set(sessionId, next);
    const oldMember = member ?? (before ? memberOf(before) : '');
    if (!before) {
      if (!next) continue;
      payload.news.push(memberOf(next));
      adding.push(sessionId);
    } else if (!next) {
      payload.closes.push(oldMember);
      payload.closeProfiles.push(profile(before)[0]);
      closing.push(sessionId);
      if (before.stampMs < day.startMs) payload.touchesPrevDay = true;
    } else if (carried) {
      payload.carries.push(oldMember, memberOf(next));
      // Its time by value needs its profile's fields, even when nothing else changes it.
      payload.carryProfiles.push(profile(before)[0]);
      carrying.push(sessionId);
      payload.touchesPrevDay = true;
    } else {
      const newMember = memberOf(next);
      if (newMember === oldMember) continue;
      payload.rewrites.push(oldMember, newMember);
      rewriting.push(sessionId);
    }
  }
  const transitionSessions = [...closing, ...carrying, ...rewriting, ...adding];
  const oldMembers = transitionSessions.length - adding.length;
  payload.profiles = [...profiles.values()];
  if (logMembers.length > 0) {
    payload.logFields.push('m', closedMembersValue(logMembers), 'c', closedTimesValue(logTimes));
  }
  for (const [id, content] of logProfiles) payload.logFields.push(closedProfileField(id), content);
  return { payload, eventCount: count, applied, transitionSessions, oldMembers, after, midnight };
}

/** The user id and encoded metadata of a restore event's argument (encodeRestore). */
function splitRestore(arg: string): [string, string] {
  const nul = arg.indexOf('\0');
  return nul < 0 ? [arg, ''] : [arg.slice(0, nul), arg.slice(nul + 1)];
}
