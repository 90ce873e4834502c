import { SessionMonitor } from '../../src';
import { runCli } from '../cli/run-cli';
import { describeIfClusterRuns } from '../support/redis-cluster';
import { uniqueNamespace } from '../support/redis-server';

// Issue 7: a redis+cluster:// URL none of whose nodes answers. The monitor and the CLI give up
// within their timeouts, with one reason, instead of waiting for the Cluster.

jest.setTimeout(60_000);

const describeCluster = describeIfClusterRuns();

describeCluster('on a Redis Cluster no node of which answers', () => {
  it('monitor.start() rejects with START_FAILED when no node of the Cluster answers', async () => {
    const monitor = new SessionMonitor({
      redis: 'redis+cluster://127.0.0.1:1,127.0.0.1:2',
      namespace: uniqueNamespace('cluster-down'),
      startTimeoutMs: 500,
    });
    monitor.on('error', () => undefined);
    const started = Date.now();
    await expect(monitor.start()).rejects.toMatchObject({ code: 'START_FAILED' });
    expect(Date.now() - started).toBeLessThan(2000);
    await monitor.stop(); // never started: resolves at once
    // ioredis arms a 2 s timer when it disconnects a socket that never connected; let it run out
    // so that jest exits at once.
    await new Promise((r) => setTimeout(r, 2100));
  });

  it('sau-cli fails fast with exit 3 when no node of the Cluster answers', async () => {
    const result = await runCli(['stats'], {
      REDIS_URL: 'redis+cluster://127.0.0.1:1,127.0.0.1:2',
    });
    expect(result.code).toBe(3);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(
      /^sau-cli: cannot reach Redis at redis\+cluster:\/\/127\.0\.0\.1:1,127\.0\.0\.1:2: /,
    );
  });
});
