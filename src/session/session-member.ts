/**
 * A live session as its incarnation's sorted set stores it. The member holds what the session is,
 * the score when its time starts to count: the instant (ms, Redis TIME) from which its time is not
 * yet credited to a day, which is when it connected, or the last midnight it was carried over.
 *
 * The writer builds every member from what it knows of its own sessions, so a script never looks a
 * session up by range nor parses a member: it removes and adds exact members, and `ZMSCORE` tells
 * whether a member is there. Fields, joined by NUL (no id may contain one), trailing empty fields
 * left out, so an anonymous session without metadata is its id alone:
 *
 *   sessionId \0 userId \0 login \0 profileId \0 addressCode \0 carried
 *
 * - login: seconds (base 36) from connecting to the login of that user, as the writer measured them
 *   (a duration on its own monotonic clock, so no clock skew between servers enters it);
 * - profileId: the session's client profile (profile-id.ts), shared by every session with the same
 *   device, OS and browser labels;
 * - addressCode: the client address as the privacy mode kept it (session-meta.ts);
 * - carried: seconds (base 36) from connecting to the score, once carried over a midnight.
 */
export interface SessionRecord {
  sessionId: string;
  /** `''` while anonymous. */
  userId: string;
  /** Seconds from connecting to the login of `userId`; 0 while anonymous. */
  loginSec: number;
  /** `''` when the session has no client profile. */
  profileId: string;
  /** `''` when no address is stored. */
  addressCode: string;
  /** Seconds from connecting to the score; 0 until carried over a midnight. */
  carriedSec: number;
}

/** What separates a member's fields (no id may contain it). */
export const MEMBER_SEPARATOR = '\0';
/** Fields a member has, trailing empty ones left out of the member itself. */
const MEMBER_FIELDS = 6;
const SEP = MEMBER_SEPARATOR;
/**
 * What joins a list of members into one string (a close call's chunk): MEMBER_FIELDS NULs. No
 * member holds that run, since a member starts with its non-empty session id, ends with its last
 * non-empty field and has at most MEMBER_FIELDS - 1 NULs in a row, so the list splits back exactly.
 */
export const MEMBER_LIST_SEPARATOR = SEP.repeat(MEMBER_FIELDS);

/** The member of a record; the inverse of parseMember. */
export function memberOf(record: SessionRecord): string {
  const { sessionId, userId, profileId, addressCode } = record;
  // Written out field by field, as every event of a batch builds one or two members.
  const login = userId ? record.loginSec.toString(36) : '';
  const head = `${sessionId}${SEP}${userId}${SEP}${login}`;
  if (record.carriedSec > 0) {
    return `${head}${SEP}${profileId}${SEP}${addressCode}${SEP}${record.carriedSec.toString(36)}`;
  }
  if (addressCode) return `${head}${SEP}${profileId}${SEP}${addressCode}`;
  if (profileId) return `${head}${SEP}${profileId}`;
  // A logged-in session's login field is never empty (at least "0").
  return userId ? head : sessionId;
}

export function parseMember(member: string): SessionRecord {
  const f = member.split(SEP);
  return {
    sessionId: f[0],
    userId: f[1] ?? '',
    loginSec: f[2] ? parseInt(f[2], 36) : 0,
    profileId: f[3] ?? '',
    addressCode: f[4] ?? '',
    carriedSec: f[5] ? parseInt(f[5], 36) : 0,
  };
}

/** A stored session with its times, as readers show it. */
export interface StoredSession {
  sessionId: string;
  userId: string | null;
  /** When the session connected (ms, Redis clock); to the second once carried over a midnight. */
  connectedAtMs: number;
  /** The score: from this instant (ms) on, the session's time is not yet credited to a day. */
  stampMs: number;
  /** When the current user logged in (ms, to the second); null while anonymous. */
  loginAtMs: number | null;
  profileId: string;
  addressCode: string;
}

/** A member and its score, read. */
export function storedSession(member: string, score: number): StoredSession {
  const record = parseMember(member);
  const connectedAtMs = score - record.carriedSec * 1000;
  return {
    sessionId: record.sessionId,
    userId: record.userId || null,
    connectedAtMs,
    stampMs: score,
    loginAtMs: record.userId ? connectedAtMs + record.loginSec * 1000 : null,
    profileId: record.profileId,
    addressCode: record.addressCode,
  };
}
