import type { Redis } from 'ioredis';
import { useRegisteredInstanceScripts } from './registered-instance-scripts';
import type { Keys } from '../../src/keys';
import type { BreakdownDimension } from '../../src/session/breakdown-dimensions';
import { dayBreakdownHash, liveBreakdownHash, liveLoggedInHash } from './breakdown-hashes';

// What every test/lua/session-breakdown-*.test.ts file shares: setup() for applyBatch and
// closeSessions on one registered instance, and readers of the breakdowns.

/**
 * Gives the test file its own redis-server and setup(): instance node-1, incarnation inc-1, on a
 * fresh namespace, with apply() and close() for it (registered-instance-scripts.ts); setup's
 * options set the exact-count threshold and the breakdown cap. Call at the top of the file's
 * describe block.
 */
export function useSessionBreakdownScripts() {
  return useRegisteredInstanceScripts('bd');
}

/** Live breakdown of one dimension: value → [sessions, logged-in sessions]. */
export async function liveBreakdown(client: Redis, keys: Keys, by: BreakdownDimension) {
  const sessions = await liveBreakdownHash(client, keys, by);
  const loggedIn = await liveLoggedInHash(client, keys, by);
  for (const field of Object.keys(loggedIn)) expect(sessions[field]).toBeDefined();
  return Object.fromEntries(
    Object.entries(sessions).map(([v, n]) => [v, [Number(n), Number(loggedIn[v] ?? 0)]]),
  );
}

/** Day breakdown of one dimension: value → [sessions opened, session ms, users]. */
export async function dayBreakdown(
  client: Redis,
  keys: Keys,
  date: string,
  by: BreakdownDimension,
) {
  const hash = await dayBreakdownHash(client, keys, date, by);
  return Object.fromEntries(
    Object.entries(hash)
      .filter(([field]) => !field.startsWith('|'))
      .map(([v, text]) => [v, text.split('|').map(Number)]),
  );
}
