/**
 * One live session as its sorted-set member stores it (written by lua/includes/sessionMember.lua,
 * which documents the format): fields joined by NUL, times in base 36.
 */
export interface SessionMember {
  sessionId: string;
  /** When the session connected (ms, Redis clock); to the second once carried over a midnight. */
  connectedAtMs: number;
  /** From this instant (ms) on the session's time is not yet credited to a day. */
  stampMs: number;
  userId: string | null;
  /** When the current user logged in (ms, to the second); null while anonymous or unknown. */
  loginAtMs: number | null;
  /** Id of the session's client profile in the session profiles hash, `''` when none. */
  profileId: string;
  /** The client address as `encodeClientAddress` stored it, `''` when none. */
  addressCode: string;
  /** Written before breakdowns existed: counted in none, no login time or metadata. */
  legacy: boolean;
}

const SEP = '\0';

export function parseSessionMember(member: string): SessionMember {
  const f = member.split(SEP);
  const stampMs = parseInt(f[1], 36);
  const carried = f[6] ? parseInt(f[6], 36) : 0;
  const connectedAtMs = stampMs - carried * 1000;
  const userId = f[2] ? f[2] : null;
  const legacy = f.length < 4;
  return {
    sessionId: f[0],
    connectedAtMs,
    stampMs,
    userId,
    loginAtMs:
      !legacy && userId !== null && f[3] ? connectedAtMs + parseInt(f[3], 36) * 1000 : null,
    profileId: f[4] ?? '',
    addressCode: f[5] ?? '',
    legacy,
  };
}
