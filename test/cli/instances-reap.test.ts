import { SessionMonitor } from '../../src';
import { startChildInstance, type ChildInstance } from '../faults/child-instance';
import { startRedis, uniqueNamespace, type TestRedis } from '../support/redis-server';
import { assertBuilt, jsonLines, runCli, stderrLines, type CliResult } from './run-cli';

interface InstanceJson {
  instanceId: string;
  incarnation: string | null;
  host: string | null;
  pid: number | null;
  state: string;
  leaseExpiresInMs: number | null;
  heartbeatAgeMs: number | null;
  registeredAt: string | null;
  sessions: number;
}

const LEASE_MS = 600;

describe('sau-cli instances and reap', () => {
  let redis: TestRedis;
  let live: SessionMonitor;
  let dead: ChildInstance;
  const namespace = uniqueNamespace('cli-reap');
  const problems: Error[] = [];

  function cli(...args: string[]): Promise<CliResult> {
    return runCli(['--redis-url', redis.url, '--namespace', namespace, ...args]);
  }
  async function json(...args: string[]): Promise<unknown> {
    const result = await cli('--json', ...args);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = jsonLines(result.stdout);
    expect(lines).toHaveLength(1);
    return lines[0];
  }

  beforeAll(async () => {
    assertBuilt();
    redis = await startRedis();
    live = new SessionMonitor({ redis: redis.url, namespace, instanceId: 'web-live' });
    live.on('error', (err: Error) => problems.push(err));
    await live.start();
    live.open({ id: 'l1' });
    live.login('l1', 'u-live');
    await live.flush();
    // A crashed server: 30 sessions (15 logged in, as 5 users), SIGKILLed, lease left to lapse.
    dead = await startChildInstance({
      REDIS_URL: redis.url,
      NAMESPACE: namespace,
      INSTANCE_ID: 'web-dead',
      SESSIONS: 30,
      USERS: 5,
      HEARTBEAT_MS: 200,
      LEASE_MS,
    });
  });

  afterAll(async () => {
    await dead?.kill();
    await live?.stop();
    await redis?.stop();
    expect(problems).toEqual([]);
  });

  it('instances: two live instances, with host, pid, incarnation and sessions', async () => {
    const out = (await json('instances')) as {
      namespace: string;
      at: string;
      instances: InstanceJson[];
    };
    expect(out.namespace).toBe(namespace);
    const byId = new Map(out.instances.map((i) => [i.instanceId, i]));
    expect([...byId.keys()].sort()).toEqual(['web-dead', 'web-live']);
    expect(byId.get('web-dead')).toMatchObject({
      incarnation: dead.incarnation,
      pid: dead.process.pid,
      state: 'live',
      sessions: 30,
    });
    const liveOne = byId.get('web-live')!;
    expect(liveOne).toMatchObject({
      incarnation: live.incarnation,
      pid: process.pid,
      state: 'live',
      sessions: 1,
    });
    expect(liveOne.host).toEqual(expect.any(String));
    expect(liveOne.leaseExpiresInMs).toBeGreaterThan(0);
    expect(liveOne.heartbeatAgeMs).toBeGreaterThanOrEqual(0);
    expect(liveOne.heartbeatAgeMs).toBeLessThan(15_000);
    expect(liveOne.registeredAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('instances: a SIGKILLed instance shows as lapsed once its lease ran out', async () => {
    // Any live monitor reaps lapsed leases on its heartbeat: stop ours so the CLI sees the lapse.
    await live.stop();
    await dead.kill();
    await new Promise((r) => setTimeout(r, LEASE_MS + 300));
    const out = (await json('instances')) as { instances: InstanceJson[] };
    expect(out.instances).toHaveLength(1);
    const deadOne = out.instances[0];
    expect(deadOne).toMatchObject({
      instanceId: 'web-dead',
      incarnation: dead.incarnation,
      pid: dead.process.pid,
      state: 'lapsed',
      sessions: 30,
    });
    expect(deadOne.leaseExpiresInMs).toBeLessThan(0);
    expect(deadOne.heartbeatAgeMs).toBeGreaterThanOrEqual(LEASE_MS);

    const table = await cli('instances');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^ {2}web-dead +lapsed +30 +lapsed .* ago/m);
  });

  it('reap --dry-run lists the lapsed instance and changes nothing', async () => {
    expect(await json('reap', '--dry-run')).toEqual({ lapsed: ['web-dead'], reaping: [] });
    const stats = (await json('stats')) as { now: { sessions: number } };
    expect(stats.now.sessions).toBe(30);
  });

  it('reap closes its 30 sessions; a second reap finds nothing', async () => {
    expect(await json('reap')).toEqual({ instances: 1, sessions: 30 });
    const stats = (await json('stats')) as { now: { sessions: number; users: number } };
    expect(stats.now).toEqual({ users: 0, sessions: 0, anonymousSessions: 0, instances: 0 });
    expect(await json('instances')).toMatchObject({ instances: [] });
    expect(await json('reap')).toEqual({ instances: 0, sessions: 0 });
    expect(await json('reap', '--dry-run')).toEqual({ lapsed: [], reaping: [] });
  });

  it('reap prints a summary table, no progress when stderr is not a terminal', async () => {
    const result = await cli('reap');
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^instances +0$/m);
    expect(result.stdout).toMatch(/^sessions +0$/m);
  });

  it('errors: unknown option exit 2, unreachable Redis exit 3', async () => {
    const bad = await cli('reap', '--force');
    expect(bad.code).toBe(2);
    expect(stderrLines(bad.stderr)).toEqual([expect.stringContaining("'--force'")]);
    const extra = await cli('instances', 'web-1');
    expect(extra.code).toBe(2);
    expect(stderrLines(extra.stderr)).toHaveLength(1);
    for (const command of ['instances', 'reap']) {
      const result = await runCli(['--redis-url', 'redis://127.0.0.1:1', command]);
      expect(result.code).toBe(3);
      expect(result.stdout).toBe('');
      expect(stderrLines(result.stderr)).toHaveLength(1);
    }
  });
});
