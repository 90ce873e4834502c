import type { Keys } from '../keys';
import type { ScriptRunner } from '../scripts/script-runner';
import { ScriptStatus } from '../scripts/script-status';
import { closeReadSessions, type CloseSessionsResult } from '../scripts/commands/close-sessions';
import type { ZonedCalendar } from '../time/zoned-calendar';
import { expiryOf } from '../time/retention';
import type { ClosedLogLimits } from '../scripts/closed-log-limits';

/**
 * Close calls sent before the first of them answers, unless told otherwise. Redis closes one chunk
 * while this process reads and sums the next, instead of each side waiting for the other; every
 * call is still one bounded script, and other clients' commands run between them.
 */
export const DEFAULT_CLOSE_CALLS_IN_FLIGHT = 8;

export interface CloseIncarnationInput {
  instanceId: string;
  incarnation: string;
  /** "now" (Redis TIME), or a Redis time in ms such as a dead incarnation's last heartbeat. */
  instant: 'now' | `${number}`;
  /** The day the closing instant is expected in; a wrong guess costs one retry. */
  expectedAtMs: number;
  batchSize: number;
  /** Close calls in flight at most (1: one after the other). Default DEFAULT_CLOSE_CALLS_IN_FLIGHT. */
  callsInFlight?: number;
  retentionDays: number;
  /** Distinct values a day breakdown hash counts before the rest go to `other`. Default 50. */
  breakdownCap?: number;
  /** Where closed sessions are logged; default on (1,000,000 entries, 35 days). */
  closedLog?: ClosedLogLimits;
  /** Called after every batch, with the sessions closed so far and the sessions left. */
  onBatch?: (closed: number, left: number) => void;
}

/**
 * Closes every session of one incarnation in bounded batches (one short script call each), so a
 * million sessions never block Redis. Safe to run from several processes at once: each session is
 * removed by exactly one call, whose script checks every member it was given. Returns the
 * sessions this caller closed.
 *
 * One ZRANGE reads a window of `callsInFlight` batches, whose close calls go out back to back.
 * The next window's read goes out just before the window's last close, so Redis runs it after the
 * other closes, and it skips the last batch's sessions, which are then the first in the set. When
 * that guess is wrong (a call found its sessions closed by another caller, or its instant in
 * another day) nothing was written by that call, and the next window is read from the start.
 */
export async function closeIncarnation(
  runner: ScriptRunner,
  keys: Keys,
  calendar: ZonedCalendar,
  input: CloseIncarnationInput,
): Promise<number> {
  const sessionsKey = keys.instanceSessions(input.instanceId, input.incarnation);
  const windowSize = input.batchSize * (input.callsInFlight ?? DEFAULT_CLOSE_CALLS_IN_FLIGHT);
  const readFrom = (rank: number) =>
    runner.client.zrange(sessionsKey, rank, rank + windowSize - 1, 'WITHSCORES');
  let day = calendar.dayAt(input.expectedAtMs);
  let closed = 0;
  let reported = false;
  let window = await readFrom(0);
  let fromStart = true;
  for (;;) {
    if (window.length === 0) {
      // Read from the start, an empty window means no session is left; read ahead, it may not.
      if (fromStart) break;
      window = await readFrom(0);
      fromStart = true;
      continue;
    }
    const chunks = chunksOf(window, input.batchSize);
    const { instanceId, incarnation, instant, batchSize, breakdownCap, closedLog } = input;
    const expiry = expiryOf(day, input.retentionDays);
    const chunkInput = {
      instanceId,
      incarnation,
      instant,
      day,
      expiry,
      batchSize,
      breakdownCap,
      closedLog,
    };
    const calls: Promise<CloseSessionsResult>[] = [];
    let ahead: Promise<string[]> | undefined;
    for (const [i, chunk] of chunks.entries()) {
      if (i === chunks.length - 1) {
        ahead = readFrom(chunk.length / 2);
        // Awaited below unless a close fails first; then its error is not the one to report.
        ahead.catch(() => undefined);
      }
      calls.push(closeReadSessions(runner, keys, chunkInput, chunk));
    }
    let readAgain = false;
    for (const result of await Promise.all(calls)) {
      if (result.status === ScriptStatus.WRONG_DAY) day = calendar.dayAt(result.closeMs);
      if (result.status < 0) {
        readAgain = true;
        continue;
      }
      closed += result.closed;
      reported = true;
      input.onBatch?.(closed, result.left);
    }
    window = readAgain ? await readFrom(0) : await ahead!;
    fromStart = readAgain;
  }
  if (!reported) input.onBatch?.(closed, 0);
  return closed;
}

/** ZRANGE WITHSCORES pairs, `size` sessions (2 * size entries) per chunk. */
function chunksOf(read: string[], size: number): string[][] {
  const chunks: string[][] = [];
  for (let i = 0; i < read.length; i += 2 * size) chunks.push(read.slice(i, i + 2 * size));
  return chunks;
}
