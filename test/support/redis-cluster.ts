import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { startPrivateRedis, type PrivateRedis } from '../../src/redis/private-redis-server';

const run = promisify(execFile);

/** A private Redis Cluster of masters without replicas, on loopback ports, without persistence. */
export interface TestCluster {
  /** `redis+cluster://127.0.0.1:p1,127.0.0.1:p2,…` */
  url: string;
  ports: number[];
  /** A plain client on one master, e.g. for SCRIPT FLUSH or CLUSTER KEYSLOT. */
  node(port: number): Redis;
  /** The master serving `slot`, from CLUSTER SLOTS. */
  portOfSlot(slot: number): Promise<number>;
  stop(): Promise<void>;
}

/** Why a cluster cannot be started here, or undefined when it can (for a printed skip). */
export function clusterUnavailableReason(): string | undefined {
  for (const binary of ['redis-server', 'redis-cli']) {
    const probe = spawnSync(binary, ['--version'], { stdio: 'ignore' });
    if (probe.error || probe.status !== 0) return `${binary} is not installed`;
  }
  return undefined;
}

/** `describe` where a cluster can be started, else `describe.skip`, with the reason printed. */
export function describeIfClusterRuns(): jest.Describe {
  const skipReason = clusterUnavailableReason();
  if (skipReason) console.warn(`skipping the Redis Cluster tests: ${skipReason}`);
  return skipReason ? describe.skip : describe;
}

/**
 * Starts `size` `redis-server --cluster-enabled yes` masters, each in a temporary directory of its
 * own, joins them with `redis-cli --cluster create … --cluster-replicas 0`, and waits until every
 * node reports `cluster_state:ok`. stop() ends every process it started and removes the directories.
 */
export async function startCluster(size = 3): Promise<TestCluster> {
  const servers: PrivateRedis[] = [];
  const clients: Redis[] = [];
  const ports: number[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(clients.splice(0).map((c) => c.quit().catch(() => c.disconnect())));
    await Promise.all(servers.splice(0).map((server) => server.stop()));
  };
  try {
    for (let i = 0; i < size; i++) {
      // nodes.conf lands in the node's directory, a new one at each attempt: a node that failed
      // on a taken port leaves no cluster identity behind for the next one.
      const server = await startPrivateRedis({
        dirPrefix: 'sau-cluster-',
        args: ['--cluster-enabled', 'yes', '--cluster-node-timeout', '2000'],
      });
      servers.push(server);
      ports.push(server.port);
    }
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { timeout: 20_000 },
    );
    const node = (port: number): Redis => {
      const client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
      clients.push(client);
      return client;
    };
    const probes = ports.map(node);
    await waitForClusterOk(probes);
    return {
      url: `redis+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`,
      ports,
      node,
      async portOfSlot(slot) {
        const ranges = (await probes[0].call('CLUSTER', 'SLOTS')) as [
          number,
          number,
          [string, number],
        ][];
        const range = ranges.find(([from, to]) => slot >= from && slot <= to);
        if (!range) throw new Error(`no node serves slot ${slot}`);
        return range[2][1];
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Every node must agree the cluster is usable before a test sends it a command. */
async function waitForClusterOk(nodes: Redis[]): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const states = await Promise.all(
      nodes.map(async (n) => /cluster_state:ok/.test(String(await n.call('CLUSTER', 'INFO')))),
    );
    if (states.every(Boolean)) return;
    if (Date.now() > deadline)
      throw new Error('the cluster did not reach cluster_state:ok in 15 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}
