import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { SauReader, SessionMonitor } from '../../src';
import type { SauError } from '../../src/errors/sau-error';
import {
  READER_SCRIPTS,
  commandsCalledByScripts,
  dryRunArguments,
} from '../../src/diagnostics/acl-rights';
import { runDoctor } from '../../src/diagnostics/doctor';
import { addDays } from '../../src/time/zoned-calendar';
import { startPrivateRedis, type PrivateRedis } from '../../src/redis/private-redis-server';
import { uniqueNamespace } from '../support/redis-server';
import { clearOfMidnight } from '../support/expect-today';
import { waitFor } from '../support/monitor-harness';
import { startChildInstance } from '../faults/child-instance';
import { assertBuilt, jsonLines, runCli, type CliResult } from '../cli/run-cli';

/**
 * Keeps redis.conf.example honest: a redis-server loads that very file, monitors run as its
 * sau-writer, the CLI as its sau-reader, and each user may do exactly what the file says.
 */

const EXAMPLE = join(__dirname, '..', '..', 'redis.conf.example');
const HEARTBEAT_MS = 200;
const LEASE_MS = 1000;
const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;
if (!hasRedisServer) {
  process.stdout.write('[acl] skipped: no redis-server binary on PATH (Debian: redis-server)\n');
}
const describeWithRedis = hasRedisServer ? describe : describe.skip;

jest.setTimeout(60_000);

/** The password of `user` in redis.conf.example (`user <name> on >password …`). */
function examplePassword(user: string): string {
  const line = readFileSync(EXAMPLE, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`user ${user} `));
  const password = line?.split(' ').find((word) => word.startsWith('>'));
  if (!password) throw new Error(`redis.conf.example defines no user ${user} with a >password`);
  return password.slice(1);
}

/**
 * redis-server with redis.conf.example as its config file; only persistence and the address are
 * overridden, so the server stays private to this test.
 */
function startExampleRedis(): Promise<PrivateRedis> {
  return startPrivateRedis({ configFile: EXAMPLE, dirPrefix: 'sau-acl-' });
}

/**
 * How Redis 7.0 refuses a command: NOPERM when sent directly; inside a script, an ERR naming the
 * user executing the script.
 */
const REFUSED =
  /NOPERM|user executing the script can't (run this command|access at least one of the keys)/;
