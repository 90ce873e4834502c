import { Redis } from 'ioredis';
import { SauReader } from '../../src';
import { startRedis, uniqueNamespace, type TestRedis } from '../support/redis-server';
import { assertBuilt, jsonLines, runCli, startCli, stderrLines } from './run-cli';

interface DemoLine {
  phase: 'running' | 'final';
  elapsedSeconds?: number;
  namespace: string;
  now: { users: number; sessions: number; anonymousSessions: number; instances: number };
  day: { activeUsers: number; sessions: number; logins: number; peakUsers: number };
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
    for (const tick of running) {
      expect(tick.namespace).toBe(namespace);
      expect(tick.now.instances).toBe(3);
      expect(tick.now.users).toBeGreaterThan(0);
      expect(tick.now.users).toBeLessThanOrEqual(300);
      // Several tabs of one user are several sessions but one user.
      expect(tick.now.sessions).toBeGreaterThanOrEqual(tick.now.users);
      expect(tick.day.activeUsers).toBeGreaterThanOrEqual(tick.now.users);
    }

    expect(final.now).toEqual({ users: 0, sessions: 0, anonymousSessions: 0, instances: 0 });
    const peakSeen = Math.max(...running.map((t) => t.now.users));
    expect(final.day.activeUsers).toBeGreaterThanOrEqual(peakSeen);
    expect(final.day.peakUsers).toBeGreaterThanOrEqual(peakSeen);
    expect(final.month.activeUsers).toBe(final.day.activeUsers);
    expect(final.day.logins).toBeGreaterThanOrEqual(final.day.activeUsers);
    expect(final.day.sessions).toBeGreaterThan(final.day.activeUsers);

    // The numbers printed are the numbers in Redis, and nothing live is left behind.
    const reader = new SauReader({ redis: client, namespace });
    const fromRedis = await reader.stats({ window: 'day' });
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

  it('stops cleanly on Ctrl-C and exits 0', async () => {
    const namespace = uniqueNamespace('cli-demo');
    const cli = startCli([
      '--redis-url',
      redis.url,
      '--namespace',
      namespace,
      '--json',
      'demo',
      '--duration',
      '60s',
    ]);
    await cli.linesSoFar(1);
    cli.child.kill('SIGINT');
    const result = await cli.done;
    expect(result.code).toBe(0);
    expect(result.ms).toBeLessThan(30_000);
    const lines = jsonLines(result.stdout) as DemoLine[];
    const final = lines[lines.length - 1];
    expect(final.phase).toBe('final');
    expect(final.now).toEqual({ users: 0, sessions: 0, anonymousSessions: 0, instances: 0 });
    expect(final.day.activeUsers).toBeGreaterThan(0);
    expect(result.stderr).toContain('stopping every monitor gracefully');
    expect(await liveKeys(namespace)).toEqual([]);
  });
});
