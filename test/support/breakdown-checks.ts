import type { Redis } from 'ioredis';
import type { Keys } from '../../src/keys';
import {
  BREAKDOWN_DIMENSIONS,
  type BreakdownDimension,
} from '../../src/session/breakdown-dimensions';
import {
  dayBreakdownHash,
  liveBreakdownHash,
  liveLoggedInHash,
  profilesHash,
  liveValueCounts,
} from './breakdown-hashes';

// Breakdown reads that check the invariants every breakdown keeps (no count below 1 live, none
// negative in a day), and the check that nothing live is left: shared by the counting and the
// breakdown invariant tests and the breakdown script tests (test/lua/session-breakdown-*).

/** One dimension's live breakdown as numbers; fails on any count below 1 (never negative, never 0). */
export async function liveBreakdownOf(
  client: Redis,
  keys: Keys,
  by: BreakdownDimension,
): Promise<{ sessions: Record<string, number>; loggedInSessions: Record<string, number> }> {
  const read = async (hash: Record<string, string>) => {
    const out: Record<string, number> = {};
    for (const [value, n] of Object.entries(hash)) {
      expect(Number(n)).toBeGreaterThanOrEqual(1);
      out[value] = Number(n);
    }
    return out;
  };
  const sessions = await read(await liveBreakdownHash(client, keys, by));
  const loggedInSessions = await read(await liveLoggedInHash(client, keys, by));
  for (const [value, n] of Object.entries(loggedInSessions)) {
    expect(n).toBeLessThanOrEqual(sessions[value] ?? 0);
  }
  return { sessions, loggedInSessions };
}

/** value → [sessions opened, session ms, users] of one day breakdown. */
export async function dayBreakdownRows(
  client: Redis,
  keys: Keys,
  date: string,
  by: BreakdownDimension,
): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [field, text] of Object.entries(await dayBreakdownHash(client, keys, date, by))) {
    if (field.startsWith('|')) continue;
    const row = text.split('|').map(Number);
    for (const n of row) expect(n).toBeGreaterThanOrEqual(0);
    out[field] = row;
  }
  return out;
}

/** Every live breakdown hash is gone (each value left at 0), and so is the profiles hash. */
export async function expectNoLiveBreakdowns(client: Redis, keys: Keys): Promise<void> {
  for (const by of BREAKDOWN_DIMENSIONS) {
    expect(await liveBreakdownHash(client, keys, by)).toEqual({});
    expect(await liveLoggedInHash(client, keys, by)).toEqual({});
  }
  expect(await profilesHash(client, keys)).toEqual({});
  expect(await liveValueCounts(client, keys)).toEqual({});
}
