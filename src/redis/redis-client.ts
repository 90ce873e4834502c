import { Cluster, Redis, type RedisOptions } from 'ioredis';

/** A standalone or Sentinel connection, or a Cluster: everything this library accepts. */
export type RedisClient = Redis | Cluster;

/** How callers may hand us Redis: a URL, ioredis options, or a client they own. */
export type RedisInput = string | RedisOptions | RedisClient;

/**
 * Opens a client for `input`, or reuses the caller's. `owned` tells whether we must close it:
 * a client the caller passed in stays theirs.
 */
export function connectRedis(
  input: RedisInput | undefined,
  extra: RedisOptions = {},
): { client: RedisClient; owned: boolean } {
  if (input instanceof Redis || input instanceof Cluster) return { client: input, owned: false };
  if (input === undefined) input = 'redis://127.0.0.1:6379';
  const client =
    typeof input === 'string' ? new Redis(input, extra) : new Redis({ ...extra, ...input });
  return { client, owned: true };
}

/**
 * `redis://user:secret@host` → `redis://user:***@host`, for every message we print: every URL of
 * the text, a password holding a raw `@`, and a `?password=` parameter.
 */
export function maskUrl(text: string): string {
  return text
    .replace(/(\/\/[^:/@\s]*:)[^/\s]*@/g, '$1***@')
    .replace(/([?&]password=)[^&#\s]*?(?=[&#]|:?(?:\s|$))/gi, '$1***');
}
