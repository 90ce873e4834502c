/**
 * A whole workload on redis.conf.example's server: a monitor and the writing CLI commands as
 * sau-writer, every reading CLI command as sau-reader, with the numbers the workload implies.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SauReader, SessionMonitor } from '../../src';
import type { SauError } from '../../src/errors/sau-error';
import { runDoctor } from '../../src/diagnostics/doctor';
import { addDays } from '../../src/time/zoned-calendar';
import { uniqueNamespace } from '../support/redis-server';
import { clearOfMidnight } from '../support/expect-today';
import { waitFor } from '../support/monitor-harness';
import { startChildInstance } from '../faults/child-instance';
import { assertBuilt, jsonLines, runCli, type CliResult } from '../cli/run-cli';
import {
  REFUSED,
  describeWithRedis,
  useExampleRedis,
  userClient,
} from '../support/redis-conf-example-acl';

const HEARTBEAT_MS = 200;
const LEASE_MS = 1000;
const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

jest.setTimeout(60_000);

/** One line on stderr naming the refusal and the command that ran, exit 1, no stack trace. */
function expectClearRefusal(result: CliResult, command: string): void {
  expect(result.stderr).toMatch(/^sau-cli: [^\n]+\n$/);
  expect(result.stderr).toMatch(REFUSED);
  expect(result.stderr).toContain(
    `; \`${command}\` writes, so it needs a writer user such as sau-writer`,
  );
  expect(result.code).toBe(1);
}

