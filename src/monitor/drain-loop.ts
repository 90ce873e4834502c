import { RedisScriptError } from '../errors/redis-script-error';
import { ScriptStatus } from '../scripts/script-status';
import type { AppliedPart } from './batch-writer';
import type { Incarnation } from './incarnation';
import { connectionOf, type MonitorContext } from './monitor-context';
import { TakenEvents } from './taken-events';

const MAX_RETRY_DELAY_MS = 5000;

/**
 * Sends the queued events to Redis in queue order until the queue is empty: through the
 * incarnation's batch writer (which keeps up to MAX_BATCHES_IN_FLIGHT batches in flight while
 * events wait), again after a failure (with a backoff that a ready connection ends at once), and in
 * between, with nothing queued, the recovery after a lost connection and the replay of logins
 * into the day they happened on.
 */
export class DrainLoop {
  /** The events being sent: taken from the queue, not yet known to be in Redis. */
  private readonly taken = new TakenEvents();
  /** A reconnection happened: recover before the loop ends. */
  recoveryDue = false;
  private draining: Promise<void> | undefined;
  private scheduled = false;
  /** Ends the wait between two tries of a failed batch, when the connection is back. */
  private wakeRetry: (() => void) | undefined;

  constructor(
    private readonly ctx: MonitorContext,
    private readonly incarnation: Incarnation,
    private readonly work: {
      /** Runs with nothing queued after a reconnection; throws while Redis cannot be reached. */
      recover: () => Promise<void>;
      /** Logins confirmed on a later day than they happened, into their own day; throws likewise. */
      replayDue: () => Promise<void>;
      /** Redis took these events. */
      confirmed: (part: AppliedPart) => void;
    },
  ) {}

  /** The events being sent, if any: taken from the queue, not yet known to be in Redis. */
  get inFlight(): string[] | undefined {
    return this.taken.empty ? undefined : this.taken.events();
  }

  get busy(): boolean {
    return this.draining !== undefined;
  }

  /** Work waits: events, a recovery after a reconnection, or logins to replay into their day. */
  get pending(): boolean {
    const { ctx } = this;
    return this.busy || ctx.queue.size > 0 || this.recoveryDue || ctx.replay.hasDue;
  }

  /** Events of one tick of the host's event loop go out together. */
  schedule(): void {
    if (this.scheduled || this.ctx.state !== 'started') return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.drain();
    });
  }

  /** One drain loop at a time, so batches reach Redis in queue order. */
  drain(): Promise<void> {
    this.draining ??= this.loop().finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  /** The connection is ready again: end a backoff at once. */
  wake(): void {
    this.wakeRetry?.();
  }

  private running(): boolean {
    return this.ctx.state === 'started' || this.ctx.state === 'stopping';
  }

  private async loop(): Promise<void> {
    const { ctx } = this;
    let failures = 0;
    while ((ctx.queue.size > 0 || ctx.replay.hasDue || this.recoveryDue) && this.running()) {
      if (ctx.queue.size === 0) {
        // Once the events queued meanwhile are in, so the recovery's scan finds only real drift.
        const recovering = this.recoveryDue;
        this.recoveryDue = false;
        try {
          await (recovering ? this.work.recover() : this.work.replayDue());
          failures = 0;
        } catch (err) {
          if (recovering) this.recoveryDue = true;
          ctx.report(
            new RedisScriptError(
              'REDIS_UNAVAILABLE',
              recovering
                ? `recovery after reconnecting not done yet: ${(err as Error).message}`
                : `logins not yet replayed: ${(err as Error).message}`,
              err,
            ),
          );
          await this.backOff(++failures);
        }
        continue;
      }
      if (this.incarnation.pending) {
        // A heartbeat found this instance reaped (as after a failover that outlasted the lease).
        // A batch taken now would carry the new incarnation and reach Redis before the snapshot
        // that replaces the queue: an open in it whose close is replaced would stay a ghost.
        await this.incarnation.pending.catch(() => undefined);
        continue;
      }
      const firstSeq = ctx.queue.headSeq;
      const resyncsAtTake = this.incarnation.resyncs;
      const batch = ctx.queue.take(ctx.options.maxBatchSize);
      this.taken.add(batch, firstSeq);
      // While a batch is in flight the writer sends the next: taken here, so that the queue, a
      // reincarnation and a failure see every event taken and not yet confirmed.
      const more = () => {
        if (!this.mayTakeMore(resyncsAtTake)) return undefined;
        const nextSeq = ctx.queue.headSeq;
        const next = ctx.queue.take(ctx.options.maxBatchSize);
        this.taken.add(next, nextSeq);
        return next;
      };
      try {
        await this.send(batch, firstSeq, more);
        failures = 0;
      } catch (err) {
        // Events that may or may not have run are simply sent again: the script knows what it
        // applied. After a resync they are not: the snapshot holds their effects, and an old open
        // put back could revive a session closed since.
        if (resyncsAtTake === this.incarnation.resyncs) ctx.queue.putBack(this.taken.events());
        ctx.report(
          new RedisScriptError(
            'REDIS_UNAVAILABLE',
            `events not yet written: ${(err as Error).message}`,
            err,
          ),
        );
        await this.backOff(++failures);
      } finally {
        this.taken.clear();
      }
    }
  }

  /** Events may join the batches in flight: nothing since the take asks to wait for them. */
  private mayTakeMore(resyncsAtTake: number): boolean {
    const { ctx, incarnation } = this;
    return (
      this.running() &&
      ctx.queue.size > 0 &&
      !this.recoveryDue &&
      !incarnation.pending &&
      incarnation.resyncs === resyncsAtTake
    );
  }

  private async send(
    events: string[],
    firstSeq: number,
    more: () => readonly string[] | undefined,
  ): Promise<void> {
    const { ctx, incarnation } = this;
    const token = incarnation.token;
    const result = await connectionOf(ctx).writer.write(
      events,
      firstSeq,
      ctx.clock.today(),
      (part) => {
        this.taken.confirmBelow(part.firstSeq + part.events.length / 3);
        this.work.confirmed(part);
      },
      more,
    );
    // A batch that changed nothing was not sent: no Redis TIME came back.
    if (Number.isFinite(result.nowMs)) ctx.clock.observe(result.nowMs);
    if (result.status === ScriptStatus.REAPED || result.status === ScriptStatus.SUPERSEDED) {
      // The resync snapshot replaces this batch too: the local truth already includes it. A batch
      // of an incarnation this monitor has replaced itself meanwhile is in that snapshot.
      if (token === incarnation.token) {
        await incarnation.reincarnate(
          result.status === ScriptStatus.REAPED ? 'REAPED' : 'SUPERSEDED',
        );
      }
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
}
