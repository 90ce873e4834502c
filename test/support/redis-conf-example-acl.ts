/**
 * Keeps redis.conf.example honest: a redis-server loads that very file, monitors run as its
 * sau-writer, the CLI as its sau-reader, and each user may do exactly what the file says.
 *
 * This module holds what the acl-*.test.ts files share: the server started with the file, its
 * users' URLs, and how Redis refuses them.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startPrivateRedis, type PrivateRedis } from '../../src/redis/private-redis-server';

const EXAMPLE = join(__dirname, '..', '..', 'redis.conf.example');

const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;
if (!hasRedisServer) {
  process.stdout.write('[acl] skipped: no redis-server binary on PATH (Debian: redis-server)\n');
}
export const describeWithRedis = hasRedisServer ? describe : describe.skip;

/** The password of `user` in redis.conf.example (`user <name> on >password …`). */
function examplePassword(user: string): string {
  const line = readFileSync(EXAMPLE, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`user ${user} `));
  const password = line?.split(' ').find((word) => word.startsWith('>'));
  if (!password) throw new Error(`redis.conf.example defines no user ${user} with a >password`);
  return password.slice(1);
}

/**
 * redis-server with redis.conf.example as its config file; only persistence and the address are
 * overridden, so the server stays private to this test.
 */
function startExampleRedis(): Promise<PrivateRedis> {
  return startPrivateRedis({ configFile: EXAMPLE, dirPrefix: 'sau-acl-' });
}

/**
 * How Redis 7.0 refuses a command: NOPERM when sent directly; inside a script, an ERR naming the
 * user executing the script.
 */
export const REFUSED =
  /NOPERM|user executing the script can't (run this command|access at least one of the keys)/;
export const REFUSED_COMMAND = /^NOPERM/;

/** The example server of one describe block, readable once its beforeAll has run. */
export interface ExampleRedis {
  /** A connection as the default user, which may do anything. */
  admin: Redis;
  writerUrl: string;
  readerUrl: string;
}

/**
 * Starts a redis-server with redis.conf.example before the describe block's tests and stops it
 * after them. Call at the top of a describe block; read the fields inside the tests.
 */
export function useExampleRedis(): ExampleRedis {
  let server: PrivateRedis | undefined;
  let admin: Redis | undefined;
  let writerUrl: string | undefined;
  let readerUrl: string | undefined;

  beforeAll(async () => {
    server = await startExampleRedis();
    // The example leaves the default user on (its `user default off` is advice), so the test
    // keeps an all-powerful connection to look behind the users' backs.
    admin = new Redis(server.port, '127.0.0.1');
    const base = `127.0.0.1:${server.port}`;
    writerUrl = `redis://sau-writer:${examplePassword('sau-writer')}@${base}`;
    readerUrl = `redis://sau-reader:${examplePassword('sau-reader')}@${base}`;
  });
  afterAll(async () => {
    await admin?.quit();
    await server?.stop();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the redis.conf.example server is not started yet');
    return value;
  };
  return {
    get admin() {
      return started(admin);
    },
    get writerUrl() {
      return started(writerUrl);
    },
    get readerUrl() {
      return started(readerUrl);
    },
  };
}

/** A client logged in as one of the example's users, that throws refusals instead of retrying. */
export function userClient(url: string): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: 0 });
  client.on('error', () => undefined);
  return client;
}
