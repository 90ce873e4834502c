/** A day in ms, as lua/includes/liveChanges.lua counts it. */
const DAY_MS = 86_400_000;

/** Session time to credit: to the day before the closing day, and to the closing day (ms). */
export interface CreditedTime {
  prevDayMs: number;
  dayMs: number;
}

/**
 * Adds to `credited` the time of a session stamped at `stampMs` (its score) that closes at
 * `closeMs`, in the day that starts at `dayStartMs`: the part before the day start goes to the day
 * before (at most a day of it, as a session open longer was re-stamped at every midnight), the rest
 * to the closing day; nothing when it closes at or before its stamp. The rule of creditTime in
 * lua/includes/liveChanges.lua, which applyBatch applies to the sessions its events close (their
 * closing instant is Redis TIME, known only there); a close call's instant is known before it is
 * sent, so the caller sums its chunk's time by profile and sends two numbers a profile instead of a
 * score a session.
 */
export function addCreditedTime(
  credited: CreditedTime,
  stampMs: number,
  closeMs: number,
  dayStartMs: number,
): void {
  if (closeMs <= stampMs) return;
  if (stampMs >= dayStartMs) {
    credited.dayMs += closeMs - stampMs;
    return;
  }
  credited.prevDayMs += dayStartMs - Math.max(stampMs, dayStartMs - DAY_MS);
  credited.dayMs += Math.max(0, closeMs - dayStartMs);
}
