import type { Keys } from '../keys';
import { RedisScriptError } from '../errors/redis-script-error';
import type { ScriptRunner } from '../scripts/script-runner';
import { releaseSampler, sampleGauges } from '../scripts/commands/sample-gauges';
import type { RedisClock } from './redis-clock';
import { DAY_MS } from '../time/zoned-calendar';

/** The sampler's lease outlives two missed samples, so one slow call does not hand it over. */
const LEASE_INTERVALS = 3;

export interface GaugeSamplerOptions {
  /** 0: never samples on its own (sample() still works). */
  intervalMs: number;
  exactThreshold: number;
  timelineRetentionDays: number;
  /**
   * Who holds the lease: the instance id and its incarnation, so that two processes given the same
   * instance id (a misconfiguration, reported as SUPERSEDED) do not both sample or free each other's lease.
   */
  samplerId: string;
}

/**
 * Writes the namespace's gauges hash and timeline every interval, when this instance holds the
 * sampler lease (lua/sampleGauges-101.lua). Every instance tries at every tick; the script lets only
 * the lease holder write, so N instances write one sample per interval, and when the holder dies
 * the first instance to try after its lease lapsed takes over.
 */
export class GaugeSampler {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<boolean> | undefined;
  private failing = false;

  constructor(
    private readonly runner: ScriptRunner,
    private readonly keys: Keys,
    private readonly clock: RedisClock,
    private readonly options: GaugeSamplerOptions,
    private readonly report: (err: RedisScriptError) => void,
  ) {}

  start(): void {
    const { intervalMs } = this.options;
    if (intervalMs === 0) return;
    // Half an interval of spacing: a takeover right after the old holder wrote skips one tick
    // instead of writing two samples a moment apart.
    this.timer = setInterval(
      () => void this.sample(intervalMs / 2).catch(() => undefined),
      intervalMs,
    );
    this.timer.unref();
  }

  /**
   * Samples now if this instance holds or can take the lease; true when it wrote. Calls made while
   * one is in flight share it.
   */
  async sample(minSpacingMs = 0): Promise<boolean> {
    // A tick in flight may skip its sample as too soon after the last; a call that asks for no
    // spacing then takes its own.
    const pending = this.inFlight;
    if (pending) {
      const wrote = await pending.catch(() => false);
      if (wrote || minSpacingMs > 0) return wrote;
    }
    this.inFlight ??= this.attempt(minSpacingMs).finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** No more samples on its own; sample() still works (a stopping monitor takes a last one). */
  pauseTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Hands the lease back, so another instance samples at its next tick instead of after it lapses. */
  async release(): Promise<void> {
    this.pauseTimer();
    await this.inFlight?.catch(() => undefined);
    await releaseSampler(this.runner, this.keys, this.options.samplerId).catch(() => undefined);
  }

  private async attempt(minSpacingMs: number): Promise<boolean> {
    try {
      let day = this.clock.today();
      for (let tries = 0; ; tries++) {
        const { outcome, nowMs } = await sampleGauges(this.runner, this.keys, {
          day,
          exactUnionLimit: this.options.exactThreshold,
          samplerId: this.options.samplerId,
          // A monitor that only samples when asked holds the lease briefly.
          leaseMs: (this.options.intervalMs || 1000) * LEASE_INTERVALS,
          minSpacingMs,
          retentionMs: this.options.timelineRetentionDays * DAY_MS,
        });
        this.clock.observe(nowMs);
        this.failing = false;
        // The local clock guessed another day than Redis TIME: propose Redis's day once more.
        if (outcome === 'wrong-day' && tries === 0) {
          day = this.clock.dayAt(nowMs);
          continue;
        }
        return outcome === 'written';
      }
    } catch (err) {
      // Once per failure streak: during an outage the heartbeat already reports every beat.
      if (!this.failing) {
        this.failing = true;
        this.report(
          new RedisScriptError(
            'GAUGES_FAILED',
            `gauge sample failed: ${(err as Error).message}`,
            err,
          ),
        );
      }
      throw err;
    }
  }
}
