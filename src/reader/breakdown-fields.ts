import type { BreakdownDimension } from '../session/breakdown-dimensions';

/**
 * The breakdown fields of the live totals hash and of a day's hash, as lua/includes/
 * breakdownFields.lua writes them: `<letter>:<value>`, the letter d, o or b for device, OS and
 * browser (D, O, B for logged-in live sessions; a day's `<letter>t:` and `<letter>u:` for the
 * value's session time and users), `#<letter>` the count of admitted values, `p:<id>` and `n:<id>`
 * a client profile and its live sessions, `|inexact` a day's user coverage.
 */
const LETTERS: Record<BreakdownDimension, string> = { device: 'd', os: 'o', browser: 'b' };

/** Field of a day hash with the number of users its user counts cover, once the day is inexact. */
export const INEXACT_FIELD = '|inexact';

/** Live sessions and logged-in live sessions per value of one dimension. */
export function liveBreakdownFields(
  live: Record<string, string>,
  by: BreakdownDimension,
): { sessions: Record<string, number>; loggedIn: Record<string, number> } {
  const letter = LETTERS[by];
  const sessions: Record<string, number> = {};
  const loggedIn: Record<string, number> = {};
  for (const [field, value] of Object.entries(live)) {
    if (field[1] !== ':') continue;
    if (field[0] === letter) sessions[field.slice(2)] = Number(value);
    else if (field[0] === letter.toUpperCase()) loggedIn[field.slice(2)] = Number(value);
  }
  return { sessions, loggedIn };
}

/** Which of a day value's counts a field names between its letter and its `:`. */
const DAY_COUNTS: Record<string, 'sessions' | 'ms' | 'users'> = {
  '': 'sessions',
  t: 'ms',
  u: 'users',
};

/** A day's rows of one dimension: value → sessions opened, session ms, distinct users. */
export function dayBreakdownFields(
  day: Record<string, string>,
  by: BreakdownDimension,
): Map<string, { sessions: number; ms: number; users: number }> {
  const letter = LETTERS[by];
  const rows = new Map<string, { sessions: number; ms: number; users: number }>();
  for (const [field, value] of Object.entries(day)) {
    const colon = field.indexOf(':');
    const count =
      field[0] === letter && colon >= 1 && colon <= 2
        ? DAY_COUNTS[field.slice(1, colon)]
        : undefined;
    if (!count) continue;
    const name = field.slice(colon + 1);
    const row = rows.get(name) ?? { sessions: 0, ms: 0, users: 0 };
    row[count] = Number(value);
    rows.set(name, row);
  }
  return rows;
}

/**
 * The client profiles of live sessions: id → `<live sessions>|<flags><content>`, from its record
 * (`p:<id>`, flags and content) and its count (`n:<id>`).
 */
export function liveProfiles(live: Record<string, string>): Record<string, string> {
  const profiles: Record<string, string> = {};
  for (const [field, value] of Object.entries(live)) {
    if (field.startsWith('p:'))
      profiles[field.slice(2)] = `${live[`n:${field.slice(2)}`]}|${value}`;
  }
  return profiles;
}
