import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { SauReader } from '../../src';
import { snapshot } from '../support/monitor-harness';
import { startRedis, uniqueNamespace, type TestRedis } from '../support/redis-server';
import { assertBuilt, jsonLines, runCli, stderrLines } from './run-cli';

const ZONE = 'America/New_York';
const canonical = (iso: string) => ({ $date: { $numberLong: String(Date.parse(iso)) } });
const relaxed = (iso: string) => ({ $date: new Date(iso).toISOString() });
const chrome = {
  type: 'browser',
  name: 'Chrome',
  longVersion: '124.0',
  os: { name: 'Windows', version: '10' },
  version: '124',
};
const phone = {
  type: 'mobile-app',
  name: 'RC Mobile',
  longVersion: '4.50.0',
  os: { name: 'iOS', version: '17.4' },
  version: '4.50.0',
};

// New York: 2026-10-31 is EDT (UTC-4), 2026-11-01 turns EST (UTC-5) at 02:00.
const LINES = [
  // 1. u1, one hour on Oct 31 (canonical dates).
  JSON.stringify({
    _id: 'd1',
    type: 'session',
    sessionId: 's1',
    userId: 'u1',
    instanceId: 'i1',
    year: 2026,
    month: 10,
    day: 31,
    createdAt: canonical('2026-10-31T14:00:00Z'),
    loginAt: canonical('2026-10-31T14:00:00Z'),
    lastActivityAt: canonical('2026-10-31T15:00:00Z'),
    device: chrome,
  }),
  // 2. u2 from 23:30 Oct 31 to 00:30 Nov 1 local: two days, two months (relaxed dates, closedAt).
  JSON.stringify({
    _id: 'd2',
    type: 'session',
    sessionId: 's2',
    userId: 'u2',
    loginAt: relaxed('2026-11-01T03:30:00Z'),
    closedAt: relaxed('2026-11-01T04:30:00Z'),
    device: phone,
  }),
  // 3. u1 again on Nov 1, 10 minutes, no type, no sessionId ($oid _id), logoutAt.
  JSON.stringify({
    _id: { $oid: '65a1b2c3d4e5f60718293a4b' },
    userId: 'u1',
    createdAt: relaxed('2026-11-01T17:00:00Z'),
    logoutAt: { $date: '2026-11-01T17:10:00Z' },
    device: chrome,
  }),
  // 4. Rocket.Chat's own aggregate of the same sessions: not imported.
  JSON.stringify({
    _id: 'c1',
    type: 'computed-session',
    sessionId: 's1',
    userId: 'u1',
    loginAt: canonical('2026-10-31T14:00:00Z'),
  }),
  // 5. Never logged in.
  JSON.stringify({
    _id: 'd5',
    type: 'session',
    sessionId: 's5',
    loginAt: relaxed('2026-10-31T14:00:00Z'),
  }),
  // 6. Broken.
  '{"_id": "d6", "type": "session", ',
  '',
  // 8. A daily aggregate: not imported.
  JSON.stringify({ _id: 'ud', type: 'user_daily', userId: 'u3', year: 2026, month: 10, day: 31 }),
];

