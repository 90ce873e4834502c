import { SessionMonitor } from '../../monitor/session-monitor';
import type { SessionMonitorOptions } from '../../monitor/monitor-options';
import type { SauError } from '../../errors/sau-error';
import { applySessionEvent } from './apply-session-event';
import type { RemoteShadow } from './remote-shadow';
import type { SessionEvent } from './rocket-chat-events';

/**
 * The monitor that writes one remote instance's sessions under that instance's id, while this
 * process holds its reporter lease. It starts from the shadow (so a takeover writes every session
 * the shadow knows), then follows the instance's events.
 *
 * Starting registers a new incarnation of the instance id: a previous reporter's incarnation
 * (a process that died, or gave the lease up) is closed at its last heartbeat first, so the
 * sessions are never counted twice; they count as opened (and logged in) again on the day.
 */
export class RemoteReporter {
  readonly monitor: SessionMonitor;
  /** start() failed, or the reporter was abandoned: it writes nothing more and must be replaced. */
  failed = false;
  /** Settles once start() did; stop and abandon wait for it, so a late start cannot revive the monitor. */
  private starting: Promise<unknown> = Promise.resolve();

  constructor(
    options: SessionMonitorOptions & { instanceId: string },
    report: (err: SauError) => void,
  ) {
    this.monitor = new SessionMonitor(options);
    this.monitor.on('error', report);
  }

  /** Writes the shadow's sessions, then registers with Redis (queued events wait for it). */
  async start(shadow: RemoteShadow): Promise<void> {
    for (const { info, userId } of shadow.sessions.values()) {
      this.monitor.open(info);
      if (userId) this.monitor.login(info.id, userId);
    }
    const starting = this.monitor.start();
    this.starting = starting.catch(() => undefined);
    try {
      await starting;
    } catch (err) {
      this.failed = true;
      throw err;
    }
  }

  apply(event: SessionEvent): void {
    if (!this.failed) applySessionEvent(this.monitor, event, 'live');
  }

  /** The instance is dead: its sessions end now, and its id's lease is released. */
  async stop(): Promise<void> {
    this.failed = true;
    await this.starting;
    await this.monitor.stop();
  }

  /**
   * This process may no longer hold the reporter lease: stop writing at once, leaving the
   * sessions in Redis to the next reporter (which closes this incarnation as it starts) or to
   * the reapers (at this incarnation's last heartbeat).
   */
  abandon(): void {
    this.failed = true;
    void this.starting.then(() => this.monitor.crash());
  }
}
