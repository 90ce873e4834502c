import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis, uniqueNamespace, type TestRedis } from '../support/redis-server';
import { assertBuilt, jsonLines, runCli } from './run-cli';

const CHROME = { type: 'browser', name: 'Chrome', os: { name: 'Windows' }, version: '124' };
const FIREFOX = { type: 'browser', name: 'Firefox', os: { name: 'Linux' }, version: '120' };
const PHONE = { type: 'mobile-app', name: 'RC Mobile', os: { name: 'iOS' }, version: '4.50.0' };

interface MonthRow {
  value: string;
  users: number;
  usersAtLeast: number;
  usersAtMost: number;
}

/**
 * A month's distinct users per value are not kept, only estimated from the days: the output says
 * so (usersExact false, an "estimate" column), and gives bounds the truth always lies within.
 */
describe('sau-cli breakdown --window month', () => {
  let redis: TestRedis;
  let dir: string;
  const namespace = uniqueNamespace('cli-month');
  // Last month is over on any date, and well inside the retention.
  const now = new Date();
  const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1))
    .toISOString()
    .slice(0, 7);

  const cli = (...args: string[]) =>
    runCli(['--redis-url', redis.url, '--namespace', namespace, ...args]);
  const monthBreakdown = ['breakdown', '--by', 'device', '--window', 'month', '--date'];

  beforeAll(async () => {
    assertBuilt();
    redis = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'sau-month-'));
    // uA (Chrome) on the 28th and uC (Firefox) on the 27th: both used a browser. uB is on its
    // phone every day from the 1st to the 10th, which weighs the month's user-days.
    const session = (id: string, userId: string, day: number, device: object) =>
      JSON.stringify({
        _id: id,
        type: 'session',
        sessionId: id,
        userId,
        loginAt: { $date: `${month}-${String(day).padStart(2, '0')}T10:00:00Z` },
        lastActivityAt: { $date: `${month}-${String(day).padStart(2, '0')}T11:00:00Z` },
        device,
      });
    const lines = [session('a', 'uA', 28, CHROME), session('c', 'uC', 27, FIREFOX)];
    for (let day = 1; day <= 10; day++) lines.push(session(`b${day}`, 'uB', day, PHONE));
    writeFileSync(join(dir, 'sessions.json'), `${lines.join('\n')}\n`);
    expect((await cli('import', join(dir, 'sessions.json'))).code).toBe(0);
  });

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await redis?.stop();
  });

  it('gives bounds that hold the true number of users of each value', async () => {
    const result = await cli('--json', ...monthBreakdown, `${month}-15`);
    const [breakdown] = jsonLines(result.stdout) as { usersExact: boolean; rows: MonthRow[] }[];
    expect(breakdown.usersExact).toBe(false);
    const truth: Record<string, number> = { browser: 2, 'mobile-app': 1 };
    expect(breakdown.rows.map((r) => r.value).sort()).toEqual(Object.keys(truth).sort());
    for (const row of breakdown.rows) {
      expect(row.usersAtLeast).toBeLessThanOrEqual(truth[row.value]);
      expect(row.usersAtMost).toBeGreaterThanOrEqual(truth[row.value]);
      expect(row.users).toBeGreaterThanOrEqual(row.usersAtLeast);
      expect(row.users).toBeLessThanOrEqual(row.usersAtMost);
    }
    expect(breakdown.rows.find((r) => r.value === 'browser')).toMatchObject({
      usersAtLeast: 1,
      usersAtMost: 2,
    });
  });

  it('says in the table that the users are an estimate', async () => {
    const result = await cli(...monthBreakdown, `${month}-15`);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^users exact +no$/m);
    expect(result.stdout).toMatch(
      /value +sessions +session seconds +users estimate +users at least +users at most/,
    );
  });
});
