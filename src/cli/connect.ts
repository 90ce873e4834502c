import { Cluster } from 'ioredis';
import { SauError } from '../errors/sau-error';
import { maskConnectionString } from '../redis/mask-url';
import { createRedisClient, type RedisClient } from '../redis/redis-client';
import { parseRedisUrl, type RedisTarget } from '../redis/redis-url';
import { readTlsMaterial, type TlsFiles } from '../redis/tls-material';
import { CliError } from './cli-error';
import { ExitCode } from './exit-code';
import { redact } from './redact';
import { withTimeout } from '../monitor/with-timeout';

/** How long the CLI waits for a connection before it gives up with one line. */
export const CONNECT_TIMEOUT_MS = 3000;

/** How long a closed connection's socket may linger before it is destroyed. */
const DISCONNECT_TIMEOUT_MS = 200;

/** The CLI options that name each TLS file, so errors point at what to fix. */
const TLS_OPTION_LABELS = { ca: '--tls-ca', cert: '--tls-cert', key: '--tls-key' };

/** A Redis connection the CLI owns: made lazily, failing fast, closed by whoever opened it. */
export interface CliRedis {
  /** A Redis (standalone or Sentinel) or a Cluster, as the URL says. */
  readonly client: RedisClient;
  /** The URL with its password masked, for messages. */
  readonly label: string;
  /** Connects, or throws a CliError (exit 3) naming the masked URL and the reason. */
  connect(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A client for `url` that never hangs on an unreachable server: the first connection is tried
 * once (no retry loop: one round of the Cluster's startup nodes or of the sentinels), and every
 * command gets one retry. Once connected, a lost connection is retried with a short backoff, so
 * `stats --watch` survives a Redis restart. A malformed URL, or TLS files that cannot be used,
 * are a CliError with exit 2 before anything connects.
 */
export function createRedis(url: string, tlsFiles: TlsFiles = {}): CliRedis {
  const label = maskConnectionString(url);
  const target = parseTarget(url, label);
  const tls = readTls(target, tlsFiles, label);
  let ready = false;
  let lastError: Error | undefined;
  const reconnectDelay = (times: number): number | null =>
    ready ? Math.min(times * 200, 2000) : null;
  const client = createRedisClient(target, {
    tls,
    redisOptions: {
      lazyConnect: true,
      connectTimeout: CONNECT_TIMEOUT_MS,
      maxRetriesPerRequest: 1,
      // ioredis's default (2 s) also arms for sockets that are already gone, e.g. every node of
      // a Cluster that could not be reached, and that timer alone would hold the CLI's exit.
      disconnectTimeout: DISCONNECT_TIMEOUT_MS,
      retryStrategy: reconnectDelay,
      sentinelRetryStrategy: reconnectDelay,
    },
    clusterOptions: {
      lazyConnect: true,
      clusterRetryStrategy: reconnectDelay,
      // A Cluster queues commands for as long as it is down (maxRetriesPerRequest is per node);
      // failing them at once lets `stats --watch` say that Redis is away, as it does standalone.
      enableOfflineQueue: false,
    },
  });
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
        await connectOnce(client);
      } catch (err) {
        const reason = deepestReason(lastError ?? (err as Error));
        throw new CliError(
          `${refused(reason) ? 'Redis refused the connection' : 'cannot reach Redis'} at ${label}: ${describeReason(client, reason)}`,
          ExitCode.REDIS_UNAVAILABLE,
          reason,
        );
      }
    },
    async close() {
      // disconnect() on a socket that is already gone arms a 2 s timer that nothing clears.
      if (client.status === 'end') return;
      if (client.status !== 'ready') return client.disconnect();
      // A Redis that holds the connection but answers nothing (paused, stopped, cut off) would
      // hold a QUIT, and the command's exit, for ever: past a short wait the socket just goes.
      await withTimeout(client.quit(), QUIT_WAIT_MS).catch(() => client.disconnect());
    },
  };
}

/** Longest a command's exit waits for Redis to answer its QUIT. */
const QUIT_WAIT_MS = 500;

