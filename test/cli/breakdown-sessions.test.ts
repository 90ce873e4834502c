import { SessionMonitor } from '../../src';
import { startRedis, uniqueNamespace, type TestRedis } from '../support/redis-server';
import {
  assertBuilt,
  jsonLines,
  runCli,
  stderrLines,
  type CliResult,
  expectOneLineFailure,
} from './run-cli';

const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

interface SessionJson {
  id: string;
  instance: string;
  userId: string | null;
  osName: string;
}

describe('sau-cli breakdown and sessions', () => {
  let redis: TestRedis;
  const monitors: SessionMonitor[] = [];
  const namespace = uniqueNamespace('cli-bd');
  const problems: Error[] = [];

  function cli(...args: string[]): Promise<CliResult> {
    return runCli(['--redis-url', redis.url, '--namespace', namespace, ...args]);
  }
  async function json(...args: string[]): Promise<unknown> {
    const result = await cli('--json', ...args);
    expect(result.code).toBe(0);
    const lines = jsonLines(result.stdout);
    expect(lines).toHaveLength(1);
    return lines[0];
  }

  beforeAll(async () => {
    assertBuilt();
    redis = await startRedis();
    // web-a: 3 Chrome/Windows sessions (u1, u1, anonymous); web-b: 2 iPhone sessions (u2, u3).
    for (const [instanceId, ua, ids] of [
      ['web-a', CHROME, ['a1', 'a2', 'a3']],
      ['web-b', IPHONE, ['b1', 'b2']],
    ] as const) {
      const monitor = new SessionMonitor({ redis: redis.url, namespace, instanceId });
      monitor.on('error', (err: Error) => problems.push(err));
      await monitor.start();
      for (const id of ids) monitor.open({ id, userAgent: ua });
      monitors.push(monitor);
    }
    monitors[0].login('a1', 'u1');
    monitors[0].login('a2', 'u1');
    monitors[1].login('b1', 'u2');
    monitors[1].login('b2', 'u3');
    await Promise.all(monitors.map((m) => m.flush()));
  });

  afterAll(async () => {
    for (const m of monitors) await m.stop();
    await redis?.stop();
    expect(problems).toEqual([]);
  });

  it('breakdown --by os: live sessions per OS', async () => {
    const out = (await json('breakdown', '--by', 'os')) as { rows: unknown[] };
    expect(out).toMatchObject({ by: 'os', window: 'now' });
    expect(out.rows).toEqual([
      { value: 'Windows', sessions: 3, loggedInSessions: 2 },
      { value: 'iOS', sessions: 2, loggedInSessions: 2 },
    ]);
  });

  it('breakdown --by device --window day: sessions and distinct users of the day', async () => {
    const out = (await json('breakdown', '--by', 'device', '--window', 'day')) as {
      rows: { value: string; sessions: number; users: number }[];
      usersExact: boolean;
    };
    expect(out).toMatchObject({ by: 'device', window: 'day', usersExact: true });
    // Both user agents are web browsers (device type), whatever the OS: 5 sessions, 3 users.
    expect(out.rows.map((r) => [r.value, r.sessions, r.users])).toEqual([['browser', 5, 3]]);
  });

  it('breakdown --window month and --date of an empty day', async () => {
    const month = (await json('breakdown', '--by', 'browser', '--window', 'month')) as {
      rows: { value: string; sessions: number }[];
    };
    expect(month.rows.map((r) => [r.value, r.sessions])).toEqual([
      ['Chrome', 3],
      ['Mobile Safari', 2],
    ]);
    expect(
      await json('breakdown', '--by', 'os', '--window', 'day', '--date', '2020-01-01'),
    ).toEqual({ by: 'os', window: 'day', date: '2020-01-01', usersExact: true, rows: [] });
  });

  it('breakdown prints a table', async () => {
    const result = await cli('breakdown', '--by', 'os');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ {2}Windows +3 +2$/m);
    expect(result.stdout).toMatch(/^ {2}iOS +2 +2$/m);
  });

  it('breakdown: bad --by, bad --window, missing --by, --date with now are usage errors', async () => {
    const bad = expectOneLineFailure(await cli('breakdown', '--by', 'country'), 2);
    expect(bad).toContain("'country'");
    expect(bad).toContain('device, os, browser');
    expect(
      expectOneLineFailure(await cli('breakdown', '--by', 'os', '--window', 'week'), 2),
    ).toContain("'week'");
    expect(expectOneLineFailure(await cli('breakdown'), 2)).toContain('--by');
    expect(
      expectOneLineFailure(await cli('breakdown', '--by', 'os', '--date', '2026-01-01'), 2),
    ).toContain('--window day or month');
  });

  it('sessions: one page, then the cursor hint on stderr', async () => {
    const first = await cli('--json', 'sessions', '--limit', '2');
    expect(first.code).toBe(0);
    const page = jsonLines(first.stdout)[0] as { sessions: SessionJson[]; cursor: string };
    expect(page.sessions.map((s) => s.id)).toEqual(['a1', 'a2']);
    expect(page.sessions[0]).toMatchObject({ instance: 'web-a', userId: 'u1', osName: 'Windows' });
    expect(typeof page.cursor).toBe('string');
    expect(stderrLines(first.stderr)).toEqual([`next page: --cursor ${page.cursor}`]);

    const ids: string[] = page.sessions.map((s) => s.id);
    let cursor: string | null = page.cursor;
    while (cursor) {
      const next = (await json('sessions', '--limit', '2', '--cursor', cursor)) as {
        sessions: SessionJson[];
        cursor: string | null;
      };
      ids.push(...next.sessions.map((s) => s.id));
      cursor = next.cursor;
    }
    expect(ids).toEqual(['a1', 'a2', 'a3', 'b1', 'b2']);
  });

  it('sessions --all follows the cursors; filters by instance and user', async () => {
    const result = await cli('--json', 'sessions', '--all', '--limit', '2');
    expect(result.stderr).toBe('');
    const all = jsonLines(result.stdout)[0] as { sessions: SessionJson[]; cursor: null };
    expect(all.cursor).toBeNull();
    expect(all.sessions.map((s) => s.id)).toEqual(['a1', 'a2', 'a3', 'b1', 'b2']);

    const ofB = (await json('sessions', '--instance', 'web-b')) as { sessions: SessionJson[] };
    expect(ofB.sessions.map((s) => s.id)).toEqual(['b1', 'b2']);
    const ofU1 = (await json('sessions', '--user', 'u1', '--all')) as { sessions: SessionJson[] };
    expect(ofU1.sessions.map((s) => s.id)).toEqual(['a1', 'a2']);
  });

  it('sessions prints a table', async () => {
    const result = await cli('sessions', '--instance', 'web-b');
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/session +instance +user/);
    expect(lines[1]).toMatch(/b1 +web-b +u2 .*iOS 17\.4/);
  });

  it('sessions: bad --limit, bad --cursor, unknown option are usage errors', async () => {
    for (const n of ['0', '1001', 'ten']) {
      expect(expectOneLineFailure(await cli('sessions', '--limit', n), 2)).toContain(
        'from 1 to 1000',
      );
    }
    expect(expectOneLineFailure(await cli('sessions', '--cursor', 'garbage!'), 2)).toMatch(
      /cursor/,
    );
    expect(expectOneLineFailure(await cli('sessions', '--page', '2'), 2)).toContain("'--page'");
  });

  it('unreachable Redis is exit 3', async () => {
    const nowhere = 'redis://127.0.0.1:1';
    expectOneLineFailure(await runCli(['--redis-url', nowhere, 'breakdown', '--by', 'os']), 3);
    expectOneLineFailure(await runCli(['--redis-url', nowhere, 'sessions']), 3);
  });
});
