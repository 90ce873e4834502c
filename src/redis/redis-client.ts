import type { ConnectionOptions } from 'node:tls';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { ConfigError } from '../errors/config-error';
import { parseRedisUrl, type RedisTarget } from './redis-url';

export { maskUrl } from './mask-url';

/** A standalone or Sentinel connection, or a Cluster: everything this library accepts. */
export type RedisClient = Redis | Cluster;

/**
 * How callers may hand us Redis: a connection string (see parseRedisUrl: standalone, Cluster,
 * Sentinel, each with or without TLS), ioredis options of a standalone or Sentinel connection,
 * or a client they own (the way to pass TLS files, or any other ioredis option, to a Cluster).
 */
export type RedisInput = string | RedisOptions | RedisClient;

/** What a connection string leaves to the caller: TLS files, timeouts, retry strategies. */
export interface ClientTuning {
  /** PEM material (see readTlsMaterial); only used when the URL is `rediss…`. */
  tls?: ConnectionOptions;
  /** Options of every connection to a data node: the server, the Sentinel's master, each Cluster node. */
  redisOptions?: RedisOptions;
  /** Options of the Cluster itself (retry strategy, lazyConnect, …); ignored otherwise. */
  clusterOptions?: Omit<ClusterOptions, 'redisOptions'>;
}

/**
 * Opens a client for `input`, or reuses the caller's. `owned` tells whether we must close it:
 * a client the caller passed in stays theirs. A string is parsed by parseRedisUrl and throws its
 * ConfigError when malformed.
 */
export function connectRedis(
  input: RedisInput | undefined,
  extra: RedisOptions = {},
): { client: RedisClient; owned: boolean } {
  if (input instanceof Redis || input instanceof Cluster) return { client: input, owned: false };
  if (input === undefined) input = 'redis://127.0.0.1:6379';
  // A port number or null would be spread into empty options: a client of 127.0.0.1:6379, not
  // the Redis meant.
  if (
    typeof input !== 'string' &&
    (typeof input !== 'object' || input === null || Array.isArray(input))
  ) {
    throw new ConfigError(
      `redis must be a connection string, ioredis options or an ioredis client, got ${Array.isArray(input) ? 'an array' : String(input)}`,
      'INVALID_REDIS_URL',
    );
  }
  const client =
    typeof input === 'string'
      ? createRedisClient(parseRedisUrl(input), { redisOptions: extra })
      : new Redis({ ...extra, ...input });
  return { client, owned: true };
}

/**
 * connectRedis for callers whose failed calls reject on their own (reader, reaper, import): a client
 * opened here gets an error listener, since without one ioredis would also print each retry.
 */
export function connectQuietRedis(input: RedisInput | undefined): {
  client: RedisClient;
  owned: boolean;
} {
  const connected = connectRedis(input);
  if (connected.owned) connected.client.on('error', () => undefined);
  return connected;
}

/** A client for a parsed connection string: a Redis (standalone or Sentinel) or a Cluster. */
export function createRedisClient(target: RedisTarget, tuning: ClientTuning = {}): RedisClient {
  const auth: RedisOptions = {};
  if (target.username !== undefined) auth.username = target.username;
  if (target.password !== undefined) auth.password = target.password;
  if (target.family !== undefined) auth.family = target.family;
  const tls = target.tls ? { ...tuning.tls } : undefined;
  const redisOptions = tuning.redisOptions ?? {};

  if (target.topology === 'cluster') {
    return new Cluster(target.nodes, {
      ...tuning.clusterOptions,
      redisOptions: { ...redisOptions, ...auth, ...(tls ? { tls } : {}) },
    });
  }
  const common: RedisOptions = { ...redisOptions, ...auth };
  if (target.db !== undefined) common.db = target.db;
  if (target.topology === 'sentinel') {
    return new Redis({
      ...common,
      sentinels: target.nodes,
      name: target.masterName,
      ...(target.sentinelUsername !== undefined && { sentinelUsername: target.sentinelUsername }),
      ...(target.sentinelPassword !== undefined && { sentinelPassword: target.sentinelPassword }),
      // rediss+sentinel: the sentinels and the master they name both speak TLS.
      ...(tls && { tls, sentinelTLS: tls, enableTLSForSentinelMode: true }),
    });
  }
  const [node] = target.nodes;
  return new Redis({ ...common, host: node.host, port: node.port, ...(tls && { tls }) });
}
