import { Cluster, type Redis } from 'ioredis';
import type { RedisClient } from './redis-client';

/**
 * The servers a per-server command must go to: the server itself, or every master of a Cluster
 * (which would send such a command to any one node). A Cluster lists its masters once it has read
 * its slots; a command makes a client that has not connected yet do so.
 */
export async function mastersOf(client: RedisClient): Promise<Redis[]> {
  if (!(client instanceof Cluster)) return [client];
  if (client.nodes('master').length === 0) await client.ping();
  return client.nodes('master');
}
