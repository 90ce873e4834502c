/** How often the stall watch ticks, and the lateness of a tick that counts as a stall. */
const TICK_MS = 10;
const STALL_MS = 100;

export interface RunningTime<T> {
  value: T;
  /** Wall time of the work, less `stalledMs`. */
  ms: number;
  /** Time this process was not running while the work ran (late ticks of its timer). */
  stalledMs: number;
}

/**
 * Times `work` as the time it took while this process ran: a shared VM is now and then stopped for
 * seconds, which a bound of a few seconds on an answer would take for a slow answer. Such a stop
 * shows here as a timer tick that comes that much late. A process that keeps this one waiting
 * while this one runs on (a server slow to answer) is not taken off, so a bound still catches it.
 */
export async function runningTime<T>(work: () => Promise<T>): Promise<RunningTime<T>> {
  let stalledMs = 0;
  let last = performance.now();
  const lateness = (now: number) => {
    const late = now - last - TICK_MS;
    if (late > STALL_MS) stalledMs += late;
    last = now;
  };
  const watch = setInterval(() => lateness(performance.now()), TICK_MS);
  const started = performance.now();
  try {
    const value = await work();
    const ended = performance.now();
    // A stop since the last tick counts too (a tick is due at most TICK_MS after it).
    if (ended - last > TICK_MS) lateness(ended);
    return { value, ms: ended - started - stalledMs, stalledMs };
  } finally {
    clearInterval(watch);
  }
}
