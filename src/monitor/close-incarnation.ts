import type { Keys } from '../keys';
import type { ScriptRunner } from '../scripts/script-runner';
import { ScriptStatus } from '../scripts/script-status';
import { closeSessions } from '../scripts/commands/close-sessions';
import type { ZonedCalendar } from '../time/zoned-calendar';
import { expiryOf } from '../time/retention';
import type { ClosedLogLimits } from '../scripts/closed-log-limits';

export interface CloseIncarnationInput {
  instanceId: string;
  incarnation: string;
  /** "now" (Redis TIME), or a Redis time in ms such as a dead incarnation's last heartbeat. */
  instant: 'now' | `${number}`;
  /** The day the closing instant is expected in; a wrong guess costs one retry. */
  expectedAtMs: number;
  batchSize: number;
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
 * removed by exactly one call. Returns the sessions this caller closed.
 */
export async function closeIncarnation(
  runner: ScriptRunner,
  keys: Keys,
  calendar: ZonedCalendar,
  input: CloseIncarnationInput,
): Promise<number> {
  let day = calendar.dayAt(input.expectedAtMs);
  let closed = 0;
  for (;;) {
    const result = await closeSessions(runner, keys, {
      instanceId: input.instanceId,
      incarnation: input.incarnation,
      instant: input.instant,
      day,
      expiry: expiryOf(day, input.retentionDays),
      batchSize: input.batchSize,
      breakdownCap: input.breakdownCap,
      closedLog: input.closedLog,
    });
    if (result.status === ScriptStatus.WRONG_DAY) {
      day = calendar.dayAt(result.closeMs);
      continue;
    }
    closed += result.closed;
    input.onBatch?.(closed, result.left);
    if (result.left === 0) return closed;
  }
}
