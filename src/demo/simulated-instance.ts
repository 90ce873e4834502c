import type { RedisClient } from '../redis/redis-client';
import { SessionMonitor } from '../monitor/session-monitor';
import type { SauError } from '../errors/sau-error';
import type { ReapReport } from '../monitor/reaper';
import { describeRedisTrouble } from '../redis/redis-trouble';
import type { UserAgentProfile } from './user-agents';

export interface SimulatedInstanceOptions {
  /** Opens this instance's own connection (standalone, Cluster or Sentinel, TLS as configured). */
  connect: () => RedisClient;
  namespace: string;
  timezone: string;
  instanceId: string;
  /** Anything the monitor reports (rejected events, Redis trouble), one line each. */
  onProblem: (instanceId: string, message: string) => void;
  /** This instance's monitor closed the sessions of dead instances. */
  onReaped?: (instanceId: string, report: ReapReport) => void;
}

/**
 * One server instance of the demo: a real SessionMonitor with its own Redis connection and lease,
 * fed with the connection objects a Meteor server would see.
 */
export class SimulatedInstance {
  readonly id: string;
  private readonly client: RedisClient;
  private readonly monitor: SessionMonitor;

  constructor(options: SimulatedInstanceOptions) {
    this.id = options.instanceId;
    // Our own client, not the URL: a client the monitor opens has no `error` listener, so ioredis
    // would print a stack trace to stderr at every reconnect attempt while Redis is away.
    this.client = options.connect();
    let down = false;
    this.client.on('error', (err: Error) => {
      if (!down) options.onProblem(this.id, `Redis connection lost: ${describeRedisTrouble(err)}`);
      down = true;
    });
    this.client.on('ready', () => (down = false));
    this.monitor = new SessionMonitor({
      redis: this.client,
      namespace: options.namespace,
      timezone: options.timezone,
      instanceId: options.instanceId,
      // Short lease so `instances` follows the demo closely; demo keys need not outlive two days
      // (a month's keys go two days after the month ends).
      heartbeatIntervalMs: 1000,
      leaseMs: 3000,
      retentionDays: 2,
      timelineRetentionDays: 2,
      closedSessionRetentionDays: 2,
    });
    this.monitor.on('error', (err: SauError) =>
      options.onProblem(this.id, `${err.code}: ${err.message}`),
    );
    this.monitor.on('reaped', (report: ReapReport) => options.onReaped?.(this.id, report));
  }

  start(): Promise<void> {
    return this.monitor.start();
  }

  /** A new DDP connection, with the headers a browser or app behind a proxy sends. */
  open(sessionId: string, device: UserAgentProfile, clientAddress: string): void {
    this.monitor.open({
      id: sessionId,
      clientAddress,
      userAgent: device.userAgent,
      httpHeaders: {
        'user-agent': device.userAgent,
        'x-forwarded-for': clientAddress,
        'x-forwarded-proto': 'https',
        'accept-language': 'en-US,en;q=0.9',
      },
    });
  }

  login(sessionId: string, userId: string): void {
    this.monitor.login(sessionId, userId);
  }

  logout(sessionId: string): void {
    this.monitor.logout(sessionId);
  }

  close(sessionId: string): void {
    this.monitor.close(sessionId);
  }

  /**
   * Dies without stop(): the heartbeat stops and the connection drops, and the sessions stay in
   * Redis for the survivors to reap once the lease lapses. Events queued so far are flushed first,
   * so the sessions left behind are exactly the ones this instance held. Returns their number.
   */
  async crash(): Promise<number> {
    await this.monitor.flush();
    const left = this.monitor.crash();
    this.client.disconnect();
    return left;
  }

  /** Closes dead instances' sessions now, as the heartbeat would a moment later. */
  reap(): Promise<ReapReport> {
    return this.monitor.reap();
  }

  /** Graceful: the monitor closes this instance's sessions in Redis and gives up its lease. */
  async stop(): Promise<void> {
    try {
      await this.monitor.stop();
    } finally {
      if (this.client.status === 'ready') await this.client.quit().catch(() => undefined);
      else if (this.client.status !== 'end') this.client.disconnect();
    }
  }

  get liveSessions(): number {
    return this.monitor.liveSessionCount;
  }
}
