// applyBatch's contract: the day and incarnation it refuses (writing nothing), and batches sent
// again, whole or merged with newer events, or replayed without numbers, which change nothing.
import { useRegisteredInstanceScripts } from '../support/registered-instance-scripts';
import { redisNowMs } from '../support/monitor-harness';
import { liveUserRefcounts } from '../support/live-users';
import { liveTotals } from '../support/live-totals';
import { ScriptStatus } from '../../src/scripts/script-status';
import { registerInstance } from '../../src/scripts/commands/register-instance';
import { addDays } from '../../src/time/zoned-calendar';

/** The script contracts, straight through ScriptRunner and the typed wrappers: no monitor. */
describe('Lua script contracts', () => {
  const { setup, calendar } = useRegisteredInstanceScripts('lua');

  describe('applyBatch', () => {
    it('refuses a day that does not contain Redis TIME with -1 and writes nothing', async () => {
      const { apply, state, today, client } = await setup();
      const before = await state();
      for (const date of [addDays(today.date, -1), addDays(today.date, 1)]) {
        const t0 = await redisNowMs(client);
        const result = await apply(['o', 's1', '', 'i', 's1', 'alice'], {
          day: calendar.day(date),
          firstSeq: 0,
        });
        expect(result.status).toBe(ScriptStatus.WRONG_DAY);
        // It reports Redis TIME, so the caller can pick the right day.
        expect(result.nowMs).toBeGreaterThanOrEqual(t0);
        expect(calendar.dateAt(result.nowMs)).toBe(today.date);
      }
      expect(await state()).toEqual(before);

      const ok = await apply(['o', 's1', '', 'i', 's1', 'alice'], { firstSeq: 0 });
      expect(ok).toMatchObject({ status: ScriptStatus.OK, applied: 2 });
      expect(await state()).not.toEqual(before);
    });

    it('refuses a superseded incarnation with -2 and writes nothing', async () => {
      const { apply, state, runner, keys } = await setup();
      await apply(['o', 's1', ''], { firstSeq: 0 });
      const replaced = await registerInstance(runner, keys, {
        instanceId: 'node-1',
        incarnation: 'inc-2',
        leaseMs: 60_000,
        host: 'test',
        pid: 2,
      });
      expect(replaced.previousIncarnation).toBe('inc-1');
      const before = await state();
      const result = await apply(['o', 's2', '', 'i', 's1', 'alice', 'c', 's1', ''], {
        firstSeq: 1,
      });
      expect(result.status).toBe(ScriptStatus.SUPERSEDED);
      expect(await state()).toEqual(before);
      // The new incarnation writes as usual, into its own session set.
      expect(await apply(['o', 's9', ''], { inc: 'inc-2', firstSeq: 0 })).toMatchObject({
        status: ScriptStatus.OK,
        applied: 1,
      });
    });

    it('answers -4 when the instance hash is gone (reaped), writing nothing', async () => {
      const { apply, state, client, keys } = await setup();
      await client.del(keys.instance('node-1'));
      const before = await state();
      expect((await apply(['o', 's1', ''])).status).toBe(ScriptStatus.REAPED);
      expect(await state()).toEqual(before);
    });

    it('changes nothing when the same numbered batch is sent twice', async () => {
      const { apply, state, client, keys, today } = await setup();
      const batch = [
        ...['o', 's1', '', 'i', 's1', 'alice', 'c', 's1', ''],
        ...['o', 's2', '', 'i', 's2', 'bob', 'u', 's2', ''],
        ...['o', 's3', '', 'i', 's3', 'carol', 'i', 's3', 'dave'],
      ];
      const first = await apply(batch, { firstSeq: 0 });
      expect(first).toMatchObject({ status: ScriptStatus.OK, applied: 9 });
      const after = await state();
      const again = await apply(batch, { firstSeq: 0 });
      expect(again).toMatchObject({ status: ScriptStatus.OK, applied: 0 });
      expect(await state()).toEqual(after);

      expect(await liveTotals(client, keys)).toEqual({ sessions: 2, anonymous: 1 });
      expect(await liveUserRefcounts(client, keys)).toEqual({ dave: '1' });
      expect(
        await client.hmget(keys.day(today.date), 'sessions', 'logins', 'closed', 'users'),
      ).toEqual(['3', '4', '1', '4']);
    });

    it('applies only the new tail of a re-sent batch merged with newer events', async () => {
      const { apply, client, keys, today } = await setup();
      await apply(['o', 's1', '', 'i', 's1', 'alice', 'c', 's1', ''], { firstSeq: 0 });
      // The reply was lost; the batch goes again with two events queued after it.
      const merged = await apply(
        ['o', 's1', '', 'i', 's1', 'alice', 'c', 's1', '', 'o', 's2', '', 'i', 's2', 'bob'],
        { firstSeq: 0 },
      );
      expect(merged).toMatchObject({ status: ScriptStatus.OK, applied: 2 });
      // An old batch arriving late changes nothing either.
      expect(await apply(['o', 's1', ''], { firstSeq: 0 })).toMatchObject({ applied: 0 });
      expect(await liveTotals(client, keys)).toEqual({ sessions: 1, anonymous: 0 });
      expect(await liveUserRefcounts(client, keys)).toEqual({ bob: '1' });
      expect(await client.hmget(keys.day(today.date), 'sessions', 'logins', 'closed')).toEqual([
        '2',
        '2',
        '1',
      ]);
      expect(await client.hget(keys.instance('node-1'), 'eventSeq')).toBe('5');
    });

    it('treats replayed events as no-ops even without sequence numbers', async () => {
      const { apply, state } = await setup();
      await apply(['o', 's1', '', 'i', 's1', 'alice', 'o', 's2', '']);
      const after = await state();
      // A duplicate open, a login of the same user, a logout of an anonymous session and a close
      // of an unknown session.
      const replay = await apply([
        'o',
        's1',
        '',
        'i',
        's1',
        'alice',
        'u',
        's2',
        '',
        'c',
        'nope',
        '',
      ]);
      expect(replay).toMatchObject({ status: ScriptStatus.OK, applied: 0 });
      expect(await state()).toEqual(after);
    });

    it('ignores a login or logout of a session this incarnation does not hold', async () => {
      const { apply, client, keys } = await setup();
      const result = await apply(['i', 'ghost', 'alice', 'u', 'ghost', '', 'c', 'ghost', '']);
      expect(result).toMatchObject({ status: ScriptStatus.OK, applied: 0 });
      expect(Object.keys(await liveUserRefcounts(client, keys))).toHaveLength(0);
      expect(await client.exists(keys.live())).toBe(0);
    });
  });
});
