import type { Redis } from 'ioredis';

/**
 * FUNCTION LOAD calls the server has seen (INFO commandstats), a load of a library it already has
 * included: how often writers loaded applyBatch's library.
 */
export async function functionLoads(client: Redis): Promise<number> {
  const stats = String(await client.info('commandstats'));
  return Number(/cmdstat_function\|load:calls=(\d+)/.exec(stats)?.[1] ?? 0);
}