describe('sau-cli import', () => {
  let redis: TestRedis;
  let client: Redis;
  let dir: string;
  let file: string;
  const namespace = uniqueNamespace('cli-import');

  const cli = (...args: string[]) =>
    runCli([
      '--redis-url',
      redis.url,
      '--namespace',
      namespace,
      '--timezone',
      ZONE,
      '--json',
      ...args,
    ]);

  async function stats(date: string): Promise<Record<string, Record<string, unknown>>> {
    const result = await cli('stats', '--window', 'all', '--date', date);
    expect(result.code).toBe(0);
    return jsonLines(result.stdout)[0] as Record<string, Record<string, unknown>>;
  }

  beforeAll(async () => {
    assertBuilt();
    redis = await startRedis();
    client = new Redis(redis.url);
    dir = mkdtempSync(join(tmpdir(), 'sau-import-'));
    file = join(dir, 'rocketchat_sessions.json');
    writeFileSync(file, `${LINES.join('\n')}\n`);
  });

  afterAll(async () => {
    client?.disconnect();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports sessions, skips aggregates and bad lines, and reports them', async () => {
    const result = await cli('import', file, '--retention-days', '100000');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = jsonLines(result.stdout)[0] as Record<string, unknown>;
    expect(report).toMatchObject({
      lines: 8,
      imported: 3,
      skipped: { notSession: 2, noUser: 1, badJson: 1, badDate: 0, duplicate: 0, expired: 0 },
      badLines: [{ line: 6, reason: 'badJson' }],
      days: 2,
      months: 2,
      firstDay: '2026-10-31',
      lastDay: '2026-11-01',
      partsApplied: 2,
      partsAlreadyApplied: 0,
    });
  });

  it('counts days and months in the configured zone', async () => {
    const oct31 = await stats('2026-10-31');
    expect(oct31.day).toEqual({
      date: '2026-10-31',
      activeUsers: 2,
      exact: true,
      sessions: 2,
      logins: 2,
      sessionSeconds: 3600 + 1800,
      averageSessionSeconds: 5400, // one session closed that day
      peakUsers: 0,
      peakAt: null,
    });
    expect(oct31.month).toMatchObject({ month: '2026-10', activeUsers: 2, exact: true });
    const nov1 = await stats('2026-11-01');
    expect(nov1.day).toMatchObject({
      date: '2026-11-01',
      activeUsers: 2,
      sessions: 1,
      logins: 1,
      sessionSeconds: 1800 + 600,
      averageSessionSeconds: 1200,
    });
    expect(nov1.month).toMatchObject({
      month: '2026-11',
      activeUsers: 2,
      exact: true,
      rolling30: 2,
    });
    expect(nov1.week).toMatchObject({ activeUsers: 2 });
    // UTC would have put s2 wholly on Nov 1.
    expect((await stats('2026-10-30')).day).toMatchObject({ activeUsers: 0, sessions: 0 });
  });

  it('breaks the days down by device, OS and browser', async () => {
    const reader = new SauReader({ redis: redis.url, namespace, timezone: ZONE });
    try {
      const oct31 = await reader.breakdown({ by: 'device', window: 'day', date: '2026-10-31' });
      expect(oct31.rows).toEqual([
        { value: 'browser', sessions: 1, sessionSeconds: 3600, users: 1 },
        { value: 'mobile-app', sessions: 1, sessionSeconds: 1800, users: 1 },
      ]);
      const nov1 = await reader.breakdown({ by: 'os', window: 'day', date: '2026-11-01' });
      expect(nov1.rows).toEqual([
        { value: 'Windows', sessions: 1, sessionSeconds: 600, users: 1 },
        { value: 'iOS', sessions: 0, sessionSeconds: 1800, users: 1 },
      ]);
      const browsers = await reader.breakdown({ by: 'browser', window: 'day', date: '2026-11-01' });
      expect(browsers.rows.map((r) => r.value).sort()).toEqual(['Chrome', 'RC Mobile']);
    } finally {
      await reader.close();
    }
  });

  it('importing the same file again changes nothing', async () => {
    const before = await snapshot(client, `sau:{${namespace}}:`);
    expect(Object.keys(before).length).toBeGreaterThan(5);
    const result = await cli('import', file, '--retention-days', '100000');
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)[0]).toMatchObject({
      imported: 3,
      partsApplied: 0,
      partsAlreadyApplied: 2,
    });
    expect(await snapshot(client, `sau:{${namespace}}:`)).toEqual(before);
  });

  it('--strict stops at the first bad line, with its number, and writes nothing', async () => {
    const other = uniqueNamespace('cli-import-strict');
    const result = await runCli([
      '--redis-url',
      redis.url,
      '--namespace',
      other,
      '--timezone',
      ZONE,
      'import',
      file,
      '--strict',
      '--retention-days',
      '100000',
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const lines = stderrLines(result.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^sau-cli: line 6: not JSON/);
    expect(await snapshot(client, `sau:{${other}}:`)).toEqual({});
  });

  it('reads --jsonArray and --pretty exports as it reads one document a line', async () => {
    /**
     * The namespace's keys and values, without the prefix and the (import-time) expiries; a
     * HyperLogLog by its count (its bytes also cache the last PFCOUNT).
     */
    const content = async (ns: string) => {
      const entries = Object.entries(await snapshot(client, `sau:{${ns}}:`));
      const out: Record<string, unknown> = {};
      for (const [key, v] of entries) {
        const { type, value } = v as { type: string; value: unknown };
        out[key.slice(`sau:{${ns}}:`.length)] = key.endsWith(':hll')
          ? { type, count: await client.pfcount(key) }
          : { type, value };
      }
      return out;
    };
    const expected = await content(namespace);
    // Every document of LINES but the broken one (line 6) and the blank line.
    const documents = LINES.filter((_, i) => i !== 5 && i !== 6).map((l) => JSON.parse(l));
    const layouts = {
      array: JSON.stringify(documents),
      'array, pretty': `${JSON.stringify(documents, null, 2)}\n`,
      pretty: documents.map((d) => JSON.stringify(d, null, 2)).join('\n'),
    };
    for (const [layout, text] of Object.entries(layouts)) {
      const other = uniqueNamespace('cli-import-layout');
      const path = join(dir, `${layout}.json`);
      writeFileSync(path, text);
      const result = await runCli([
        ...['--redis-url', redis.url, '--namespace', other, '--timezone', ZONE, '--json'],
        ...['import', path, '--retention-days', '100000'],
      ]);
      expect({ layout, code: result.code, stderr: result.stderr }).toEqual({
        layout,
        code: 0,
        stderr: '',
      });
      expect(jsonLines(result.stdout)[0]).toMatchObject({
        format: layout.startsWith('array') ? 'array' : 'pretty',
        imported: 3,
        skipped: { notSession: 2, noUser: 1, badJson: 0, badDate: 0 },
      });
      expect(await content(other)).toEqual(expected);
    }
  });

  it('exits 1 with the reason when nothing could be imported', async () => {
    const path = join(dir, 'not-an-export.json');
    writeFileSync(path, 'name,userId\nsession,u1\n');
    const result = await cli('import', path);
    expect(result.code).toBe(1);
    expect(jsonLines(result.stdout)[0]).toMatchObject({ imported: 0, skipped: { badJson: 2 } });
    expect(stderrLines(result.stderr)).toEqual([
      `sau-cli: import: nothing imported from ${path}: 2 not a JSON object. Expected mongoexport output of rocketchat_sessions (README, "import")`,
    ]);
  });

  it('a missing file is a usage error (exit 2, one line)', async () => {
    const result = await cli('import', join(dir, 'nope.json'));
    expect(result.code).toBe(2);
    expect(stderrLines(result.stderr)).toEqual([
      expect.stringMatching(/^sau-cli: cannot read .*nope\.json: no such file$/),
    ]);
  });
});
