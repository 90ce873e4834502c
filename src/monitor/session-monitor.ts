import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Keys } from '../keys';
import { SauError } from '../errors/sau-error';
import { RejectedEventError, type RejectionReason } from '../errors/rejected-event-error';
import { RedisScriptError } from '../errors/redis-script-error';
import { connectRedis, type RedisClient } from '../redis/redis-client';
import { ScriptRunner } from '../scripts/script-runner';
import { ScriptStatus } from '../scripts/script-status';
import { applyEvents, type SessionOp } from '../scripts/commands/apply-events';
import { heartbeat } from '../scripts/commands/heartbeat';
import { registerInstance } from '../scripts/commands/register-instance';
import { releaseInstance } from '../scripts/commands/release-instance';
import { markActiveUsers } from '../scripts/commands/mark-active-users';
import { ZonedCalendar } from '../time/zoned-calendar';
import { expiryOf } from '../time/retention';
import { closeIncarnation } from './close-incarnation';
import { findDrift, type Drift } from './drift-repair';
import { EventQueue } from './event-queue';
import { GaugeSampler } from './gauge-sampler';
import type { Registry } from 'prom-client';
import { registerSauMetrics, type SauMetricsRegistration } from '../metrics/register-sau-metrics';
import { readGauges } from '../reader/gauges';
import { Reaper, type ReapProgress, type ReapReport } from './reaper';
import { RedisClock } from './redis-clock';
import { ReplayBuffer } from './replay-buffer';
import { RecentLogins } from './recent-logins';
import { idProblem, type SessionInfo } from './session-input';
import { encodeRestore, encodeSessionMeta } from './session-meta';
import { parseSessionMember } from '../scripts/session-member';
import { closedLogLimitsOf, type ClosedLogLimits } from '../scripts/closed-log-limits';
import { UserAgentClassifier } from '../ua/user-agent-classifier';
import { clientAddressOf } from '../privacy/client-address';
import { protectAddress } from '../privacy/address-mode';
import {
  resolveMonitorOptions,
  type ResolvedMonitorOptions,
  type SessionMonitorOptions,
} from './monitor-options';

const MAX_RETRY_DELAY_MS = 5000;
/** A day boundary moves at most once between two tries; more means the clock estimate is stale. */
const MAX_DAY_RETRIES = 3;
/** Users per replay call: bounded like every other batch. */
const REPLAY_BATCH = 1000;

type State = 'new' | 'starting' | 'started' | 'stopping' | 'stopped';

/** What the `recovered` event carries: the work done after a reconnection (see recoverAfterReconnect). */
export interface Recovery {
  /** User-days of logins acknowledged within `failoverReplayMs`, counted active again. */
  replayedUserDays: number;
  /** What the resync of live sessions found and queued; undefined when a reincarnation replaced it. */
  drift: Drift | undefined;
}

/**
 * The writer: reports the life of this server instance's sessions to Redis.
 *
 * `open`, `login`, `logout` and `close` are synchronous and never throw: they update this process's
 * own view of its sessions and queue the event; queued events go to Redis in batches, one Lua call
 * per batch, in order. Problems are reported through the `error` event (or the logger when nobody
 * listens), never thrown into the caller.
 */
export class SessionMonitor extends EventEmitter {
  readonly options: ResolvedMonitorOptions;
  readonly keys: Keys;
  /** This process's incarnation of `instanceId`, new at every start(). */
  incarnation = '';

