// The closing instant of closeSessions: a call without sessions resolves it (never later than Redis
// TIME), and a chunk, whose time the caller summed for one instant, closes at that instant or not
// at all.
import { closeReadSessions } from '../../src/scripts/commands/close-sessions';
import { ScriptStatus } from '../../src/scripts/script-status';
import { expiryOf } from '../../src/time/retention';
import { redisNowMs } from '../support/monitor-harness';
import { useSessionBreakdownScripts } from '../support/session-breakdown-scripts';

describe('closeSessions at one instant', () => {
  const { setup } = useSessionBreakdownScripts();

  it('refuses a chunk summed for an instant Redis has not reached, and changes nothing', async () => {
    const { client, keys, runner, today, apply, sessionsKey } = await setup();
    const opened = await apply(['o', 's1', '', 'o', 's2', '']);
    const chunk = (instant: `${number}`) => ({
      instanceId: 'node-1',
      incarnation: 'inc-1',
      instant,
      day: today,
      expiry: expiryOf(today, 400),
      batchSize: 10,
    });
    const read = await client.zrange(sessionsKey, 0, 9, 'WITHSCORES');
    const ahead = `${Date.now() + 3_600_000}` as const;
    const refused = await closeReadSessions(runner, keys, chunk(ahead), read);
    expect(refused.status).toBe(ScriptStatus.INSTANT_MOVED);
    expect(refused.closeMs).toBeLessThanOrEqual(await redisNowMs(client));
    expect(await client.zcard(sessionsKey)).toBe(2);
    expect(await client.hget(keys.live(), 'sessions')).toBe('2');
    expect(await client.hget(keys.day(today.date), 'sessionMs')).toBeNull();

    const closed = await closeReadSessions(runner, keys, chunk(`${refused.closeMs}`), read);
    expect(closed).toMatchObject({ status: ScriptStatus.OK, closed: 2, left: 0 });
    expect(closed.closeMs).toBe(refused.closeMs);
    expect(Number(await client.hget(keys.day(today.date), 'sessionMs'))).toBe(
      2 * (refused.closeMs - opened.nowMs),
    );
  });

  it('sums a chunk only for an instant in ms', async () => {
    const { client, keys, runner, today, apply, sessionsKey } = await setup();
    await apply(['o', 's1', '']);
    const read = await client.zrange(sessionsKey, 0, 9, 'WITHSCORES');
    const input = {
      instanceId: 'node-1',
      incarnation: 'inc-1',
      instant: 'now' as const,
      day: today,
      expiry: expiryOf(today, 400),
      batchSize: 10,
    };
    await expect(closeReadSessions(runner, keys, input, read)).rejects.toThrow(
      'a chunk of sessions closes at a time in ms, not at now',
    );
    expect(await client.zcard(sessionsKey)).toBe(1);
  });
});
