import { RedisScriptError } from '../errors/redis-script-error';
import { SauError } from '../errors/sau-error';
import { markActiveUsers } from '../scripts/commands/mark-active-users';
import { expiryOf } from '../time/retention';
import type { AppliedPart } from './batch-writer';
import type { Drift } from './drift-repair';
import { connectionOf, type MonitorContext } from './monitor-context';
import type { Resync } from './resync';

/** Users per replay call: bounded like every other batch. */
const REPLAY_BATCH = 1000;

/** What the `recovered` event carries: the work done after a reconnection (see recoverAfterReconnect). */
export interface Recovery {
  /** User-days Redis counted within `failoverReplayMs` before, counted active again. */
  replayedUserDays: number;
  /** What the resync of live sessions found and queued; undefined when a reincarnation replaced it. */
  drift: Drift | undefined;
}

/**
 * Keeps logins counted on the day they happened, whatever Redis went through: logins queued during
 * an outage that spans midnight are replayed into their own day once Redis has them, and logins
 * Redis acknowledged lately are counted again after every reconnection, with a resync of the live
 * sessions, in case the Redis answering now is a promoted replica that lacks the last writes.
 */
export class LoginRecovery {
  private replayOverflowReported = false;

  constructor(
    private readonly ctx: MonitorContext,
    private readonly resync: Resync,
    /** A heartbeat now, which reincarnates this instance if it was reaped meanwhile. */
    private readonly beat: () => Promise<void>,
  ) {}

  /** A login's day by the local clock corrected to Redis TIME, in case Redis gets it a day late. */
  remember(userId: string, seq: number): void {
    const { ctx } = this;
    if (ctx.replay.record(ctx.clock.today().date, userId, seq)) return;
    if (this.replayOverflowReported) return;
    this.replayOverflowReported = true;
    ctx.report(
      new RedisScriptError(
        'REPLAY_OVERFLOW',
        `${ctx.options.maxReplayUserDays} user-days of logins already wait for Redis; further logins count on the day Redis receives them (see queueStatus.replayOverflow)`,
      ),
    );
  }

  /** Redis applied these events on `part.date`. */
  confirmed(part: AppliedPart): void {
    const { ctx } = this;
    ctx.replay.confirm(part.firstSeq + part.events.length / 3, part.date);
    if (ctx.replay.size === 0) this.replayOverflowReported = false;
    // For a replay after a failover: the users this write counted active on that day. A login of
    // a user the day had counted before wrote nothing a failover could lose.
    ctx.recentLogins.record(part.date, part.activeUsers);
  }

  /** Logins Redis counted on a later day than they happened, into their own day. */
  async replayDue(): Promise<void> {
    const { ctx } = this;
    const due = ctx.replay.nextDue();
    if (!due) return;
    await this.markUsersActive(due.date, due.userIds, (userIds) => {
      // A refused day had not begun by Redis TIME: Redis counted those logins on its day already.
      ctx.replay.replayed(due.date, userIds);
      ctx.recentLogins.record(due.date, userIds);
    });
  }

  /**
   * Runs in the drain loop, with nothing queued, after the connection was lost and is ready again.
   * The Redis answering now may be a replica that Sentinel promoted, which lacks the last writes
   * the old master acknowledged (replication is asynchronous). So: renew the lease at once (the
   * failover may have outlasted it, and another instance must not reap this one), repair this
   * instance's live sessions, and count the users it counted active within `failoverReplayMs` again
   * (idempotent). After a plain reconnection to the same data none of it changes anything.
   */
  async recoverAfterReconnect(): Promise<void> {
    const { ctx } = this;
    if (ctx.state !== 'started') return;
    // What Redis confirmed before may be lost: send users and expiries again.
    connectionOf(ctx).writer.forgetConfirmed();
    // The scan takes its snapshot of this instance's sessions now, while nothing is queued, so
    // it finds only real drift; the heartbeat goes out first on the same connection. A heartbeat
    // that finds this instance reaped resends its whole truth under a new incarnation, and the
    // scan then returns undefined.
    const drift = await this.resync.repairNow(this.beat());
    let replayedUserDays = 0;
    for (const [date, userIds] of ctx.recentLogins.byDate()) {
      await this.markUsersActive(date, userIds);
      replayedUserDays += userIds.length;
    }
    try {
      ctx.emit('recovered', { replayedUserDays, drift } satisfies Recovery);
    } catch (err) {
      // The recovery is done: a listener's bug must not make it run again and again.
      ctx.report(
        new SauError('LISTENER_FAILED', `a 'recovered' listener threw: ${(err as Error).message}`),
      );
    }
  }

  /** Counts users active on `date`, REPLAY_BATCH a call; `done` gets each batch Redis took. */
  private async markUsersActive(
    date: string,
    userIds: string[],
    done: (userIds: string[]) => void = () => undefined,
  ): Promise<void> {
    const { ctx } = this;
    const day = ctx.calendar.day(date);
    for (let i = 0; i < userIds.length; i += REPLAY_BATCH) {
      const batch = userIds.slice(i, i + REPLAY_BATCH);
      const result = await markActiveUsers(connectionOf(ctx).runner, ctx.keys, {
        day,
        expiry: expiryOf(day, ctx.options.retentionDays),
        exactThreshold: ctx.options.exactThreshold,
        userIds: batch,
      });
      ctx.clock.observe(result.nowMs);
      if (result.refusedByDay > 0 || result.refusedByMonth > 0) {
        ctx.report(
          new RedisScriptError(
            'PERIOD_CLOSED',
            `${result.refusedByDay} users not counted on ${date} and ${result.refusedByMonth} not in ${day.month}: its exact user set has expired and its count is frozen`,
          ),
        );
      }
      done(batch);
    }
  }
}
