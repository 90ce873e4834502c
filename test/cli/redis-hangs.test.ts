import { Redis } from 'ioredis';
import { SessionMonitor } from '../../src';
import { startRedis, uniqueNamespace, type TestRedis } from '../support/redis-server';
import { assertBuilt, startCli, stderrLines, type RunningCli } from './run-cli';

/**
 * The long-running commands while Redis holds the connection but answers nothing (CLIENT PAUSE;
 * a stopped process or a cut-off network does the same): Ctrl-C or SIGTERM still ends them at
 * once with exit 0, and `stats --watch` says that Redis does not answer, instead of going quiet.
 */
describe('sau-cli while Redis answers nothing', () => {
  let redis: TestRedis;
  let admin: Redis;
  const namespace = uniqueNamespace('cli-hangs');

  beforeAll(async () => {
    assertBuilt();
    redis = await startRedis();
    admin = new Redis(redis.url);
    const monitor = new SessionMonitor({ redis: redis.url, namespace, gaugeIntervalMs: 0 });
    await monitor.start();
    monitor.open({ id: 's1' });
    await monitor.flush();
    expect(await monitor.sampleGauges()).toBe(true);
    await monitor.stop();
  });

  afterAll(async () => {
    await admin.call('CLIENT', 'UNPAUSE').catch(() => undefined);
    admin.disconnect();
    await redis?.stop();
  });

  async function pauseThenSignal(
    cli: RunningCli,
    signal: NodeJS.Signals,
    pausedForMs: number,
  ): Promise<{ code: number | null; stderr: string; exitMs: number }> {
    // Paused past the signal, and not much longer: the UNPAUSE below waits for the pause too.
    await admin.call('CLIENT', 'PAUSE', String(pausedForMs + 2500), 'ALL');
    try {
      await new Promise((resolve) => setTimeout(resolve, pausedForMs));
      const signalled = Date.now();
      cli.child.kill(signal);
      const result = await cli.done;
      return { code: result.code, stderr: result.stderr, exitMs: Date.now() - signalled };
    } finally {
      await admin.call('CLIENT', 'UNPAUSE');
    }
  }

  it('stats --watch says Redis does not answer, and Ctrl-C ends it at once', async () => {
    const cli = startCli([
      ...['--redis-url', redis.url, '--namespace', namespace, '--json'],
      ...['stats', '--watch', '--interval', '200ms'],
    ]);
    await cli.linesSoFar(1);
    const { code, stderr, exitMs } = await pauseThenSignal(cli, 'SIGINT', 6000);
    expect(code).toBe(0);
    expect(exitMs).toBeLessThan(2000);
    expect(stderrLines(stderr)).toEqual([
      `sau-cli: cannot read Redis at ${redis.url}: Redis did not answer within 5 s (paused, stopped, or cut off); trying again every 0.2 s`,
    ]);
  });

  it('metrics ends at once on SIGTERM', async () => {
    const cli = startCli([
      ...['--redis-url', redis.url, '--namespace', namespace, '--json'],
      ...['metrics', '--port', '0', '--timeout', '1s'],
    ]);
    const [first] = await cli.linesSoFar(1);
    const { url } = JSON.parse(first) as { url: string };
    expect((await fetch(url)).status).toBe(200);
    const { code, exitMs } = await pauseThenSignal(cli, 'SIGTERM', 300);
    expect(code).toBe(0);
    expect(exitMs).toBeLessThan(2000);
  });
});
