import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Gauge, Registry } from 'prom-client';
import { importRocketChatSessions } from '../../src/import/import-sessions';
import { registerSauMetrics } from '../../src/metrics/register-sau-metrics';
import { SAU_METRICS } from '../../src/metrics/sau-metric-definitions';
import type { SessionMonitor } from '../../src/monitor/session-monitor';
import { redisNowMs, useMonitors } from '../support/monitor-harness';
import { uniqueNamespace } from '../support/redis-server';
import { useRedis } from '../support/use-redis';
import { expectedFrom, parseExposition, sauValues } from '../support/prometheus-text';

const EXPORTER_SCRIPT = join(__dirname, '..', '..', 'grafana', 'redis-exporter.lua');

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

describe('Prometheus metrics from the gauges hash', () => {
  const redis = useRedis();
  const monitors = useMonitors(() => redis.server().url);
  const warnings: string[] = [];
  const logger = { warn: (message: string) => warnings.push(message) };

  beforeEach(() => {
    warnings.length = 0;
  });

  /**
   * Two sampled namespaces. `chat`: users of 3 and 20 days ago (imported, so that DAU, WAU and
   * rolling 30 days differ), u1 in two tabs, u2, one anonymous session, and u4 who left again (so
   * that today's peak, 3, is above SAU, 2). `support`: u3 alone.
   */
  async function twoSampledNamespaces(): Promise<{
    chat: string;
    support: string;
    monitors: SessionMonitor[];
  }> {
    const chat = uniqueNamespace('metrics-chat');
    const support = uniqueNamespace('metrics-support');
    const nowMs = await redisNowMs(redis.client());
    const history = [
      ['h1', 'old3', 3],
      ['h2', 'old20', 20],
    ].map(([sessionId, userId, days]) => {
      const loginAt = new Date(nowMs - Number(days) * 86_400_000);
      const closedAt = new Date(loginAt.getTime() + 600_000);
      return `${JSON.stringify({
        type: 'session',
        sessionId,
        userId,
        loginAt: { $date: loginAt.toISOString() },
        closedAt: { $date: closedAt.toISOString() },
      })}\n`;
    });
    await importRocketChatSessions(Readable.from(history), {
      redis: redis.client(),
      namespace: chat,
      strict: true,
    });
    const a = (await monitors.start({ namespace: chat, instanceId: 'a', gaugeIntervalMs: 0 }))
      .monitor;
    const b = (await monitors.start({ namespace: support, instanceId: 'b', gaugeIntervalMs: 0 }))
      .monitor;
    for (const id of ['s1', 's2', 's3', 's4']) a.open({ id, userAgent: 'test' });
    a.login('s1', 'u1');
    a.login('s2', 'u1');
    a.login('s3', 'u2');
    a.open({ id: 's5', userAgent: 'test' });
    a.login('s5', 'u4');
    await a.flush();
    a.close('s5');
    b.open({ id: 't1', userAgent: 'test' });
    b.login('t1', 'u3');
    await Promise.all([a.flush(), b.flush()]);
    expect(await a.sampleGauges()).toBe(true);
    expect(await b.sampleGauges()).toBe(true);
    return { chat, support, monitors: [a, b] };
  }

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

  describe('grafana/redis-exporter.lua (redis_exporter --script)', () => {
    const script = readFileSync(EXPORTER_SCRIPT, 'utf8');

    /** EVAL as redis_exporter does it (`EVAL script 0 0`): name/value pairs as a map. */
    async function evalExporter(client: Redis, source = script): Promise<Map<string, string>> {
      const reply = (await client.eval(source, 0, '0')) as string[];
      expect(reply.length % 2).toBe(0);
      const pairs = new Map<string, string>();
      for (let i = 0; i < reply.length; i += 2) {
        expect(typeof reply[i + 1]).toBe('string');
        // redis_exporter parses every value with Go's strconv.ParseFloat.
        expect(reply[i + 1]).toMatch(/^-?\d+(\.\d+)?$/);
        pairs.set(reply[i], reply[i + 1]);
      }
      return pairs;
    }

    it('returns the same numbers as the Prometheus endpoint, for every sampled namespace', async () => {
      const { chat, support } = await twoSampledNamespaces();
      const never = uniqueNamespace('metrics-never');
      await redis.client().hset(`sau:{${never}}:gauges`, 'users', '5'); // no updatedAt: not sampled
      const registry = new Registry();
      registerSauMetrics(registry, { redis: redis.client(), namespace: chat, logger });
      registerSauMetrics(registry, { redis: redis.client(), namespace: support, logger });
      const values = sauValues(parseExposition(await registry.metrics()));

      const pairs = await evalExporter(redis.client());
      for (const namespace of [chat, support]) {
        for (const [name, value] of values.get(namespace)!) {
          expect([name, Number(pairs.get(`${name}:${namespace}`))]).toEqual([name, value]);
        }
      }
      expect([...pairs.keys()].some((k) => k.endsWith(`:${never}`))).toBe(false);
      // Other tests of this file sampled namespaces too: each exports its 11 pairs.
      const exported = Number(pairs.get('sau_script_namespaces'));
      expect(exported).toBeGreaterThanOrEqual(2);
      expect(pairs.size).toBe(exported * SAU_METRICS.length + 2);
      expect(pairs.get('sau_script_scan_complete')).toBe('1');

      // With NAMESPACES filled in, it reads only those, without scanning.
      const listed = script.replace(
        'local NAMESPACES = {}',
        `local NAMESPACES = { '${chat}', '${never}' }`,
      );
      expect(listed).not.toBe(script);
      const only = await evalExporter(redis.client(), listed);
      expect([...only.keys()].filter((k) => k.startsWith('sau_users:'))).toEqual([
        `sau_users:${chat}`,
      ]);
      expect(only.get('sau_script_namespaces')).toBe('1');
      expect(only.get('sau_script_scan_complete')).toBe('1');
    });

    it('stops scanning a large keyspace at its bound and says so', async () => {
      // A database of its own, so the 30,000 filler keys do not slow the other tests.
      const db = new Redis(`${redis.server().url}/9`);
      try {
        await db.flushdb();
        await db.eval("for i = 1, 30000 do redis.call('SET', 'filler:' .. i, i) end return 1", 0);
        await db.hset('sau:{big}:gauges', 'users', '7', 'updatedAt', '1763000000000');
        const pairs = await evalExporter(db);
        // 10 SCAN calls of COUNT 1000 visit about 10,000 of 32,768 buckets: not the whole space.
        expect(pairs.get('sau_script_scan_complete')).toBe('0');
        expect(Number(pairs.get('sau_script_namespaces'))).toBeLessThanOrEqual(1);
      } finally {
        await db.flushdb();
        await db.quit();
      }
    });
  });
});
