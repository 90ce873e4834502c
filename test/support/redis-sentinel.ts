import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import {
  freePort,
  startPrivateRedis,
  type PrivateRedis,
  type PrivateRedisOptions,
} from '../../src/redis/private-redis-server';

/** The master name the sentinels monitor. */
export const MASTER_NAME = 'mymaster';
/** Sentinels that must agree the master is down; of three, so one sentinel alone never fails over. */
const QUORUM = 2;
/** How long the master may be silent before a sentinel takes it for down: short, for tests. */
const DOWN_AFTER_MS = 1000;
/** How soon a stalled failover is tried again (and a sentinel may vote again). */
const FAILOVER_TIMEOUT_MS = 3000;
const STARTUP_TIMEOUT_MS = 15_000;

/**
 * Why sentinel tests cannot run here, or undefined when they can: they need `redis-sentinel`
 * (Debian ships it as a link to redis-server) or a redis-server that accepts `--sentinel`.
 */
export function sentinelUnavailable(): string | undefined {
  const found = spawnSync('redis-sentinel', ['--version'], { stdio: 'ignore' });
  if (found.error || found.status !== 0) {
    return `redis-sentinel is not installed (${found.error?.message ?? `exit ${found.status}`}); Debian: apt-get install redis-sentinel`;
  }
  return undefined;
}

/** One redis process of the set: its port, process and log file. */
export interface SentinelSetNode {
  port: number;
  server: PrivateRedis;
  log: string;
}

/**
 * A master, one replica (`replicaof`) and three sentinels (quorum 2) on free loopback ports, each
 * with its own writable files in one temp dir (a sentinel rewrites its config file). Data is not
 * persisted: a killed master's data lives on only in what the replica received.
 */
export class SentinelSet {
  /** Every process this set started, so destroy() can end each one. */
  private readonly nodes: SentinelSetNode[] = [];
  master!: SentinelSetNode;
  replica!: SentinelSetNode;
  readonly sentinels: SentinelSetNode[] = [];

  private constructor(readonly dir: string) {}

  /** Starts the set and resolves once the replica is in sync and every sentinel knows every peer. */
  static async start(): Promise<SentinelSet> {
    const set = new SentinelSet(mkdtempSync(join(tmpdir(), 'sau-sentinel-')));
    try {
      // A full sync waits repl-diskless-sync-delay (5 s by default) for more replicas to join.
      set.master = await set.startServer('master', ['--repl-diskless-sync-delay', '0']);
      set.replica = await set.startServer('replica', [
        '--replicaof',
        '127.0.0.1',
        String(set.master.port),
      ]);
      await set.untilReplicaInSync(set.replica.port);
      // Each sentinel is told its peers and the replica up front (as its own config rewrite would
      // record them), which saves the seconds of hello messages and INFO polls discovery takes.
      const peers: Peer[] = [];
      for (let i = 0; i < 3; i++) {
        peers.push({ port: await freePort(), id: randomBytes(20).toString('hex') });
      }
      for (const peer of peers) set.sentinels.push(await set.startSentinel(peer, peers));
      await set.untilSentinelsAgree();
      return set;
    } catch (err) {
      await set.destroy();
      throw err;
    }
  }

  /** ioredis options that find the master through the sentinels, as an application would. */
  connectionOptions(extra: RedisOptions = {}): RedisOptions {
    return {
      sentinels: this.sentinels.map(({ port }) => ({ host: '127.0.0.1', port })),
      name: MASTER_NAME,
      ...extra,
    };
  }

  /** The master's port as the first answering sentinel tells it. */
  async masterPort(): Promise<number> {
    for (const sentinel of this.sentinels) {
      if (!sentinel.server.running) continue;
      const reply = await withClient(sentinel.port, (c) =>
        c.call('SENTINEL', 'get-master-addr-by-name', MASTER_NAME),
      ).catch(() => undefined);
      if (Array.isArray(reply)) return Number(reply[1]);
    }
    throw new Error('no sentinel answered get-master-addr-by-name');
  }

  /** SIGKILLs the master: no shutdown, so whatever the replica had not received is lost. */
  killMaster(): void {
    this.master.server.kill('SIGKILL');
  }

  /** Freezes a node (SIGSTOP) without closing its sockets; thaw() resumes it. */
  freeze(node: SentinelSetNode): void {
    node.server.kill('SIGSTOP');
  }

  thaw(node: SentinelSetNode): void {
    node.server.kill('SIGCONT');
  }

  /**
   * Cuts the replication link on the master side: the master drops its replica connections at once
   * and keeps taking writes that reach no replica until the replica connects again (about a second
   * later, or never if it is frozen meanwhile).
   */
  async dropReplicaLink(): Promise<number> {
    return Number(
      await withClient(this.master.port, (c) => c.call('CLIENT', 'KILL', 'TYPE', 'replica')),
    );
  }