const REFUSED_COMMAND = /^NOPERM/;

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
  let server: PrivateRedis;
  let admin: Redis;
  let writerUrl: string;
  let readerUrl: string;
  const workDir = mkdtempSync(join(tmpdir(), 'sau-acl-files-'));

  beforeAll(async () => {
    assertBuilt();
    server = await startExampleRedis();
    // The example leaves the default user on (its `user default off` is advice), so the test
    // keeps an all-powerful connection to look behind the users' backs.
    admin = new Redis(server.port, '127.0.0.1');
    const base = `127.0.0.1:${server.port}`;
    writerUrl = `redis://sau-writer:${examplePassword('sau-writer')}@${base}`;
    readerUrl = `redis://sau-reader:${examplePassword('sau-reader')}@${base}`;
  });
  afterAll(async () => {
    await admin?.quit();
    await server?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  function userClient(url: string): Redis {
    const client = new Redis(url, { maxRetriesPerRequest: 0 });
    client.on('error', () => undefined);
    return client;
  }

  it('loads with both users, and keeps the default user on', async () => {
    const users = (await admin.call('ACL', 'LIST')) as string[];
    expect(users.map((u) => u.split(' ')[1]).sort()).toEqual([
      'default',
      'sau-reader',
      'sau-writer',
    ]);
    for (const user of users.filter((u) => !u.startsWith('user default '))) {
      expect(user).toMatch(/ on .* ~sau:\* resetchannels -@all \+/);
    }
  });

  it('lets the writer run every command the scripts call, and the reader only the reads', async () => {
    const key = 'sau:{x}:k';
    const everyCommand = commandsCalledByScripts();
    expect(everyCommand.length).toBeGreaterThanOrEqual(25);
    expect(everyCommand).toEqual(expect.arrayContaining(['HSET', 'XADD', 'PFADD', 'TIME']));
    const deniedToWriter: string[] = [];
    for (const command of everyCommand) {
      const reply = await admin.call(
        'ACL',
        'DRYRUN',
        'sau-writer',
        ...dryRunArguments(command, key),
      );
      if (reply !== 'OK') deniedToWriter.push(`${command}: ${String(reply)}`);
    }
    expect(deniedToWriter).toEqual([]);

    const readerCommands = commandsCalledByScripts(READER_SCRIPTS);
    expect(readerCommands).toEqual(expect.arrayContaining(['PFCOUNT', 'ZCOUNT', 'HMGET']));
    for (const command of readerCommands) {
      expect(
        await admin.call('ACL', 'DRYRUN', 'sau-reader', ...dryRunArguments(command, key)),
      ).toBe('OK');
    }
    // Redis itself says which of the scripts' commands write: the reader must have none of them.
    const writes: string[] = [];
    for (const command of everyCommand) {
      const [info] = (await admin.call('COMMAND', 'INFO', command)) as [unknown[]];
      if ((info[2] as string[]).includes('write')) writes.push(command);
    }
    expect(writes).toEqual(expect.arrayContaining(['HSET', 'DEL', 'XADD', 'PFADD', 'ZADD']));
    for (const command of writes) {
      const reply = await admin.call(
        'ACL',
        'DRYRUN',
        'sau-reader',
        ...dryRunArguments(command, key),
      );
      expect([command, reply]).toEqual([command, expect.stringMatching(/no permissions/)]);
    }
  });

  it('runs a whole workload as sau-writer and reads it back exactly as sau-reader', async () => {
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

  it('refuses every write to the reader, inside scripts too', async () => {
    const key = `sau:{${uniqueNamespace('acl-ro')}}:probe`;
    await admin.hset(key, 'f', '1');
    const reader = userClient(readerUrl);
    try {
      expect(await reader.hget(key, 'f')).toBe('1');
      await expect(reader.hset(key, 'f', '2')).rejects.toThrow(REFUSED_COMMAND);
      await expect(reader.del(key)).rejects.toThrow(REFUSED_COMMAND);
      await expect(reader.xadd(`${key}:stream`, '*', 'f', '1')).rejects.toThrow(REFUSED_COMMAND);
      await expect(reader.pfadd(`${key}:hll`, 'x')).rejects.toThrow(REFUSED_COMMAND);
      await expect(
        reader.eval("return redis.call('HSET', KEYS[1], 'f', '3')", 1, key),
      ).rejects.toThrow(REFUSED);
      await expect(reader.eval("return redis.call('DEL', KEYS[1])", 1, key)).rejects.toThrow(
        REFUSED,
      );
      await expect(reader.call('CONFIG', 'GET', 'requirepass')).rejects.toThrow(REFUSED_COMMAND);
      await expect(reader.get('other:key')).rejects.toThrow(REFUSED_COMMAND);
    } finally {
      await reader.quit();
    }
    expect(await admin.hgetall(key)).toEqual({ f: '1' });
    expect(await admin.exists(`${key}:stream`, `${key}:hll`)).toBe(0);
  });

  it('keeps the writer inside sau:* and away from server commands', async () => {
    await admin.set('other:key', 'untouched');
    const writer = userClient(writerUrl);
    try {
      await expect(writer.set('other:key', 'changed')).rejects.toThrow(REFUSED_COMMAND);
      await expect(writer.get('other:key')).rejects.toThrow(REFUSED_COMMAND);
      await expect(writer.del('other:key')).rejects.toThrow(REFUSED_COMMAND);
      await expect(writer.hset('app:users', 'f', '1')).rejects.toThrow(REFUSED_COMMAND);
      await expect(
        writer.eval("return redis.call('SET', 'other:key', 'from-lua')", 0),
      ).rejects.toThrow(REFUSED);
      await expect(writer.flushall()).rejects.toThrow(REFUSED_COMMAND);
      await expect(writer.flushdb()).rejects.toThrow(REFUSED_COMMAND);
      await expect(writer.call('CONFIG', 'SET', 'appendonly', 'no')).rejects.toThrow(
        REFUSED_COMMAND,
      );
      await expect(writer.call('CONFIG', 'GET', 'requirepass')).rejects.toThrow(REFUSED_COMMAND);
      await expect(writer.keys('*')).rejects.toThrow(REFUSED_COMMAND);
      await expect(writer.call('SHUTDOWN', 'NOSAVE')).rejects.toThrow(REFUSED_COMMAND);
      await expect(writer.publish('sau', 'x')).rejects.toThrow(REFUSED_COMMAND);
      // …while its own keys are fine.
      expect(await writer.set('sau:{acl-writer}:probe', 'v')).toBe('OK');
      expect(await writer.del('sau:{acl-writer}:probe')).toBe(1);
    } finally {
      await writer.quit();
    }
    expect(await admin.get('other:key')).toBe('untouched');
  });
});
