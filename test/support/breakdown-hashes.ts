import type { Redis } from 'ioredis';
import type { Keys } from '../../src/keys';
import type { BreakdownDimension } from '../../src/session/breakdown-dimensions';
import {
  dayBreakdownFields,
  INEXACT_FIELD,
  liveBreakdownFields,
  liveProfiles,
} from '../../src/reader/breakdown-fields';

// The breakdowns as one hash per dimension, the way they were kept before they became fields of
// the live totals hash and of each day's hash: what the script tests compare with.

/** value → live sessions (as strings, like a hash reply). */
export async function liveBreakdownHash(client: Redis, keys: Keys, by: BreakdownDimension) {
  return asStrings(liveBreakdownFields(await client.hgetall(keys.live()), by).sessions);
}

/** value → logged-in live sessions. */
export async function liveLoggedInHash(client: Redis, keys: Keys, by: BreakdownDimension) {
  return asStrings(liveBreakdownFields(await client.hgetall(keys.live()), by).loggedIn);
}

/**
 * value → "sessions|ms|users" of a day (three fields in Redis, joined here), and `|inexact` once
 * the day outgrew its exact tally.
 */
export async function dayBreakdownHash(
  client: Redis,
  keys: Keys,
  date: string,
  by: BreakdownDimension,
): Promise<Record<string, string>> {
  const day = await client.hgetall(keys.day(date));
  const out: Record<string, string> = {};
  for (const [value, row] of dayBreakdownFields(day, by)) {
    out[value] = `${row.sessions}|${row.ms}|${row.users}`;
  }
  if (day[INEXACT_FIELD] !== undefined) out[INEXACT_FIELD] = day[INEXACT_FIELD];
  return out;
}

/** id → `<live sessions>|<flags><content>` of every live client profile (two fields in Redis). */
export async function profilesHash(client: Redis, keys: Keys): Promise<Record<string, string>> {
  return liveProfiles(await client.hgetall(keys.live()));
}

/**
 * The live hash's counts of the values each dimension holds ("#d", "#o", "#b"), which go with the
 * last live session of their last value: a place not freed would count as "other" a value that
 * has room.
 */
export async function liveValueCounts(client: Redis, keys: Keys): Promise<Record<string, string>> {
  const live = await client.hgetall(keys.live());
  return Object.fromEntries(Object.entries(live).filter(([field]) => field.startsWith('#')));
}

function asStrings(counts: Record<string, number>): Record<string, string> {
  return Object.fromEntries(Object.entries(counts).map(([k, n]) => [k, String(n)]));
}
