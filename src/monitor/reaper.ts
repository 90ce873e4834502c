import type { Keys } from '../keys';
import type { ScriptRunner } from '../scripts/script-runner';
import { claimDeadInstance } from '../scripts/commands/claim-dead-instance';
import {
  expiredLeases,
  LAPSED_PER_LOOK,
  reapingIncarnations,
  type DeadIncarnation,
} from '../scripts/commands/expired-leases';
import { finishReap } from '../scripts/commands/finish-reap';
import type { ZonedCalendar } from '../time/zoned-calendar';
import type { ClosedLogLimits } from '../scripts/closed-log-limits';
import { closeIncarnation } from './close-incarnation';

export type { DeadIncarnation } from '../scripts/commands/expired-leases';

export interface ReapProgress extends DeadIncarnation {
  closed: number;
  left: number;
}

/** What one reap pass did. */
export interface ReapReport {
  /** Incarnations finished (all their sessions closed) by this pass. */
  instances: number;
  /** Sessions this pass closed. */
  sessions: number;
}

export interface ReaperOptions {
  closeBatchSize: number;
  closeCallsInFlight: number;
  retentionDays: number;
  /** Distinct values a day breakdown hash counts before the rest go to `other`. Default 50. */
  breakdownCap?: number;
  /** Where reaped sessions are logged as closed; default on (1,000,000 entries, 35 days). */
  closedLog?: ClosedLogLimits;
}

/**
 * Closes the sessions of instances whose lease lapsed (crash, SIGKILL, partition), at their last
 * heartbeat. Claiming is atomic, and each chunk of sessions is checked before it is closed, so
 * any number of reapers may run at once and every session is still closed exactly once.
 */
export class Reaper {
  constructor(
    private readonly runner: ScriptRunner,
    private readonly keys: Keys,
    private readonly calendar: ZonedCalendar,
    private readonly options: ReaperOptions,
  ) {}

  /** One pass: claims lapsed leases, then closes the sessions of every claimed incarnation. */
  async reap(onProgress?: (progress: ReapProgress) => void): Promise<ReapReport> {
    const found = await expiredLeases(this.runner, this.keys, { limit: LAPSED_PER_LOOK });
    let claimed = 0;
    for (const instanceId of found.instanceIds) {
      if (await claimDeadInstance(this.runner, this.keys, { instanceId })) claimed++;
    }
    const report: ReapReport = { instances: 0, sessions: 0 };
    // A lapsed lease another reaper just claimed is in the reaping hash now: join its closing.
    if (claimed === 0 && found.reaping === 0 && found.instanceIds.length === 0) return report;
    for (const dead of await reapingIncarnations(this.runner, this.keys)) {
      report.sessions += await closeIncarnation(this.runner, this.keys, this.calendar, {
        ...dead,
        instant: `${dead.heartbeatMs}`,
        batchSize: this.options.closeBatchSize,
        callsInFlight: this.options.closeCallsInFlight,
        retentionDays: this.options.retentionDays,
        breakdownCap: this.options.breakdownCap,
        closedLog: this.options.closedLog,
        onBatch: (closed, left) => onProgress?.({ ...dead, closed, left }),
      });
      if (await finishReap(this.runner, this.keys, dead)) report.instances++;
    }
    return report;
  }
}
