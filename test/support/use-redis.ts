import { Redis } from 'ioredis';
import { startRedis, type TestRedis } from './redis-server';

/**
 * Gives the test file a redis-server for all its tests and a plain client to inspect keys with.
 * Call at the top of a describe block.
 */
export function useRedis(extraArgs: string[] = []): {
  server: () => TestRedis;
  client: () => Redis;
} {
  let server: TestRedis | undefined;
  let client: Redis | undefined;
  beforeAll(async () => {
    server = await startRedis(extraArgs);
    client = new Redis(server.url);
  });
  afterAll(async () => {
    await client?.quit();
    await server?.stop();
  });
  return {
    server: () => {
      if (!server) throw new Error('redis not started yet');
      return server;
    },
    client: () => {
      if (!client) throw new Error('redis not started yet');
      return client;
    },
  };
}
