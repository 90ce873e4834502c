import type { RedisClient } from '../redis/redis-client';
import { setTimeout as delay } from 'node:timers/promises';
import type { ReapReport } from '../monitor/reaper';
import type { SauReader } from '../reader/sau-reader';
import type { DayStats, MonthStats, Stats } from '../reader/stats-types';
import { seededRandom } from './random';
import { SimulatedInstance } from './simulated-instance';
import { UserPopulation } from './user-population';

/** One step of simulated behaviour. */
const STEP_MS = 200;
/** How often the numbers are read and reported. */
const TICK_MS = 1000;
/**
 * Longest wait after the crash for the survivors to reap it: the lease (3 s, see
 * simulated-instance.ts) from its last heartbeat, plus a survivor's next heartbeat and its jitter,
 * with room to spare. Past it, the demo's reader reaps.
 */
const REAP_WAIT_MS = 10_000;
/** How often the demo itself tries to reap while it waits for the crashed instance's lease. */
const REAP_POLL_MS = 250;

/** `now` plus the day and the month: what the demo shows. */
export type DemoStats = Stats & { day: DayStats; month: MonthStats };

export interface DemoTick {
  elapsedMs: number;
  stats: DemoStats;
}

/** An instance crashed (halfway through), or dead instances' sessions were reaped. */
export type DemoEvent =
  | { kind: 'crashed'; elapsedMs: number; instanceId: string; sessionsLeft: number }
  | {
      kind: 'reaped';
      elapsedMs: number;
      /** The surviving instance whose monitor reaped, or `reader` when the demo had to. */
      by: string;
      instances: number;
      sessions: number;
    };

export interface DemoOptions {
  /** Opens one instance's connection; each simulated instance has its own, as real servers do. */
  connect: () => RedisClient;
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
  /**
   * Halfway through, one instance (the second) dies without stop(), and the survivors reap its
   * sessions within a lease; the run goes on until they have. Needs 2 instances. Default true.
   */
  crashHalfway?: boolean;
  onEvent?: (event: DemoEvent) => void;
}

/**
 * Runs `instances` SessionMonitors in this process, drives them with a simulated population for
 * `durationMs`, reports the numbers every second, then stops every monitor gracefully and returns
 * the final numbers: SAU and sessions back to 0, DAU and MAU keeping everyone who came.
 */
export async function runDemo(options: DemoOptions): Promise<DemoStats> {
  const crashes = (options.crashHalfway ?? true) && options.instances >= 2;
  let crash: { instance: SimulatedInstance; atMs: number } | undefined;
  let reaped = false;
  let startedAt = Date.now();
  const instances = Array.from(
    { length: options.instances },
    (_, i) =>
      new SimulatedInstance({
        connect: options.connect,
        namespace: options.namespace,
        timezone: options.timezone,
        instanceId: `demo-node-${i + 1}`,
        onProblem: (id, message) => options.onProblem(`${id}: ${message}`),
        onReaped: (id, report) => {
          if (!crash || report.sessions === 0) return;
          reaped = true;
          options.onEvent?.({
            kind: 'reaped',
            elapsedMs: Date.now() - startedAt,
            by: id,
            instances: report.instances,
            sessions: report.sessions,
          });
        },
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
    startedAt = Date.now();
    let nextStep = startedAt;
    let nextTick = startedAt + TICK_MS;
    // After the time is up, the run goes on until the crashed instance is reaped.
    const running = (): boolean =>
      Date.now() - startedAt < options.durationMs ||
      (crash !== undefined && !reaped && Date.now() - crash.atMs < REAP_WAIT_MS);
    while (!options.signal.aborted && running()) {
      if (crashes && !crash && Date.now() - startedAt >= options.durationMs / 2) {
        const instance = instances[1];
        population.dropInstance(instance);
        const sessionsLeft = await instance.crash();
        crash = { instance, atMs: Date.now() };
        options.onEvent?.({
          kind: 'crashed',
          elapsedMs: crash.atMs - startedAt,
          instanceId: instance.id,
          sessionsLeft,
        });
      }
      population.step();
      // The reading at the very end comes after the loop, so the last second is not shown twice.
      if (Date.now() >= nextTick && running()) {
        nextTick += TICK_MS;
        await tick(options, Date.now() - startedAt);
      }
      nextStep += STEP_MS;
      await pause(nextStep - Date.now(), options.signal);
    }
    if (crash && !reaped) {
      // The survivors did not get to it in time (a slow machine), or Ctrl-C came between the
      // crash and its reap: reap from here once its lease lapses, so that stopping at any moment
      // leaves nothing counted.
      const report = await reapCrashed(
        // Reaping is a writer's act: a surviving instance's monitor does it.
        () => (instances.find((i) => i !== crash?.instance) as SimulatedInstance).reap(),
        crash.atMs,
        () => reaped,
      );
      if (report) {
        reaped = true;
        // Every survivor reaps too: when another one's pass closed the sessions while this one
        // only found the set empty and finished the instance, that survivor reports them
        // (onReaped, before its stop below returns), and a line of 0 sessions would only mislead.
        if (report.sessions > 0) {
          options.onEvent?.({
            kind: 'reaped',
            elapsedMs: Date.now() - startedAt,
            by: 'reader',
            instances: report.instances,
            sessions: report.sessions,
          });
        }
      }
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

/**
 * Reaps, as soon as its lease has lapsed, the instance that crashed at `crashedAtMs`; a survivor
 * may get there first (`reapedElsewhere`). Resolves with the pass's report, or undefined when
 * a survivor reaped it or REAP_WAIT_MS passed.
 */
async function reapCrashed(
  reap: () => Promise<ReapReport>,
  crashedAtMs: number,
  reapedElsewhere: () => boolean,
): Promise<ReapReport | undefined> {
  while (!reapedElsewhere() && Date.now() - crashedAtMs < REAP_WAIT_MS) {
    const report = await reap();
    if (report.sessions > 0 || report.instances > 0) return report;
    await delay(REAP_POLL_MS);
  }
  return undefined;
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