  private readonly calendar: ZonedCalendar;
  private readonly clock: RedisClock;
  private readonly queue: EventQueue;
  /** This instance's own truth: live session id → user id ('' when anonymous). */
  private readonly sessions = new Map<string, string>();
  /** Encoded client metadata of live sessions that have any, for resyncs. */
  private readonly metas = new Map<string, string>();
  private readonly userAgents: UserAgentClassifier;
  private readonly closedLog: ClosedLogLimits;
  private state: State = 'new';
  private client: RedisClient | undefined;
  private ownsClient = false;
  private runner: ScriptRunner | undefined;
  private draining: Promise<void> | undefined;
  /** The batch being sent: taken from the queue, not yet known to be in Redis. */
  private inFlight: string[] | undefined;
  /** Counts resyncs: a batch taken before one is already part of its snapshot. */
  private resyncs = 0;
  private drainScheduled = false;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private resyncing: Promise<Drift | undefined> | undefined;
  /** Ends the wait between two tries of a failed batch, when the connection is back. */
  private wakeRetry: (() => void) | undefined;
  private readonly onReady = (): void => {
    this.connectionTrouble = false;
    if (this.connectionLost) {
      // The Redis now answering may be a promoted replica without the last acknowledged writes.
      this.connectionLost = false;
      this.recoveryDue = true;
      this.scheduleDrain();
    }
    this.wakeRetry?.();
  };
  private readonly onClose = (): void => {
    this.connectionLost = true;
  };
  /** The connection closed since it was last ready: the next 'ready' starts a recovery. */
  private connectionLost = false;
  /** A reconnection happened: replay recent logins and resync before the drain loop ends. */
  private recoveryDue = false;
  private readonly recentLogins: RecentLogins;
  private readonly replay: ReplayBuffer;
  private replayOverflowReported = false;
  private reaper: Reaper | undefined;
  private sampler: GaugeSampler | undefined;
  private reaping: Promise<ReapReport> | undefined;
  private reincarnating: Promise<void> | undefined;
  private droppedEvents = 0;
  private connectionTrouble = false;
  /** The local date (by Redis time) of the last heartbeat: when it changes, sessions roll over. */
  private currentDate = '';

  constructor(options: SessionMonitorOptions = {}) {
    super();
    this.options = resolveMonitorOptions(options);
    this.keys = new Keys(this.options.namespace);
    this.calendar = new ZonedCalendar(this.options.timezone);
    this.clock = new RedisClock(this.calendar);
    this.queue = new EventQueue(this.options.maxQueuedEvents);
    this.replay = new ReplayBuffer(this.options.maxReplayUserDays);
    this.recentLogins = new RecentLogins(
      this.options.failoverReplayMs,
      this.options.maxReplayUserDays,
    );
    this.userAgents = new UserAgentClassifier({ cacheSize: this.options.userAgentCacheSize });
    this.closedLog = closedLogLimitsOf(this.options);
  }

