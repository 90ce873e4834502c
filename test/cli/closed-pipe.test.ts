import { SessionMonitor } from '../../src';
import { startRedis, uniqueNamespace, type TestRedis } from '../support/redis-server';
import { assertBuilt, runCliIntoHead, type CliResult } from './run-cli';

const DAY_MS = 86_400_000;
/** 3,000 closed and 3,000 live sessions: far more than a pipe's 64 KiB buffer, in every form. */
const CLOSED = 3000;
const LIVE = 3000;

/**
 * `sau-cli … | head`: the reader of stdout goes away long before the output is done. The CLI must
 * stop quietly, as Unix tools do: exit 0, nothing on stderr, and at once (no hang on open Redis
 * connections).
 */
describe('sau-cli with a stdout whose reader goes away', () => {
  let redis: TestRedis;
  let monitor: SessionMonitor;
  const namespace = uniqueNamespace('cli-pipe');
  const problems: Error[] = [];

  const cli = (bytes: number, ...args: string[]): Promise<CliResult> =>
    runCliIntoHead(bytes, ['--redis-url', redis.url, '--namespace', namespace, ...args]);

  function expectQuietStop(result: CliResult, bytes: number): void {
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toHaveLength(bytes);
    expect(result.ms).toBeLessThan(10_000);
  }

  beforeAll(async () => {
    assertBuilt();
    redis = await startRedis();
    monitor = new SessionMonitor({ redis: redis.url, namespace, instanceId: 'pipe-1' });
    monitor.on('error', (err: Error) => problems.push(err));
    await monitor.start();
    for (let i = 0; i < CLOSED + LIVE; i++) {
      monitor.open({ id: `s${i}`, userAgent: 'Mozilla/5.0 Chrome/124.0.0.0' });
      monitor.login(`s${i}`, `u${i % 500}`);
    }
    for (let i = 0; i < CLOSED; i++) monitor.close(`s${i}`);
    await monitor.flush();
  });

  afterAll(async () => {
    await monitor?.stop();
    await redis?.stop();
    expect(problems).toEqual([]);
  });

  it('export (CSV and NDJSON) stops after what head read', async () => {
    // Yesterday to tomorrow: the records' day, whatever the hour of the run.
    const from = new Date(Date.now() - DAY_MS).toISOString().slice(0, 10);
    const to = new Date(Date.now() + DAY_MS).toISOString().slice(0, 10);
    const csv = await cli(300, 'export', '--from', from, '--to', to, '--format', 'csv');
    expectQuietStop(csv, 300);
    expect(csv.stdout).toMatch(/^sessionId,userId,instanceId,/);
    const ndjson = await cli(300, 'export', '--from', from, '--to', to);
    expectQuietStop(ndjson, 300);
    expect(ndjson.stdout).toMatch(/^\{"sessionId":"s\d+"/);
  });

  it('sessions --all stops paging after what head read', async () => {
    const result = await cli(1000, 'sessions', '--all', '--limit', '100');
    expectQuietStop(result, 1000);
    expect(result.stdout).toMatch(/^ *session +instance +user/);
  });

  it('history --csv, when the reader is gone before the first write', async () => {
    const result = await cli(0, 'history', '--days', '400', '--csv');
    expectQuietStop(result, 0);
  });

  it('stats --watch --json ends at the first reading nobody reads', async () => {
    const result = await cli(100, '--json', 'stats', '--watch', '--interval', '100ms');
    expectQuietStop(result, 100);
    expect(result.stdout).toMatch(/^\{"namespace":/);
  });
});
