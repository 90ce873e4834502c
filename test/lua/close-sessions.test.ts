// closeSessions' contract: batches of at most the asked size, the closing instant (never past
// Redis TIME, refused outside the day, the last heartbeat when asked) and the time it credits.
import { useRegisteredInstanceScripts } from '../support/registered-instance-scripts';
import { redisNowMs } from '../support/monitor-harness';
import { liveUserRefcounts } from '../support/live-users';
import { liveTotals } from '../support/live-totals';
import { ScriptStatus } from '../../src/scripts/script-status';

/** The script contracts, straight through ScriptRunner and the typed wrappers: no monitor. */
describe('Lua script contracts', () => {
  const { setup } = useRegisteredInstanceScripts('lua');

  describe('closeSessions', () => {
    it('closes at most the batch size per call and reports how many are left', async () => {
      const { apply, close, client, keys, incarnation, today } = await setup();
      const events: string[] = [];
      for (let i = 0; i < 25; i++) {
        events.push('o', `s${String(i).padStart(2, '0')}`, '');
        if (i % 5 === 0) events.push('i', `s${String(i).padStart(2, '0')}`, `user-${i % 2}`);
      }
      await apply(events, { firstSeq: 0 });
      expect(await liveUserRefcounts(client, keys)).toEqual({ 'user-0': '3', 'user-1': '2' });

      const sessionsKey = keys.instanceSessions('node-1', incarnation);
      const seen: Array<{ left: number; closed: number; live: string | null }> = [];
      for (let call = 0; call < 3; call++) {
        const result = await close(10);
        expect(result.status).toBe(ScriptStatus.OK);
        seen.push({
          left: result.left,
          closed: result.closed,
          live: await client.hget(keys.live(), 'sessions'),
        });
        expect(await client.zcard(sessionsKey)).toBe(result.left);
      }
      expect(seen).toEqual([
        { left: 15, closed: 10, live: '15' },
        { left: 5, closed: 10, live: '5' },
        { left: 0, closed: 5, live: '0' },
      ]);
      expect(await close(10)).toMatchObject({ status: ScriptStatus.OK, left: 0, closed: 0 });
      expect(await liveTotals(client, keys)).toEqual({ sessions: 0, anonymous: 0 });
      expect(Object.keys(await liveUserRefcounts(client, keys))).toHaveLength(0);
      expect(await client.hget(keys.day(today.date), 'closed')).toBe('25');
    });

    it('refuses a closing instant outside the given day with -1 and writes nothing', async () => {
      const { apply, close, state, today } = await setup();
      await apply(['o', 's1', ''], { firstSeq: 0 });
      const before = await state();
      const result = await close(10, `${today.startMs - 1}`);
      expect(result).toMatchObject({ status: ScriptStatus.WRONG_DAY, closeMs: today.startMs - 1 });
      expect(await state()).toEqual(before);
    });

    it('never closes a session later than Redis TIME, and credits the time it was open', async () => {
      const { apply, close, client, keys, today } = await setup();
      const opened = await apply(['o', 's1', '', 'o', 's2', ''], { firstSeq: 0 });
      await new Promise((r) => setTimeout(r, 30));
      const result = await close(10, `${Date.now() + 3_600_000}`);
      const after = await redisNowMs(client);
      expect(result).toMatchObject({ status: ScriptStatus.OK, closed: 2, left: 0 });
      expect(result.closeMs).toBeLessThanOrEqual(after);
      const sessionMs = Number(await client.hget(keys.day(today.date), 'sessionMs'));
      expect(sessionMs).toBe(2 * (result.closeMs - opened.nowMs));
      expect(sessionMs).toBeGreaterThanOrEqual(2 * 30);
    });

    it('closes at the instance’s last heartbeat when asked to', async () => {
      const { apply, close, client, keys } = await setup();
      const opened = await apply(['o', 's1', ''], { firstSeq: 0 });
      await client.hset(keys.instance('node-1'), 'heartbeatAt', opened.nowMs + 5);
      await new Promise((r) => setTimeout(r, 20));
      const result = await close(10, 'heartbeat');
      expect(result).toMatchObject({
        status: ScriptStatus.OK,
        closed: 1,
        closeMs: opened.nowMs + 5,
      });
    });
  });
});
