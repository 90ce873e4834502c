import { ConfigError } from '../errors/config-error';

/**
 * The longest delay a Node timer keeps (2^31 - 1 ms, about 24.8 days). A longer one fires after
 * 1 ms with only a TimeoutOverflowWarning: `Number.MAX_SAFE_INTEGER` meant as "wait forever" would
 * time out at once, and an interval would run a thousand times a second.
 */
export const MAX_TIMER_MS = 2_147_483_647;

/** Throws a ConfigError naming the option when `ms` is longer than a Node timer can wait. */
export function assertTimerDelay(name: string, ms: number): void {
  if (ms > MAX_TIMER_MS) {
    throw new ConfigError(
      `${name} must be at most ${MAX_TIMER_MS} ms (about 24.8 days, the longest a Node timer waits), got ${ms}`,
    );
  }
}
