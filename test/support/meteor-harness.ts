import {
  attachToMeteor,
  type MeteorAdapterOptions,
  type MeteorDetach,
} from '../../src/adapters/meteor';
import type { SessionMonitor } from '../../src/monitor/session-monitor';
import type { SauReader } from '../../src/reader/sau-reader';
import type { SauError } from '../../src/errors/sau-error';
import { MeteorStandIn } from './meteor-stand-in';
import { uniqueNamespace } from './redis-server';
import { useMonitors } from './monitor-harness';
import { clearOfMidnight, expectToday, type TodayExpectation } from './expect-today';
import type { Redis } from 'ioredis';

/** One Meteor stand-in with attachToMeteor on a started monitor, and what a test reads. */
export interface MeteorCase {
  meteor: MeteorStandIn;
  monitor: SessionMonitor;
  reader: SauReader;
  errors: SauError[];
  detach: MeteorDetach;
  /** SAU now, once every deferred callback ran and every queued event is in Redis. */
  now(): Promise<{ users: number; sessions: number; anonymousSessions: number }>;
  /**
   * Asserts the day's distinct users, sessions opened and logins, unless Redis's date changed
   * since attach: a test that crossed midnight split its events over two days, and no exact
   * number of either day can hold (the suite also runs with the clock set just before midnight).
   */
  expectToday(expected: TodayExpectation): Promise<void>;
}

/**
 * Attaches the Meteor adapter for the tests of one file and detaches it after each test (their
 * monitors and readers are stopped by useMonitors). Call at the top of a describe block.
 */
export function useMeteorAdapter(
  redisUrl: () => string,
  client: () => Redis,
): (options?: { meteor?: MeteorStandIn } & MeteorAdapterOptions) => Promise<MeteorCase> {
  const harness = useMonitors(redisUrl);
  const detaches: MeteorDetach[] = [];
  afterEach(() => detaches.splice(0).forEach((detach) => detach()));

  return async (options = {}) => {
    const { meteor = new MeteorStandIn(), ...adapterOptions } = options;
    const namespace = uniqueNamespace('meteor');
    const { monitor, errors } = await harness.start({ namespace, instanceId: 'meteor-1' });
    const reader = harness.reader({ namespace });
    // Each test's events and readings fall on one day (a test takes a second or two).
    const startDate = await clearOfMidnight(client(), 10_000);
    // Meteor runs server code (and so the app's call to attach) inside a Fiber.
    const detach = meteor.runInFiber(() =>
      attachToMeteor(monitor, meteor, { reconcileIntervalMs: 0, ...adapterOptions }),
    );
    detaches.push(detach);
    const settled = async () => {
      await meteor.settle();
      await monitor.flush();
    };
    return {
      meteor,
      monitor,
      reader,
      errors,
      detach,
      async now() {
        await settled();
        const { users, sessions, anonymousSessions } = (await reader.stats()).now;
        return { users, sessions, anonymousSessions };
      },
      async expectToday(expected) {
        await settled();
        await expectToday(reader, startDate, expected);
      },
    };
  };
}
