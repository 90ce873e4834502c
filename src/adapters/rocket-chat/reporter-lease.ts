import type { Keys } from '../../keys';
import type { ScriptRunner } from '../../scripts/script-runner';
import { claimReporter } from '../../scripts/commands/claim-reporter';

/**
 * This process's claim to report one remote instance, backed by a lease in Redis
 * (lua/claimReporter-1.lua). Redis decides who holds it; locally the holder counts it as held only
 * until `leaseMs - marginMs` after it sent the claim, and `lapsed` fires then unless a renewal came
 * first: Redis cannot grant the lease to another process before `leaseMs` after it received the
 * claim, so this process stops writing before another can start.
 */
export class ReporterLease {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly runner: ScriptRunner,
    private readonly keys: Keys,
    private readonly options: {
      instanceId: string;
      holder: string;
      leaseMs: number;
      marginMs: number;
      lapsed: () => void;
    },
  ) {}

  /** Takes the lease, or renews it when held; true when this process holds it now. */
  async claim(): Promise<boolean> {
    const sentAt = performance.now();
    const { instanceId, holder, leaseMs, marginMs } = this.options;
    const granted = await claimReporter(this.runner, this.keys, { instanceId, holder, leaseMs });
    clearTimeout(this.timer);
    this.timer = undefined;
    if (granted) {
      const heldFor = sentAt + leaseMs - marginMs - performance.now();
      this.timer = setTimeout(
        () => {
          this.timer = undefined;
          this.options.lapsed();
        },
        Math.max(0, heldFor),
      );
      this.timer.unref();
    }
    return granted;
  }

  /** Gives the lease up (when held), so another process may take it at its next try. */
  async release(): Promise<void> {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    const { instanceId, holder } = this.options;
    await claimReporter(this.runner, this.keys, { instanceId, holder, leaseMs: 0 });
  }

  /** Forgets the lease without telling Redis (it lapses there on its own). */
  drop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
