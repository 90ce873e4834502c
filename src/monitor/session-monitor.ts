import { EventEmitter } from 'node:events';
import type { Registry } from 'prom-client';
import { Keys } from '../keys';
import { RedisScriptError } from '../errors/redis-script-error';
import { SauError } from '../errors/sau-error';
import { registerSauMetrics, type SauMetricsRegistration } from '../metrics/register-sau-metrics';
import { readGauges } from '../reader/gauges';
import { closedLogLimitsOf } from '../scripts/closed-log-limits';
import { ZonedCalendar } from '../time/zoned-calendar';
import { ClientMetaEncoder } from './client-meta';
import { DrainLoop } from './drain-loop';
import type { Drift } from './drift-repair';
import { EventIntake } from './event-intake';
import { EventQueue } from './event-queue';
import { HeartbeatLoop } from './heartbeat-loop';
import { Incarnation } from './incarnation';
import { LiveSessions } from './live-sessions';
import type { MonitorContext } from './monitor-context';
import { MonitorLifecycle } from './monitor-lifecycle';
import {
  resolveMonitorOptions,
  type ResolvedMonitorOptions,
  type SessionMonitorOptions,
} from './monitor-options';
import type { ReapProgress, ReapReport } from './reaper';
import { RecentLogins } from './recent-logins';
import { LoginRecovery } from './recovery';
import { RedisClock } from './redis-clock';
import { ReplayBuffer } from './replay-buffer';
import { Resync } from './resync';
import type { SessionInfo } from './session-input';

export type { Recovery } from './recovery';

/**
 * The writer: reports the life of this server instance's sessions to Redis.
 *
 * `open`, `login`, `logout` and `close` are synchronous and never throw: they update this process's
 * own view of its sessions and queue the event; queued events go to Redis in batches, one Lua call
 * per batch, in order. Problems are reported through the `error` event (or the logger when nobody
 * listens), never thrown into the caller. The work is done by parts a newcomer finds by name:
 * the event intake, the lifecycle (start, stop, crash, reap), the batch writer (batch-builder,
 * batch-writer), the drain loop, the incarnation, the heartbeat loop, the resync and the login
 * recovery; this class builds them and is their face.
 */
export class SessionMonitor extends EventEmitter {
  readonly options: ResolvedMonitorOptions;
  readonly keys: Keys;

  private readonly ctx: MonitorContext;
  private readonly incarnationPart: Incarnation;
  private readonly drainLoop: DrainLoop;
  private readonly heartbeat: HeartbeatLoop;
  private readonly resyncPart: Resync;
  private readonly recovery: LoginRecovery;
  private readonly intake: EventIntake;
  private readonly lifecycle: MonitorLifecycle;

  constructor(options: SessionMonitorOptions = {}) {
    super();
    this.options = resolveMonitorOptions(options);
    this.keys = new Keys(this.options.namespace);
    const calendar = new ZonedCalendar(this.options.timezone);
    this.ctx = {
      options: this.options,
      keys: this.keys,
      calendar,
      clock: new RedisClock(calendar),
      queue: new EventQueue(this.options.maxQueuedEvents),
      sessions: new LiveSessions(),
      replay: new ReplayBuffer(this.options.maxReplayUserDays),
      recentLogins: new RecentLogins(this.options.failoverReplayMs, this.options.maxReplayUserDays),
      closedLog: closedLogLimitsOf(this.options),
      state: 'new',
      droppedEvents: 0,
      connection: undefined,
      report: (err) => this.report(err),
      emit: (event, ...args) => this.emit(event, ...args),
    };
    this.incarnationPart = new Incarnation(
      this.ctx,
      () => this.drainLoop.inFlight,
      () => (this.heartbeat.currentDate = this.ctx.clock.today().date),
    );
    this.drainLoop = new DrainLoop(this.ctx, this.incarnationPart, {
      recover: () => this.recovery.recoverAfterReconnect(),
      replayDue: () => this.recovery.replayDue(),
      confirmed: (part) => this.recovery.confirmed(part),
    });
    this.heartbeat = new HeartbeatLoop(this.ctx, this.incarnationPart, this.drainLoop, () =>
      this.reap(),
    );
    this.resyncPart = new Resync(this.ctx, this.incarnationPart, this.drainLoop);
    this.recovery = new LoginRecovery(this.ctx, this.resyncPart, () => this.heartbeat.beat());
    this.intake = new EventIntake(
      this.ctx,
      new ClientMetaEncoder(this.options),
      this.drainLoop,
      this.recovery,
    );
    this.lifecycle = new MonitorLifecycle(this.ctx, {
      incarnation: this.incarnationPart,
      drainLoop: this.drainLoop,
      heartbeat: this.heartbeat,
      resync: this.resyncPart,
      flush: () => this.flush(),
    });
  }

  /** This process's incarnation of `instanceId`, new at every start(). */
  get incarnation(): string {
    return this.incarnationPart.token;
  }

  /** The instance id this process is counted under now: `options.instanceId`, unless it was superseded. */
  get instanceId(): string {
    return this.incarnationPart.instanceId;
  }

  /** Registers a new incarnation with a lease, drops the previous incarnation's sessions, starts the heartbeat. */
  start(): Promise<void> {
    return this.lifecycle.start();
  }

