import { Redis } from 'ioredis';

/** True when a Redis at `url` answers PING within `timeoutMs`; never throws, never retries. */
export async function pingRedis(url: string, timeoutMs: number): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    // disconnect() on a socket that is already gone arms a 2 s timer that nothing clears.
    if (client.status !== 'end') client.disconnect();
  }
}
