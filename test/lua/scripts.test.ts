import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { useRedis } from '../support/use-redis';
import { uniqueNamespace } from '../support/redis-server';
import { redisNowMs, snapshot } from '../support/monitor-harness';
import { Keys } from '../../src/keys';
import { ScriptRunner } from '../../src/scripts/script-runner';
import { ScriptStatus } from '../../src/scripts/script-status';
import { loadScripts } from '../../src/scripts/script-catalog';
import { writeEvents } from '../support/event-writer';
import { closeSessions } from '../../src/scripts/commands/close-sessions';
import { registerInstance } from '../../src/scripts/commands/register-instance';
import { readStats } from '../../src/scripts/commands/read-stats';
import { ZonedCalendar, addDays, type ZonedDay } from '../../src/time/zoned-calendar';
import { expiryOf } from '../../src/time/retention';
import { liveUserRefcounts } from '../support/live-users';

/** The script contracts, straight through ScriptRunner and the typed wrappers: no monitor. */
describe('Lua script contracts', () => {
  const redis = useRedis();
  const calendar = new ZonedCalendar('UTC');

  async function setup() {
    const client = redis.client();
    const keys = new Keys(uniqueNamespace('lua'));
    const runner = new ScriptRunner(client);
    const incarnation = 'inc-1';
    await registerInstance(runner, keys, {
      instanceId: 'node-1',
      incarnation,
      leaseMs: 60_000,
      host: 'test',
      pid: 1,
    });
    const today = calendar.dayAt(await redisNowMs(client));
    const apply = (
      events: string[],
      extra: { day?: ZonedDay; firstSeq?: number; inc?: string } = {},
    ) => {
      const day = extra.day ?? today;
      return writeEvents(runner, keys, {
        instanceId: 'node-1',
        incarnation: extra.inc ?? incarnation,
        day,
        expiry: expiryOf(day, 400),
        exactThreshold: 1000,
        events,
        firstSeq: extra.firstSeq,
      });
    };
    const close = (
      batchSize: number,
      instant: 'now' | 'heartbeat' | `${number}` = 'now',
      day = today,
    ) =>
      closeSessions(runner, keys, {
        instanceId: 'node-1',
        incarnation,
        instant,
        day,
        expiry: expiryOf(day, 400),
        batchSize,
      });
    const state = () => snapshot(client, keys.prefix);
    return { client, keys, runner, incarnation, today, apply, close, state };
  }

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

  describe('ScriptRunner', () => {
    it('falls back to EVAL after SCRIPT FLUSH and keeps working', async () => {
      const { apply, client, runner, keys, today } = await setup();
      const sha = loadScripts().get('applyBatch')!.sha;
      await apply(['o', 's1', ''], { firstSeq: 0 });
      expect(await client.script('EXISTS', sha)).toEqual([1]);
      await client.script('FLUSH');
      expect(await client.script('EXISTS', sha)).toEqual([0]);

      expect(await apply(['o', 's2', ''], { firstSeq: 1 })).toMatchObject({
        status: ScriptStatus.OK,
        applied: 1,
      });
      // EVAL cached it again, so the next call goes by SHA.
      expect(await client.script('EXISTS', sha)).toEqual([1]);
      const stats = await readStats(runner, keys, { date: today.date, exactUnionLimit: 100 });
      expect(stats).toMatchObject({ liveSessions: 2, anonymousSessions: 2, daySessions: 2 });
    });

    it('runs the bundled source whose SHA it sends', () => {
      for (const script of loadScripts().values()) {
        expect(script.sha).toBe(createHash('sha1').update(script.source).digest('hex'));
        expect(script.source).not.toMatch(/--- @include/);
      }
    });

    it('passes script errors other than NOSCRIPT through', async () => {
      const { apply, client, keys } = await setup();
      await client.set(keys.live(), 'not a hash');
      await expect(apply(['o', 's1', ''])).rejects.toThrow(/WRONGTYPE/);
      await expect(new ScriptRunner(client).run('applyBatch', [keys.live()], [])).rejects.toThrow(
        /takes 12 or more keys, got 1/,
      );
      await expect(new ScriptRunner(client).run('noSuchScript', [], [])).rejects.toThrow(
        /no Lua script named noSuchScript/,
      );
    });
  });
});

/** The live totals hash as numbers; a field never written is 0. */
async function liveTotals(
  client: Redis,
  keys: Keys,
): Promise<{ sessions: number; anonymous: number }> {
  const [sessions, anonymous] = await client.hmget(keys.live(), 'sessions', 'anonymous');
  return { sessions: Number(sessions ?? 0), anonymous: Number(anonymous ?? 0) };
}
