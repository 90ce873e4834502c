import { SessionMonitor } from '../../src';
import { startRedis, uniqueNamespace, type TestRedis } from '../support/redis-server';
import { assertBuilt, jsonLines, runCli, stderrLines } from './run-cli';

const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

interface Exported {
  sessionId: string;
  userId: string | null;
  instanceId: string;
  connectedAt: string;
  closedAt: string;
  durationMs: number;
  loginAt: string | null;
  deviceType: string;
  osName: string;
  clientName: string;
  clientAddress: string;
}

/** A CSV parser for the RFC 4180 subset the CLI writes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  return rows;
}

describe('sau-cli export', () => {
  let redis: TestRedis;
  const namespace = uniqueNamespace('cli-export');
  let today: string;

  const cli = (...args: string[]) =>
    runCli(['--redis-url', redis.url, '--namespace', namespace, ...args]);

  beforeAll(async () => {
    assertBuilt();
    redis = await startRedis();
    const monitor = new SessionMonitor({
      redis: redis.url,
      namespace,
      instanceId: 'exp-1',
      addressMode: 'full',
    });
    await monitor.start();
    monitor.open({ id: 'a', userAgent: CHROME, clientAddress: '192.0.2.7' });
    monitor.login('a', 'user,"quoted"');
    monitor.open({ id: 'b' });
    monitor.open({ id: 'c' });
    await monitor.flush();
    monitor.close('a');
    monitor.close('b');
    await monitor.flush();
    await monitor.stop(); // closes c
    today = new Date().toISOString().slice(0, 10);
  });

  afterAll(async () => {
    await redis?.stop();
  });

  it('prints one JSON object a line, with ISO times', async () => {
    const result = await cli('export', '--from', today, '--to', today);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const records = jsonLines(result.stdout) as Exported[];
    expect(records.map((r) => r.sessionId)).toEqual(['a', 'b', 'c']);
    const [a, b] = records;
    expect(a).toMatchObject({
      userId: 'user,"quoted"',
      instanceId: 'exp-1',
      deviceType: 'browser',
      osName: 'Windows',
      clientName: 'Chrome',
      clientAddress: '192.0.2.7',
    });
    expect(a.connectedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(a.closedAt) - Date.parse(a.connectedAt)).toBe(a.durationMs);
    expect(Date.parse(a.loginAt!)).toBeGreaterThanOrEqual(Date.parse(a.connectedAt) - 1000);
    expect(b).toMatchObject({ userId: null, loginAt: null });
    // --json is the same NDJSON.
    const json = await cli('--json', 'export', '--from', today, '--to', today);
    expect(json.stdout).toBe(result.stdout);
  });

  it('prints CSV with a header, quoting where needed', async () => {
    const result = await cli('export', '--from', today, '--to', today, '--format', 'csv');
    expect(result.code).toBe(0);
    const rows = parseCsv(result.stdout);
    expect(rows[0]).toEqual([
      'sessionId',
      'userId',
      'instanceId',
      'connectedAt',
      'closedAt',
      'durationMs',
      'loginAt',
      'deviceType',
      'osName',
      'osVersion',
      'clientName',
      'clientVersion',
      'clientAddress',
    ]);
    expect(rows.slice(1).map((r) => r[0])).toEqual(['a', 'b', 'c']);
    expect(rows[1][1]).toBe('user,"quoted"');
    expect(rows[1][12]).toBe('192.0.2.7');
    expect(rows[2][1]).toBe('');
    expect(rows.every((r) => r.length === 13)).toBe(true);
  });

  it('--csv is --format csv, as with history, and --to defaults to --from', async () => {
    const long = await cli('export', '--from', today, '--to', today, '--format', 'csv');
    const short = await cli('export', '--from', today, '--csv');
    expect(short.code).toBe(0);
    expect(short.stdout).toBe(long.stdout);
    expect(parseCsv(short.stdout)).toHaveLength(4);
    const ndjson = await cli('export', '--from', today);
    expect(jsonLines(ndjson.stdout)).toHaveLength(3);
  });

  it('filters by day: other days have nothing', async () => {
    const result = await cli('export', '--from', '2020-01-01', '--to', '2020-01-31');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    const csv = await cli(
      'export',
      '--from',
      '2020-01-01',
      '--to',
      '2020-01-01',
      '--format',
      'csv',
    );
    expect(parseCsv(csv.stdout)).toHaveLength(1);
    // A zone where today has not started yet, or has ended, still holds the records in its days.
    const wide = await cli('export', '--from', '2020-01-01', '--to', '2099-12-31');
    expect(jsonLines(wide.stdout)).toHaveLength(3);
  });

  it.each([
    [['--from', '2026-02-30', '--to', '2026-03-01'], /does not exist/],
    [['--from', '2026-03-02', '--to', '2026-03-01'], /after --to/],
    [['--from', 'yesterday', '--to', '2026-03-01'], /YYYY-MM-DD/],
    [['--to', '2026-03-01'], /--from/],
    [['--from', '2026-03-01', '--to', '2026-03-01', '--format', 'xml'], /ndjson, csv/],
    [['--from', '2026-03-01', '--csv', '--format', 'ndjson'], /--csv and --format ndjson/],
  ])('exits 2 with one line for %j', async (args, message) => {
    const result = await cli('export', ...args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const lines = stderrLines(result.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });
});
