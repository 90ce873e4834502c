import type { Command } from 'commander';
import { SauReader } from '../reader/sau-reader';
import type { RedisClient } from '../redis/redis-client';
import { createRedis } from './connect';
import { globalOptions, type GlobalOptions } from './global-options';
import { warnAboutNamespace } from './namespace-warnings';
import { Output } from './output';

/** What a read command's body gets: a connected reader, the output, and the global options. */
export interface ReaderContext {
  reader: SauReader;
  /** The reader's connection, for the one command that also writes (reap). */
  client: RedisClient;
  output: Output;
  globals: GlobalOptions;
}

/**
 * Runs `body` with a SauReader on a connected CLI Redis client, and closes the connection after,
 * whatever happens. First it warns on stderr about a namespace without data or a zone that
 * differs from the monitors' (namespace-warnings.ts). The reader is built before connecting, so a bad namespace or zone is a usage
 * error even without Redis; an unreachable Redis is exit 3 (see connect.ts).
 */
export async function withReader(
  command: Command,
  body: (context: ReaderContext) => Promise<void>,
): Promise<void> {
  const globals = globalOptions(command);
  const output = new Output({ json: globals.json });
  const redis = createRedis(globals.redisUrl, globals.tls);
  try {
    const reader = new SauReader({
      redis: redis.client,
      namespace: globals.namespace,
      timezone: globals.timezone,
    });
    await redis.connect();
    await warnAboutNamespace(reader, output);
    await body({ reader, output, globals, client: redis.client });
  } finally {
    await redis.close();
  }
}
