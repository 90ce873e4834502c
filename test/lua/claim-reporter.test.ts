import { useRedis } from '../support/use-redis';
import { uniqueNamespace } from '../support/redis-server';
import { Keys } from '../../src/keys';
import { ScriptRunner } from '../../src/scripts/script-runner';
import { claimReporter } from '../../src/scripts/commands/claim-reporter';

describe('claimReporter', () => {
  const redis = useRedis();

  function setup() {
    const keys = new Keys(uniqueNamespace('reporter'));
    const runner = new ScriptRunner(redis.client());
    const claim = (holder: string, leaseMs = 60_000) =>
      claimReporter(runner, keys, { instanceId: 'streamer-1', holder, leaseMs });
    const lease = () =>
      Promise.all([
        redis.client().get(keys.reporterLease('streamer-1')),
        redis.client().pttl(keys.reporterLease('streamer-1')),
      ]);
    return { claim, lease };
  }

  it('grants a free lease, renews it for its holder and refuses it to anyone else', async () => {
    const { claim, lease } = setup();
    expect(await claim('app-a tok1', 5000)).toBe(true);
    expect(await claim('app-b tok2')).toBe(false);
    let [holder, ttl] = await lease();
    expect(holder).toBe('app-a tok1');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(5000);
    // A renewal resets the lease to the new length; the holder is unchanged.
    expect(await claim('app-a tok1', 60_000)).toBe(true);
    [holder, ttl] = await lease();
    expect(holder).toBe('app-a tok1');
    expect(ttl).toBeGreaterThan(5000);
    // Another incarnation of the same process is another holder.
    expect(await claim('app-a tok9')).toBe(false);
  });

  it('a claim of 0 ms gives the lease up; another holder takes it then', async () => {
    const { claim, lease } = setup();
    expect(await claim('app-a tok1')).toBe(true);
    expect(await claim('app-b tok2', 0)).toBe(false); // not the holder: nothing changes
    expect((await lease())[0]).toBe('app-a tok1');
    expect(await claim('app-a tok1', 0)).toBe(true);
    expect(await lease()).toEqual([null, -2]);
    expect(await claim('app-b tok2')).toBe(true);
    expect((await lease())[0]).toBe('app-b tok2');
  });
});
