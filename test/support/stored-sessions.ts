import type { Redis } from 'ioredis';
import { storedSession, type StoredSession } from '../../src/session/session-member';

/** Every session of one incarnation's sorted set, read with its score. */
export async function storedSessions(client: Redis, sessionsKey: string): Promise<StoredSession[]> {
  const found = await client.zrange(sessionsKey, 0, -1, 'WITHSCORES');
  const sessions: StoredSession[] = [];
  for (let i = 0; i < found.length; i += 2) {
    sessions.push(storedSession(found[i], Number(found[i + 1])));
  }
  return sessions;
}

/** The one stored session with this id; fails the test when there is none. */
export async function storedSessionOf(
  client: Redis,
  sessionsKey: string,
  sessionId: string,
): Promise<StoredSession> {
  const found = (await storedSessions(client, sessionsKey)).filter(
    (s) => s.sessionId === sessionId,
  );
  expect(found).toHaveLength(1);
  return found[0];
}
