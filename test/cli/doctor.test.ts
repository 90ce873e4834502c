import { Redis } from 'ioredis';
import { loadScripts } from '../../src/scripts/script-catalog';
import { loadLibrary } from '../../src/scripts/script-runner';
import { startRedis, uniqueNamespace, type TestRedis } from '../support/redis-server';
import { assertBuilt, jsonLines, runCli } from './run-cli';

interface Report {
  checks: { name: string; status: 'ok' | 'warn' | 'fail'; detail: string }[];
  ok: boolean;
}

function byName(report: Report): Record<string, { status: string; detail: string }> {
  return Object.fromEntries(report.checks.map((c) => [c.name, c]));
}

async function doctor(url: string, ...args: string[]) {
  const result = await runCli([
    '--redis-url',
    url,
    '--namespace',
    uniqueNamespace('doctor'),
    ...args,
    'doctor',
  ]);
  return {
    result,
    report: args.includes('--json') ? (jsonLines(result.stdout)[0] as Report) : undefined,
  };
}

/** `sau-cli --json doctor` on one namespace: the run and its checks by name. */
async function doctorOf(url: string, namespace: string) {
  const result = await runCli(['--redis-url', url, '--namespace', namespace, '--json', 'doctor']);
  return { result, checks: byName(jsonLines(result.stdout)[0] as Report) };
}

const PASSWORD = 'secret-pw';

/** A user `name` (password PASSWORD) who may run every command but the `denied` ones. */
async function userWithout(admin: Redis, name: string, ...denied: string[]): Promise<void> {
  const rules = denied.map((command) => `-${command}`);
  await admin.call('ACL', 'SETUSER', name, 'on', `>${PASSWORD}`, '~*', '&*', '+@all', ...rules);
}

/** `url` logged in as a user userWithout made. */
function asUser(url: string, name: string): string {
  const withUser = new URL(url);
  withUser.username = name;
  withUser.password = PASSWORD;
  return withUser.toString();
}

