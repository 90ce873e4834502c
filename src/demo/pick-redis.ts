import { pingRedis } from '../redis/ping-redis';
import { startLocalRedis } from './local-redis';

/** How long the demo waits for a Redis on the default port before starting its own. */
const PROBE_TIMEOUT_MS = 1000;

/** The Redis a demo runs against, and how to let go of it (stop() ends a private one, data and all). */
export interface DemoRedis {
  url: string;
  /** Given by the user, found on the default URL, or started for this run. */
  origin: 'given' | 'default' | 'private';
  stop(): Promise<void>;
  /** Synchronous, for a forced exit: SIGKILL, no waiting. */
  kill(): void;
}

/**
 * The URL the user gave; else the Redis on the default URL if it answers PING quickly; else a
 * private redis-server started for this run.
 */
export async function pickRedis(
  explicitUrl: string | undefined,
  defaultUrl: string,
): Promise<DemoRedis> {
  const nothingToStop = { stop: async () => undefined, kill: () => undefined };
  if (explicitUrl) return { url: explicitUrl, origin: 'given', ...nothingToStop };
  if (await pingRedis(defaultUrl, { timeoutMs: PROBE_TIMEOUT_MS })) {
    return { url: defaultUrl, origin: 'default', ...nothingToStop };
  }
  const local = await startLocalRedis();
  return {
    url: local.url,
    origin: 'private',
    stop: () => local.stop(),
    kill: () => local.kill('SIGKILL'),
  };
}
