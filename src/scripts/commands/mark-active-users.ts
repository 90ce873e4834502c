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

/** Counts users as active on a day that may be over (logins replayed after an outage). */
export async function markActiveUsers(
  runner: ScriptRunner,
  keys: Keys,
  input: MarkActiveUsersInput,
): Promise<{ status: number; nowMs: number; added: number }> {
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
      ...input.userIds,
    ],
  )) as number[];
  return { status: reply[0], nowMs: reply[1], added: reply[2] ?? 0 };
}