  /**
   * Waits until every sentinel names a master other than `oldPort` and that node answers as a
   * master; returns its port. The sentinels' logs are in the error when it times out.
   */
  async untilFailover(oldPort: number, timeoutMs = 20_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ports = await Promise.all(
        this.sentinels.map((s) =>
          withClient(s.port, (c) => c.call('SENTINEL', 'get-master-addr-by-name', MASTER_NAME))
            .then((reply) => Number((reply as string[])[1]))
            .catch(() => 0),
        ),
      );
      const port = ports[0];
      if (port && port !== oldPort && ports.every((p) => p === port)) {
        const role = await withClient(port, (c) => c.call('ROLE')).catch(() => undefined);
        if (Array.isArray(role) && role[0] === 'master') return port;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `no failover from port ${oldPort} within ${timeoutMs} ms (sentinels say ${ports.join(', ')}); sentinel log:\n${this.logTail(this.sentinels[0])}`,
        );
      }
      await sleep(100);
    }
  }

  /** The last lines of a node's log, for error messages. */
  logTail(node: SentinelSetNode, lines = 30): string {
    try {
      return readFileSync(node.log, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** Ends every process (thawing frozen ones first) and removes the temp dir. */
  async destroy(): Promise<void> {
    await Promise.all(
      this.nodes.map(({ server }) => {
        server.kill('SIGCONT');
        return server.stop('SIGKILL');
      }),
    );
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async startServer(name: string, args: string[]): Promise<SentinelSetNode> {
    // A `dbfilename` each: the master and the replica share the set's directory.
    return this.startNode(name, { args: ['--dbfilename', `${name}.rdb`, ...args] });
  }

  private async startSentinel(me: Peer, peers: Peer[]): Promise<SentinelSetNode> {
    const name = `sentinel-${me.id.slice(0, 8)}`;
    // Port, address, directory and log come as arguments; Sentinel rewrites this file.
    const configFile = join(this.dir, `${name}.conf`);
    writeFileSync(
      configFile,
      [
        `sentinel myid ${me.id}`,
        `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${this.master.port} ${QUORUM}`,
        `sentinel down-after-milliseconds ${MASTER_NAME} ${DOWN_AFTER_MS}`,
        `sentinel failover-timeout ${MASTER_NAME} ${FAILOVER_TIMEOUT_MS}`,
        `sentinel parallel-syncs ${MASTER_NAME} 1`,
        `sentinel known-replica ${MASTER_NAME} 127.0.0.1 ${this.replica.port}`,
        ...peers
          .filter((peer) => peer !== me)
          .map(
            (peer) => `sentinel known-sentinel ${MASTER_NAME} 127.0.0.1 ${peer.port} ${peer.id}`,
          ),
        '',
      ].join('\n'),
    );
    // On a port taken meanwhile it starts on another; its peers then learn that one from its hellos.
    return this.startNode(name, {
      binary: 'redis-sentinel',
      configFile,
      sentinel: true,
      port: me.port,
    });
  }

  /** Starts one node in the set's directory, logging to `<name>.log` there. */
  private async startNode(name: string, options: PrivateRedisOptions): Promise<SentinelSetNode> {
    const log = join(this.dir, `${name}.log`);
    try {
      const server = await startPrivateRedis({ ...options, dir: this.dir, logFile: log });
      const node = { port: server.port, server, log };
      this.nodes.push(node);
      return node;
    } catch (err) {
      throw new Error(`${name} did not start: ${(err as Error).message}`);
    }
  }

  private async untilReplicaInSync(port: number): Promise<void> {
    await until(
      async () =>
        (await withClient(port, (c) => c.info('replication'))).includes('master_link_status:up'),
      `replica on port ${port} never got in sync`,
    );
  }

  /** Failover needs each sentinel to know the replica and the two other sentinels (hello messages, every 2 s). */
  private async untilSentinelsAgree(): Promise<void> {
    await until(async () => {
      for (const sentinel of this.sentinels) {
        const [replicas, peers] = await withClient(sentinel.port, async (c) => [
          (await c.call('SENTINEL', 'replicas', MASTER_NAME)) as unknown[],
          (await c.call('SENTINEL', 'sentinels', MASTER_NAME)) as unknown[],
        ]);
        if (replicas.length !== 1 || peers.length !== this.sentinels.length - 1) return false;
      }
      return true;
    }, 'the sentinels never discovered the replica and each other');
  }
}

/** A sentinel's port and run id, known before it starts so its peers' configs can name it. */
interface Peer {
  port: number;
  id: string;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function until(check: () => Promise<boolean>, failure: string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${failure} within ${STARTUP_TIMEOUT_MS} ms`);
    await sleep(100);
  }
}

/** A short-lived plain connection that fails fast instead of queueing while a node is down. */
async function withClient<T>(port: number, use: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1000,
    commandTimeout: 1000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await use(client);
  } finally {
    // quit() on a ready client: disconnect() on a dead socket arms a 2 s timer that holds jest.
    if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
    else if (client.status !== 'end') client.disconnect();
  }
}
