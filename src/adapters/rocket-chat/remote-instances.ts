import { randomBytes } from 'node:crypto';
import type { SessionMonitor } from '../../monitor/session-monitor';
import type { SauError } from '../../errors/sau-error';
import { assertInstanceId } from '../../keys';
import type { RedisClient } from '../../redis/redis-client';
import { ScriptRunner } from '../../scripts/script-runner';
import { SauReader } from '../../reader/sau-reader';
import { describeError, reportAdapterError, reportThrough } from '../report-adapter-error';
import { RemoteReporter } from './remote-reporter';
import { RemoteShadow } from './remote-shadow';
import { ReporterLease } from './reporter-lease';
import type { SessionEvent } from './rocket-chat-events';

/** Sessions one read of an instance's sessions in Redis returns. */
const ADOPT_PAGE = 1000;

/** One remote instance as this process sees it. */
interface Remote {
  readonly instanceId: string;
  readonly shadow: RemoteShadow;
  readonly lease: ReporterLease;
  /** performance.now() of its last event or keep-alive. */
  lastSignOfLife: number;
  /** Set while this process holds the reporter lease. */
  reporter: RemoteReporter | undefined;
}

/** What RemoteInstances needs; see RocketChatAdapterOptions for the durations. */
export interface RemoteInstancesOptions {
  /** This app process's own monitor: its options (namespace, Redis, lease) serve the reporters. */
  monitor: SessionMonitor;
  client: RedisClient;
  instanceTimeoutMs: number;
  forgetInstanceAfterMs: number;
}

/**
 * The sessions of remote instances (Rocket.Chat's ddp-streamers), which every app process hears
 * of over the service broker. Each process keeps a shadow of every instance's sessions; for each
 * instance alive, one process at a time (whoever holds its reporter lease in Redis) writes them
 * with a SessionMonitor under the instance's id, so each session counts once. Every heartbeat
 * interval, each process renews the leases it holds and tries to take the free ones of instances
 * alive; a holder that stops (crash, SIGKILL, partition) leaves its leases to lapse, and another
 * process takes over, writing its shadow. An instance silent for `instanceTimeoutMs` is dead: its
 * reporter stops (its sessions end) and nobody takes its lease until it shows life again.
 */
export class RemoteInstances {
  private readonly remotes = new Map<string, Remote>();
  private readonly runner: ScriptRunner;
  private readonly reader: SauReader;
  /** Names this process in the reporter leases; new at every attach. */
  private readonly holder: string;
  private readonly timer: NodeJS.Timeout;
  private reviewing: Promise<void> | undefined;
  private reviewAgain = false;
  private closed = false;
  /**
   * How long a disconnect is remembered: longer than a read of Redis that started before it
   * (adoptFromRedis) could still return the session.
   */
  private readonly closedMemoryMs: number;

  constructor(private readonly options: RemoteInstancesOptions) {
    this.closedMemoryMs = 60_000 + 2 * options.monitor.options.leaseMs;
    this.runner = new ScriptRunner(options.client);
    this.reader = new SauReader({
      redis: options.client,
      namespace: options.monitor.keys.namespace,
      timezone: options.monitor.options.timezone,
    });
    this.holder = `${options.monitor.options.instanceId} ${randomBytes(6).toString('hex')}`;
    this.timer = setInterval(() => void this.review(), options.monitor.options.heartbeatIntervalMs);
    this.timer.unref();
  }

  /** An event of a remote instance: a sign of life, and a change to its sessions. */
  apply(instanceId: string, event: SessionEvent): void {
    const remote = this.touch(instanceId);
    remote.shadow.apply(event);
    remote.reporter?.apply(event);
  }

  /** The remote instance holding a connection, if one does. */
  holderOf(connectionId: string): string | undefined {
    for (const remote of this.remotes.values()) {
      if (remote.shadow.has(connectionId)) return remote.instanceId;
    }
    return undefined;
  }

  /** A sign of life of a remote instance; an instance not heard of before is added. */
  touch(instanceId: string): Remote {
    assertInstanceId(instanceId);
    let remote = this.remotes.get(instanceId);
    const now = performance.now();
    const revived = !remote || now - remote.lastSignOfLife > this.options.instanceTimeoutMs;
    if (!remote) {
      const { monitor } = this.options;
      remote = {
        instanceId,
        shadow: new RemoteShadow(),
        lease: new ReporterLease(this.runner, monitor.keys, {
          instanceId,
          holder: this.holder,
          leaseMs: monitor.options.leaseMs,
          marginMs: monitor.options.heartbeatIntervalMs / 2,
          lapsed: () => this.abandon(instanceId),
        }),
        lastSignOfLife: now,
        reporter: undefined,
      };
      this.remotes.set(instanceId, remote);
      void this.adoptFromRedis(remote);
    }
    remote.lastSignOfLife = now;
    // A new or revived instance is claimed now, not a heartbeat later.
    if (revived) setImmediate(() => void this.review());
    return remote;
  }

