import { EventEmitter } from 'node:events';
import type { Registry } from 'prom-client';
import { Keys } from '../keys';
import { SauError } from '../errors/sau-error';
import { RejectedEventError, type RejectionReason } from '../errors/rejected-event-error';
import { RedisScriptError } from '../errors/redis-script-error';
import { registerSauMetrics, type SauMetricsRegistration } from '../metrics/register-sau-metrics';
import { readGauges } from '../reader/gauges';
import { ScriptRunner } from '../scripts/script-runner';
import { closedLogLimitsOf } from '../scripts/closed-log-limits';
import { ZonedCalendar } from '../time/zoned-calendar';
import type { SessionOp } from './batch-builder';
import { BatchWriter } from './batch-writer';
import { ClientMetaEncoder } from './client-meta';
import { ConnectionWatch } from './connection-watch';
import { DrainLoop } from './drain-loop';
import type { Drift } from './drift-repair';
import { EventQueue } from './event-queue';
import { GaugeSampler } from './gauge-sampler';
import { HeartbeatLoop } from './heartbeat-loop';
import { Incarnation } from './incarnation';
import { LiveSessions } from './live-sessions';
import type { MonitorContext } from './monitor-context';
import {
  resolveMonitorOptions,
  type ResolvedMonitorOptions,
  type SessionMonitorOptions,
} from './monitor-options';
import { Reaper, type ReapProgress, type ReapReport } from './reaper';
import { RecentLogins } from './recent-logins';
import { LoginRecovery } from './recovery';
import { RedisClock } from './redis-clock';
import { ReplayBuffer } from './replay-buffer';
import { Resync } from './resync';
import { idProblem, type SessionInfo } from './session-input';
import { withTimeout } from './with-timeout';

export type { Recovery } from './recovery';

/**
 * The writer: reports the life of this server instance's sessions to Redis.
 *
 * `open`, `login`, `logout` and `close` are synchronous and never throw: they update this process's
 * own view of its sessions and queue the event; queued events go to Redis in batches, one Lua call
 * per batch, in order. Problems are reported through the `error` event (or the logger when nobody
 * listens), never thrown into the caller. The work is done by parts a newcomer finds by name:
 * the batch writer (batch-builder, batch-writer), the drain loop, the incarnation, the heartbeat
 * loop, the resync and the login recovery.
 */
export class SessionMonitor extends EventEmitter {
  readonly options: ResolvedMonitorOptions;
  readonly keys: Keys;

  private readonly ctx: MonitorContext;
  private readonly meta: ClientMetaEncoder;
  private readonly incarnationPart: Incarnation;
  private readonly drainLoop: DrainLoop;
  private readonly heartbeat: HeartbeatLoop;
  private readonly resyncPart: Resync;
  private readonly recovery: LoginRecovery;
  private watch: ConnectionWatch | undefined;
  private reaper: Reaper | undefined;
  private sampler: GaugeSampler | undefined;
  private reaping: Promise<ReapReport> | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;

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
    this.meta = new ClientMetaEncoder(this.options);
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
  async start(): Promise<void> {
    const { ctx } = this;
    if (ctx.state !== 'new') throw new SauError('ALREADY_STARTED', `monitor is ${ctx.state}`);
    ctx.state = 'starting';
    const watch = new ConnectionWatch(ctx, {
      ready: () => this.drainLoop.wake(),
      reconnected: () => {
        this.drainLoop.recoveryDue = true;
        this.drainLoop.schedule();
      },
    });
    const runner = new ScriptRunner(watch.client);
    ctx.connection = {
      client: watch.client,
      runner,
      writer: new BatchWriter(runner, this.keys, ctx.calendar, {
        ...this.options,
        incarnation: '',
        closedLog: ctx.closedLog,
      }),
    };
    this.reaper = new Reaper(runner, this.keys, ctx.calendar, {
      ...this.options,
      closedLog: ctx.closedLog,
    });
    try {
      await withTimeout(
        this.incarnationPart.register(),
        this.options.startTimeoutMs,
        () =>
          new RedisScriptError(
            'START_FAILED',
            `Redis did not take the registration of instance ${this.instanceId} within startTimeoutMs (${this.options.startTimeoutMs} ms); is it reachable, and a Cluster with every slot served?`,
          ),
      );
    } catch (err) {
      ctx.state = 'new';
      ctx.connection = undefined;
      await watch.close(false);
      throw err;
    }
    this.watch = watch;
    ctx.state = 'started';
    this.heartbeat.start();
    this.resyncTimer = setInterval(() => void this.resync(), this.options.resyncIntervalMs);
    this.resyncTimer.unref();
    this.sampler = new GaugeSampler(
      runner,
      this.keys,
      ctx.clock,
      {
        intervalMs: this.options.gaugeIntervalMs,
        exactThreshold: this.options.exactThreshold,
        timelineRetentionDays: this.options.timelineRetentionDays,
        samplerId: `${this.instanceId} ${this.incarnation}`,
      },
      (err) => this.report(err),
    );
    this.sampler.start();
    this.drainLoop.schedule();
  }

