import { waitFor } from '../support/monitor-harness';
import {
  codes,
  expectCallsNeverWaited,
  expectOnlyOutageErrors,
  flushAll,
  OUTAGE_MS,
  RECOVERY_TIMEOUT_MS,
  report,
  untilExact,
  useRedisOutage,
} from '../support/redis-outage-harness';
import type { RestartableRedis } from './restartable-redis';

// Redis is killed under two live monitors and started again, with its data (appendonly) or
// without (no persistence), while the application keeps calling open/login/logout/close.

jest.setTimeout(60_000);

describe('Redis outages: Redis killed and restarted', () => {
  const { redis, setUp, expectInDau } = useRedisOutage();

  it.each([
    ['SIGTERM', 'aof-term'],
    ['SIGKILL', 'aof-kill'],
  ] as const)(
    'Redis restarted with appendonly (%s): event calls never wait, nothing is lost',
    async (signal, label) => {
      // A lease longer than the outage: nobody is taken for dead, the queues just wait.
      const { watched, all, reader, workload } = await setUp('aof', label, {
        heartbeatIntervalMs: 200,
        leaseMs: 10_000,
      });
      const server = redis() as RestartableRedis;

      workload.startPhase();
      // Traffic right through the kill, the outage and the restart.
      const traffic = workload.runFor(OUTAGE_MS + 400);
      await new Promise((r) => setTimeout(r, 200));
      await server.kill(signal);
      await new Promise((r) => setTimeout(r, OUTAGE_MS));
      await server.restart();
      const backAt = Date.now();
      await traffic;
      const outageLogins = workload.phaseLogins;
      expectCallsNeverWaited(`${signal} outage`, workload.phaseCallMs);
      expect(outageLogins.size).toBeGreaterThan(0);

      const flushed = await flushAll(all, backAt);
      const stats = await untilExact(reader, workload);
      const exactMs = Date.now() - backAt;
      report(
        `${signal}: flushed (fail-fast / offline queue) ${flushed}, exact ${exactMs} ms after Redis was back; errors ${watched.map(codes).join(' / ')}`,
      );
      expect(stats.now).toEqual(workload.expectedNow());
      expect(stats.day?.activeUsers).toBe(workload.everLoggedIn.size);
      await expectInDau(reader, stats.day?.date ?? '', outageLogins);

      expectOnlyOutageErrors(watched);
      // Only the fail-fast monitor sees its calls rejected; both lose their heartbeat.
      expect(codes(watched[0])).toContain('REDIS_UNAVAILABLE');
      for (const w of watched)
        expect(w.monitor.queueStatus).toEqual({
          queued: 0,
          dropped: 0,
          replayBuffered: 0,
          replayOverflow: 0,
        });
    },
  );

  it('Redis restarted without persistence: the monitors notice and resync their live sessions', async () => {
    const { watched, all, reader, workload } = await setUp('none', 'wiped', {
      heartbeatIntervalMs: 200,
      leaseMs: 1000,
    });
    const server = redis() as RestartableRedis;

    workload.startPhase();
    const traffic = workload.runFor(OUTAGE_MS + 400);
    await new Promise((r) => setTimeout(r, 200));
    await server.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    await server.restart();
    const backAt = Date.now();
    await traffic;
    const outageLogins = workload.phaseLogins;
    expectCallsNeverWaited('wiped outage', workload.phaseCallMs);

    // Both learn from a heartbeat or a batch that their instance hash is gone.
    await waitFor(
      async () => watched.map(codes),
      (c) => c.every((list) => list.includes('REAPED')),
      RECOVERY_TIMEOUT_MS,
    );
    const flushed = await flushAll(all, backAt);
    const stats = await untilExact(reader, workload);
    const exactMs = Date.now() - backAt;
    report(
      `wiped: resynced and flushed (fail-fast / offline queue) ${flushed}, exact ${exactMs} ms after Redis was back; errors ${watched.map(codes).join(' / ')}`,
    );
    expect(stats.now).toEqual(workload.expectedNow());
    for (const w of watched) expect(codes(w)).toContain('REAPED');
    // The day's users before the restart are gone with the data; the ones still queued are not.
    await expectInDau(reader, stats.day?.date ?? '', outageLogins);

    // Traffic after the resync is counted as usual.
    workload.startPhase();
    workload.step(200);
    await Promise.all(all.map((m) => m.flush()));
    expect((await reader.stats()).now).toEqual(workload.expectedNow());
    expectOnlyOutageErrors(watched);
  });
});
