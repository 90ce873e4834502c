import { Redis } from 'ioredis';
import { SessionMonitor } from '../../src';
import { writeOnOneDay } from '../support/expect-today';
import { startRedis, uniqueNamespace, type TestRedis } from '../support/redis-server';
import { assertBuilt, jsonLines, runCli, startCli } from './run-cli';

interface StatsJson {
  namespace: string;
  timezone: string;
  at: string;
  now: { users: number; sessions: number; anonymousSessions: number; instances: number };
  day?: Record<string, unknown>;
  week?: Record<string, unknown>;
  month?: Record<string, unknown>;
}

const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

describe('sau-cli stats', () => {
  let redis: TestRedis;
  let client: Redis;
  let monitor: SessionMonitor | undefined;
  let namespace: string;
  const problems: Error[] = [];
  // The date the events were written on: the suite also runs across a midnight, so the readings of
  // the day, week and month name it rather than take "today".
  let today: string;

  async function stats(...args: string[]): Promise<StatsJson> {
    const result = await runCli([
      '--redis-url',
      redis.url,
      '--namespace',
      namespace,
      '--json',
      'stats',
      ...args,
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = jsonLines(result.stdout);
    expect(lines).toHaveLength(1);
    return lines[0] as StatsJson;
  }

  beforeAll(async () => {
    assertBuilt();
    redis = await startRedis();
    client = new Redis(redis.url);
    today = await writeOnOneDay(client, async () => {
      await monitor?.stop();
      namespace = uniqueNamespace('cli-stats');
      monitor = new SessionMonitor({ redis: redis.url, namespace, instanceId: 'cli-test-1' });
      monitor.on('error', (err: Error) => problems.push(err));
      await monitor.start();
      // u1 in two tabs, u2 in one, and one anonymous session: 2 users, 4 sessions, 3 logins.
      for (const id of ['s1', 's2', 's3', 's4']) {
        monitor.open({ id, userAgent: CHROME, clientAddress: '192.0.2.7' });
      }
      monitor.login('s1', 'u1');
      monitor.login('s2', 'u1');
      monitor.login('s3', 'u2');
      await monitor.flush();
    });
  });

  afterAll(async () => {
    await monitor?.stop();
    client?.disconnect();
    await redis?.stop();
    expect(problems).toEqual([]);
  });

  it('prints the live numbers as one JSON object', async () => {
    const out = await stats();
    expect(Object.keys(out).sort()).toEqual(['at', 'namespace', 'now', 'timezone']);
    expect(out.namespace).toBe(namespace);
    expect(out.timezone).toBe('UTC');
    expect(out.now).toEqual({ users: 2, sessions: 4, anonymousSessions: 1, instances: 1 });
    expect(Math.abs(Date.parse(out.at) - Date.now())).toBeLessThan(60_000);
  });

  it('--window day adds the day: DAU, sessions, logins, peak', async () => {
    const out = await stats('--window', 'day', '--date', today);
    expect(Object.keys(out).sort()).toEqual(['at', 'day', 'namespace', 'now', 'timezone']);
    expect(out.day).toEqual({
      date: today,
      activeUsers: 2,
      exact: true,
      sessions: 4,
      logins: 3,
      sessionSeconds: 0,
      averageSessionSeconds: 0,
      peakUsers: 2,
      peakAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
  });

  it('--window week covers the 7 days ending on the date', async () => {
    const out = await stats('--window', 'week', '--date', today);
    const from = new Date(Date.parse(`${today}T00:00:00Z`) - 6 * 86_400_000)
      .toISOString()
      .slice(0, 10);
    expect(Object.keys(out).sort()).toEqual(['at', 'namespace', 'now', 'timezone', 'week']);
    expect(out.week).toEqual({ from, to: today, activeUsers: 2, exact: true });
  });

  it('--window month adds MAU, rolling 30 days and stickiness', async () => {
    const out = await stats('--window', 'month', '--date', today);
    expect(Object.keys(out).sort()).toEqual(['at', 'month', 'namespace', 'now', 'timezone']);
    expect(out.month).toEqual({
      month: today.slice(0, 7),
      activeUsers: 2,
      exact: true,
      rolling30: 2,
      rolling30Exact: true,
      stickiness: 1,
    });
  });

  it('--date reads another day', async () => {
    const out = await stats('--window', 'day', '--date', '2020-01-15');
    expect(out.day).toMatchObject({ date: '2020-01-15', activeUsers: 0, sessions: 0 });
    expect(out.now.users).toBe(2);
  });

  it('takes Redis URL, namespace and zone from the environment; flags win', async () => {
    const env = { REDIS_URL: redis.url, SAU_NAMESPACE: namespace, SAU_TIMEZONE: 'Europe/Berlin' };
    const fromEnv = await runCli(['--json', 'stats'], env);
    expect(fromEnv.code).toBe(0);
    const out = jsonLines(fromEnv.stdout)[0] as StatsJson;
    expect(out).toMatchObject({
      namespace,
      timezone: 'Europe/Berlin',
      now: { users: 2, sessions: 4 },
    });

    const other = await runCli(['--json', '--namespace', `${namespace}-other`, 'stats'], env);
    expect(other.code).toBe(0);
    expect((jsonLines(other.stdout)[0] as StatsJson).now).toEqual({
      users: 0,
      sessions: 0,
      anonymousSessions: 0,
      instances: 0,
    });
  });

  it('prints a table for humans', async () => {
    const result = await runCli([
      '--redis-url',
      redis.url,
      '--namespace',
      namespace,
      'stats',
      '--window',
      'day',
      '--date',
      today,
    ]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(new RegExp(`^namespace +${namespace}$`, 'm'));
    expect(result.stdout).toMatch(/^now$/m);
    expect(result.stdout).toMatch(/^ {2}users +2$/m);
    expect(result.stdout).toMatch(/^ {2}sessions +4$/m);
    expect(result.stdout).toMatch(/^ {2}anonymous sessions +1$/m);
    expect(result.stdout).toMatch(/^day$/m);
    expect(result.stdout).toMatch(/^ {2}active users +2$/m);
    expect(result.stdout).toMatch(/^ {2}logins +3$/m);
    expect(result.stdout).toMatch(/^ {2}peak at +\d{4}-/m);
  });

  it('--watch --json prints one object per tick and exits 0 on Ctrl-C', async () => {
    const cli = startCli([
      '--redis-url',
      redis.url,
      '--namespace',
      namespace,
      '--json',
      'stats',
      '--watch',
      '--interval',
      '200ms',
    ]);
    const lines = await cli.linesSoFar(3);
    cli.child.kill('SIGINT');
    const result = await cli.done;
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const ticks = jsonLines(result.stdout) as StatsJson[];
    expect(ticks.length).toBeGreaterThanOrEqual(lines.length);
    for (const tick of ticks) expect(tick.now).toMatchObject({ users: 2, sessions: 4 });
    expect(new Set(ticks.map((t) => t.at)).size).toBe(ticks.length);
  });

  it('after the monitor stops: SAU and sessions 0, DAU keeps both users', async () => {
    monitor!.close('s1');
    await monitor!.flush();
    expect((await stats()).now).toEqual({
      users: 2,
      sessions: 3,
      anonymousSessions: 1,
      instances: 1,
    });
    await monitor!.stop();
    const out = await stats('--window', 'day', '--date', today);
    expect(out.now).toEqual({ users: 0, sessions: 0, anonymousSessions: 0, instances: 0 });
    expect(out.day).toMatchObject({ activeUsers: 2, sessions: 4, logins: 3, peakUsers: 2 });
  });
});
