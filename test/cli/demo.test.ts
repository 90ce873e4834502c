import { Redis } from 'ioredis';
import { SauReader, SessionMonitor } from '../../src';
import { startRedis, uniqueNamespace, type TestRedis } from '../support/redis-server';
import {
  assertBuilt,
  expectOneLineFailure,
  jsonLines,
  runCli,
  startCli,
  stderrLines,
  type RunningCli,
} from './run-cli';

interface DemoLine {
  phase: 'running' | 'final' | 'crashed' | 'reaped';
  instanceId?: string;
  sessionsLeft?: number;
  by?: string;
  sessions?: number;
  elapsedSeconds?: number;
  namespace: string;
  now: { users: number; sessions: number; anonymousSessions: number; instances: number };
  day: { date: string; activeUsers: number; sessions: number; logins: number; peakUsers: number };
  month: { activeUsers: number };
}

describe('sau-cli demo', () => {
  let redis: TestRedis;
  let client: Redis;

  beforeAll(async () => {
    assertBuilt();
    redis = await startRedis();
    client = new Redis(redis.url);
  });

  afterAll(async () => {
    await client?.quit();
    await redis?.stop();
  });

  /** Every key of a namespace still holding live state: sessions of an instance, leases. */
  async function liveKeys(namespace: string): Promise<string[]> {
    const found: string[] = [];
    for (const pattern of [`sau:{${namespace}}:sessions:*`, `sau:{${namespace}}:instance:*`]) {
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        found.push(...keys);
        cursor = next;
      } while (cursor !== '0');
    }
    return found;
  }

  it('runs, then stops every monitor: SAU and sessions 0, DAU and MAU keep the users', async () => {
    const namespace = uniqueNamespace('cli-demo');
    const result = await runCli([
      '--redis-url',
      redis.url,
      '--namespace',
      namespace,
      '--json',
      'demo',
      '--duration',
      '3s',
      '--seed',
      '42',
    ]);
    expect(result.code).toBe(0);
    expect(stderrLines(result.stderr).filter((l) => !l.startsWith('demo: '))).toEqual([]);
    expect(result.stderr).not.toMatch(/did not stop|reading failed|REDIS_|REJECT|UNKNOWN/);

    const lines = jsonLines(result.stdout) as DemoLine[];
    const running = lines.filter((l) => l.phase === 'running');
    const final = lines[lines.length - 1];
    expect(lines.filter((l) => l.phase === 'final')).toEqual([final]);
    expect(running.length).toBeGreaterThanOrEqual(2);

    // Halfway, demo-node-2 crashed; a survivor reaped exactly the sessions it left behind.
    const crashed = lines.filter((l) => l.phase === 'crashed');
    const reaped = lines.filter((l) => l.phase === 'reaped');
    expect(crashed).toHaveLength(1);
    expect(crashed[0]).toMatchObject({ instanceId: 'demo-node-2' });
    expect(crashed[0].sessionsLeft).toBeGreaterThan(0);
    expect(reaped).toHaveLength(1);
    expect(reaped[0].by).toMatch(/^demo-node-[13]$/);
    expect(reaped[0].sessions).toBe(crashed[0].sessionsLeft);
    expect(lines.indexOf(crashed[0])).toBeLessThan(lines.indexOf(reaped[0]));
    expect(result.stderr).toContain(
      `demo: instance demo-node-2 crashed: ${crashed[0].sessionsLeft!.toLocaleString('en-US')} sessions left behind`,
    );
    expect(result.stderr).toMatch(
      /demo: demo-node-[13] reaped 1 dead instance: [\d,]+ sessions closed/,
    );
    // The table shows the lease lapse: 3 instances, then 2 once the crashed one's lease is gone.
    const before = running.slice(0, running.indexOf(running.find((t) => t.now.instances !== 3)!));
    expect(before.length).toBeGreaterThanOrEqual(1);
    expect(running[running.length - 1].now.instances).toBe(2);

    // Right after a midnight, users still online from the day before join the new day's DAU at
    // their instance's first heartbeat of it (README, Midnight), so DAU bounds the live users only
    // on the day the demo started (the suite also runs across a midnight).
    const firstDate = running[0].day.date;
    for (const tick of running) {
      expect(tick.namespace).toBe(namespace);
      expect([2, 3]).toContain(tick.now.instances);
      expect(tick.now.users).toBeGreaterThan(0);
      expect(tick.now.users).toBeLessThanOrEqual(300);
      // Several tabs of one user are several sessions but one user.
      expect(tick.now.sessions).toBeGreaterThanOrEqual(tick.now.users);
      if (tick.day.date === firstDate) {
        expect(tick.day.activeUsers).toBeGreaterThanOrEqual(tick.now.users);
      }
    }

    expect(final.now).toEqual({ users: 0, sessions: 0, anonymousSessions: 0, instances: 0 });
    if (final.day.date === firstDate) {
      const peakSeen = Math.max(...running.map((t) => t.now.users));
      expect(final.day.activeUsers).toBeGreaterThanOrEqual(peakSeen);
      expect(final.day.peakUsers).toBeGreaterThanOrEqual(peakSeen);
      expect(final.month.activeUsers).toBe(final.day.activeUsers);
      expect(final.day.logins).toBeGreaterThanOrEqual(final.day.activeUsers);
      expect(final.day.sessions).toBeGreaterThan(final.day.activeUsers);
    } else {
      // Across a midnight the new day counts the carried users, without their sessions or logins.
      expect(final.month.activeUsers).toBeGreaterThanOrEqual(final.day.activeUsers);
    }

    // The numbers printed are the numbers in Redis, and nothing live is left behind.
    const reader = new SauReader({ redis: client, namespace });
    const fromRedis = await reader.stats({ window: 'day', date: final.day.date });
    expect(fromRedis.now).toEqual(final.now);
    expect(fromRedis.day).toMatchObject(final.day);
    expect(await liveKeys(namespace)).toEqual([]);
  });

  it('prints one table row a second and the final numbers for humans', async () => {
    const namespace = uniqueNamespace('cli-demo');
    const result = await runCli([
      '--redis-url',
      redis.url,
      '--namespace',
      namespace,
      'demo',
      '--duration',
      '2s',
      '--instances',
      '2',
      '--users',
      '40',
    ]);
    expect(result.code).toBe(0);
    const out = result.stdout.split('\n');
    expect(out[0]).toMatch(/^ *time +SAU +sessions +anonymous +instances +DAU +MAU/);
    expect(out[1]).toMatch(/^ +1s( +\d+){3} +2( +\d+){4}$/);
    expect(result.stdout).toMatch(/^all 2 monitors stopped: SAU and sessions are back to 0/m);
    expect(result.stdout).toMatch(/^ {2}users +0$/m);
    expect(result.stdout).toMatch(/^ {2}sessions +0$/m);
    expect(result.stderr).toContain(`namespace ${namespace}`);
  });

  /** `sau-cli --json demo` in a fresh namespace, interrupted by the caller. */
  function startDemo(duration: string) {
    const namespace = uniqueNamespace('cli-demo');
    const args = ['--redis-url', redis.url, '--namespace', namespace, '--json'];
    return { namespace, cli: startCli([...args, 'demo', '--duration', duration]) };
  }

  /** After Ctrl-C: exit 0, final numbers at 0 live, nothing live left in Redis. */
  async function expectStoppedCleanly(cli: RunningCli, namespace: string): Promise<DemoLine[]> {
    cli.child.kill('SIGINT');
    const result = await cli.done;
    expect(result.code).toBe(0);
    expect(result.ms).toBeLessThan(30_000);
    expect(result.stderr).toContain('stopping every monitor gracefully');
    const lines = jsonLines(result.stdout) as DemoLine[];
    const final = lines[lines.length - 1];
    expect(final.phase).toBe('final');
    expect(final.now).toEqual({ users: 0, sessions: 0, anonymousSessions: 0, instances: 0 });
    expect(await liveKeys(namespace)).toEqual([]);
    return lines;
  }

  it('Ctrl-C between the crash and its reap still leaves nothing counted', async () => {
    const { namespace, cli } = startDemo('4s');
    // The crash comes halfway; its 3 s lease has not lapsed yet when Ctrl-C arrives.
    const crashed = JSON.parse(await cli.lineMatching(/"phase":"crashed"/)) as DemoLine;
    expect(crashed.sessionsLeft).toBeGreaterThan(0);
    const lines = await expectStoppedCleanly(cli, namespace);
    expect(lines.find((l) => l.phase === 'reaped')?.sessions).toBe(crashed.sessionsLeft);
  });

  it('refuses a namespace that holds data no demo wrote, and leaves it as it was', async () => {
    const namespace = uniqueNamespace('real');
    const monitor = new SessionMonitor({ redis: redis.url, namespace, gaugeIntervalMs: 0 });
    await monitor.start();
    monitor.open({ id: 's1' });
    monitor.login('s1', 'u1');
    await monitor.stop();
    const reader = new SauReader({ redis: client, namespace });
    const before = await reader.stats({ window: 'all' });
    const day = `sau:{${namespace}}:day:${before.day!.date}`;
    const expiresBefore = await client.call('EXPIRETIME', day);

    const result = await runCli(['--redis-url', redis.url, '--namespace', namespace, 'demo']);
    expect(expectOneLineFailure(result, 2)).toBe(
      `sau-cli: namespace ${namespace} holds data that no demo wrote, and the demo would add invented users to it; leave out --namespace (a fresh demo-… namespace is made) or name an unused one`,
    );
    const after = await reader.stats({ window: 'all' });
    expect({ ...after, at: '' }).toEqual({ ...before, at: '' });
    expect(await client.call('EXPIRETIME', day)).toBe(expiresBefore);
    expect(await client.exists(`sau:{${namespace}}:demo`)).toBe(0);
  });

  it('runs again in a namespace a demo made', async () => {
    const namespace = uniqueNamespace('cli-demo');
    const args = ['--redis-url', redis.url, '--namespace', namespace, '--json', 'demo'];
    const short = ['--duration', '1s', '--users', '10', '--no-crash'];
    expect((await runCli([...args, ...short])).code).toBe(0);
    const again = await runCli([...args, ...short]);
    expect(again.code).toBe(0);
    const lines = jsonLines(again.stdout) as DemoLine[];
    expect(lines[lines.length - 1].phase).toBe('final');
  });

  it('stops cleanly on Ctrl-C and exits 0', async () => {
    const { namespace, cli } = startDemo('60s');
    await cli.linesSoFar(1);
    const lines = await expectStoppedCleanly(cli, namespace);
    expect(lines[lines.length - 1].day.activeUsers).toBeGreaterThan(0);
  });
});
