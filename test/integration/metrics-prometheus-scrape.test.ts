import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { Gauge, Registry } from 'prom-client';
import { registerSauMetrics } from '../../src/metrics/register-sau-metrics';
import { SAU_METRICS } from '../../src/metrics/sau-metric-definitions';
import { redisNowMs } from '../support/monitor-harness';
import { uniqueNamespace } from '../support/redis-server';
import { useMetricsHarness } from '../support/metrics-harness';
import { expectedFrom, parseExposition, sauValues } from '../support/prometheus-text';

// What a scrape of registerSauMetrics() exports while Redis answers: every sau_ gauge equal to
// stats(), read with one HGETALL a namespace, and how registering twice or on a taken name ends.

/** An app that already exposes its own prom-client registry over HTTP. */
async function serveRegistry(registry: Registry): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    void registry.metrics().then((text) => {
      res.setHeader('Content-Type', registry.contentType);
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/metrics`, server };
}

describe('Prometheus metrics from the gauges hash: a scrape', () => {
  const { redis, monitors, warnings, logger, twoSampledNamespaces } = useMetricsHarness();

  it('an app registry scraped over HTTP carries every sau_ gauge of two namespaces, equal to stats()', async () => {
    const before = await redisNowMs(redis.client());
    const { chat, support } = await twoSampledNamespaces();
    const after = await redisNowMs(redis.client());
    const registry = new Registry();
    new Gauge({
      name: 'app_requests_in_flight',
      help: 'the app’s own metric',
      registers: [registry],
    });
    registerSauMetrics(registry, { redis: redis.client(), namespace: chat, logger });
    registerSauMetrics(registry, { reader: monitors.reader({ namespace: support }), logger });

    const app = await serveRegistry(registry);
    try {
      const response = await fetch(app.url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(registry.contentType);
      const exposition = parseExposition(await response.text());

      // The app's own metric is still there, untouched.
      expect(exposition.type.get('app_requests_in_flight')).toBe('gauge');
      // Every sau_ metric: HELP, TYPE gauge, no _total, a namespace label on every sample.
      const names = SAU_METRICS.map((m) => m.name);
      expect([...exposition.type.keys()].filter((n) => n.startsWith('sau_')).sort()).toEqual(
        [...names].sort(),
      );
      for (const name of names) {
        expect(exposition.type.get(name)).toBe('gauge');
        expect(exposition.help.get(name)?.length).toBeGreaterThan(10);
        expect(name.endsWith('_total')).toBe(false);
      }
      for (const s of exposition.samples.filter((x) => x.name.startsWith('sau_'))) {
        expect(Object.keys(s.labels)).toEqual(['namespace']);
      }

      const values = sauValues(exposition);
      expect([...values.keys()].sort()).toEqual([chat, support].sort());
      for (const namespace of [chat, support]) {
        const stats = await monitors.reader({ namespace }).stats({ window: 'all' });
        const got = values.get(namespace)!;
        expect(
          Object.fromEntries(
            [...got].filter(([n]) => n !== 'sau_gauges_updated_timestamp_seconds'),
          ),
        ).toEqual(expectedFrom(stats));
        const sampledAt = got.get('sau_gauges_updated_timestamp_seconds')! * 1000;
        expect(sampledAt).toBeGreaterThanOrEqual(before);
        expect(sampledAt).toBeLessThanOrEqual(after);
      }
      // The numbers themselves, not only their agreement with stats().
      expect(values.get(chat)!.get('sau_users')).toBe(2);
      expect(values.get(chat)!.get('sau_sessions')).toBe(4);
      expect(values.get(chat)!.get('sau_anonymous_sessions')).toBe(1);
      expect(values.get(chat)!.get('sau_instances')).toBe(1);
      expect(values.get(chat)!.get('sau_peak_users_today')).toBe(3);
      expect(values.get(chat)!.get('sau_daily_active_users')).toBe(3);
      expect(values.get(chat)!.get('sau_weekly_active_users')).toBe(4);
      expect(values.get(chat)!.get('sau_rolling30_active_users')).toBe(5);
      expect(values.get(support)!.get('sau_users')).toBe(1);
      expect(values.get(support)!.get('sau_sessions')).toBe(1);
    } finally {
      await new Promise((resolve) => app.server.close(resolve));
    }
    expect(warnings).toEqual([]);
  });

  it('one scrape reads each namespace’s gauges hash with one HGETALL, and nothing else', async () => {
    const { chat, support } = await twoSampledNamespaces();
    const registry = new Registry();
    registerSauMetrics(registry, { redis: redis.client(), namespace: chat, logger });
    registerSauMetrics(registry, { redis: redis.client(), namespace: support, logger });
    const commands: string[] = [];
    const spy = new Redis(redis.server().url);
    try {
      const monitoring = await spy.monitor();
      monitoring.on('monitor', (_time: string, args: string[]) => {
        if (args[1]?.includes(chat) || args[1]?.includes(support)) commands.push(args.join(' '));
      });
      await registry.metrics();
      await redis.client().ping(); // MONITOR shows commands in order: the scrape's are in by now
      await new Promise((r) => setTimeout(r, 50));
      monitoring.disconnect();
    } finally {
      await spy.quit().catch(() => spy.disconnect());
    }
    expect(commands.sort()).toEqual(
      [`hgetall sau:{${chat}}:gauges`, `hgetall sau:{${support}}:gauges`].sort(),
    );
  });

  it('a namespace never sampled exports nothing, and registering again or on a taken name is handled', async () => {
    const { chat } = await twoSampledNamespaces();
    const never = uniqueNamespace('metrics-never');
    const registry = new Registry();
    const first = registerSauMetrics(registry, { redis: redis.client(), namespace: chat, logger });
    // The same namespace again (a second monitor of the app): replaces the source, no error.
    const second = registerSauMetrics(registry, { redis: redis.client(), namespace: chat, logger });
    const empty = registerSauMetrics(registry, { redis: redis.client(), namespace: never, logger });
    let values = sauValues(parseExposition(await registry.metrics()));
    expect([...values.keys()]).toEqual([chat]);
    expect(values.get(chat)!.size).toBe(SAU_METRICS.length);

    // The first registration's unregister no longer owns the namespace: nothing changes.
    first.unregister();
    values = sauValues(parseExposition(await registry.metrics()));
    expect([...values.keys()]).toEqual([chat]);
    second.unregister();
    empty.unregister();
    // With the last namespace gone, the gauges leave the registry.
    expect(await registry.metrics()).not.toContain('sau_');
    // So registering afterwards works again.
    registerSauMetrics(registry, { redis: redis.client(), namespace: chat, logger }).unregister();

    const taken = new Registry();
    new Gauge({ name: 'sau_users', help: 'an unrelated metric', registers: [taken] });
    expect(() =>
      registerSauMetrics(taken, { redis: redis.client(), namespace: chat, logger }),
    ).toThrow(/already has a metric named sau_users.*use another Registry/);
    expect(() =>
      registerSauMetrics(new Registry(), { redis: redis.client(), namespace: 'bad{ns}' }),
    ).toThrow(/namespace/);
  });
});
