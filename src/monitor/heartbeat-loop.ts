import { RedisScriptError } from '../errors/redis-script-error';
import { ScriptStatus } from '../scripts/script-status';
import { heartbeat } from '../scripts/commands/heartbeat';
import type { Incarnation } from './incarnation';
import { connectionOf, type MonitorContext } from './monitor-context';
import type { ReapReport } from './reaper';

/**
 * The lease, renewed by an O(1) heartbeat every `heartbeatIntervalMs`, whatever the session count.
 * A heartbeat that finds this incarnation reaped or replaced takes a new one; one on a new local
 * day carries the open sessions over midnight; after each, at a random point of the interval,
 * dead instances are looked for.
 */
export class HeartbeatLoop {
  /** The local date (by Redis time) of the last heartbeat: when it changes, sessions roll over. */
  currentDate = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: MonitorContext,
    private readonly incarnation: Incarnation,
    private readonly drain: { schedule(): void },
    private readonly reap: () => Promise<ReapReport>,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.beat(), this.ctx.options.heartbeatIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async beat(): Promise<void> {
    const { ctx, incarnation } = this;
    if (ctx.state !== 'started') return;
    const token = incarnation.token;
    try {
      const result = await heartbeat(connectionOf(ctx).runner, ctx.keys, {
        instanceId: incarnation.instanceId,
        incarnation: token,
        leaseMs: ctx.options.leaseMs,
      });
      ctx.clock.observe(result.nowMs);
      if (result.status === ScriptStatus.REAPED || result.status === ScriptStatus.SUPERSEDED) {
        // A heartbeat of an incarnation this monitor has already replaced says nothing new.
        if (token !== incarnation.token) return;
        await incarnation.reincarnate(
          result.status === ScriptStatus.REAPED ? 'REAPED' : 'SUPERSEDED',
        );
        this.drain.schedule();
      } else {
        this.rollOverIfNewDay();
        this.scheduleReapCheck();
      }
    } catch (err) {
      ctx.report(
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
    const { ctx } = this;
    const today = ctx.clock.today().date;
    if (today === this.currentDate) return;
    this.currentDate = today;
    let dropped = 0;
    for (const sessionId of ctx.sessions.ids()) if (!ctx.queue.push('m', sessionId)) dropped++;
    if (dropped > 0) {
      ctx.droppedEvents += dropped;
      ctx.report(
        new RedisScriptError(
          'QUEUE_OVERFLOW',
          `${dropped} sessions not rolled over to ${today}: queue full`,
        ),
      );
    }
    this.drain.schedule();
  }

  /**
   * After a heartbeat, at a random point of the next interval, so N instances do not all look for
   * dead ones at the same moment.
   */
  private scheduleReapCheck(): void {
    const { ctx } = this;
    const jitter = Math.random() * ctx.options.heartbeatIntervalMs * 0.5;
    setTimeout(() => {
      if (ctx.state !== 'started') return;
      this.reap().then(
        (report) => {
          if (report.sessions > 0 || report.instances > 0) ctx.emit('reaped', report);
        },
        (err: Error) =>
          ctx.report(new RedisScriptError('REAP_FAILED', `reaping failed: ${err.message}`, err)),
      );
    }, jitter).unref();
  }
}
