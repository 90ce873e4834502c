// Session time: how long each closed session lasted, added to its day, counted against a real
// Redis.
import { redisNowMs } from '../support/monitor-harness';
import { useCountingMonitors } from '../support/counting-monitors';

describe('counting against a real Redis', () => {
  const { redis, setup } = useCountingMonitors();

  describe('session time', () => {
    it('adds the time of each session to the day when it closes, by Redis TIME', async () => {
      const { monitor, reader } = await setup();
      const t0 = await redisNowMs(redis.client());
      monitor.open({ id: 'long-1' });
      monitor.open({ id: 'long-2' });
      monitor.login('long-2', 'alice');
      monitor.open({ id: 'short' });
      monitor.close('short');
      await monitor.flush();
      let day = (await reader.stats({ window: 'day' })).day!;
      expect(day).toMatchObject({ sessions: 3, sessionSeconds: 0, averageSessionSeconds: 0 });

      await new Promise((r) => setTimeout(r, 1100));
      monitor.close('long-1');
      monitor.close('long-2');
      await monitor.flush();
      const t1 = await redisNowMs(redis.client());

      const sessionMs = Number(await redis.client().hget(monitor.keys.day(day.date), 'sessionMs'));
      expect(sessionMs).toBeGreaterThanOrEqual(2 * 1000);
      expect(sessionMs).toBeLessThanOrEqual(2 * (t1 - t0));
      day = (await reader.stats({ window: 'day' })).day!;
      expect(day.sessionSeconds).toBe(Math.round(sessionMs / 1000));
      expect(day.sessionSeconds).toBeGreaterThanOrEqual(2);
      // Three sessions closed: the short one weighs in the average too.
      expect(day.averageSessionSeconds).toBeCloseTo(sessionMs / 1000 / 3, 1);
      expect(day.averageSessionSeconds).toBeGreaterThanOrEqual(0.6);
    });
  });
});
