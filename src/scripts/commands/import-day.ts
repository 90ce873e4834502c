import type { Keys } from '../../keys';
import type { ZonedDay } from '../../time/zoned-calendar';
import type { PeriodExpiry } from '../../time/retention';
import type { ScriptRunner } from '../script-runner';
import { ScriptStatus } from '../script-status';

/** One value of one dimension in an imported day: sessions opened with it and time spent with it. */
export interface ImportedValueRow {
  /** Index into BREAKDOWN_DIMENSIONS (src/session/breakdown-dimensions.ts): 0 device, 1 os, 2 browser. */
  dimension: number;
  value: string;
  sessions: number;
  ms: number;
}

/** One part of an imported day: what it adds to the day, applied at most once by its digest. */
export interface DayPart {
  digest: string;
  sessions: number;
  logins: number;
  closed: number;
  sessionMs: number;
  rows: ImportedValueRow[];
  /** User id → its values, each `<d|o|b><value>\x1f`. */
  users: Array<[string, string]>;
}

export interface ImportDayInput extends DayPart {
  day: ZonedDay;
  expiry: PeriodExpiry;
  /** Expiry of the day breakdown users hash (unix seconds). */
  breakdownUsersExpireAt: number;
  exactThreshold: number;
  breakdownCap: number;
}

/**
 * What became of one part: written now, written by an earlier import of the same data, or refused
 * because its day or month is closed to new users (ScriptStatus.PERIOD_CLOSED).
 */
export type ImportPartOutcome = 'applied' | 'alreadyApplied' | 'closed';

/** Applies one part of an imported day once (lua/importDay-9.lua). */
export async function importDay(
  runner: ScriptRunner,
  keys: Keys,
  input: ImportDayInput,
): Promise<{ outcome: ImportPartOutcome; usersAdded: number }> {
  const { day, expiry } = input;
  const args: Array<string | number> = [
    input.digest,
    input.exactThreshold,
    expiry.day,
    expiry.daySet,
    expiry.month,
    expiry.monthSet,
    input.breakdownUsersExpireAt,
    input.breakdownCap,
    input.sessions,
    input.logins,
    input.closed,
    input.sessionMs,
    input.rows.length,
  ];
  for (const row of input.rows) args.push(row.dimension + 1, row.value, row.sessions, row.ms);
  for (const [userId, values] of input.users) args.push(userId, values);
  const reply = (await runner.run(
    'importDay',
    [
      ...keys.dayAndMonthUsers(day.date, day.month),
      keys.dayImports(day.date),
      keys.dayBreakdownUsers(day.date),
      keys.windowCache(),
    ],
    args,
  )) as number[];
  const outcome =
    reply[0] === 1
      ? 'applied'
      : reply[0] === ScriptStatus.PERIOD_CLOSED
        ? 'closed'
        : 'alreadyApplied';
  return { outcome, usersAdded: reply[1] ?? 0 };
}