  /**
   * Writes the namespace's gauges hash and a timeline entry now, if this instance holds the
   * sampler lease or can take it (no other live instance samples). True when it wrote. Every
   * `gaugeIntervalMs` this happens on its own; call it to publish numbers at once (tests, a
   * deploy hook).
   */
  sampleGauges(): Promise<boolean> {
    if (!this.sampler || this.ctx.state !== 'started') {
      return Promise.reject(new SauError('NOT_STARTED', `monitor is ${this.ctx.state}`));
    }
    return this.sampler.sample();
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
    const id = typeof info === 'object' && info !== null ? info.id : undefined;
    if (!this.accepting('open', id)) return;
    const problem = idProblem(id);
    if (problem) return this.reject('INVALID_SESSION_ID', 'open', id, `session id ${problem}`);
    const sessionId = id as string;
    if (this.ctx.sessions.has(sessionId)) return;
    const meta = this.meta.encode(info);
    this.ctx.sessions.open(sessionId, meta);
    this.enqueue('o', sessionId, meta);
  }

  /**
   * The session's user logged in (or resumed). A different user on the same session replaces the
   * first, who is logged out of it. Login on an unknown session is rejected: there is no session
   * to count the user in.
   */
  login(sessionId: string, userId: string): void {
    if (!this.accepting('login', sessionId)) return;
    const problem = idProblem(sessionId);
    if (problem) {
      return this.reject('INVALID_SESSION_ID', 'login', sessionId, `session id ${problem}`);
    }
    const userProblem = idProblem(userId);
    if (userProblem) {
      return this.reject('INVALID_USER_ID', 'login', sessionId, `user id ${userProblem}`);
    }
    if (!this.ctx.sessions.has(sessionId)) {
      return this.reject('UNKNOWN_SESSION', 'login', sessionId, 'no open session with this id');
    }
    const loginSec = this.ctx.sessions.login(sessionId, userId);
    const seq = this.ctx.queue.headSeq + this.ctx.queue.size;
    if (this.enqueue('i', sessionId, `${userId}\0${loginSec.toString(36)}`)) {
      this.recovery.remember(userId, seq);
    }
  }

  /** The session's user logged out; the session stays open, anonymous. No-op when nobody is logged in. */
  logout(sessionId: string): void {
    if (!this.accepting('logout', sessionId)) return;
    if (!this.ctx.sessions.userOf(sessionId)) return;
    this.ctx.sessions.logout(sessionId);
    this.enqueue('u', sessionId);
  }