describeWithRedis('redis.conf.example users (ACL)', () => {
  // The CLI runs from dist/: fail at once when it is not built.
  beforeAll(() => assertBuilt());
  const example = useExampleRedis();
  const workDir = mkdtempSync(join(tmpdir(), 'sau-acl-files-'));
  afterAll(() => {
    rmSync(workDir, { recursive: true, force: true });
  });

  it('runs a whole workload as sau-writer and reads it back exactly as sau-reader', async () => {
    const { admin, writerUrl, readerUrl } = example;
    const namespace = uniqueNamespace('acl');
    // The day's numbers below are exact only if the whole workload falls on one day.
    await clearOfMidnight(admin, 20_000);

    // 1. An instance crashes (SIGKILL) holding 6 sessions, 3 of them logged in as u0, u1, u2.
    const doomed = await startChildInstance({
      REDIS_URL: writerUrl,
      NAMESPACE: namespace,
      INSTANCE_ID: 'doomed',
      SESSIONS: 6,
      USERS: 3,
      HEARTBEAT_MS,
      LEASE_MS,
    });
    await doomed.kill();
    const cli = (url: string, ...args: string[]) =>
      runCli(['--redis-url', url, '--namespace', namespace, ...args]);
    const lapsed = await waitFor(
      async () => jsonLines((await cli(readerUrl, '--json', 'reap', '--dry-run')).stdout)[0],
      (dead) => (dead as { lapsed: string[] }).lapsed.length === 1,
      10_000,
    );
    expect(lapsed).toEqual({ lapsed: ['doomed'], reaping: [] });

    // 2. The reader may look but not reap: a clear one-line refusal, and nothing changes.
    expectClearRefusal(await cli(readerUrl, 'reap'), 'reap');
    const stillDead = await cli(readerUrl, '--json', 'instances');
    expect(stillDead.code).toBe(0);
    expect(jsonLines(stillDead.stdout)[0]).toMatchObject({
      instances: [{ instanceId: 'doomed', state: 'lapsed', sessions: 6 }],
    });

    // 3. A live monitor (as the writer) reaps it, then serves sessions with client metadata.
    const errors: SauError[] = [];
    const monitor = new SessionMonitor({
      redis: writerUrl,
      namespace,
      instanceId: 'app-1',
      heartbeatIntervalMs: HEARTBEAT_MS,
      leaseMs: LEASE_MS,
      gaugeIntervalMs: 300,
      addressMode: 'full',
    });
    monitor.on('error', (err: SauError) => errors.push(err));
    const reader = new SauReader({ redis: readerUrl, namespace });
    try {
      await monitor.start();
      const reaped = await waitFor(
        () => reader.stats(),
        (s) => s.now.instances === 1 && s.now.sessions === 0,
        10_000,
      );
      expect(reaped.now).toEqual({ users: 0, sessions: 0, anonymousSessions: 0, instances: 1 });

      monitor.open({ id: 'a1', userAgent: CHROME, clientAddress: '192.0.2.7' });
      monitor.login('a1', 'alice');
      monitor.open({ id: 'a2', userAgent: CHROME, clientAddress: '192.0.2.8' });
      monitor.login('a2', 'alice'); // a second tab: still one user
      monitor.open({ id: 'a3', userAgent: IPHONE, clientAddress: '198.51.100.4' });
      monitor.login('a3', 'bob');
      monitor.open({ id: 'a4', userAgent: IPHONE });
      monitor.logout('a3');
      monitor.close('a4');
      await monitor.flush();
      // Heartbeats and gauge samples keep landing while the test reads.
      await new Promise((r) => setTimeout(r, 3 * HEARTBEAT_MS));
      expect((await reader.gauges())?.sessions).toBe(3);

      // 4. Import is a write too: refused to the reader, applied for the writer.
      const today = (await reader.stats({ window: 'day' })).day!.date;
      const twoDaysAgo = addDays(today, -2);
      const file = join(workDir, `${namespace}.json`);
      writeFileSync(
        file,
        `${JSON.stringify({
          _id: 'rc-1',
          type: 'session',
          sessionId: 'rc-s1',
          userId: 'carol',
          loginAt: { $date: `${twoDaysAgo}T10:00:00.000Z` },
          lastActivityAt: { $date: `${twoDaysAgo}T11:00:00.000Z` },
          device: { type: 'browser', name: 'Firefox', os: { name: 'Linux' } },
        })}\n`,
      );
      expectClearRefusal(await cli(readerUrl, 'import', file), 'import');
      // The demo writes too (into a namespace of its own): the refusal names it, not `reap`.
      const demo = ['--namespace', `${namespace}-demo`, 'demo', '--duration', '1s'];
      expectClearRefusal(await runCli(['--redis-url', readerUrl, ...demo]), 'demo');
      const imported = await cli(writerUrl, '--json', 'import', file);
      expect(imported.code).toBe(0);
      expect(jsonLines(imported.stdout)[0]).toMatchObject({ imported: 1, partsApplied: 1 });

      // 5. Every reading command as the reader, with the numbers the workload implies.
      const stats = await cli(readerUrl, '--json', 'stats', '--window', 'all');
      expect(stats.code).toBe(0);
      const statsJson = jsonLines(stats.stdout)[0] as Awaited<ReturnType<SauReader['stats']>>;
      expect(statsJson.now).toEqual({ users: 1, sessions: 3, anonymousSessions: 1, instances: 1 });
      // u0, u1, u2 (reaped), alice, bob; 6 + 4 sessions; 3 + 3 logins.
      expect(statsJson.day).toMatchObject({
        date: today,
        activeUsers: 5,
        exact: true,
        sessions: 10,
        logins: 6,
      });
      expect(statsJson.month?.activeUsers).toBe(
        twoDaysAgo.slice(0, 7) === today.slice(0, 7) ? 6 : 5,
      );
      // The same object as SauReader gives in-process (as the reader too), but for the time read.
      const inProcess = await reader.stats({ window: 'all' });
      expect({ ...statsJson, at: null }).toEqual({ ...inProcess, at: null });

      const history = await cli(readerUrl, '--json', 'history', '--days', '3', '--date', today);
      expect(history.code).toBe(0);
      const days = (jsonLines(history.stdout)[0] as { days: Record<string, unknown>[] }).days;
      expect(days.map((d) => d.date)).toEqual([twoDaysAgo, addDays(today, -1), today]);
      expect(days[0]).toMatchObject({
        activeUsers: 1,
        sessions: 1,
        logins: 1,
        sessionSeconds: 3600,
      });
      expect(days[1]).toMatchObject({ activeUsers: 0, sessions: 0 });
      expect(days[2]).toMatchObject({ activeUsers: 5, sessions: 10, logins: 6 });

      const breakdown = await cli(readerUrl, '--json', 'breakdown', '--by', 'os');
      expect(breakdown.code).toBe(0);
      const rows = (jsonLines(breakdown.stdout)[0] as { rows: Record<string, unknown>[] }).rows;
      expect(rows).toEqual([
        { value: 'Windows', sessions: 2, loggedInSessions: 2 },
        { value: 'iOS', sessions: 1, loggedInSessions: 0 },
      ]);

      const sessions = await cli(readerUrl, '--json', 'sessions');
      expect(sessions.code).toBe(0);
      const live = (jsonLines(sessions.stdout)[0] as { sessions: Record<string, unknown>[] })
        .sessions;
      expect(live.map((s) => [s.id, s.userId, s.clientAddress])).toEqual([
        ['a1', 'alice', '192.0.2.7'],
        ['a2', 'alice', '192.0.2.8'],
        ['a3', null, '198.51.100.4'],
      ]);

      const instances = await cli(readerUrl, '--json', 'instances');
      expect(jsonLines(instances.stdout)[0]).toMatchObject({
        instances: [{ instanceId: 'app-1', state: 'live', sessions: 3 }],
      });

      const exported = await cli(readerUrl, '--json', 'export', '--from', today, '--to', today);
      expect(exported.code).toBe(0);
      const closed = jsonLines(exported.stdout) as Record<string, unknown>[];
      expect(closed.map((c) => c.sessionId).sort()).toEqual([
        'a4',
        'doomed-s0',
        'doomed-s1',
        'doomed-s2',
        'doomed-s3',
        'doomed-s4',
        'doomed-s5',
      ]);
      expect(closed.filter((c) => c.userId !== null).map((c) => c.userId)).toHaveLength(3);

      const doctor = await cli(readerUrl, '--json', 'doctor');
      expect(doctor.code).toBe(0);
      const checks = (jsonLines(doctor.stdout)[0] as { checks: Record<string, string>[] }).checks;
      expect(checks.find((c) => c.name === 'acl rights')).toMatchObject({
        status: 'ok',
        detail: expect.stringMatching(/^user sau-reader is read-only: may run all \d+ commands/),
      });
      // The example's users may list the function libraries (the writer loaded its own).
      expect(checks.find((c) => c.name === 'function libraries')).toMatchObject({
        status: 'ok',
        detail: expect.stringMatching(/^sau_applyBatch_[0-9a-f]{12} loaded$/),
      });

      // The writer's own doctor finds every command the library needs.
      const writerClient = userClient(writerUrl);
      try {
        const report = await runDoctor({ redis: writerClient, namespace });
        expect(report.checks.find((c) => c.name === 'acl rights')).toMatchObject({
          status: 'ok',
          detail: expect.stringMatching(/^user sau-writer may run all \d+ commands/),
        });
      } finally {
        await writerClient.quit();
      }

      await monitor.stop();
      expect((await reader.stats()).now).toEqual({
        users: 0,
        sessions: 0,
        anonymousSessions: 0,
        instances: 0,
      });
      // Every command the monitor sent (scripts, heartbeats, gauges, reaping) was allowed.
      expect(errors.map((e) => `${e.code}: ${e.message}`)).toEqual([]);
    } finally {
      await monitor.stop().catch(() => undefined);
      await reader.close();
    }
  }, 50_000);
});
