import { useRedis } from './use-redis';
import { uniqueNamespace } from './redis-server';
import { useMonitors } from './monitor-harness';

/** Seconds in a day, for the expiry times the counting tests compute. */
export const DAY_S = 86_400;

/**
 * What the 'counting against a real Redis' files (test/integration/counting-sau, -session-time,
 * -instance-life, -rejected-events, -ids, -dau-mau, -retention, -time-zones) share: each file's
 * own redis-server, a monitor harness on it, and setup(), which starts monitor app-1 and a reader
 * on a fresh namespace. Call at the top of the file's describe block.
 */
export function useCountingMonitors() {
  const redis = useRedis();
  const harness = useMonitors(() => redis.server().url);

  async function setup(extra: { exactThreshold?: number; timezone?: string } = {}) {
    const namespace = uniqueNamespace('count');
    const { monitor, errors } = await harness.start({ namespace, instanceId: 'app-1', ...extra });
    const reader = harness.reader({ namespace, ...extra });
    return { namespace, monitor, errors, reader };
  }

  return { redis, harness, setup };
}
