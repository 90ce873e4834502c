import { SessionMonitor } from '../../src';
import { SauReader } from '../../src/reader/sau-reader';
import { startRedis, uniqueNamespace, type TestRedis } from '../support/redis-server';
import { assertBuilt, runCli, startCli, stderrLines, type RunningCli } from './run-cli';
import { expectedFrom, parseExposition, sauValues } from '../support/prometheus-text';
import { runningTime } from '../support/running-time';

/** Starts `sau-cli --json metrics ...` and waits for the line with its URL. */
async function startMetrics(
  redisUrl: string,
  args: string[],
): Promise<{ cli: RunningCli; url: string }> {
  const cli = startCli(['--redis-url', redisUrl, '--json', 'metrics', '--port', '0', ...args]);
  const [first] = await cli.linesSoFar(1);
  const { url } = JSON.parse(first) as { url: string };
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
  return { cli, url };
}

/** SIGTERM, as a service manager stops it: a clean exit 0. */
async function stop(cli: RunningCli): Promise<{ code: number | null; stderr: string }> {
  cli.child.kill('SIGTERM');
  const result = await cli.done;
  return { code: result.code, stderr: result.stderr };
}

describe('sau-cli metrics', () => {
  let redis: TestRedis;
  const chat = uniqueNamespace('cli-metrics-chat');
  const support = uniqueNamespace('cli-metrics-support');
  const monitors: SessionMonitor[] = [];
  const problems: Error[] = [];
  const running: RunningCli[] = [];

  beforeAll(async () => {
    assertBuilt();
    redis = await startRedis();
    for (const namespace of [chat, support]) {
      const monitor = new SessionMonitor({
        redis: redis.url,
        namespace,
        instanceId: 'cli-metrics',
        gaugeIntervalMs: 0,
      });
      monitor.on('error', (err: Error) => problems.push(err));
      await monitor.start();
      monitors.push(monitor);
    }
    const [a, b] = monitors;
    // chat: u1 in two tabs, u2, one anonymous session; support: u3.
    for (const id of ['s1', 's2', 's3', 's4']) a.open({ id, userAgent: 'test' });
    a.login('s1', 'u1');
    a.login('s2', 'u1');
    a.login('s3', 'u2');
    b.open({ id: 't1', userAgent: 'test' });
    b.login('t1', 'u3');
    await Promise.all([a.flush(), b.flush()]);
    expect(await a.sampleGauges()).toBe(true);
    expect(await b.sampleGauges()).toBe(true);
  });

  afterEach(() => {
    // A failed test must not leave a server behind.
    for (const cli of running.splice(0)) if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
  });

  afterAll(async () => {
    await Promise.all(monitors.map((m) => m.stop()));
    await redis?.stop();
    expect(problems).toEqual([]);
  });

  it('serves both namespaces’ gauges over HTTP, equal to stats(), 404 elsewhere, and exits 0 on SIGTERM', async () => {
    const { cli, url } = await startMetrics(redis.url, ['--namespaces', `${chat},${support}`]);
    running.push(cli);

    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const exposition = parseExposition(await response.text());
    for (const [name, type] of exposition.type) {
      expect([name, type]).toEqual([name, 'gauge']);
      expect(name.endsWith('_total')).toBe(false);
    }
    expect(exposition.type.size).toBe(11);
    const values = sauValues(exposition);

    for (const namespace of [chat, support]) {
      const nsReader = new SauReader({ redis: redis.url, namespace });
      const stats = await nsReader.stats({ window: 'all' });
      await nsReader.close();
      const scraped = values.get(namespace)!;
      expect(Object.fromEntries(scraped)).toMatchObject(expectedFrom(stats));
      expect(scraped.get('sau_gauges_updated_timestamp_seconds')).toBeGreaterThan(
        Date.now() / 1000 - 60,
      );
    }
    expect(values.get(chat)?.get('sau_users')).toBe(2);
    expect(values.get(chat)?.get('sau_sessions')).toBe(4);
    expect(values.get(support)?.get('sau_users')).toBe(1);

    const elsewhere = await fetch(url.replace('/metrics', '/'));
    expect(elsewhere.status).toBe(404);
    await elsewhere.text();

    const result = await stop(cli);
    expect(result.code).toBe(0);
    expect(stderrLines(result.stderr)).toEqual([`sau-cli: serving ${url}; Ctrl-C to stop`]);
  });

  it('exits 2 with one line when the port is taken, and the running server is unaffected', async () => {
    const { cli, url } = await startMetrics(redis.url, ['--namespace', chat]);
    running.push(cli);
    const port = new URL(url).port;
    const second = await runCli([
      '--redis-url',
      redis.url,
      'metrics',
      '--port',
      port,
      '--namespaces',
      chat,
    ]);
    expect(second.code).toBe(2);
    expect(stderrLines(second.stderr)).toEqual([
      `sau-cli: 127.0.0.1:${port} is already in use: stop what listens there or choose another --port`,
    ]);
    expect(second.stdout).toBe('');
    const still = await fetch(url);
    expect(still.status).toBe(200);
    expect(
      sauValues(parseExposition(await still.text()))
        .get(chat)
        ?.get('sau_users'),
    ).toBe(2);
    expect((await stop(cli)).code).toBe(0);
  });

  it('rejects a bad namespace (exit 2) and an unreachable Redis (exit 3) before listening', async () => {
    const badNamespace = await runCli(['metrics', '--port', '0', '--namespaces', 'ok,bad{x}']);
    expect(badNamespace.code).toBe(2);
    expect(badNamespace.stderr).toMatch(/--namespaces.*may not contain/);
    const down = await runCli(['--redis-url', 'redis://127.0.0.1:1', 'metrics', '--port', '0']);
    expect(down.code).toBe(3);
    expect(stderrLines(down.stderr)).toHaveLength(1);
    expect(down.stdout).toBe('');
  });

  it('answers 503 within the timeout while Redis is down, logs it once, and still exits 0', async () => {
    const own = await startRedis();
    if (!own.owned) {
      console.log('skipped: REDIS_URL is set, and this test must stop its Redis');
      return;
    }
    let cli: RunningCli | undefined;
    try {
      const started = await startMetrics(own.url, ['--namespace', chat, '--timeout', '500ms']);
      cli = started.cli;
      running.push(cli);
      const before = await fetch(started.url);
      expect(before.status).toBe(200);
      // Nothing sampled in this Redis: the metrics are declared, with no series.
      expect(sauValues(parseExposition(await before.text())).size).toBe(0);

      await own.stop();
      for (let scrape = 0; scrape < 2; scrape++) {
        const { value: response, ms } = await runningTime(() => fetch(started.url));
        expect(response.status).toBe(503);
        expect(await response.text()).toMatch(
          new RegExp(`^cannot read the sau gauges: namespace ${chat}: `),
        );
        // The 500 ms timeout, with room for a loaded machine; a stopped VM's seconds left out.
        expect(ms).toBeLessThan(2500);
      }
      const result = await stop(cli);
      expect(result.code).toBe(0);
      // Nothing sampled in this Redis: a warning; then the outage, said once, as it behaves.
      expect(stderrLines(result.stderr)).toEqual([
        expect.stringMatching(`^sau-cli: warning: namespace ${chat} has no data at all`),
        expect.stringMatching(/^sau-cli: serving /),
        expect.stringMatching(
          new RegExp(
            `^sau-monitor metrics: cannot read the gauges of namespace "${chat}": .*; every scrape fails \\(sau-cli metrics: 503\\) until it can be read$`,
          ),
        ),
      ]);
      expect(result.stderr).not.toMatch(/maxRetriesPerRequest|left out/);
    } finally {
      await own.stop();
    }
  });
});
