import { ConfigError } from '../errors/config-error';
import { Keys } from '../keys';
import type { RedisClient } from '../redis/redis-client';
import { namespaceHasData } from '../reader/namespace-check';

/**
 * How long the marker stays after a run: longer than anything a demo writes (its monitors keep
 * history 2 days, so a month's keys go 2 days after the month ends, 33 days at most), so a demo
 * namespace is still recognised while any of its data is left.
 */
const MARKER_TTL_MS = 40 * 86_400_000;

/**
 * Makes `namespace` a demo namespace, or refuses: the demo writes invented users into DAU and
 * MAU and gives day keys its short expiry, so it may only write where nothing real lives. A
 * namespace qualifies when it has no data at all (see namespaceHasData) or carries the marker a
 * previous demo left (`sau:{ns}:demo`); the marker is then set, or renewed, before anything else.
 * Throws a ConfigError `NAMESPACE_HOLDS_DATA` otherwise.
 */
export async function claimDemoNamespace(client: RedisClient, namespace: string): Promise<void> {
  const keys = new Keys(namespace);
  const [marked, hasData] = await Promise.all([
    client.exists(keys.demoMarker()),
    namespaceHasData(client, keys),
  ]);
  if (hasData && marked === 0) {
    throw new ConfigError(
      `namespace ${namespace} holds data that no demo wrote, and the demo would add invented users to it; leave out --namespace (a fresh demo-… namespace is made) or name an unused one`,
      'NAMESPACE_HOLDS_DATA',
    );
  }
  await client.set(keys.demoMarker(), 'written by sau-cli demo', 'PX', MARKER_TTL_MS);
}
