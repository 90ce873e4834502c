import type { Keys } from '../../keys';
import { addDays, type ZonedDay } from '../../time/zoned-calendar';
import type { PeriodExpiry } from '../../time/retention';
import type { ScriptRunner } from '../script-runner';
import { BREAKDOWN_DIMENSIONS, breakdownCapOf } from '../../session/breakdown-dimensions';
import { closedLogLimitsOf, type ClosedLogLimits } from '../closed-log-limits';

export interface CloseSessionsInput {
  instanceId: string;
  incarnation: string;
  /** "now" for a graceful stop; "heartbeat" to close at the incarnation's last heartbeat. */
  instant: 'now' | 'heartbeat' | `${number}`;
  day: ZonedDay;
  expiry: PeriodExpiry;
  batchSize: number;
  /** Distinct values a day breakdown hash counts before the rest go to `other`. Default 50. */
  breakdownCap?: number;
  /** Where closed sessions are logged. Default on: 1,000,000 entries, 35 days. */
  closedLog?: ClosedLogLimits;
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
  const previousDate = addDays(day.date, -1);
  const closedLog = input.closedLog ?? closedLogLimitsOf();
  const reply = (await runner.run(
    'closeSessions',
    [
      keys.live(),
      keys.liveUsers(),
      keys.instanceSessions(input.instanceId, input.incarnation),
      keys.day(day.date),
      keys.day(previousDate),
      keys.instance(input.instanceId),
      keys.sessionProfiles(),
      ...BREAKDOWN_DIMENSIONS.map((by) => keys.liveBreakdown(by)),
      ...BREAKDOWN_DIMENSIONS.map((by) => keys.liveBreakdownLoggedIn(by)),
      ...BREAKDOWN_DIMENSIONS.map((by) => keys.dayBreakdown(day.date, by)),
      ...BREAKDOWN_DIMENSIONS.map((by) => keys.dayBreakdown(previousDate, by)),
      keys.closedSessions(),
    ],
    [
      input.instant,
      day.startMs,
      day.endMs,
      input.batchSize,
      input.expiry.day,
      input.expiry.previousDay,
      breakdownCapOf(input.breakdownCap),
      input.instanceId,
      closedLog.maxLen,
      closedLog.retentionMs,
    ],
  )) as number[];
  if (reply[0] < 0) return { status: reply[0], left: -1, closed: 0, closeMs: reply[1] };
  return { status: reply[0], left: reply[1], closed: reply[2], closeMs: reply[3] };
}
