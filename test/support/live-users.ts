import type { Redis } from 'ioredis';
import { LIVE_USER_HASHES, type Keys } from '../../src/keys';

/**
 * Every live user with its live sessions, read from all the live users hashes (one pipeline), as
 * one record user id → count: what a single hash held before the users were spread.
 */
export async function liveUserRefcounts(
  client: Redis,
  keys: Keys,
): Promise<Record<string, string>> {
  const pipeline = client.pipeline();
  for (let i = 0; i < LIVE_USER_HASHES; i++) pipeline.hgetall(keys.liveUsers(i));
  const replies = (await pipeline.exec()) ?? [];
  const users: Record<string, string> = {};
  for (const [err, hash] of replies) {
    if (err) throw err;
    Object.assign(users, hash as Record<string, string>);
  }
  return users;
}
