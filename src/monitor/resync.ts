import { RedisScriptError } from '../errors/redis-script-error';
import type { SessionOp } from './batch-builder';
import { findDrift, type Drift } from './drift-repair';
import type { Incarnation } from './incarnation';
import { connectionOf, type MonitorContext } from './monitor-context';

/**
 * Repairs drift between Redis and this instance's own truth: sessions Redis holds that this
 * instance closed, sessions it lacks, wrong users. Runs every `resyncIntervalMs` when no event
 * waits for Redis, after a reconnection, and when a batch found members it did not expect.
 */
export class Resync {
  private running: Promise<Drift | undefined> | undefined;

  constructor(
    private readonly ctx: MonitorContext,
    private readonly incarnation: Incarnation,
    private readonly drain: { busy: boolean; schedule(): void },
  ) {}

  /** Resolves with what it found; undefined when it did not run (events were waiting). */
  run(): Promise<Drift | undefined> {
    this.running ??= this.repairWhenIdle().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async repairWhenIdle(): Promise<Drift | undefined> {
    if (this.ctx.queue.size > 0 || this.drain.busy) return undefined;
    try {
      return await this.repairNow();
    } catch (err) {
      this.ctx.report(
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
  async repairNow(verdict?: Promise<void>): Promise<Drift | undefined> {
    const { ctx, incarnation } = this;
    if (ctx.state !== 'started' || !ctx.connection || incarnation.pending) return undefined;
    const token = incarnation.token;
    const { client, writer } = connectionOf(ctx);
    const drift = await findDrift(
      client,
      ctx.keys.instanceSessions(incarnation.instanceId, token),
      writer.mirror,
      ctx.sessions,
    );
    // A heartbeat sent before the scan may find this instance reaped (and reincarnate it).
    await verdict;
    // A reincarnation meanwhile resent everything under a new token; this scan is moot.
    if (token !== incarnation.token || ctx.state !== 'started') return undefined;
    if (drift.events.length > 0) {
      let dropped = 0;
      for (let i = 0; i < drift.events.length; i += 3) {
        const op = drift.events[i] as SessionOp;
        if (!ctx.queue.push(op, drift.events[i + 1], drift.events[i + 2])) dropped++;
      }
      ctx.droppedEvents += dropped;
      ctx.report(
        new RedisScriptError(
          'DRIFT_REPAIRED',
          `Redis differed from instance ${incarnation.instanceId}: ${drift.ghosts} sessions it no longer holds, ${drift.missing} missing, ${drift.mismatched} with the wrong user; repaired${dropped ? ` except ${dropped} (queue full)` : ''}`,
        ),
      );
      this.drain.schedule();
    }
    return drift;
  }
}
