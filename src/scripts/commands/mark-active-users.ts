import type { Keys } from '../../keys';
import type { ZonedDay } from '../../time/zoned-calendar';
import type { PeriodExpiry } from '../../time/retention';
import type { ScriptRunner } from '../script-runner';

export interface MarkActiveUsersInput {
  day: ZonedDay;
  expiry: PeriodExpiry;
  exactThreshold: number;
  userIds: string[];
}

/** What markActiveUsers did: users new to the day, and users a closed day or month turned away. */
export interface MarkActiveUsersResult {
  status: number;
  nowMs: number;
  added: number;
  /** Users not counted on the day: its exact count is frozen and its set expired (lua/includes/userTally). */
  refusedByDay: number;
  /** The same for the month. */
  refusedByMonth: number;
}

/** Counts users as active on a day that may be over (logins replayed after an outage). */
export async function markActiveUsers(
  runner: ScriptRunner,
  keys: Keys,
  input: MarkActiveUsersInput,
): Promise<MarkActiveUsersResult> {
  const { day, expiry } = input;
  const reply = (await runner.run(
    'markActiveUsers',
    [...keys.dayAndMonthUsers(day.date, day.month), keys.windowCache()],
    [
      day.startMs,
      input.exactThreshold,
      expiry.day,
      expiry.daySet,
      expiry.month,
      expiry.monthSet,
      ...new Set(input.userIds),
    ],
  )) as number[];
  return {
    status: reply[0],
    nowMs: reply[1],
    added: reply[2] ?? 0,
    refusedByDay: reply[3] ?? 0,
    refusedByMonth: reply[4] ?? 0,
  };
}