  /** The session ended. No-op for an unknown or already closed session. */
  close(sessionId: string): void {
    if (!this.accepting('close', sessionId)) return;
    if (!this.ctx.sessions.close(sessionId)) return;
    this.enqueue('c', sessionId);
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
  async stop(): Promise<void> {
    const { ctx } = this;
    if (ctx.state !== 'started') {
      ctx.state = 'stopped';
      return;
    }
    ctx.state = 'stopping';
    this.stopTimers();
    const work = (async () => {
      await this.reaping?.catch(() => undefined);
      await this.flush();
      await this.incarnationPart.close(this.incarnation, 'now');
      await this.incarnationPart.release();
      // A last sample without this instance, so the gauges do not keep its sessions if it was the
      // last one running; then another instance may sample at its next tick.
      if (this.options.gaugeIntervalMs > 0) await this.sampler?.sample().catch(() => false);
      await this.sampler?.release();
    })();
    try {
      await withTimeout(work, this.options.stopTimeoutMs);
    } catch (err) {
      this.report(
        new RedisScriptError(
          'STOP_INCOMPLETE',
          `stop could not finish (${(err as Error).message}); the lease lapses within ${this.options.leaseMs} ms and a live instance or \`sau-cli reap\` closes the remaining sessions at the last heartbeat`,
          err,
        ),
      );
    } finally {
      ctx.sessions.clear();
      ctx.state = 'stopped';
      await this.watch?.close(true);
    }
  }

  /**
   * Ends this monitor the way a crash would, for demos and fault tests: the heartbeat and resync
   * stop, queued events are dropped, nothing more is written and no session is closed; a client
   * the monitor opened is dropped. Its sessions stay in Redis until its lease lapses and a live
   * instance or `sau-cli reap` closes them at its last heartbeat. Returns the sessions it held.
   */
  crash(): number {
    const { ctx } = this;
    const held = ctx.sessions.size;
    ctx.state = 'stopped';
    this.stopTimers();
    this.drainLoop.wake();
    ctx.sessions.clear();
    ctx.queue.replaceWith([]);
    void this.watch?.close(false);
    return held;
  }

  private stopTimers(): void {
    this.heartbeat.stop();
    clearInterval(this.resyncTimer);
    this.sampler?.pauseTimer();
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
    const reaper = this.reaper;
    if (!reaper) return Promise.reject(new SauError('NOT_STARTED', 'monitor is not started'));
    this.reaping ??= reaper.reap(onProgress).finally(() => {
      this.reaping = undefined;
    });
    return this.reaping;
  }

  /**
   * Repairs drift between Redis and this instance's own truth: sessions Redis holds that this
   * instance closed, sessions it lacks, wrong users. Runs every `resyncIntervalMs` when no event
   * waits for Redis; resolves with what it found (undefined when it did not run).
   */
  resync(): Promise<Drift | undefined> {
    return this.resyncPart.run();
  }

  private accepting(operation: string, sessionId: unknown): boolean {
    if (this.ctx.state === 'stopping' || this.ctx.state === 'stopped') {
      this.reject('STOPPED', operation, sessionId, 'the monitor is stopped');
      return false;
    }
    return true;
  }

  private enqueue(op: SessionOp, sessionId: string, arg?: string): boolean {
    if (!this.ctx.queue.push(op, sessionId, arg)) {
      this.ctx.droppedEvents++;
      const limit = `${this.options.maxQueuedEvents} events already wait for Redis`;
      this.reject('QUEUE_OVERFLOW', op, sessionId, limit);
      return false;
    }
    this.drainLoop.schedule();
    return true;
  }

  private reject(
    reason: RejectionReason,
    operation: string,
    sessionId: unknown,
    detail: string,
  ): void {
    this.report(new RejectedEventError(reason, operation, sessionId, detail));
  }

  /** Never throws: an `error` event without listeners would, so fall back to the logger. */
  private report(err: SauError): void {
    try {
      if (this.listenerCount('error') > 0) this.emit('error', err);
      else this.options.logger.warn(`[sau-monitor] ${err.code}: ${err.message}`);
    } catch {
      // A throwing listener or logger must not reach the host's hooks either.
    }
  }
}
