import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { registerSauMetrics } from '../../src/metrics/register-sau-metrics';
import { SAU_METRICS } from '../../src/metrics/sau-metric-definitions';
import { uniqueNamespace } from '../support/redis-server';
import { useMetricsHarness } from '../support/metrics-harness';
import { parseExposition, sauValues } from '../support/prometheus-text';

// The Lua script that redis_exporter runs (`--script`) for a Prometheus that does not scrape the
// app: the same numbers as registerSauMetrics(), and a bounded SCAN on a large keyspace.

const EXPORTER_SCRIPT = join(__dirname, '..', '..', 'grafana', 'redis-exporter.lua');

describe('grafana/redis-exporter.lua (redis_exporter --script)', () => {
  const { redis, logger, twoSampledNamespaces } = useMetricsHarness();
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
    // Namespaces sampled by other tests on this server (REDIS_URL) count too: 11 pairs each.
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
