import { useRedis } from '../support/use-redis';
import { uniqueNamespace } from '../support/redis-server';
import { waitFor } from '../support/monitor-harness';
import { Keys } from '../../src/keys';
import { ScriptRunner } from '../../src/scripts/script-runner';
import { ReporterLease } from '../../src/adapters/rocket-chat/reporter-lease';

describe('ReporterLease', () => {
  const redis = useRedis();

  function lease(holder: string, leaseMs: number, marginMs: number) {
    const lapses: number[] = [];
    const reporterLease = new ReporterLease(new ScriptRunner(redis.client()), keys, {
      instanceId: 'streamer-1',
      holder,
      leaseMs,
      marginMs,
      lapsed: () => lapses.push(performance.now()),
    });
    return { reporterLease, lapses };
  }
  let keys: Keys;
  beforeEach(() => {
    keys = new Keys(uniqueNamespace('lease'));
  });

  it('counts a lease as lapsed leaseMs - marginMs after the claim was sent, unless renewed', async () => {
    const a = lease('app-a t1', 300, 100);
    const sentAt = performance.now();
    expect(await a.reporterLease.claim()).toBe(true);
    await waitFor(
      async () => a.lapses.length,
      (n) => n === 1,
      2000,
    );
    expect(a.lapses[0] - sentAt).toBeGreaterThanOrEqual(200 - 5);
    // Redis still holds it for the margin: another process cannot take it yet.
    const b = lease('app-b t2', 300, 100);
    expect(await b.reporterLease.claim()).toBe(false);
    await waitFor(
      () => b.reporterLease.claim(),
      (granted) => granted,
      2000,
    );
    b.reporterLease.drop();
  });

  it('a renewal moves the lapse on; drop() cancels it; release() frees the lease at once', async () => {
    const a = lease('app-a t1', 300, 100);
    expect(await a.reporterLease.claim()).toBe(true);
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 100));
      expect(await a.reporterLease.claim()).toBe(true);
    }
    expect(a.lapses).toEqual([]); // 400 ms held, never more than 100 ms since a renewal
    await a.reporterLease.release();
    const b = lease('app-b t2', 300, 100);
    expect(await b.reporterLease.claim()).toBe(true);
    // The holder that gave it up is told so by its next claim.
    expect(await a.reporterLease.claim()).toBe(false);
    b.reporterLease.drop();
    await new Promise((r) => setTimeout(r, 300));
    expect([a.lapses, b.lapses]).toEqual([[], []]);
  });
});
