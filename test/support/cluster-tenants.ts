import { SauReaper, SauReader, SessionMonitor } from '../../src';
import { startCluster, type TestCluster } from './redis-cluster';
import { uniqueNamespace } from './redis-server';

const HEARTBEAT_MS = 250;
const LEASE_MS = 1000;
export const MASTERS = 3;

/** One namespace of the workload, on its own master, with the numbers it must show. */
export interface Tenant {
  index: number;
  namespace: string;
  port: number;
  a: SessionMonitor;
  b: SessionMonitor;
}

/**
 * A Redis Cluster of MASTERS masters for the tests of one file (test/integration/
 * cluster-three-masters), and the monitors and readers they start on it: every one of them is
 * stopped or closed, and the cluster stopped, after the file's last test. Its tests build on each
 * other's tenants, so the cluster is started once, not once a test. Call at the top of a describe
 * block.
 */
export function useClusterTenants() {
  let cluster: TestCluster;
  const monitors: SessionMonitor[] = [];
  const readers: Array<SauReader | SauReaper> = [];
  /** Errors any monitor reported; none is expected on a healthy Cluster. */
  const reported: string[] = [];

  beforeAll(async () => {
    cluster = await startCluster(MASTERS);
  }, 40_000);

  afterAll(async () => {
    await Promise.all(monitors.map((m) => m.stop().catch(() => undefined)));
    await Promise.all(readers.map((r) => r.close()));
    await cluster?.stop();
  });

  function reader(namespace: string, url = cluster.url): SauReader {
    const r = new SauReader({ redis: url, namespace });
    readers.push(r);
    return r;
  }

  async function monitor(namespace: string, instanceId: string): Promise<SessionMonitor> {
    const m = new SessionMonitor({
      redis: cluster.url,
      namespace,
      instanceId,
      heartbeatIntervalMs: HEARTBEAT_MS,
      leaseMs: LEASE_MS,
    });
    m.on('error', (err: Error) => reported.push(`${namespace} ${instanceId}: ${err.message}`));
    monitors.push(m);
    await m.start();
    return m;
  }

  /** A namespace whose slot each master serves, found with CLUSTER KEYSLOT and CLUSTER SLOTS. */
  async function namespacePerMaster(): Promise<{ namespace: string; port: number }[]> {
    const probe = cluster.node(cluster.ports[0]);
    const byPort = new Map<number, string>();
    for (let i = 0; byPort.size < MASTERS; i++) {
      if (i > 500) throw new Error('no namespace found for every master in 500 tries');
      const namespace = uniqueNamespace(`cluster${i}`);
      const slot = Number(await probe.call('CLUSTER', 'KEYSLOT', `{${namespace}}`));
      const port = await cluster.portOfSlot(slot);
      if (!byPort.has(port)) byPort.set(port, namespace);
    }
    return [...byPort].map(([port, namespace]) => ({ namespace, port }));
  }

  /**
   * Tenant k, on two instances. A: users u0…u(2+k), one session each, plus a second tab of u0.
   * B: a third tab of u0, an anonymous session, v logs in then out, w logs in then closes.
   */
  async function runWorkload(namespace: string, port: number, index: number): Promise<Tenant> {
    const a = await monitor(namespace, 'node-a');
    const b = await monitor(namespace, 'node-b');
    for (let i = 0; i < 3 + index; i++) {
      a.open({ id: `a${i}` });
      a.login(`a${i}`, `u${i}`);
    }
    a.open({ id: 'a-tab2', userAgent: 'RC Mobile; iOS 12.2; v3.4.0 (250)' });
    a.login('a-tab2', 'u0');
    b.open({ id: 'b0' });
    b.login('b0', 'u0');
    b.open({ id: 'b1' });
    b.open({ id: 'b2' });
    b.login('b2', 'v');
    b.open({ id: 'b3' });
    b.login('b3', 'w');
    await Promise.all([a.flush(), b.flush()]);
    b.logout('b2');
    b.close('b3');
    await b.flush();
    return { index, namespace, port, a, b };
  }

  return {
    /** The started cluster (from beforeAll on). */
    cluster: () => cluster,
    /** Reported errors of every monitor started here; none is expected on a healthy Cluster. */
    reported,
    /** Readers and reapers to close after the file's last test. */
    readers,
    reader,
    namespacePerMaster,
    runWorkload,
  };
}
