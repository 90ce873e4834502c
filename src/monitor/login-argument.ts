/**
 * The argument of a queued login event (`i`): the user id, then NUL and the seconds from the
 * session's opening to the login (base 36) when known. User ids hold no NUL (session-input.ts).
 */
export function encodeLogin(userId: string, loginSec: number): string {
  return `${userId}\0${loginSec.toString(36)}`;
}

/** The user id and seconds since opening (0 when not given) of a login event's argument. */
export function splitLogin(arg: string): [userId: string, loginSec: number] {
  const nul = arg.indexOf('\0');
  if (nul < 0) return [arg, 0];
  return [arg.slice(0, nul), parseInt(arg.slice(nul + 1), 36) || 0];
}

/** The user id of a login event's argument, where the seconds are not needed. */
export function loginUserOf(arg: string): string {
  const nul = arg.indexOf('\0');
  return nul < 0 ? arg : arg.slice(0, nul);
}
