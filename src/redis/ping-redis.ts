import type { ConnectionOptions } from 'node:tls';
import { Redis } from 'ioredis';

/** One PING attempt; a caller that waits for a server tries again until its own deadline. */
const PROBE_TIMEOUT_MS = 1_000;

export interface PingOptions {
  /** For the connection and for each command; 1 s by default. */
  timeoutMs?: number;
  tls?: ConnectionOptions;
  /** Also require INFO's `process_id` to be this: the server that answers is the one we started. */
  pid?: number;
}

/**
 * True when a Redis at `url` answers PING within the timeout (an error reply such as LOADING is a
 * no); never throws, never retries.
 */
export async function pingRedis(url: string, options: PingOptions = {}): Promise<boolean> {
  const timeoutMs = options.timeoutMs ?? PROBE_TIMEOUT_MS;
  const client = new Redis(url, {
    ...(options.tls ? { tls: options.tls } : {}),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    if ((await client.ping()) !== 'PONG') return false;
    if (options.pid === undefined) return true;
    return /^process_id:(\d+)/m.exec(await client.info('server'))?.[1] === String(options.pid);
  } catch {
    return false;
  } finally {
    // quit() a ready client: disconnect() on a socket that is already gone arms a 2 s timer that
    // nothing clears, and that timer alone keeps a test runner or a CLI from exiting.
    if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
    else if (client.status !== 'end') client.disconnect();
  }
}
