import { Redis } from 'ioredis';
import { SessionMonitor } from '../../src';
import { redisDate, writeOnOneDay } from '../support/expect-today';
import { startRedis, uniqueNamespace, type TestRedis } from '../support/redis-server';
import { assertBuilt, jsonLines, expectOneLineFailure, runCli, type CliResult } from './run-cli';

interface DayJson {
  date: string;
  activeUsers: number;
  exact: boolean;
  sessions: number;
  logins: number;
  sessionSeconds: number;
  averageSessionSeconds: number;
  peakUsers: number;
  peakAt: string | null;
}

const NOWHERE = 'redis://127.0.0.1:1';

function daysBefore(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);
}

describe('sau-cli history', () => {
  let redis: TestRedis;
  let client: Redis;
  let monitor: SessionMonitor | undefined;
  let namespace: string;
  const problems: Error[] = [];
  // The date the events were written on. The suite also runs across a midnight, so every reading
  // but the one of the default end date names that day.
  let today: string;

  function cli(...args: string[]): Promise<CliResult> {
    return runCli(['--redis-url', redis.url, '--namespace', namespace, ...args]);
  }

  async function historyJson(...args: string[]): Promise<{
    namespace: string;
    timezone: string;
    days: DayJson[];
  }> {
    const result = await cli('--json', 'history', ...args);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = jsonLines(result.stdout);
    expect(lines).toHaveLength(1);
    return lines[0] as { namespace: string; timezone: string; days: DayJson[] };
  }

  beforeAll(async () => {
    assertBuilt();
    redis = await startRedis();
    client = new Redis(redis.url);
    today = await writeOnOneDay(client, async () => {
      await monitor?.stop();
      namespace = uniqueNamespace('cli-history');
      monitor = new SessionMonitor({ redis: redis.url, namespace, instanceId: 'cli-history-1' });
      monitor.on('error', (err: Error) => problems.push(err));
      await monitor.start();
      // 3 users (u1 twice), 5 sessions, 4 logins; s5 closes at once.
      for (const id of ['s1', 's2', 's3', 's4', 's5']) monitor.open({ id });
      monitor.login('s1', 'u1');
      monitor.login('s2', 'u1');
      monitor.login('s3', 'u2');
      monitor.login('s4', 'u3');
      monitor.close('s5');
      await monitor.flush();
    });
  });

  afterAll(async () => {
    await monitor?.stop();
    client?.disconnect();
    await redis?.stop();
    expect(problems).toEqual([]);
  });

  it('--json: one record a day, oldest first', async () => {
    const out = await historyJson('--days', '3', '--date', today);
    expect(out.namespace).toBe(namespace);
    expect(out.timezone).toBe('UTC');
    expect(out.days.map((d) => d.date)).toEqual([
      daysBefore(today, 2),
      daysBefore(today, 1),
      today,
    ]);
    const empty = {
      activeUsers: 0,
      exact: true,
      sessions: 0,
      logins: 0,
      sessionSeconds: 0,
      averageSessionSeconds: 0,
      peakUsers: 0,
      peakAt: null,
    };
    expect(out.days[0]).toEqual({ date: daysBefore(today, 2), ...empty });
    expect(out.days[1]).toEqual({ date: daysBefore(today, 1), ...empty });
    expect(out.days[2]).toEqual({
      date: today,
      activeUsers: 3,
      exact: true,
      sessions: 5,
      logins: 4,
      sessionSeconds: 0,
      averageSessionSeconds: 0,
      peakUsers: 3,
      peakAt: expect.stringMatching(new RegExp(`^${today}T`)),
    });
  });

  it('matches stats --window day for today', async () => {
    const [history, stats] = await Promise.all([
      historyJson('--days', '1', '--date', today),
      cli('--json', 'stats', '--window', 'day', '--date', today),
    ]);
    const day = (jsonLines(stats.stdout)[0] as { day: DayJson }).day;
    expect(history.days).toEqual([day]);
  });

  it('--date ends the history on another day; the default is 30 days ending today', async () => {
    const out = await historyJson('--days', '2', '--date', '2020-03-01');
    expect(out.days.map((d) => d.date)).toEqual(['2020-02-29', '2020-03-01']);
    expect(out.days.every((d) => d.sessions === 0 && d.activeUsers === 0)).toBe(true);
    const before = await redisDate(client);
    const month = await historyJson();
    const after = await redisDate(client);
    expect(month.days).toHaveLength(30);
    // Today is Redis's date when the command read it: `before`, or `after` if midnight came between.
    expect([before, after]).toContain(month.days[29].date);
  });

  it('reads 400 days in one go', async () => {
    const out = await historyJson('--days', '400', '--date', today);
    expect(out.days).toHaveLength(400);
    expect(out.days[399]).toMatchObject({ date: today, activeUsers: 3, sessions: 5 });
    expect(out.days.slice(0, 399).reduce((n, d) => n + d.sessions, 0)).toBe(0);
  });

  it('--csv: RFC 4180 with a header', async () => {
    const result = await cli('history', '--days', '2', '--date', today, '--csv');
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.split('\r\n');
    expect(lines[0]).toBe(
      'date,activeUsers,exact,sessions,logins,sessionSeconds,averageSessionSeconds,peakUsers,peakAt',
    );
    expect(lines[1]).toBe(`${daysBefore(today, 1)},0,true,0,0,0,0,0,`);
    expect(lines[2]).toMatch(new RegExp(`^${today},3,true,5,4,0,0,3,${today}T[0-9:.]+Z$`));
    expect(lines[3]).toBe('');
    expect(lines).toHaveLength(4);
  });

  it('prints a table (no chart when stdout is not a terminal)', async () => {
    const result = await cli('history', '--days', '2', '--date', today);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /^date +DAU +exact +sessions +logins +session time +avg session +peak SAU +peak at$/,
    );
    expect(lines[2]).toMatch(new RegExp(`^${today} +3 +yes +5 +4 +0s +0s +3 +${today}T`));
    expect(result.stdout).not.toMatch(/█/);
  });

  it.each([['0'], ['401'], ['abc'], ['2.5'], ['-3']])('--days %s is a usage error', async (n) => {
    const line = expectOneLineFailure(await cli('history', '--days', n), 2);
    expect(line).toContain('--days');
    expect(line).toContain('from 1 to 400');
  });

  it('a bad --date, --csv with --json, or an unknown option is a usage error', async () => {
    expect(expectOneLineFailure(await cli('history', '--date', '2026-02-30'), 2)).toContain(
      'does not exist',
    );
    expect(expectOneLineFailure(await cli('--json', 'history', '--csv'), 2)).toContain(
      '--csv and --json',
    );
    expect(expectOneLineFailure(await cli('history', '--weeks', '2'), 2)).toContain("'--weeks'");
  });

  it('unreachable Redis is exit 3', async () => {
    const line = expectOneLineFailure(await runCli(['--redis-url', NOWHERE, 'history']), 3);
    expect(line).toContain('127.0.0.1:1');
  });
});