  /** Registers a new incarnation with a lease, drops the previous incarnation's sessions, starts the heartbeat. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new SauError('ALREADY_STARTED', `monitor is ${this.state}`);
    this.state = 'starting';
    const { client, owned } = connectRedis(this.options.redis);
    this.client = client;
    this.ownsClient = owned;
    if (owned) {
      // Without a listener ioredis prints every reconnect failure; report the first of each outage.
      client.on('error', (err: Error) => {
        if (this.connectionTrouble) return;
        this.connectionTrouble = true;
        this.report(
          new RedisScriptError('REDIS_UNAVAILABLE', `Redis connection: ${err.message}`, err),
        );
      });
    }
    // A reconnect ends the retry backoff at once, whoever owns the client; one after a lost
    // connection also starts a recovery.
    client.on('ready', this.onReady);
    client.on('close', this.onClose);
    this.runner = new ScriptRunner(client);
    this.reaper = new Reaper(this.runner, client, this.keys, this.calendar, {
      ...this.options,
      closedLog: this.closedLog,
    });
    try {
      await withTimeout(
        this.register(),
        this.options.startTimeoutMs,
        () =>
          new RedisScriptError(
            'START_FAILED',
            `Redis did not take the registration of instance ${this.options.instanceId} within startTimeoutMs (${this.options.startTimeoutMs} ms); is it reachable, and a Cluster with every slot served?`,
          ),
      );
    } catch (err) {
      this.state = 'new';
      client.off('ready', this.onReady);
      client.off('close', this.onClose);
      if (owned) client.disconnect();
      throw err;
    }
    this.state = 'started';
    this.heartbeatTimer = setInterval(() => void this.beat(), this.options.heartbeatIntervalMs);
    this.heartbeatTimer.unref();
    this.resyncTimer = setInterval(() => void this.resync(), this.options.resyncIntervalMs);
    this.resyncTimer.unref();
    this.sampler = new GaugeSampler(
      this.runner,
      this.keys,
      this.clock,
      {
        intervalMs: this.options.gaugeIntervalMs,
        exactThreshold: this.options.exactThreshold,
        timelineRetentionDays: this.options.timelineRetentionDays,
        samplerId: `${this.options.instanceId} ${this.incarnation}`,
      },
      (err) => this.report(err),
    );
    this.sampler.start();
    this.scheduleDrain();
  }

  /**
   * Writes the namespace's gauges hash and a timeline entry now, if this instance holds the
   * sampler lease or can take it (no other live instance samples). True when it wrote. Every
   * `gaugeIntervalMs` this happens on its own; call it to publish numbers at once (tests, a
   * deploy hook).
   */
  sampleGauges(): Promise<boolean> {
    if (!this.sampler || this.state !== 'started') {
      return Promise.reject(new SauError('NOT_STARTED', `monitor is ${this.state}`));
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
        this.client && this.state === 'started'
          ? readGauges(this.client, this.keys)
          : Promise.reject(new SauError('NOT_STARTED', `monitor is ${this.state}`)),
      timeoutMs: options.timeoutMs,
      logger: this.options.logger,
    });
  }

  /** Takes the instance id with a new incarnation; a previous one's sessions end at its last heartbeat. */
  private async register(): Promise<void> {
    this.incarnation = `${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
    const registered = await registerInstance(this.scripts(), this.keys, {
      instanceId: this.options.instanceId,
      incarnation: this.incarnation,
      leaseMs: this.options.leaseMs,
      host: hostname(),
      pid: process.pid,
      timezone: this.options.timezone,
    });
    this.clock.observe(registered.nowMs);
    this.currentDate = this.clock.today().date;
    if (registered.previousIncarnation) {
      // A restart with the same id: the old process is gone, so its sessions end at its last heartbeat.
      await this.closeIncarnation(
        registered.previousIncarnation,
        `${registered.previousHeartbeatMs}`,
      );
    }
  }

  /**
   * A reaper took this incarnation for dead (a long pause, a partition), or Redis lost its data:
   * take a new incarnation and send this instance's whole truth again in place of the queued
   * events, which it already reflects, except for users who logged in and out again meanwhile:
   * they are sent as active today, so DAU and MAU keep them.
   */
  private reincarnate(): Promise<void> {
    this.reincarnating ??= (async () => {
      this.resyncs++;
      this.report(
        new RedisScriptError(
          'REAPED',
          `instance ${this.options.instanceId} was reaped while alive; resyncing ${this.sessions.size} sessions`,
        ),
      );
      await this.register();
      const snapshot: string[] = [];
      const live = new Set<string>();
      for (const [sessionId, userId] of this.sessions) {
        snapshot.push('r', sessionId, this.restoreArgument(sessionId, userId));
        if (userId) live.add(userId);
      }
      // Logins not yet known to be in Redis: the batch being sent and the queued events.
      const lostLogins = new Set<string>();
      const visit = (op: string, _sessionId: string, userId: string): void => {
        if (op === 'i' && !live.has(userId)) lostLogins.add(userId);
      };
      const inFlight = this.inFlight ?? [];
      for (let i = 0; i < inFlight.length; i += 3) visit(inFlight[i], '', inFlight[i + 2]);
      this.queue.forEach(visit);
      for (const userId of lostLogins) snapshot.push('a', '', userId);
      this.queue.replaceWith(snapshot);
    })().finally(() => {
      this.reincarnating = undefined;
    });
    return this.reincarnating;
  }

  /** A new session (connection). Sync, never throws; a second open of a live id is ignored. */
  open(info: SessionInfo): void {
    const id = typeof info === 'object' && info !== null ? info.id : undefined;
    if (!this.accepting('open', id)) return;
    const problem = idProblem(id);
    if (problem) return this.reject('INVALID_SESSION_ID', 'open', id, `session id ${problem}`);
    const sessionId = id as string;
    if (this.sessions.has(sessionId)) return;
    this.sessions.set(sessionId, '');
    const meta = this.metaOf(info);
    if (meta) this.metas.set(sessionId, meta);
    this.enqueue('o', sessionId, meta);
  }

  /** The client's device, OS, app and address (per the privacy mode), encoded; '' when unknown. */
  private metaOf(info: SessionInfo): string {
    try {
      const headers = info.httpHeaders;
      const header = headers?.['user-agent'];
      const client = this.userAgents.classify(
        info.userAgent ?? (Array.isArray(header) ? header[0] : header),
      );
      const address = clientAddressOf(info.clientAddress, headers, this.options.trustedProxies);
      return encodeSessionMeta({
        deviceType: client.deviceType,
        osName: client.osName,
        osVersion: client.osVersion,
        clientName: client.clientName,
        clientVersion: client.clientVersion,
        clientAddress: protectAddress(
          address,
          this.options.addressMode,
          this.options.addressSecret,
        ),
      });
    } catch {
      // Odd input from the host never costs the session: it is counted, as unknown.
      return '';
    }
  }

  private restoreArgument(sessionId: string, userId: string): string {
    return encodeRestore(userId, this.metas.get(sessionId) ?? '');
  }

  /**
   * The session's user logged in (or resumed). A different user on the same session replaces the
   * first, who is logged out of it. Login on an unknown session is rejected: there is no session
   * to count the user in.
   */
  login(sessionId: string, userId: string): void {
    if (!this.accepting('login', sessionId)) return;
    const problem = idProblem(sessionId);
    if (problem)
      return this.reject('INVALID_SESSION_ID', 'login', sessionId, `session id ${problem}`);
    const userProblem = idProblem(userId);
    if (userProblem)
      return this.reject('INVALID_USER_ID', 'login', sessionId, `user id ${userProblem}`);
    if (!this.sessions.has(sessionId)) {
      return this.reject('UNKNOWN_SESSION', 'login', sessionId, 'no open session with this id');
    }
    this.sessions.set(sessionId, userId);
    const seq = this.queue.headSeq + this.queue.size;
    if (this.enqueue('i', sessionId, userId)) this.remember(userId, seq);
  }

  /** The session's user logged out; the session stays open, anonymous. No-op when nobody is logged in. */
  logout(sessionId: string): void {
    if (!this.accepting('logout', sessionId)) return;
    if (!this.sessions.get(sessionId)) return;
    this.sessions.set(sessionId, '');
    this.enqueue('u', sessionId);
  }

  /** The session ended. No-op for an unknown or already closed session. */
  close(sessionId: string): void {
    if (!this.accepting('close', sessionId)) return;
    if (!this.sessions.delete(sessionId)) return;
    this.metas.delete(sessionId);
    this.enqueue('c', sessionId);
  }

  /** Resolves once every event queued so far is in Redis. */
  async flush(): Promise<void> {
    for (;;) {
      // Checked on every pass: once a timed-out stop() has ended the drain loop, events stay
      // queued for good, and waiting on a drain that returns at once would spin forever.
      if (this.state !== 'started' && this.state !== 'stopping') {
        throw new SauError('NOT_STARTED', `cannot flush a monitor that is ${this.state}`);
      }
      if (this.queue.size === 0 && !this.draining) return;
      await this.drain();
    }
  }

  /** Graceful stop: flushes, closes this instance's sessions, releases the lease, closes its own connection. */
  async stop(): Promise<void> {
    if (this.state !== 'started') {
      this.state = 'stopped';
      return;
    }
    this.state = 'stopping';
    clearInterval(this.heartbeatTimer);
    clearInterval(this.resyncTimer);
    this.sampler?.pauseTimer();
    const work = (async () => {
      await this.reaping?.catch(() => undefined);
      await this.flush();
      await this.closeIncarnation(this.incarnation, 'now');
      const released = await releaseInstance(this.scripts(), this.keys, {
        instanceId: this.options.instanceId,
        incarnation: this.incarnation,
      });
      // A last sample without this instance, so the gauges do not keep its sessions if it was the
      // last one running; then another instance may sample at its next tick.
      if (this.options.gaugeIntervalMs > 0) await this.sampler?.sample().catch(() => false);
      await this.sampler?.release();
      if (released !== 1) {
        this.report(
          new RedisScriptError(
            'RELEASE_REFUSED',
            released === 0
              ? `instance id ${this.options.instanceId} belongs to another incarnation; its lease was left alone`
              : `sessions of instance ${this.options.instanceId} were still open; its lease lapses on its own`,
          ),
        );
      }
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
      this.sessions.clear();
      this.metas.clear();
      this.state = 'stopped';
      const client = this.client;
      client?.off('ready', this.onReady);
      client?.off('close', this.onClose);
      if (this.ownsClient && client) {
        if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
        else client.disconnect();
      }
    }
  }

  /**
   * Ends this monitor the way a crash would, for demos and fault tests: the heartbeat and resync
   * stop, queued events are dropped, nothing more is written and no session is closed; a client
   * the monitor opened is dropped. Its sessions stay in Redis until its lease lapses and a live
   * instance or `sau-cli reap` closes them at its last heartbeat. Returns the sessions it held.
   */
  crash(): number {
    const held = this.sessions.size;
    this.state = 'stopped';
    clearInterval(this.heartbeatTimer);
    clearInterval(this.resyncTimer);
    this.sampler?.pauseTimer();
    this.wakeRetry?.();
    this.sessions.clear();
    this.metas.clear();
    this.queue.replaceWith([]);
    const client = this.client;
    client?.off('ready', this.onReady);
    client?.off('close', this.onClose);
    if (this.ownsClient && client) client.disconnect();
    return held;
  }

  /** Live sessions this instance holds, as it sees them. */
  get liveSessionCount(): number {
    return this.sessions.size;
  }

  /**
   * The user logged in on a live session of this instance: a user id, `null` while anonymous,
   * `undefined` when the session is not open here. Adapters reconcile their server's view with it.
   */
  sessionUser(sessionId: string): string | null | undefined {
    const userId = this.sessions.get(sessionId);
    return userId === undefined ? undefined : userId || null;
  }

  /** Ids of the sessions this instance holds open. */
  liveSessionIds(): string[] {
    return [...this.sessions.keys()];
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
    return {
      queued: this.queue.size,
      dropped: this.droppedEvents,
      replayBuffered: this.replay.size,
      replayOverflow: this.replay.overflow,
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

  private accepting(operation: string, sessionId: unknown): boolean {
    if (this.state === 'stopping' || this.state === 'stopped') {
      this.reject('STOPPED', operation, sessionId, 'the monitor is stopped');
      return false;
    }
    return true;
  }

  private enqueue(op: SessionOp, sessionId: string, userId?: string): boolean {
    if (!this.queue.push(op, sessionId, userId)) {
      this.droppedEvents++;
      this.reject(
        'QUEUE_OVERFLOW',
        op,
        sessionId,
        `${this.options.maxQueuedEvents} events already wait for Redis`,
      );
      return false;
    }
    this.scheduleDrain();
    return true;
  }

  /** A login's day by the local clock corrected to Redis TIME, in case Redis gets it a day late. */
  private remember(userId: string, seq: number): void {
    if (this.replay.record(this.clock.today().date, userId, seq)) return;
    if (this.replayOverflowReported) return;
    this.replayOverflowReported = true;
    this.report(
      new RedisScriptError(
        'REPLAY_OVERFLOW',
        `${this.options.maxReplayUserDays} user-days of logins already wait for Redis; further logins count on the day Redis receives them (see queueStatus.replayOverflow)`,
      ),
    );
  }

  private scheduleDrain(): void {
    if (this.drainScheduled || this.state !== 'started') return;
    this.drainScheduled = true;
    // Events of one tick of the host's event loop go out together.
    setImmediate(() => {
      this.drainScheduled = false;
      void this.drain();
    });
  }

  /** One drain loop at a time, so batches reach Redis in queue order. */
  private drain(): Promise<void> {
    this.draining ??= this.drainLoop().finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  private async drainLoop(): Promise<void> {
    let failures = 0;
    while (
      (this.queue.size > 0 || this.replay.hasDue || this.recoveryDue) &&
      (this.state === 'started' || this.state === 'stopping')
    ) {
      if (this.queue.size === 0 && this.recoveryDue) {
        // Once the events queued meanwhile are in, so the scan finds only real drift.
        this.recoveryDue = false;
        try {
          await this.recoverAfterReconnect();
          failures = 0;
        } catch (err) {
          this.recoveryDue = true;
          this.report(
            new RedisScriptError(
              'REDIS_UNAVAILABLE',
              `recovery after reconnecting not done yet: ${(err as Error).message}`,
              err,
            ),
          );
          await this.backOff(++failures);
        }
        continue;
      }
      if (this.queue.size === 0) {
        // Logins confirmed on a later day than they happened: now into their own day.
        try {
          await this.replayDue();
          failures = 0;
        } catch (err) {
          this.report(
            new RedisScriptError(
              'REDIS_UNAVAILABLE',
              `logins not yet replayed: ${(err as Error).message}`,
              err,
            ),
          );
          await this.backOff(++failures);
        }
        continue;
      }
      if (this.reincarnating) {
        // A heartbeat found this instance reaped (as after a failover that outlasted the lease).
        // A batch taken now would carry the new incarnation and reach Redis before the snapshot
        // that replaces the queue: an open in it whose close is replaced would stay a ghost.
        await this.reincarnating.catch(() => undefined);
        continue;
      }
      const firstSeq = this.queue.headSeq;
      const resyncsAtTake = this.resyncs;
      const batch = this.queue.take(this.options.maxBatchSize);
      this.inFlight = batch;
      try {
        await this.sendBatch(batch, firstSeq);
        failures = 0;
      } catch (err) {
        // A batch that may or may not have run is simply sent again: the script skips the events
        // whose sequence numbers it has applied already. After a resync it is not: the snapshot
        // holds its effects, and an old open put back could revive a session closed since.
        if (resyncsAtTake === this.resyncs) this.queue.putBack(batch);
        this.report(
          new RedisScriptError(
            'REDIS_UNAVAILABLE',
            `events not yet written: ${(err as Error).message}`,
            err,
          ),
        );
        await this.backOff(++failures);
      } finally {
        this.inFlight = undefined;
      }
    }
  }

  private async sendBatch(events: string[], firstSeq: number): Promise<void> {
    let day = this.clock.today();
    for (let attempt = 0; ; attempt++) {
      const result = await applyEvents(this.scripts(), this.keys, {
        instanceId: this.options.instanceId,
        incarnation: this.incarnation,
        day,
        expiry: expiryOf(day, this.options.retentionDays),
        exactThreshold: this.options.exactThreshold,
        breakdownCap: this.options.breakdownCap,
        closedLog: this.closedLog,
        events,
        firstSeq,
      });
      this.clock.observe(result.nowMs);
      if (result.status === ScriptStatus.OK) return this.confirmed(firstSeq, events, day.date);
      if (result.status === ScriptStatus.REAPED) {
        // The resync snapshot replaces this batch too: the local truth already includes it.
        await this.reincarnate();
        return;
      }
      if (result.status === ScriptStatus.SUPERSEDED) {
        this.report(
          new RedisScriptError(
            'SUPERSEDED',
            `instance ${this.options.instanceId} was taken over by another incarnation; ${events.length / 3} events dropped`,
          ),
        );
        // The logins happened all the same: those of earlier days still go to their days.
        return this.confirmed(firstSeq, events, day.date);
      }
      if (attempt >= MAX_DAY_RETRIES) throw new Error('day keys kept missing Redis TIME');
      day = this.clock.dayAt(result.nowMs);
    }
  }

  private confirmed(firstSeq: number, events: string[], appliedDate: string): void {
    this.replay.confirm(firstSeq + events.length / 3, appliedDate);
    if (this.replay.size === 0) this.replayOverflowReported = false;
    if (this.options.failoverReplayMs > 0) this.rememberAcknowledged(events, appliedDate);
  }

  /** The users this batch made active on `appliedDate`, for a replay after a failover. */
  private rememberAcknowledged(events: string[], appliedDate: string): void {
    for (let i = 0; i < events.length; i += 3) {
      const op = events[i];
      if (op === 'i' || op === 'a') this.recentLogins.record(appliedDate, events[i + 2]);
      else if (op === 'm') {
        const userId = this.sessions.get(events[i + 1]);
        if (userId) this.recentLogins.record(appliedDate, userId);
      }
    }
  }

  private async replayDue(): Promise<void> {
    const due = this.replay.nextDue();
    if (!due) return;
    await this.markUsersActive(due.date, due.userIds, (userIds) => {
      // A refused day had not begun by Redis TIME: Redis counted those logins on its day already.
      this.replay.replayed(due.date, userIds);
      for (const userId of userIds) this.recentLogins.record(due.date, userId);
    });
  }

  /** Counts users active on `date`, REPLAY_BATCH a call; `done` gets each batch Redis took. */
  private async markUsersActive(
    date: string,
    userIds: string[],
    done: (userIds: string[]) => void = () => undefined,
  ): Promise<void> {
    const day = this.calendar.day(date);
    for (let i = 0; i < userIds.length; i += REPLAY_BATCH) {
      const batch = userIds.slice(i, i + REPLAY_BATCH);
      const result = await markActiveUsers(this.scripts(), this.keys, {
        day,
        expiry: expiryOf(day, this.options.retentionDays),
        exactThreshold: this.options.exactThreshold,
        userIds: batch,
      });
      this.clock.observe(result.nowMs);
      done(batch);
    }
  }

  /**
   * Runs in the drain loop, with nothing queued, after the connection was lost and is ready again.
   * The Redis answering now may be a replica that Sentinel promoted, which lacks the last writes
   * the old master acknowledged (replication is asynchronous). So: renew the lease at once (the
   * failover may have outlasted it, and another instance must not reap this one), repair this
   * instance's live sessions, and count the logins acknowledged within `failoverReplayMs` again
   * (idempotent). After a plain reconnection to the same data none of it changes anything.
   */
  private async recoverAfterReconnect(): Promise<void> {
    if (this.state !== 'started') return;
    // The scan takes its snapshot of this instance's sessions now, while nothing is queued, so
    // it finds only real drift; the heartbeat goes out first on the same connection. A heartbeat
    // that finds this instance reaped resends its whole truth under a new incarnation, and the
    // scan then returns undefined.
    const drift = await this.repairDriftNow(this.beat());
    let replayedUserDays = 0;
    for (const [date, userIds] of this.recentLogins.byDate()) {
      await this.markUsersActive(date, userIds);
      replayedUserDays += userIds.length;
    }
    try {
      this.emit('recovered', { replayedUserDays, drift } satisfies Recovery);
    } catch (err) {
      // The recovery is done: a listener's bug must not make it run again and again.
      this.report(
        new SauError('LISTENER_FAILED', `a 'recovered' listener threw: ${(err as Error).message}`),
      );
    }
  }

  /** Waits longer after each failure, up to a cap, or until the connection is ready again. */
  private async backOff(failures: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.min(MAX_RETRY_DELAY_MS, 50 * 2 ** failures));
      timer.unref();
      this.wakeRetry = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wakeRetry = undefined;
  }

  /**
   * Repairs drift between Redis and this instance's own truth: sessions Redis holds that this
   * instance closed, sessions it lacks, wrong users. Runs every `resyncIntervalMs` when no event
   * waits for Redis; resolves with what it found (undefined when it did not run).
   */
  resync(): Promise<Drift | undefined> {
    this.resyncing ??= this.repairDrift().finally(() => {
      this.resyncing = undefined;
    });
    return this.resyncing;
  }

  private async repairDrift(): Promise<Drift | undefined> {
    if (this.queue.size > 0 || this.draining) return undefined;
    try {
      return await this.repairDriftNow();
    } catch (err) {
      this.report(
        new RedisScriptError('RESYNC_FAILED', `resync failed: ${(err as Error).message}`, err),
      );
      return undefined;
    }
  }

  /**
   * Scans and queues the repairs; throws when Redis cannot be read. Events still queued would
   * make it repair what they settle anyway (no-ops, but counted), so callers start it with none.
   * `verdict` settles once a heartbeat sent before the scan has been handled.
   */
  private async repairDriftNow(verdict?: Promise<void>): Promise<Drift | undefined> {
    const client = this.client;
    if (this.state !== 'started' || !client || this.reincarnating) return undefined;
    const incarnation = this.incarnation;
    const before = new Map(this.sessions);
    const drift = await findDrift(
      client,
      this.keys.instanceSessions(this.options.instanceId, incarnation),
      before,
      this.sessions,
      readSessionMember,
      (sessionId, userId) => ['r', sessionId, this.restoreArgument(sessionId, userId)],
    );
    // A heartbeat sent before the scan may find this instance reaped (and reincarnate it).
    await verdict;
    // A reincarnation meanwhile resent everything under a new token; this scan is moot.
    if (incarnation !== this.incarnation || this.state !== 'started') return undefined;
    if (drift.events.length > 0) {
      let dropped = 0;
      for (let i = 0; i < drift.events.length; i += 3) {
        const op = drift.events[i] as SessionOp;
        if (!this.queue.push(op, drift.events[i + 1], drift.events[i + 2])) dropped++;
      }
      this.droppedEvents += dropped;
      this.report(
        new RedisScriptError(
          'DRIFT_REPAIRED',
          `Redis differed from instance ${this.options.instanceId}: ${drift.ghosts} sessions it no longer holds, ${drift.missing} missing, ${drift.mismatched} with the wrong user; repaired${dropped ? ` except ${dropped} (queue full)` : ''}`,
        ),
      );
      this.scheduleDrain();
    }
    return drift;
  }

  private closeIncarnation(incarnation: string, instant: 'now' | `${number}`): Promise<number> {
    return closeIncarnation(this.scripts(), this.keys, this.calendar, {
      instanceId: this.options.instanceId,
      incarnation,
      instant,
      expectedAtMs: instant === 'now' ? this.clock.now() : Number(instant),
      batchSize: this.options.closeBatchSize,
      retentionDays: this.options.retentionDays,
      breakdownCap: this.options.breakdownCap,
      closedLog: this.closedLog,
    });
  }

  private async beat(): Promise<void> {
    if (this.state !== 'started') return;
    try {
      const result = await heartbeat(this.scripts(), this.keys, {
        instanceId: this.options.instanceId,
        incarnation: this.incarnation,
        leaseMs: this.options.leaseMs,
      });
      this.clock.observe(result.nowMs);
      if (result.status === ScriptStatus.REAPED) {
        await this.reincarnate();
        this.scheduleDrain();
      } else if (result.status === ScriptStatus.SUPERSEDED) {
        this.report(
          new RedisScriptError(
            'SUPERSEDED',
            `another process registered instance id ${this.options.instanceId}; this one no longer owns it`,
          ),
        );
      } else {
        this.rollOverIfNewDay();
        this.scheduleReapCheck();
      }
    } catch (err) {
      this.report(
        new RedisScriptError(
          'HEARTBEAT_FAILED',
          `heartbeat failed: ${(err as Error).message}`,
          err,
        ),
      );
    }
  }

  /**
   * On the first heartbeat of a new local day, every session still open is carried over: its user
   * counts as active on the new day and month, and its time so far goes to the day before.
   */
  private rollOverIfNewDay(): void {
    const today = this.clock.today().date;
    if (today === this.currentDate) return;
    this.currentDate = today;
    let dropped = 0;
    for (const sessionId of this.sessions.keys()) if (!this.queue.push('m', sessionId)) dropped++;
    if (dropped > 0) {
      this.droppedEvents += dropped;
      this.report(
        new RedisScriptError(
          'QUEUE_OVERFLOW',
          `${dropped} sessions not rolled over to ${today}: queue full`,
        ),
      );
    }
    this.scheduleDrain();
  }

  /**
   * After a heartbeat, at a random point of the next interval, so N instances do not all look for
   * dead ones at the same moment.
   */
  private scheduleReapCheck(): void {
    const jitter = Math.random() * this.options.heartbeatIntervalMs * 0.5;
    setTimeout(() => {
      if (this.state !== 'started') return;
      this.reap().then(
        (report) => {
          if (report.sessions > 0 || report.instances > 0) this.emit('reaped', report);
        },
        (err: Error) =>
          this.report(new RedisScriptError('REAP_FAILED', `reaping failed: ${err.message}`, err)),
      );
    }, jitter).unref();
  }

  private scripts(): ScriptRunner {
    if (!this.runner) throw new SauError('NOT_STARTED', 'monitor is not started');
    return this.runner;
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

function withTimeout<T>(
  work: Promise<T>,
  ms: number,
  timeoutError: () => Error = () => new Error(`timed out after ${ms} ms`),
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeoutError()), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function readSessionMember(member: string): { sessionId: string; userId: string } {
  const { sessionId, userId } = parseSessionMember(member);
  return { sessionId, userId: userId ?? '' };
}
