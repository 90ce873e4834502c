import { SauError } from '../errors/sau-error';
import { RedisScriptError } from '../errors/redis-script-error';
import { ScriptRunner } from '../scripts/script-runner';
import { BatchWriter } from './batch-writer';
import { ConnectionWatch } from './connection-watch';
import type { DrainLoop } from './drain-loop';
import { GaugeSampler } from './gauge-sampler';
import type { HeartbeatLoop } from './heartbeat-loop';
import type { Incarnation } from './incarnation';
import type { MonitorContext } from './monitor-context';
import { Reaper, type ReapProgress, type ReapReport } from './reaper';
import type { Resync } from './resync';
import { withTimeout } from './with-timeout';

/** The parts a lifecycle starts and stops. */
export interface LifecycleParts {
  incarnation: Incarnation;
  drainLoop: DrainLoop;
  heartbeat: HeartbeatLoop;
  resync: Resync;
  /** Resolves once every queued event is in Redis. */
  flush: () => Promise<void>;
}

/**
 * A monitor's life: start (connection, writer, registration of a new incarnation, timers), graceful
 * stop (flush, close this incarnation's sessions, release the lease and the sampler), a crash for
 * demos and fault tests, and the reaping of dead instances a started monitor does.
 */
export class MonitorLifecycle {
  sampler: GaugeSampler | undefined;
  private watch: ConnectionWatch | undefined;
  private reaper: Reaper | undefined;
  private reaping: Promise<ReapReport> | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly ctx: MonitorContext,
    private readonly parts: LifecycleParts,
  ) {}

  /** Starts once: a second call, or one after stop(), is refused (ALREADY_STARTED). */
  start(): Promise<void> {
    const { ctx } = this;
    if (ctx.state !== 'new') {
      return Promise.reject(new SauError('ALREADY_STARTED', `monitor is ${ctx.state}`));
    }
    ctx.state = 'starting';
    this.starting = this.startOnce().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async startOnce(): Promise<void> {
    const { ctx, parts } = this;
    const { options } = ctx;
    let watch: ConnectionWatch | undefined;
    let runner: ScriptRunner;
    try {
      // In the try: a `redis` option that cannot be connected to leaves the monitor new.
      watch = new ConnectionWatch(ctx, {
        ready: () => parts.drainLoop.wake(),
        reconnected: () => {
          parts.drainLoop.recoveryDue = true;
          parts.drainLoop.schedule();
        },
      });
      runner = new ScriptRunner(watch.client);
      ctx.connection = {
        client: watch.client,
        runner,
        writer: new BatchWriter(runner, ctx.keys, ctx.calendar, {
          ...options,
          incarnation: '',
          closedLog: ctx.closedLog,
        }),
      };
      this.reaper = new Reaper(runner, ctx.keys, ctx.calendar, {
        ...options,
        closedLog: ctx.closedLog,
      });
      await withTimeout(
        (async () => {
          // First, so that a start that fails for it leaves nothing registered.
          await this.prepareScripts(runner);
          await parts.incarnation.register();
        })(),
        options.startTimeoutMs,
        () =>
          new RedisScriptError(
            'START_FAILED',
            `Redis did not take the registration of instance ${parts.incarnation.instanceId} within startTimeoutMs (${options.startTimeoutMs} ms); is it reachable, and a Cluster with every slot served?`,
          ),
      );
    } catch (err) {
      ctx.state = 'new';
      ctx.connection = undefined;
      this.reaper = undefined;
      await watch?.close(false);
      throw err;
    }
    if (ctx.state !== 'starting') {
      // crash() while it started: nothing more is written; the new incarnation lapses with its
      // lease, as a crashed process's would.
      await watch.close(false);
      throw new SauError('STOPPED', 'the monitor crashed while it started');
    }
    this.watch = watch;
    ctx.state = 'started';
    parts.heartbeat.start();
    this.resyncTimer = setInterval(() => void parts.resync.run(), options.resyncIntervalMs);
    this.resyncTimer.unref();
    this.sampler = new GaugeSampler(
      runner,
      ctx.keys,
      ctx.clock,
      {
        intervalMs: options.gaugeIntervalMs,
        exactThreshold: options.exactThreshold,
        timelineRetentionDays: options.timelineRetentionDays,
        samplerId: `${parts.incarnation.instanceId} ${parts.incarnation.token}`,
      },
      (err) => ctx.report(err),
    );
    this.sampler.start();
    parts.drainLoop.schedule();
  }

  /** applyBatch's library loaded now: a Redis or a user that cannot run it fails the start. */
  private async prepareScripts(runner: ScriptRunner): Promise<void> {
    try {
      await runner.prepare('applyBatch');
    } catch (err) {
      throw new RedisScriptError('START_FAILED', (err as Error).message, err);
    }
  }

  /**
   * One stop, whoever asks and however often (a SIGTERM and a SIGINT both): every caller gets the
   * same promise. A stop asked while the monitor starts waits for the start, then stops what it
   * started.
   */
  stop(): Promise<void> {
    this.stopping ??= this.stopOnce();
    return this.stopping;
  }

  private async stopOnce(): Promise<void> {
    const { ctx, parts } = this;
    await this.starting?.catch(() => undefined);
    if (ctx.state !== 'started') {
      ctx.state = 'stopped';
      return;
    }
    ctx.state = 'stopping';
    this.stopTimers();
    const work = (async () => {
      await this.reaping?.catch(() => undefined);
      await parts.flush();
      await parts.incarnation.close(parts.incarnation.token, 'now');
      await parts.incarnation.release();
      // A last sample without this instance, so the gauges do not keep its sessions if it was the
      // last one running; then another instance may sample at its next tick.
      if (ctx.options.gaugeIntervalMs > 0) await this.sampler?.sample().catch(() => false);
      await this.sampler?.release();
    })();
    let finished = false;
    try {
      await withTimeout(work, ctx.options.stopTimeoutMs);
      finished = true;
    } catch (err) {
      ctx.report(
        new RedisScriptError(
          'STOP_INCOMPLETE',
          `stop could not finish (${(err as Error).message}); the lease lapses within ${ctx.options.leaseMs} ms and a live instance or \`sau-cli reap\` closes the remaining sessions at the last heartbeat`,
          err,
        ),
      );
    } finally {
      ctx.sessions.clear();
      ctx.state = 'stopped';
      // A stop that ran out of time does not wait for a QUIT either: Redis is not answering.
      await this.watch?.close(finished);
    }
  }

  /** Ends like a crash: nothing more is written, no session closed. Returns the sessions held. */
  crash(): number {
    const { ctx } = this;
    const held = ctx.sessions.size;
    ctx.state = 'stopped';
    this.stopTimers();
    this.parts.drainLoop.wake();
    ctx.sessions.clear();
    ctx.queue.replaceWith([]);
    void this.watch?.close(false);
    return held;
  }

  /** One reaping pass at a time per monitor. */
  reap(onProgress?: (progress: ReapProgress) => void): Promise<ReapReport> {
    const reaper = this.reaper;
    if (!reaper || this.ctx.state !== 'started') {
      return Promise.reject(new SauError('NOT_STARTED', `monitor is ${this.ctx.state}`));
    }
    this.reaping ??= reaper.reap(onProgress).finally(() => {
      this.reaping = undefined;
    });
    return this.reaping;
  }

  private stopTimers(): void {
    this.parts.heartbeat.stop();
    clearInterval(this.resyncTimer);
    this.sampler?.pauseTimer();
  }
}
