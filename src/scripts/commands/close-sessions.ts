import type { Keys } from '../../keys';
import { addDays, type ZonedDay } from '../../time/zoned-calendar';
import type { PeriodExpiry } from '../../time/retention';
import type { ScriptRunner } from '../script-runner';

export interface CloseSessionsInput {
  instanceId: string;
  incarnation: string;
  /** "now" for a graceful stop; "heartbeat" to close at the incarnation's last heartbeat. */
  instant: 'now' | 'heartbeat' | `${number}`;
  day: ZonedDay;
  expiry: PeriodExpiry;
  batchSize: number;
}

export interface CloseSessionsResult {
  status: number;
  left: number;
  closed: number;
  closeMs: number;
}

export async function closeSessions(
  runner: ScriptRunner,
  keys: Keys,
  input: CloseSessionsInput,
): Promise<CloseSessionsResult> {
  const { day } = input;
  const reply = (await runner.run(
    'closeSessions',
    [
      keys.live(),
      keys.liveUsers(),
      keys.instanceSessions(input.instanceId, input.incarnation),
      keys.day(day.date),
      keys.day(addDays(day.date, -1)),
      keys.instance(input.instanceId),
    ],
    [
      input.instant,
      day.startMs,
      day.endMs,
      input.batchSize,
      input.expiry.day,
      input.expiry.previousDay,
    ],
  )) as number[];
  if (reply[0] < 0) return { status: reply[0], left: -1, closed: 0, closeMs: reply[1] };
  return { status: reply[0], left: reply[1], closed: reply[2], closeMs: reply[3] };
}
