import { startPrivateRedis, type PrivateRedis } from '../redis/private-redis-server';

/**
 * Starts the demo's private `redis-server` in a temporary directory, with no persistence. It runs
 * in its own process group, so the Ctrl-C a terminal sends to the demo does not kill it before
 * the monitors have stopped; it is killed all the same if the demo exits first.
 */
export async function startLocalRedis(binary = 'redis-server'): Promise<PrivateRedis> {
  try {
    return await startPrivateRedis({ binary, detached: true, dirPrefix: 'sau-demo-redis-' });
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENOENT') throw err;
    throw Object.assign(new Error(`${(err as Error).message} or pass --redis-url`), {
      code: 'ENOENT',
    });
  }
}
