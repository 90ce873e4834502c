import { setTimeout as delay } from 'node:timers/promises';
import type { SauReader } from '../reader/sau-reader';
import type { DayStats, MonthStats, Stats } from '../reader/stats-types';
import { seededRandom } from './random';
import { SimulatedInstance } from './simulated-instance';
import { UserPopulation } from './user-population';

/** One step of simulated behaviour. */
const STEP_MS = 200;
/** How often the numbers are read and reported. */
const TICK_MS = 1000;

/** `now` plus the day and the month: what the demo shows. */
export type DemoStats = Stats & { day: DayStats; month: MonthStats };

export interface DemoTick {
  elapsedMs: number;
  stats: DemoStats;
}

export interface DemoOptions {
  redisUrl: string;
  namespace: string;
  timezone: string;
  instances: number;
  users: number;
  durationMs: number;
  /** Reads the numbers; its connection belongs to the caller. */
  reader: SauReader;
  /** Aborting ends the simulation early, as gracefully as when the time is up. */
  signal: AbortSignal;
  seed?: number;
  onTick: (tick: DemoTick) => void;
  /** Problems that do not stop the demo (a monitor's error event, a failed reading). */
  onProblem: (message: string) => void;
}

/**
 * Runs `instances` SessionMonitors in this process, drives them with a simulated population for
 * `durationMs`, reports the numbers every second, then stops every monitor gracefully and returns
 * the final numbers: SAU and sessions back to 0, DAU and MAU keeping everyone who came.
 */
export async function runDemo(options: DemoOptions): Promise<DemoStats> {
  const instances = Array.from(
    { length: options.instances },
    (_, i) =>
      new SimulatedInstance({
        redisUrl: options.redisUrl,
        namespace: options.namespace,
        timezone: options.timezone,
        instanceId: `demo-node-${i + 1}`,
        onProblem: (id, message) => options.onProblem(`${id}: ${message}`),
      }),
  );
  try {
    await Promise.all(instances.map((instance) => instance.start()));
    const population = new UserPopulation(
      options.users,
      instances,
      seededRandom(options.seed ?? Date.now()),
    );
    population.begin();
    const startedAt = Date.now();
    let nextStep = startedAt;
    let nextTick = startedAt + TICK_MS;
    while (!options.signal.aborted && Date.now() - startedAt < options.durationMs) {
      population.step();
      // The reading at the very end comes after the loop, so the last second is not shown twice.
      if (Date.now() >= nextTick && Date.now() - startedAt < options.durationMs) {
        nextTick += TICK_MS;
        await tick(options, Date.now() - startedAt);
      }
      nextStep += STEP_MS;
      await pause(nextStep - Date.now(), options.signal);
    }
    if (!options.signal.aborted) await tick(options, Date.now() - startedAt);
  } finally {
    const results = await Promise.allSettled(instances.map((instance) => instance.stop()));
    results.forEach((result, i) => {
      if (result.status === 'rejected') {
        options.onProblem(`${instances[i].id} did not stop cleanly: ${String(result.reason)}`);
      }
    });
  }
  return readDemoStats(options.reader);
}

/** `now`, `day` and `month` of one moment, from one reading. */
export async function readDemoStats(reader: SauReader): Promise<DemoStats> {
  const stats = await reader.stats({ window: 'all' });
  if (!stats.day || !stats.month) throw new Error('stats() left out the window it was asked for');
  return { ...stats, day: stats.day, month: stats.month };
}

async function tick(options: DemoOptions, elapsedMs: number): Promise<void> {
  try {
    const stats = await readDemoStats(options.reader);
    options.onTick({ elapsedMs, stats });
  } catch (err) {
    options.onProblem(`reading failed: ${(err as Error).message}`);
  }
}

async function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return;
  try {
    await delay(ms, undefined, { signal });
  } catch {
    // Aborted: the caller checks the signal.
  }
}
