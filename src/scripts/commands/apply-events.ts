import type { Keys } from '../../keys';
import { addDays, type ZonedDay } from '../../time/zoned-calendar';
import type { PeriodExpiry } from '../../time/retention';
import type { ScriptRunner } from '../script-runner';

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
  /** Flat triples: op, session id, user id or "". */
  events: string[];
  /**
   * Sequence number of the first event (an incarnation numbers its events from 0 in queue order),
   * so that events a lost reply hid are skipped when sent again. Omit only for events never re-sent.
   */
  firstSeq?: number;
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
  const reply = (await runner.run(
    'applyEvents',
    [
      keys.live(),
      keys.liveUsers(),
      keys.instance(input.instanceId),
      keys.instanceSessions(input.instanceId, input.incarnation),
      keys.day(day.date),
      keys.dayUsers(day.date),
      keys.dayUsersHll(day.date),
      keys.month(day.month),
      keys.monthUsers(day.month),
      keys.monthUsersHll(day.month),
      keys.day(addDays(day.date, -1)),
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
      ...input.events,
    ],
  )) as number[];
  return { status: reply[0], nowMs: reply[1], applied: reply[2] ?? 0 };
}