  /**
   * Writes the namespace's gauges hash and a timeline entry now, if this instance holds the
   * sampler lease or can take it (no other live instance samples). True when it wrote. Every
   * `gaugeIntervalMs` this happens on its own; call it to publish numbers at once (tests, a
   * deploy hook).
   */
  sampleGauges(): Promise<boolean> {
    const { sampler } = this.lifecycle;
    if (!sampler || this.ctx.state !== 'started') {
      return Promise.reject(new SauError('NOT_STARTED', `monitor is ${this.ctx.state}`));
    }
    return sampler.sample();
  }

  /**
   * Registers the namespace's `sau_` gauges on an app's prom-client registry, read from the gauges
   * hash at scrape time (one HGETALL). Works before start(); until then (and after stop()) scrapes
   * leave the namespace out and log once.
   */
  registerMetrics(
    registry: Registry,
    options: { timeoutMs?: number } = {},
  ): SauMetricsRegistration {
    return registerSauMetrics(registry, {
      namespace: this.keys.namespace,
      readGauges: () =>
        this.ctx.connection && this.ctx.state === 'started'
          ? readGauges(this.ctx.connection.client, this.keys)
          : Promise.reject(new SauError('NOT_STARTED', `monitor is ${this.ctx.state}`)),
      timeoutMs: options.timeoutMs,
      logger: this.options.logger,
    });
  }

  /** A new session (connection). Sync, never throws; a second open of a live id is ignored. */
  open(info: SessionInfo): void {
    this.intake.open(info);
  }

  /**
   * The session's user logged in (or resumed). A different user on the same session replaces the
   * first, who is logged out of it. Login on an unknown session is rejected: there is no session
   * to count the user in.
   */
  login(sessionId: string, userId: string): void {
    this.intake.login(sessionId, userId);
  }

  /** The session's user logged out; the session stays open, anonymous. No-op when nobody is logged in. */
  logout(sessionId: string): void {
    this.intake.logout(sessionId);
  }

  /** The session ended. No-op for an unknown or already closed session. */
  close(sessionId: string): void {
    this.intake.close(sessionId);
  }

  /**
   * Resolves once every event queued so far is in Redis, with the recovery after a reconnection
   * and the replay of logins into their own day that wait behind them.
   */
  async flush(): Promise<void> {
    for (;;) {
      // Checked on every pass: once a timed-out stop() has ended the drain loop, events stay
      // queued for good, and waiting on a drain that returns at once would spin forever.
      const { state } = this.ctx;
      if (state !== 'started' && state !== 'stopping') {
        throw new SauError('NOT_STARTED', `cannot flush a monitor that is ${state}`);
      }
      if (!this.drainLoop.pending) return;
      await this.drainLoop.drain();
    }
  }

  /** Graceful stop: flushes, closes this instance's sessions, releases the lease, closes its own connection. */
  stop(): Promise<void> {
    return this.lifecycle.stop();
  }

  /**
   * Ends this monitor the way a crash would, for demos and fault tests: the heartbeat and resync
   * stop, queued events are dropped, nothing more is written and no session is closed; a client
   * the monitor opened is dropped. Its sessions stay in Redis until its lease lapses and a live
   * instance or `sau-cli reap` closes them at its last heartbeat. The calls it had on the wire fail
   * unreported. Returns the sessions it held.
   */
  crash(): number {
    return this.lifecycle.crash();
  }

  /** Live sessions this instance holds, as it sees them. */
  get liveSessionCount(): number {
    return this.ctx.sessions.size;
  }

  /**
   * The user logged in on a live session of this instance: a user id, `null` while anonymous,
   * `undefined` when the session is not open here. Adapters reconcile their server's view with it.
   */
  sessionUser(sessionId: string): string | null | undefined {
    const userId = this.ctx.sessions.userOf(sessionId);
    return userId === undefined ? undefined : userId || null;
  }

  /** Ids of the sessions this instance holds open. */
  liveSessionIds(): string[] {
    return this.ctx.sessions.ids();
  }

  /**
   * Events waiting for Redis; events dropped because the queue was full; user-days of logins kept
   * for replay into their own day, and logins that found that buffer full.
   */
  get queueStatus(): {
    queued: number;
    dropped: number;
    replayBuffered: number;
    replayOverflow: number;
  } {
    const { ctx } = this;
    return {
      queued: ctx.queue.size,
      dropped: ctx.droppedEvents,
      replayBuffered: ctx.replay.size,
      replayOverflow: ctx.replay.overflow,
    };
  }

  /**
   * Closes the sessions of instances whose lease lapsed, at their last heartbeat. Live instances
   * run this on their heartbeat already; call it to do it now. One pass at a time per monitor.
   */
  reap(onProgress?: (progress: ReapProgress) => void): Promise<ReapReport> {
    return this.lifecycle.reap(onProgress);
  }

  /**
   * Repairs drift between Redis and this instance's own truth: sessions Redis holds that this
   * instance closed, sessions it lacks, wrong users. Runs every `resyncIntervalMs` when no event
   * waits for Redis; resolves with what it found (undefined when it did not run).
   */
  resync(): Promise<Drift | undefined> {
    return this.resyncPart.run();
  }

  /** Never throws: an `error` event without listeners would, so fall back to the logger. */
  private report(err: SauError): void {
    // A Redis call that fails once the monitor has stopped was cut off by its stop or crash (the
    // connection goes): not news. What a stop could not finish it reported while stopping.
    if (this.ctx.state === 'stopped' && err instanceof RedisScriptError) return;
    try {
      if (this.listenerCount('error') > 0) this.emit('error', err);
      else this.options.logger.warn(`[sau-monitor] ${err.code}: ${err.message}`);
    } catch {
      // A throwing listener or logger must not reach the host's hooks either.
    }
  }
}
