import type { Keys } from '../../keys';
import { addDays, type ZonedDay } from '../../time/zoned-calendar';
import type { PeriodExpiry } from '../../time/retention';
import type { ScriptRunner } from '../script-runner';
import { BREAKDOWN_DIMENSIONS, breakdownCapOf } from '../../session/breakdown-dimensions';
import { closedLogLimitsOf, type ClosedLogLimits } from '../closed-log-limits';

/** Who used which value on a day is only needed while the day can still be written to. */
const PAIRS_GRACE_S = 3600;

/**
 * One queued session event: open, login (with user), logout, close, restore (resync), midnight,
 * active (resync: a user whose login was lost, with no session).
 */
export type SessionOp = 'o' | 'i' | 'u' | 'c' | 'r' | 'm' | 'a';

export interface ApplyEventsInput {
  instanceId: string;
  incarnation: string;
  day: ZonedDay;
  expiry: PeriodExpiry;
  exactThreshold: number;
  /**
   * Flat triples: op, session id, and user id (login, active), metadata (open: `encodeSessionMeta`),
   * user id and metadata (restore: `encodeRestore`), or "".
   */
  events: string[];
  /**
   * Sequence number of the first event (an incarnation numbers its events from 0 in queue order),
   * so that events a lost reply hid are skipped when sent again. Omit only for events never re-sent.
   */
  firstSeq?: number;
  /** Distinct values a breakdown hash counts before the rest go to `other`. Default 50. */
  breakdownCap?: number;
  /** Where closed sessions are logged. Default on: 1,000,000 entries, 35 days. */
  closedLog?: ClosedLogLimits;
}

export interface ApplyEventsResult {
  status: number;
  nowMs: number;
  applied: number;
}

export async function applyEvents(
  runner: ScriptRunner,
  keys: Keys,
  input: ApplyEventsInput,
): Promise<ApplyEventsResult> {
  const { day, expiry } = input;
  const previousDate = addDays(day.date, -1);
  const closedLog = input.closedLog ?? closedLogLimitsOf();
  const reply = (await runner.run(
    'applyEvents',
    [
      keys.live(),
      keys.liveUsers(),
      keys.instance(input.instanceId),
      keys.instanceSessions(input.instanceId, input.incarnation),
      ...keys.dayAndMonthUsers(day.date, day.month),
      keys.day(previousDate),
      keys.sessionProfiles(),
      ...BREAKDOWN_DIMENSIONS.map((by) => keys.liveBreakdown(by)),
      ...BREAKDOWN_DIMENSIONS.map((by) => keys.liveBreakdownLoggedIn(by)),
      ...BREAKDOWN_DIMENSIONS.map((by) => keys.dayBreakdown(day.date, by)),
      ...BREAKDOWN_DIMENSIONS.map((by) => keys.dayBreakdown(previousDate, by)),
      keys.dayBreakdownUsers(day.date),
      keys.closedSessions(),
    ],
    [
      input.incarnation,
      day.startMs,
      day.endMs,
      input.exactThreshold,
      expiry.day,
      expiry.daySet,
      expiry.month,
      expiry.monthSet,
      expiry.previousDay,
      input.firstSeq ?? -1,
      breakdownCapOf(input.breakdownCap),
      Math.floor(day.endMs / 1000) + PAIRS_GRACE_S,
      input.instanceId,
      closedLog.maxLen,
      closedLog.retentionMs,
      ...input.events,
    ],
  )) as number[];
  return { status: reply[0], nowMs: reply[1], applied: reply[2] ?? 0 };
}
