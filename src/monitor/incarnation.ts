import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { RedisScriptError } from '../errors/redis-script-error';
import { registerInstance } from '../scripts/commands/register-instance';
import { releaseInstance } from '../scripts/commands/release-instance';
import { closeIncarnation } from './close-incarnation';
import { derivedInstanceId } from './derived-instance-id';
import { loginUserOf } from './login-argument';
import { connectionOf, type MonitorContext } from './monitor-context';

/**
 * Who this process is in Redis: its instance id (the configured one, or one derived from it once
 * another live process took that), and its incarnation, new at every registration. Registers,
 * takes a new incarnation when Redis lost this one, closes an incarnation's sessions, releases.
 */
export class Incarnation {
  /** The instance id this process writes under. */
  instanceId: string;
  /** This process's current incarnation of it. */
  token = '';
  /** Counts resyncs: a batch taken before one is already part of its snapshot. */
  resyncs = 0;
  private supersededReported = false;
  private reincarnating: Promise<void> | undefined;

  constructor(
    private readonly ctx: MonitorContext,
    /** The batch being sent, not yet known to be in Redis. */
    private readonly inFlight: () => readonly string[] | undefined,
    /** Called after every registration (the heartbeat takes its day from it). */
    private readonly registered: () => void = () => undefined,
  ) {
    this.instanceId = ctx.options.instanceId;
  }

  /** A reincarnation under way, which the drain loop waits for. */
  get pending(): Promise<void> | undefined {
    return this.reincarnating;
  }

  /** Takes the instance id with a new incarnation; a previous one's sessions end at its last heartbeat. */
  async register(): Promise<void> {
    const { ctx } = this;
    const { runner, writer } = connectionOf(ctx);
    this.token = `${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
    writer.options.instanceId = this.instanceId;
    writer.forgetConfirmed(this.token, ctx.queue.headSeq);
    const registered = await registerInstance(runner, ctx.keys, {
      instanceId: this.instanceId,
      incarnation: this.token,
      leaseMs: ctx.options.leaseMs,
      host: hostname(),
      pid: process.pid,
      timezone: ctx.options.timezone,
    });
    ctx.clock.observe(registered.nowMs);
    this.registered();
    if (registered.previousIncarnation) {
      // A restart with the same id: the old process is gone, so its sessions end at its last heartbeat.
      await this.close(registered.previousIncarnation, `${registered.previousHeartbeatMs}`);
    }
  }

  /**
   * A reaper took this incarnation for dead (a long pause, a partition), or Redis lost its data
   * (`REAPED`), or another live process registered this instance id (`SUPERSEDED`: it took the id
   * as a restart would, closing this incarnation's sessions): take a new incarnation, under an id of
   * its own when superseded, and send this instance's whole truth again in place of the queued
   * events, which it already reflects, except for users who logged in and out again meanwhile:
   * they are sent as active today, so DAU and MAU keep them.
   */
  reincarnate(cause: 'REAPED' | 'SUPERSEDED'): Promise<void> {
    this.reincarnating ??= (async () => {
      const { ctx } = this;
      this.resyncs++;
      // The batch being sent may come back refused while this registers, and is then dropped:
      // its logins are taken now, before the drain loop lets go of it.
      const sentLogins = loginsOf(this.inFlight() ?? []);
      if (cause === 'SUPERSEDED') this.takeOwnIdentity();
      else {
        ctx.report(
          new RedisScriptError(
            'REAPED',
            `instance ${this.instanceId} was reaped while alive; resyncing ${ctx.sessions.size} sessions`,
          ),
        );
      }
      await this.register();
      const snapshot: string[] = [];
      const live = new Set<string>();
      for (const [sessionId, userId] of ctx.sessions.users()) {
        snapshot.push('r', sessionId, ctx.sessions.restoreArgument(sessionId));
        if (userId) live.add(userId);
      }
      // Logins not yet known to be in Redis: the batch being sent then or now, the queued events.
      const lostLogins = new Set([...sentLogins, ...loginsOf(this.inFlight() ?? [])]);
      ctx.queue.forEach((op, _sessionId, arg) => {
        if (op === 'i') lostLogins.add(loginUserOf(arg));
      });
      for (const userId of lostLogins) if (!live.has(userId)) snapshot.push('a', '', userId);
      ctx.queue.replaceWith(snapshot);
    })().finally(() => {
      this.reincarnating = undefined;
    });
    return this.reincarnating;
  }

  /** Closes every session of `incarnation` of this instance id at `instant`. */
  close(incarnation: string, instant: 'now' | `${number}`): Promise<number> {
    const { ctx } = this;
    return closeIncarnation(connectionOf(ctx).runner, ctx.keys, ctx.calendar, {
      instanceId: this.instanceId,
      incarnation,
      instant,
      batchSize: ctx.options.closeBatchSize,
      callsInFlight: ctx.options.closeCallsInFlight,
      retentionDays: ctx.options.retentionDays,
      breakdownCap: ctx.options.breakdownCap,
      closedLog: ctx.closedLog,
    });
  }

  /** Gives the lease back once this incarnation's sessions are closed; reports a refusal. */
  async release(): Promise<void> {
    const { ctx } = this;
    const released = await releaseInstance(connectionOf(ctx).runner, ctx.keys, {
      instanceId: this.instanceId,
      incarnation: this.token,
    });
    if (released === 1) return;
    ctx.report(
      new RedisScriptError(
        'RELEASE_REFUSED',
        released === 0
          ? `instance id ${this.instanceId} belongs to another incarnation; its lease was left alone`
          : `sessions of instance ${this.instanceId} were still open; its lease lapses on its own`,
      ),
    );
  }

  /**
   * Another live process holds this instance id: go on under a derived one. Said loudly, once per
   * monitor, since it is a configuration mistake (replicas sharing one instanceId) to fix.
   */
  private takeOwnIdentity(): void {
    const { ctx } = this;
    const taken = this.instanceId;
    this.instanceId = derivedInstanceId(ctx.options.instanceId);
    if (this.supersededReported) return;
    this.supersededReported = true;
    ctx.report(
      new RedisScriptError(
        'SUPERSEDED',
        `another live process registered instance id ${taken} while this one was running (do several processes share one instanceId?); this one goes on being counted as ${this.instanceId}, its ${ctx.sessions.size} live sessions resent. Give each process its own instanceId.`,
      ),
    );
  }
}

/** The users of the login events among flat event triples. */
function loginsOf(events: readonly string[]): string[] {
  const users: string[] = [];
  for (let i = 0; i < events.length; i += 3) {
    if (events[i] === 'i') users.push(loginUserOf(events[i + 2]));
  }
  return users;
}