  /** Remote instances heard of, and whether this process reports each. */
  list(): { instanceId: string; alive: boolean; sessions: number; reportedHere: boolean }[] {
    const now = performance.now();
    return [...this.remotes.values()].map((remote) => ({
      instanceId: remote.instanceId,
      alive: now - remote.lastSignOfLife <= this.options.instanceTimeoutMs,
      sessions: remote.shadow.sessions.size,
      reportedHere: remote.reporter !== undefined,
    }));
  }

  /**
   * Stops: the reporters stop writing and their leases are given up, so other processes take
   * over at their next heartbeat; the sessions stay live in Redis meanwhile.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.reviewing;
    await this.reader.close();
    await Promise.all(
      [...this.remotes.values()].map(async (remote) => {
        const reporter = remote.reporter;
        remote.reporter = undefined;
        if (!reporter) return;
        reporter.abandon();
        await remote.lease.release().catch(() => remote.lease.drop());
      }),
    );
  }

  /** One pass over every remote instance; passes never overlap, a request meanwhile runs after. */
  private review(): Promise<void> {
    if (this.reviewing) {
      this.reviewAgain = true;
      return this.reviewing;
    }
    this.reviewing = (async () => {
      do {
        this.reviewAgain = false;
        for (const remote of [...this.remotes.values()]) {
          if (this.closed) return;
          try {
            await this.reviewOne(remote);
          } catch (err) {
            this.report(`reporting instance ${remote.instanceId}: ${describeError(err)}`);
          }
        }
      } while (this.reviewAgain && !this.closed);
    })().finally(() => {
      this.reviewing = undefined;
    });
    return this.reviewing;
  }

  private async reviewOne(remote: Remote): Promise<void> {
    const now = performance.now();
    remote.shadow.forgetClosedBefore(now - this.closedMemoryMs);
    const silentMs = now - remote.lastSignOfLife;
    if (silentMs > this.options.instanceTimeoutMs) {
      if (remote.reporter) {
        // Not awaited either: stopping closes every session of the instance.
        this.stopReporting(remote).catch((err: unknown) => {
          this.report(
            `stopping the reporter of instance ${remote.instanceId}: ${describeError(err)}`,
          );
        });
      }
      if (silentMs > this.options.forgetInstanceAfterMs) this.remotes.delete(remote.instanceId);
      return;
    }
    const granted = await remote.lease.claim();
    if (!granted) {
      // Another process reports it (this one lost the lease, if it held it).
      if (remote.reporter) this.abandon(remote.instanceId);
      return;
    }
    if (remote.reporter?.failed) remote.reporter = undefined;
    if (remote.reporter || this.closed) return;
    const reporter = new RemoteReporter(
      { ...this.options.monitor.options, instanceId: remote.instanceId, gaugeIntervalMs: 0 },
      (err: SauError) => reportThrough(this.options.monitor, err),
    );
    remote.reporter = reporter;
    // Not awaited: closing a previous reporter's sessions may take a while, and the other
    // leases must be renewed meanwhile. A failed start is replaced at the next review.
    reporter.start(remote.shadow).catch((err: unknown) => {
      this.report(`starting the reporter of instance ${remote.instanceId}: ${describeError(err)}`);
    });
  }

  /**
   * Sessions of an instance first heard of now that its reporter wrote before (this process
   * started after they connected): read from Redis into the shadow, and into this process's
   * reporter if it already writes the instance. What this process heard of since wins. A session
   * only Redis knew is opened again without its client data (device, address) by a takeover.
   */
  private async adoptFromRedis(remote: Remote): Promise<void> {
    try {
      let cursor: string | null | undefined;
      do {
        const page = await this.reader.sessions({
          instance: remote.instanceId,
          limit: ADOPT_PAGE,
          cursor: cursor ?? undefined,
        });
        for (const { id, userId } of page.sessions) {
          if (!remote.shadow.adopt({ info: { id }, userId })) continue;
          const { instanceId } = remote;
          remote.reporter?.apply({ kind: 'connected', instanceId, info: { id } });
          if (userId)
            remote.reporter?.apply({
              kind: 'login',
              instanceId,
              userId,
              info: { id },
              closes: true,
            });
        }
        cursor = page.cursor;
      } while (cursor && !this.closed);
    } catch (err) {
      this.report(`reading the sessions of instance ${remote.instanceId}: ${describeError(err)}`);
    }
  }

  /** The instance is dead: its sessions end now; its lease goes back. */
  private async stopReporting(remote: Remote): Promise<void> {
    const reporter = remote.reporter;
    remote.reporter = undefined;
    await reporter?.stop();
    // The instance may have shown life meanwhile, and a new reporter hold the lease again.
    if (!remote.reporter) await remote.lease.release();
  }

  /** This process may have lost the lease: stop writing at once. */
  private abandon(instanceId: string): void {
    const remote = this.remotes.get(instanceId);
    const reporter = remote?.reporter;
    if (!remote || !reporter) return;
    remote.reporter = undefined;
    remote.lease.drop();
    reporter.abandon();
  }

  private report(message: string): void {
    reportAdapterError(this.options.monitor, 'REPORTING_FAILED', message);
  }
}
