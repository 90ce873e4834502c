import { Cluster } from 'ioredis';
import { SauReaper } from '../../src';
import { runDoctor } from '../../src/diagnostics/doctor';
import { listNamespaces } from '../../src/reader/namespace-check';
import { connectRedis } from '../../src/redis/redis-client';
import { loadScripts } from '../../src/scripts/script-catalog';
import { assertBuilt, jsonLines, runCli } from '../cli/run-cli';
import { waitFor } from '../support/monitor-harness';
import { describeIfClusterRuns } from '../support/redis-cluster';
import { MASTERS, useClusterTenants, type Tenant } from '../support/cluster-tenants';

// Issue 7: the library, the reader and the CLI on a real three-master Redis Cluster, with one
// namespace on each master (its hash tag `{ns}` puts all its keys in one slot).

jest.setTimeout(60_000);

const describeCluster = describeIfClusterRuns();

describeCluster('on a Redis Cluster', () => {
  const { cluster, reported, readers, reader, namespacePerMaster, runWorkload } =
    useClusterTenants();
  let tenants: Tenant[] = [];

  it('keeps each namespace on its own master and counts every number exactly', async () => {
    const placed = await namespacePerMaster();
    expect(new Set(placed.map((p) => p.port)).size).toBe(MASTERS);
    tenants = await Promise.all(placed.map((p, k) => runWorkload(p.namespace, p.port, k)));

    for (const t of tenants) {
      const k = t.index;
      const stats = await reader(t.namespace).stats({ window: 'all' });
      expect(stats.now).toEqual({
        users: 3 + k,
        sessions: 7 + k,
        anonymousSessions: 2,
        instances: 2,
      });
      expect(stats.day).toMatchObject({
        activeUsers: 5 + k,
        exact: true,
        sessions: 8 + k,
        logins: 7 + k,
        peakUsers: 5 + k,
      });
      expect(stats.day?.sessionSeconds).toBeLessThanOrEqual(5);
      expect(stats.week).toMatchObject({ activeUsers: 5 + k, exact: true });
      expect(stats.month).toMatchObject({ activeUsers: 5 + k, rolling30: 5 + k, stickiness: 1 });

      // Every key of the namespace is on the master of its slot, none elsewhere.
      for (const port of cluster().ports) {
        const found = await cluster().node(port).keys(`sau:{${t.namespace}}:*`);
        if (port === t.port) expect(found.length).toBeGreaterThan(5);
        else expect(found).toEqual([]);
      }
    }
    expect(reported).toEqual([]);
  });

  it('reads history, breakdowns, sessions, instances and closed sessions through the Cluster', async () => {
    const t = tenants[0];
    const r = reader(t.namespace);
    const today = (await r.stats({ window: 'day' })).day!.date;

    const history = await r.history({ days: 3 });
    expect(history.days.map((d) => d.date).at(-1)).toBe(today);
    expect(history.days.at(-1)).toMatchObject({ activeUsers: 5, sessions: 8, logins: 7 });
    expect(history.days.slice(0, 2).map((d) => d.sessions)).toEqual([0, 0]);

    const devices = await r.breakdown({ by: 'device', window: 'now' });
    expect(devices.rows.reduce((sum, row) => sum + row.sessions, 0)).toBe(7);
    expect(devices.rows).toContainEqual({ value: 'mobile-app', sessions: 1, loggedInSessions: 1 });

    const all = await r.sessions({ limit: 100 });
    expect(all.sessions.map((s) => s.id).sort()).toEqual(
      ['a0', 'a1', 'a2', 'a-tab2', 'b0', 'b1', 'b2'].sort(),
    );
    const tabs = await r.sessions({ user: 'u0', limit: 100 });
    expect(tabs.sessions.map((s) => s.id).sort()).toEqual(['a-tab2', 'a0', 'b0']);

    const { instances } = await r.instances();
    expect(
      instances
        .map((i) => [i.instanceId, i.state, i.sessions])
        .sort((x, y) => (x[0] < y[0] ? -1 : 1)),
    ).toEqual([
      ['node-a', 'live', 4],
      ['node-b', 'live', 3],
    ]);

    const closed = [];
    for await (const s of r.closedSessions({ from: today, to: today })) closed.push(s);
    expect(closed.map((s) => [s.sessionId, s.userId, s.instanceId])).toEqual([
      ['b3', 'w', 'node-b'],
    ]);
  });

  it('a live instance reaps a crashed one, and the reader reaps a namespace where all crashed', async () => {
    const [, second, third] = tenants;
    // Tenant 1: node-b crashes with b0 (u0), b1, b2; node-a reaps it once the lease lapses.
    expect(second.b.crash()).toBe(3);
    const r1 = reader(second.namespace);
    const after = await waitFor(
      () => r1.stats(),
      (s) => s.now.instances === 1 && s.now.sessions === 5,
      10_000,
    );
    expect(after.now).toEqual({ users: 4, sessions: 5, anonymousSessions: 0, instances: 1 });

    // Tenant 2: both crash; nobody is left to reap but the reader (`sau-cli reap`).
    expect(third.a.crash()).toBe(6);
    expect(third.b.crash()).toBe(3);
    const r2 = reader(third.namespace);
    const lapsed = await waitFor(
      () => r2.deadInstances(),
      (d) => d.lapsed.length === 2,
      10_000,
    );
    expect(lapsed.lapsed.sort()).toEqual(['node-a', 'node-b']);
    const reaper = new SauReaper({ redis: cluster().url, namespace: third.namespace });
    readers.push(reaper);
    expect(await reaper.reap()).toEqual({ instances: 2, sessions: 9 });
    const reaped = await r2.stats({ window: 'day' });
    expect(reaped.now).toEqual({ users: 0, sessions: 0, anonymousSessions: 0, instances: 0 });
    expect(reaped.day).toMatchObject({ activeUsers: 7, sessions: 10, logins: 9 });
    expect(await reaper.reap()).toEqual({ instances: 0, sessions: 0 });
  });

  it('runs the scripts again after SCRIPT FLUSH and FUNCTION FLUSH on a master', async () => {
    const t = tenants[0];
    const node = cluster().node(t.port);
    const scripts = loadScripts();
    const applyBatch = scripts.get('applyBatch')!.library!.name;
    const readStats = scripts.get('readStats')!.sha;
    const libraries = async () =>
      ((await node.call('FUNCTION', 'LIST', 'LIBRARYNAME', applyBatch)) as unknown[]).length;
    expect(await libraries()).toBe(1);
    expect(await node.script('EXISTS', readStats)).toEqual([1]);
    await node.script('FLUSH');
    await node.call('FUNCTION', 'FLUSH');
    expect(await libraries()).toBe(0);
    expect(await node.script('EXISTS', readStats)).toEqual([0]);

    t.a.open({ id: 'late' });
    t.a.login('late', 'late-user');
    await t.a.flush();
    const stats = await reader(t.namespace).stats({ window: 'day' });
    expect(stats.now).toEqual({ users: 4, sessions: 8, anonymousSessions: 2, instances: 2 });
    expect(stats.day).toMatchObject({ activeUsers: 6, logins: 8 });
    // The writer loaded the library again (Function not found → FUNCTION LOAD), the reader's EVAL
    // cached its script (NOSCRIPT → EVAL).
    expect(await libraries()).toBe(1);
    expect(await node.script('EXISTS', readStats)).toEqual([1]);
    expect(reported).toEqual([]);
  });

  it('takes the plain redis://h1:p1,h2:p2 form as a Cluster too', async () => {
    const [first, second] = cluster().ports;
    const url = `redis://127.0.0.1:${first},127.0.0.1:${second}`;
    const { client } = connectRedis(url);
    expect(client).toBeInstanceOf(Cluster);
    expect(await client.ping()).toBe('PONG');
    await client.quit();
    const t = tenants[0];
    expect((await reader(t.namespace, url).stats()).now).toEqual(
      (await reader(t.namespace).stats()).now,
    );
  });

  it('lists the namespaces of every master, on a client that has not read its slots yet', async () => {
    // Straight after it is made, a Cluster client knows no master: the listing must wait for them.
    const { client } = connectRedis(cluster().url);
    try {
      const listed = await listNamespaces(client);
      expect(listed.complete).toBe(true);
      expect(listed.namespaces).toEqual(expect.arrayContaining(tenants.map((t) => t.namespace)));
      expect(tenants).toHaveLength(MASTERS);
    } finally {
      await client.quit();
    }
  });

  it('doctor checks every master', async () => {
    const { client } = connectRedis(cluster().url);
    try {
      const report = await runDoctor({ redis: client, namespace: tenants[0].namespace });
      const byName = Object.fromEntries(report.checks.map((c) => [c.name, c]));
      // The test masters run without RDB or AOF: each of the three must say so.
      expect(byName.persistence).toMatchObject({ status: 'warn' });
      expect(byName.persistence.detail).toMatch(/^all 3 masters: AOF off, RDB snapshots off/);
      expect(byName['redis version'].detail).toMatch(/^all 3 masters: \d+\.\d+/);
      expect(byName['acl rights'].status).toBe('ok');
      // The writers loaded applyBatch's library on every master (again after the FUNCTION FLUSH).
      expect(byName['function libraries']).toMatchObject({
        status: 'ok',
        detail: expect.stringMatching(/^all 3 masters: sau_applyBatch_[0-9a-f]{12} loaded$/),
      });
      expect(byName.instances.status).toBe('ok');
      expect(report.ok).toBe(true);
    } finally {
      await client.quit();
    }
  });

  it('sau-cli reads a namespace through a redis+cluster:// URL', async () => {
    assertBuilt();
    const t = tenants[0];
    const expected = await reader(t.namespace).stats({ window: 'day' });
    const env = { REDIS_URL: cluster().url, SAU_NAMESPACE: t.namespace };
    const stats = await runCli(['stats', '--json', '--window', 'day'], env);
    expect(stats.stderr).toBe('');
    expect(stats.code).toBe(0);
    const [document] = jsonLines(stats.stdout) as [typeof expected];
    expect(document.now).toEqual(expected.now);
    expect(document.day).toEqual(expected.day);

    const instances = await runCli(['instances', '--json'], env);
    expect(instances.code).toBe(0);
    const [listing] = jsonLines(instances.stdout) as [{ instances: { instanceId: string }[] }];
    expect(listing.instances.map((i) => i.instanceId).sort()).toEqual(['node-a', 'node-b']);
  });
});
