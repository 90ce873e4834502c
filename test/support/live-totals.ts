import type { Redis } from 'ioredis';
import type { Keys } from '../../src/keys';

/**
 * The live totals hash as numbers; a field never written is 0, so a namespace with nothing live
 * yet reads as zeros, the same as one whose sessions all closed.
 */
export async function liveTotals(
  client: Redis,
  keys: Keys,
): Promise<{ sessions: number; anonymous: number }> {
  const [sessions, anonymous] = await client.hmget(keys.live(), 'sessions', 'anonymous');
  return { sessions: Number(sessions ?? 0), anonymous: Number(anonymous ?? 0) };
}