describe('sau-cli doctor', () => {
  const servers: TestRedis[] = [];
  beforeAll(() => assertBuilt());
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  async function server(args: string[]): Promise<TestRedis> {
    const s = await startRedis(args);
    servers.push(s);
    return s;
  }

  it('passes on a durable Redis with noeviction, exit 0', async () => {
    const good = await server(['--appendonly', 'yes', '--maxmemory-policy', 'noeviction']);
    if (!good.owned) return; // REDIS_URL: its settings are not ours to pick
    const { result, report } = await doctor(good.url, '--json');
    expect(result.code).toBe(0);
    expect(report!.ok).toBe(true);
    const checks = byName(report!);
    expect(Object.keys(checks)).toEqual([
      'redis version',
      'persistence',
      'maxmemory-policy',
      'acl rights',
      'function libraries',
      'namespace',
      'time zone',
      'instances',
      'gauges',
      'clock offset',
    ]);
    // A namespace nothing has written to is the one warning of a fresh Redis.
    expect(checks.namespace.status).toBe('warn');
    for (const name of Object.keys(checks)) {
      if (name !== 'namespace') expect(checks[name].status).toBe('ok');
    }
    expect(checks.persistence.detail).toMatch(/AOF on/);
    expect(checks['acl rights'].detail).toMatch(/user default may run all \d+ commands/);
    expect(checks['function libraries'].detail).toMatch(
      /^sau_applyBatch_[0-9a-f]{12} not loaded yet \(a writer loads it as it starts\)$/,
    );

    const human = await runCli(['--redis-url', good.url, 'doctor']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/name +status +detail/);
    expect(human.stdout).toMatch(/maxmemory-policy +ok +noeviction/);
  });

  it('fails on allkeys-lru and warns without persistence, exit 1', async () => {
    const bad = await server(['--maxmemory-policy', 'allkeys-lru']);
    if (!bad.owned) return;
    const { result, report } = await doctor(bad.url, '--json');
    expect(result.code).toBe(1);
    expect(report!.ok).toBe(false);
    const checks = byName(report!);
    expect(checks['maxmemory-policy']).toMatchObject({ status: 'fail' });
    expect(checks['maxmemory-policy'].detail).toMatch(/allkeys-lru.*evict live-state keys/);
    expect(checks.persistence).toMatchObject({ status: 'warn' });
    expect(result.stderr).toMatch(/^sau-cli: doctor: failed: maxmemory-policy\n$/);

    const volatile = await server(['--maxmemory-policy', 'volatile-lru', '--appendonly', 'yes']);
    const v = await doctor(volatile.url, '--json');
    expect(v.result.code).toBe(0);
    expect(byName(v.report!)['maxmemory-policy'].status).toBe('warn');
  });

  it('fails the rights check for a user who may not run what the scripts need', async () => {
    const s = await server(['--appendonly', 'yes']);
    if (!s.owned) return;
    const admin = new Redis(s.url);
    try {
      await userWithout(admin, 'limited', 'xadd', 'pfadd');
      await userWithout(admin, 'noacl', 'acl');
      await userWithout(admin, 'nofunctions', 'function|load');
    } finally {
      await admin.quit();
    }
    const { result, report } = await doctor(asUser(s.url, 'limited'), '--json');
    expect(result.code).toBe(1);
    const rights = byName(report!)['acl rights'];
    expect(rights.status).toBe('fail');
    expect(rights.detail).toMatch(/user limited may not run PFADD, XADD on sau:\{doctor-/);
    expect(result.stdout + result.stderr).not.toContain('secret-pw');

    const refused = await doctor(asUser(s.url, 'noacl'), '--json');
    expect(refused.result.code).toBe(0);
    expect(byName(refused.report!)['acl rights']).toMatchObject({ status: 'warn' });
    expect(byName(refused.report!)['acl rights'].detail).toMatch(
      /cannot check: ACL WHOAMI refused/,
    );

    // applyBatch is a Redis Function: a writer must be able to load its library.
    const noLoad = await doctor(asUser(s.url, 'nofunctions'), '--json');
    expect(noLoad.result.code).toBe(1);
    expect(byName(noLoad.report!)['acl rights'].detail).toMatch(
      /user nofunctions may not run FUNCTION\|LOAD on sau:\{doctor-/,
    );
  });

  it('warns about a lapsed lease', async () => {
    const s = await server(['--appendonly', 'yes']);
    const namespace = uniqueNamespace('doctor-lease');
    const admin = new Redis(s.url);
    try {
      await admin.zadd(`sau:{${namespace}}:leases`, 1, 'ghost-1');
    } finally {
      await admin.quit();
    }
    const { result, checks } = await doctorOf(s.url, namespace);
    expect(checks.instances.status).toBe('warn');
    expect(checks.instances.detail).toMatch(/lease lapsed: ghost-1/);
    expect(result.code).toBe(0);
  });

  it('tells how old the gauges are, and warns when nobody samples', async () => {
    const s = await server(['--appendonly', 'yes']);
    const namespace = uniqueNamespace('doctor-gauges');
    const gaugesOf = async () => (await doctorOf(s.url, namespace)).checks.gauges;
    const admin = new Redis(s.url);
    try {
      const [seconds] = await admin.time();
      const nowMs = Number(seconds) * 1000;
      await admin.hset(
        `sau:{${namespace}}:gauges`,
        'users',
        '7',
        'updatedAt',
        String(nowMs - 2000),
      );
      const fresh = await gaugesOf();
      expect(fresh.status).toBe('ok');
      // Written 2 s before the CLI started; a slow machine may take a few seconds more.
      const age = Number(/^last sample (\d+) s ago \(SAU 7\)$/.exec(fresh.detail)?.[1]);
      expect(age).toBeGreaterThanOrEqual(2);
      expect(age).toBeLessThan(40);
      await admin.hset(`sau:{${namespace}}:gauges`, 'updatedAt', String(nowMs - 600_000));
      expect(await gaugesOf()).toMatchObject({
        status: 'warn',
        detail: expect.stringMatching(/last sample 6\d\d s ago and no instance runs/),
      });
      await admin.zadd(`sau:{${namespace}}:leases`, nowMs + 60_000, 'quiet-1');
      expect(await gaugesOf()).toMatchObject({
        status: 'warn',
        detail: expect.stringMatching(/though 1 instance holds a lease: none samples/),
      });
    } finally {
      await admin.quit();
    }
  });

  it('lists the function libraries of other versions, and says when it may not list them', async () => {
    const s = await server(['--appendonly', 'yes']);
    if (!s.owned) return; // REDIS_URL: other versions' libraries may be there, and are not ours
    const current = loadScripts().get('applyBatch')!.library!;
    const old = 'sau_applyBatch_0123456789ab';
    const oldCode = `#!lua name=${old}\nredis.register_function('${old}', function() return 0 end)`;
    const admin = new Redis(s.url);
    try {
      await loadLibrary(admin, current);
      expect(
        (await doctorOf(s.url, uniqueNamespace('doctor-fn'))).checks['function libraries'],
      ).toEqual({
        name: 'function libraries',
        status: 'ok',
        detail: `${current.name} loaded`,
      });
      await admin.call('FUNCTION', 'LOAD', oldCode);
      // Another application's library is none of the doctor's business.
      await admin.call(
        'FUNCTION',
        'LOAD',
        "#!lua name=chat_rooms\nredis.register_function('rooms', function() return 0 end)",
      );
      const { result, checks } = await doctorOf(s.url, uniqueNamespace('doctor-fn'));
      expect(result.code).toBe(0);
      const kb = (oldCode.length / 1024).toFixed(1);
      expect(checks['function libraries']).toEqual({
        name: 'function libraries',
        status: 'warn',
        detail: `${current.name} loaded; 1 of other versions: ${old} (${kb} KB of code). Writers of those versions use them; once none runs, delete each (FUNCTION DELETE <name>)`,
      });

      await userWithout(admin, 'nolist', 'function|list');
    } finally {
      await admin.quit();
    }
    const refused = await doctorOf(asUser(s.url, 'nolist'), uniqueNamespace('doctor-fn'));
    expect(refused.result.code).toBe(0);
    expect(refused.checks['function libraries']).toMatchObject({
      status: 'warn',
      detail: expect.stringMatching(
        /^cannot check: FUNCTION LIST refused \(NOPERM .*\); the doctor needs \+function\|list/,
      ),
    });
  });
});
