import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { SessionMonitor } from '../../src';
import { startRedis, uniqueNamespace, type TestRedis } from '../support/redis-server';
import { assertBuilt, runCli } from './run-cli';

const BIN = join(__dirname, '..', '..', 'bin', 'sau-cli.js');

/**
 * Checks that every row of a table sits under its header: a left-aligned column's cells start
 * where its label starts, a right-aligned column's end where its label ends. Labels are separated
 * by at least two spaces (one space may be inside a label: `session time`).
 */
function expectAligned(lines: string[], rightAligned: string[]): void {
  const [header, ...rows] = lines;
  const labels = [...header.matchAll(/\S+(?: \S+)*/g)].map((m) => ({
    label: m[0],
    start: m.index ?? 0,
    end: (m.index ?? 0) + m[0].length,
  }));
  expect(rows.length).toBeGreaterThan(0);
  for (const row of rows) {
    for (const { label, start, end } of labels) {
      const right = rightAligned.includes(label);
      const edge = right ? end - 1 : start;
      const outside = right ? row[end] : row[start - 1];
      expect({ label, row, cell: row[edge] !== ' ' && row[edge] !== undefined }).toEqual({
        label,
        row,
        cell: true,
      });
      expect({ label, row, free: outside === undefined || outside === ' ' }).toEqual({
        label,
        row,
        free: true,
      });
    }
  }
}

describe('human tables and the history chart', () => {
  let redis: TestRedis;
  let monitor: SessionMonitor;
  const namespace = uniqueNamespace('cli-tables');

  const cli = (...args: string[]) =>
    runCli(['--redis-url', redis.url, '--namespace', namespace, ...args]);

  beforeAll(async () => {
    assertBuilt();
    redis = await startRedis();
    monitor = new SessionMonitor({ redis: redis.url, namespace, instanceId: 'web-tables-1' });
    await monitor.start();
    // 117 users at once (today's peak SAU), then 99 others: DAU 216. Long ids, as real ones are.
    const batch = async (from: number, count: number) => {
      for (let i = from; i < from + count; i++) {
        monitor.open({ id: `session-${String(i).padStart(20, '0')}` });
        monitor.login(`session-${String(i).padStart(20, '0')}`, `user-${i}`);
      }
      await monitor.flush();
    };
    await batch(0, 117);
    for (let i = 0; i < 117; i++) monitor.close(`session-${String(i).padStart(20, '0')}`);
    await batch(117, 99);
  });

  afterAll(async () => {
    await monitor?.stop();
    await redis?.stop();
  });

  it('history: every row under its header', async () => {
    const result = await cli('history', '--days', '3');
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^date +DAU +exact +sessions +logins +session time +avg session +peak SAU +peak at$/,
    );
    expectAligned(lines, ['DAU', 'sessions', 'logins', 'session time', 'avg session', 'peak SAU']);
  });

  it('sessions: the header sits over the ids, page after page', async () => {
    const result = await cli('sessions', '--all', '--limit', '40');
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1 + 99);
    expect(lines[0]).toMatch(/^session +instance +user +address/);
    expectAligned(lines, []);
  });

  it('history on a terminal: one scale for DAU and peak SAU', () => {
    const args = [
      BIN,
      '--redis-url',
      redis.url,
      '--namespace',
      namespace,
      'history',
      '--days',
      '1',
    ];
    // `script` runs the CLI on a pseudo-terminal: the chart shows only there.
    const command = [process.execPath, ...args].map((arg) => `'${arg}'`).join(' ');
    const run = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    const out = run.stdout.replace(/\r/g, '');
    const barOf = (name: string): number => {
      const line = out.split('\n').find((l) => new RegExp(`  ${name} +[█▏▎▍▌▋▊▉]`).test(l));
      expect(line).toBeDefined();
      const bar = /([█▏▎▍▌▋▊▉]+)/.exec(line as string)![1];
      return [...bar].reduce((cells, c) => cells + (c === '█' ? 1 : 0.5), 0);
    };
    expect(barOf('DAU')).toBe(30);
    // 117 / 216 of the DAU bar, give or take the last partial cell.
    expect(Math.abs(barOf('peak SAU') - (30 * 117) / 216)).toBeLessThanOrEqual(1);
    // Into a pipe: the table only.
    const piped = spawnSync(process.execPath, args, { encoding: 'utf8' });
    expect(piped.stdout).toMatch(/^date +DAU/);
    expect(piped.stdout).not.toMatch(/[█▏▎▍▌▋▊▉]/);
  });
});
