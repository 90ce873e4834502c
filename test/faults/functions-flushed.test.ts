import { Redis } from 'ioredis';
import { flushAll, report, untilExact, useRedisOutage } from '../support/redis-outage-harness';
import { functionLoads } from '../support/function-loads';

// applyBatch runs as a Redis Function. FUNCTION FLUSH (or a restart without persistence) takes its
// library away under monitors with batches in flight: each of those calls answers "Function not
// found", the writer loads the library and sends them again, after others may have been sent
// behind them, and loads it again if it is gone again meanwhile (a flush every 25 ms on a loaded
// machine did that). Every event must still count once, and nothing is reported: it is no outage.

jest.setTimeout(60_000);

const FLUSH_EVERY_MS = 25;
const RUN_MS = 2000;

describe('applyBatch library flushed under live monitors', () => {
  const { redis, setUp, expectInDau } = useRedisOutage();

  it('FUNCTION FLUSH every 25 ms: every event counts once, and no error is reported', async () => {
    const { watched, all, reader, workload } = await setUp('none', 'functions-flushed', {
      heartbeatIntervalMs: 1000,
      leaseMs: 10_000,
    });
    const admin = new Redis({ host: '127.0.0.1', port: redis()?.port });
    try {
      const loadsBefore = await functionLoads(admin);
      workload.startPhase();
      let flushes = 0;
      const flusher = setInterval(() => {
        flushes++;
        void admin.call('FUNCTION', 'FLUSH');
      }, FLUSH_EVERY_MS);
      try {
        await workload.runFor(RUN_MS);
      } finally {
        clearInterval(flusher);
      }
      const startedFlush = Date.now();
      const flushed = await flushAll(all, startedFlush);
      const stats = await untilExact(reader, workload);
      const reloads = (await functionLoads(admin)) - loadsBefore;
      report(
        `functions flushed ${flushes} times, library loaded ${reloads} times; flushed ${flushed}`,
      );
      // The flushes did take the library away from calls: the writers loaded it again, many times.
      expect(flushes).toBeGreaterThanOrEqual(20);
      expect(reloads).toBeGreaterThanOrEqual(5);
      expect(stats.now).toEqual(workload.expectedNow());
      expect(stats.day?.activeUsers).toBe(workload.everLoggedIn.size);
      await expectInDau(reader, stats.day?.date ?? '', workload.phaseLogins);
      expect(watched.map((w) => w.errors.map((e) => `${e.code}: ${e.message}`))).toEqual([[], []]);
    } finally {
      admin.disconnect();
    }
  });
});