/**
 * client.connect(), but settled also when the client gives up without rejecting: a Cluster that
 * fails its ready check (CLUSTER INFO says cluster_state:fail) disconnects and, with retries off,
 * ends while its connect() promise stays pending for ever.
 */
function connectOnce(client: RedisClient): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const ended = (): void =>
      reject(
        new Error(
          'the Cluster failed its ready check: CLUSTER INFO does not say cluster_state:ok (are all slots served by a reachable master?)',
        ),
      );
    client.once('end', ended);
    client
      .connect()
      .then(resolve, reject)
      .finally(() => client.off('end', ended));
  });
}

/**
 * ioredis reads a Cluster's slots, and asks sentinels for the master, over connections of its own
 * whose errors it keeps to itself: "Connection is closed." is then all it says when nothing
 * accepted a connection.
 */
function describeReason(client: RedisClient, reason: Error): string {
  const closed = /^Connection is closed/;
  if (client instanceof Cluster && closed.test(reason.message)) {
    return 'no startup node of the Cluster accepted a connection';
  }
  const sentinels = /^All sentinels are unreachable.*?(?:Last error: (.*))?$/.exec(reason.message);
  if (sentinels) {
    const last = sentinels[1]?.trim();
    if (last === undefined || closed.test(last)) return 'no sentinel accepted a connection';
    if (/^(NOAUTH|WRONGPASS)\b/.test(last)) {
      return `the sentinels refused us (${last}): give their password as ?sentinelPassword=`;
    }
    return `no sentinel gave the address of the master (last error: ${last})`;
  }
  return reason.message;
}

function parseTarget(url: string, label: string): RedisTarget {
  try {
    return parseRedisUrl(url);
  } catch (err) {
    // The parser's message already names the masked URL; redact once more, as every message is.
    const message = err instanceof SauError ? err.message : `invalid Redis URL ${label}`;
    throw new CliError(redact(message, [url]), ExitCode.USAGE, err);
  }
}

function readTls(target: RedisTarget, files: TlsFiles, label: string) {
  let material;
  try {
    material = readTlsMaterial(files, TLS_OPTION_LABELS);
  } catch (err) {
    throw new CliError((err as Error).message, ExitCode.USAGE, err);
  }
  if (material && !target.tls) {
    const given = (Object.keys(TLS_OPTION_LABELS) as (keyof TlsFiles)[])
      .filter((kind) => files[kind])
      .map((kind) => TLS_OPTION_LABELS[kind]);
    throw new CliError(
      `${given.join(', ')} given, but ${label} does not use TLS: use a rediss:// URL (or rediss+cluster://, rediss+sentinel://)`,
      ExitCode.USAGE,
    );
  }
  return material;
}

/**
 * A Cluster that found no node wraps the last node's error (ClusterAllFailedError.lastNodeError);
 * that one says what went wrong (ECONNREFUSED, WRONGPASS, a TLS failure).
 */
function deepestReason(err: Error): Error {
  const inner = (err as { lastNodeError?: unknown }).lastNodeError;
  return inner instanceof Error ? inner : err;
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
  if (err.name === 'MaxRetriesPerRequestError' || err.name === 'ClusterAllFailedError') return true;
  return refused(err) || UNREACHABLE_MESSAGE.test(err.message);
}

/** Messages of ioredis (standalone, Cluster, Sentinel) and of Redis that mean "not there now". */
const UNREACHABLE_MESSAGE = new RegExp(
  [
    'Connection is closed',
    "Stream isn't writeable",
    'None of startup nodes is available',
    'Failed to refresh slots cache',
    'Cluster is disconnected',
    'All sentinels are unreachable',
    'CLUSTERDOWN',
    'TRYAGAIN',
    'Too many Cluster redirections',
    "Cluster isn't ready",
  ]
    .map((m) => `^${m}`)
    .join('|'),
);

function refused(err: Error): boolean {
  return /^(NOAUTH|WRONGPASS|NOPERM|LOADING|MASTERDOWN)\b/.test(err.message);
}
