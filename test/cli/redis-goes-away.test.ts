import { SessionMonitor } from '../../src';
import { RestartableRedis } from '../faults/restartable-redis';
import { uniqueNamespace } from '../support/redis-server';
import { assertBuilt, startCli, stderrLines } from './run-cli';

/** ioredis' words for a lost connection: an option name, not what happened. */
const CLIENT_JARGON = /maxRetriesPerRequest|Reached the max retries|Stream isn't writeable/;

/**
 * `stats --watch` while its Redis stops and comes back: it says so once each way, in an operator's
 * words, and goes on.
 */
describe('sau-cli stats --watch when Redis goes away', () => {
  let redis: RestartableRedis;
  const namespace = uniqueNamespace('cli-away');

  beforeAll(async () => {
    assertBuilt();
    redis = await RestartableRedis.start('aof');
    const monitor = new SessionMonitor({ redis: redis.url, namespace, gaugeIntervalMs: 0 });
    await monitor.start();
    monitor.open({ id: 's1' });
    monitor.login('s1', 'u1');
    await monitor.stop();
  });

  afterAll(async () => {
    await redis?.destroy();
  });

  it('says once that Redis is gone and once that it is back, in plain words', async () => {
    const cli = startCli([
      ...['--redis-url', redis.url, '--namespace', namespace, '--json'],
      ...['stats', '--watch', '--interval', '200ms'],
    ]);
    await cli.linesSoFar(1);
    await redis.kill('SIGKILL');
    // Several readings fail while it is away: one line says so, not one per reading.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await redis.restart();
    const before = (await cli.linesSoFar(1)).length;
    await cli.linesSoFar(before + 2);
    cli.child.kill('SIGINT');
    const result = await cli.done;
    expect(result.code).toBe(0);
    expect(result.stderr).not.toMatch(CLIENT_JARGON);
    const [gone, back, ...more] = stderrLines(result.stderr);
    expect(gone).toMatch(
      new RegExp(
        `^sau-cli: cannot read Redis at ${redis.url}: (the connection to Redis is lost and not back yet|Redis refuses connections) \\(.*\\); trying again every 0\\.2 s$`,
      ),
    );
    expect(back).toBe(`sau-cli: Redis at ${redis.url} answers again`);
    expect(more).toEqual([]);
  });
});
