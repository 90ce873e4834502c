import { Registry } from 'prom-client';
import { registerSauMetrics } from '../../src/metrics/register-sau-metrics';
import { useMetricsHarness } from '../support/metrics-harness';
import { parseExposition, sauValues } from '../support/prometheus-text';

// A scrape while Redis does not answer (CLIENT PAUSE on this file's own redis-server): it must
// end within its timeout, leave the sau_ values out or fail as told, log once, and recover.

describe('Prometheus metrics from the gauges hash when Redis does not answer', () => {
  const { redis, warnings, logger, twoSampledNamespaces } = useMetricsHarness();

  it('when Redis does not answer, a scrape ends within the timeout without sau_ values and logs once', async () => {
    const { chat } = await twoSampledNamespaces();
    const registry = new Registry();
    const sau = registerSauMetrics(registry, {
      redis: redis.client(),
      namespace: chat,
      timeoutMs: 300,
      logger,
    });
    // Every client's commands wait while Redis is paused: the scrape must not wait with them.
    await redis.client().client('PAUSE', 1500, 'ALL');
    const pausedAt = Date.now();
    for (let scrape = 0; scrape < 2; scrape++) {
      const started = Date.now();
      const [text, result] = await Promise.all([registry.metrics(), sau.scrape()]);
      expect(Date.now() - started).toBeLessThan(1000);
      expect(sauValues(parseExposition(text)).size).toBe(0);
      expect(text).toContain('# TYPE sau_users gauge');
      expect([...result.failures.keys()]).toEqual([chat]);
      expect(result.failures.get(chat)?.message).toBe('Redis did not answer within 300 ms');
    }
    expect(Date.now() - pausedAt).toBeLessThan(1500); // both scrapes ran while paused
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`namespace "${chat}"`);
    expect(warnings[0]).toContain('Redis did not answer within 300 ms');
    expect(warnings[0]).toMatch(
      /its sau_ metrics are left out of every scrape until it can be read$/,
    );

    // After the pause the values come back, with one line saying so.
    await new Promise((r) => setTimeout(r, Math.max(0, 1600 - (Date.now() - pausedAt))));
    const values = sauValues(parseExposition(await registry.metrics()));
    expect(values.get(chat)?.get('sau_users')).toBe(2);
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toContain('can be read again');
  });

  it("onUnreadable 'fail': the whole scrape fails, and the log says so", async () => {
    const { chat } = await twoSampledNamespaces();
    const registry = new Registry();
    registerSauMetrics(registry, {
      redis: redis.client(),
      namespace: chat,
      timeoutMs: 300,
      logger,
      onUnreadable: 'fail',
    });
    await redis.client().client('PAUSE', 800, 'ALL');
    await expect(registry.metrics()).rejects.toThrow(
      `cannot read the sau gauges: namespace ${chat}: Redis did not answer within 300 ms`,
    );
    expect(warnings).toEqual([
      `sau-monitor metrics: cannot read the gauges of namespace "${chat}": Redis did not answer within 300 ms; every scrape fails (sau-cli metrics: 503) until it can be read`,
    ]);
    await new Promise((r) => setTimeout(r, 900));
    expect(
      sauValues(parseExposition(await registry.metrics()))
        .get(chat)
        ?.get('sau_users'),
    ).toBe(2);
  });
});
