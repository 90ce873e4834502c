import { Redis } from 'ioredis';
import { CliError } from './cli-error';
import { ExitCode } from './exit-code';
import { redact } from './redact';

/** How long the CLI waits for a connection before it gives up with one line. */
export const CONNECT_TIMEOUT_MS = 3000;

/** A Redis connection the CLI owns: made lazily, failing fast, closed by whoever opened it. */
export interface CliRedis {
  readonly client: Redis;
  /** The URL with its password masked, for messages. */
  readonly label: string;
  /** Connects, or throws a CliError (exit 3) naming the masked URL and the reason. */
  connect(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A client for `url` that never hangs on an unreachable server: the first connection is tried
 * once (no retry loop), and every command gets one retry. Once connected, a lost connection is
 * retried with a short backoff, so `stats --watch` survives a Redis restart.
 */
export function createRedis(url: string): CliRedis {
  const label = redact(url, [url]);
  let ready = false;
  let lastError: Error | undefined;
  let client: Redis;
  try {
    client = new Redis(url, {
      lazyConnect: true,
      connectTimeout: CONNECT_TIMEOUT_MS,
      maxRetriesPerRequest: 1,
      retryStrategy: (times) => (ready ? Math.min(times * 200, 2000) : null),
    });
  } catch (err) {
    throw new CliError(
      `invalid Redis URL ${label}: ${(err as Error).message}`,
      ExitCode.USAGE,
      err,
    );
  }
  // Without a listener ioredis prints every connection error itself; the CLI reports them once.
  client.on('error', (err: Error) => {
    lastError = err;
  });
  client.on('ready', () => {
    ready = true;
  });
  return {
    client,
    label,
    async connect() {
      try {
        await client.connect();
      } catch (err) {
        const reason = lastError ?? (err as Error);
        throw new CliError(
          `${refused(reason) ? 'Redis refused the connection' : 'cannot reach Redis'} at ${label}: ${reason.message}`,
          ExitCode.REDIS_UNAVAILABLE,
          reason,
        );
      }
    },
    async close() {
      // disconnect() on a socket that is already gone arms a 2 s timer that nothing clears.
      if (client.status === 'end') return;
      if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
      else client.disconnect();
    },
  };
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

/** True for errors that mean "Redis is not there or will not talk to us", not a bug of ours. */
export function isRedisUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  if (err.name === 'MaxRetriesPerRequestError') return true;
  return refused(err) || /^(Connection is closed|Stream isn't writeable)/.test(err.message);
}

function refused(err: Error): boolean {
  return /^(NOAUTH|WRONGPASS|NOPERM|LOADING|MASTERDOWN)\b/.test(err.message);
}
