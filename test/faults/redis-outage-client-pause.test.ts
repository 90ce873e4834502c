import { Redis } from 'ioredis';
import {
  codes,
  expectCallsNeverWaited,
  expectOnlyOutageErrors,
  flushAll,
  report,
  untilExact,
  useRedisOutage,
} from '../support/redis-outage-harness';

// Redis paused by CLIENT PAUSE (all commands, or writes only) under two live monitors while the
// application keeps calling open/login/logout/close.

jest.setTimeout(60_000);

const PAUSE_MS = 3000;

describe('Redis outages: CLIENT PAUSE', () => {
  const { redis, setUp, expectInDau } = useRedisOutage();

  it.each(['ALL', 'WRITE'] as const)(
    'CLIENT PAUSE %s: event calls never block, nothing is lost after the pause',
    async (mode) => {
      // The pause outlasts the lease: a monitor may be reaped while alive once it ends, and resync.
      const { watched, all, reader, workload } = await setUp('none', `paused-${mode}`, {
        heartbeatIntervalMs: 200,
        leaseMs: 1000,
      });
      const admin = new Redis({ host: '127.0.0.1', port: redis()?.port });
      try {
        workload.startPhase();
        await admin.call('CLIENT', 'PAUSE', String(PAUSE_MS), mode);
        const pausedAt = Date.now();
        await workload.runFor(PAUSE_MS - 300);
        const pauseLogins = workload.phaseLogins;
        expectCallsNeverWaited(`pause ${mode}`, workload.phaseCallMs);
        expect(pauseLogins.size).toBeGreaterThan(0);
        // Nothing got through: the events wait in the queues.
        expect(all.some((m) => m.queueStatus.queued > 0)).toBe(true);

        const flushed = await flushAll(all, pausedAt + PAUSE_MS);
        const stats = await untilExact(reader, workload);
        const exactMs = Date.now() - pausedAt - PAUSE_MS;
        report(
          `pause ${mode}: flushed (fail-fast / offline queue) ${flushed}, exact ${exactMs} ms after the pause ended; errors ${watched.map(codes).join(' / ')}`,
        );
        expect(stats.now).toEqual(workload.expectedNow());
        expect(stats.day?.activeUsers).toBe(workload.everLoggedIn.size);
        await expectInDau(reader, stats.day?.date ?? '', pauseLogins);
        expectOnlyOutageErrors(watched);
      } finally {
        admin.disconnect();
      }
    },
  );
});
