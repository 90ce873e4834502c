// Breakdowns across midnight: the time of sessions open, or reaped, across a day's end split by
// value between the two days.
import { redisNowMs } from '../support/monitor-harness';
import { daysAroundMidnight } from '../support/midnight-days';
import { writeEvents } from '../support/event-writer';
import { storedSessions } from '../support/stored-sessions';
import { encodeSessionMeta, type SessionMeta } from '../../src/session/session-meta';
import type { ZonedDay } from '../../src/time/zoned-calendar';
import { expiryOf } from '../../src/time/retention';
import { CHROME_MAC, CHROME_WINDOWS, RC_IOS } from '../support/sample-client-meta';
import { dayBreakdown, useSessionBreakdownScripts } from '../support/session-breakdown-scripts';
import { expectNoLiveBreakdowns } from '../support/breakdown-checks';

/** applyBatch and closeSessions with session metadata: profiles, live and day breakdowns. */
describe('session metadata and breakdowns in the scripts', () => {
  const { setup } = useSessionBreakdownScripts();

  it('splits the time of a session open across midnight by value and keeps when it connected', async () => {
    const { client, keys, runner, close } = await setup();
    // A "day" that ends 1.2 s from now.
    const t0 = await redisNowMs(client);
    const { midnight, dayOne, dayTwo } = daysAroundMidnight(t0, 1200);
    const apply = (day: ZonedDay, events: string[]) =>
      writeEvents(runner, keys, {
        instanceId: 'node-1',
        incarnation: 'inc-1',
        day,
        expiry: expiryOf(day, 400),
        exactThreshold: 100,
        events,
      });
    const opened = await apply(dayOne, [
      ...['o', 's1', encodeSessionMeta(RC_IOS), 'i', 's1', 'alice'],
    ]);
    const wait = midnight - (await redisNowMs(client)) + 50;
    await new Promise((r) => setTimeout(r, wait));
    await apply(dayTwo, ['m', 's1', '']);
    const [s1] = await storedSessions(client, keys.instanceSessions('node-1', 'inc-1'));
    expect(s1.stampMs).toBe(midnight);
    expect(Math.abs(s1.connectedAtMs - opened.nowMs)).toBeLessThanOrEqual(500);
    expect(s1.loginAtMs).not.toBeNull();
    expect(await dayBreakdown(client, keys, '2031-01-31', 'os')).toEqual({
      iOS: [1, midnight - opened.nowMs, 1],
    });
    // Alice is active on day two by the session's value, without a login.
    expect(await dayBreakdown(client, keys, '2031-02-01', 'os')).toEqual({ iOS: [0, 0, 1] });

    const closed = await close(10, 'now', dayTwo);
    expect(await dayBreakdown(client, keys, '2031-02-01', 'os')).toEqual({
      iOS: [0, closed.closeMs - midnight, 1],
    });
    await expectNoLiveBreakdowns(client, keys);
  });

  it('credits each value the time of its sessions reaped across midnight, on both days', async () => {
    const { client, keys, runner, close } = await setup();
    const t0 = await redisNowMs(client);
    const { midnight, dayOne, dayTwo } = daysAroundMidnight(t0, 1200);
    // Several values, interleaved in connection order, so a close call's scores come grouped by
    // value and not in the order read; two sessions connect after midnight.
    const before = ['a', 'b', 'c', 'd'];
    const metaOf: Record<string, SessionMeta> = {
      a: CHROME_MAC,
      b: RC_IOS,
      c: CHROME_MAC,
      d: CHROME_WINDOWS,
      e: RC_IOS,
      f: CHROME_WINDOWS,
    };
    const open = (day: ZonedDay, ids: string[]) =>
      writeEvents(runner, keys, {
        instanceId: 'node-1',
        incarnation: 'inc-1',
        day,
        expiry: expiryOf(day, 400),
        exactThreshold: 100,
        events: ids.flatMap((id) => ['o', id, encodeSessionMeta(metaOf[id])]),
      });
    for (const id of before) await open(dayOne, [id]);
    const wait = midnight - (await redisNowMs(client)) + 50;
    await new Promise((r) => setTimeout(r, wait));
    await open(dayTwo, ['e', 'f']);
    const stamps = Object.fromEntries(
      (await storedSessions(client, keys.instanceSessions('node-1', 'inc-1'))).map((s) => [
        s.sessionId,
        s.stampMs,
      ]),
    );
    expect(Object.keys(stamps).sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);

    const closed = await close(10, 'now', dayTwo);
    expect(closed).toMatchObject({ status: 0, closed: 6, left: 0 });
    const end = closed.closeMs;
    const osTime = (ids: string[], from: (id: string) => number, to: (id: string) => number) =>
      ids.reduce((sum, id) => sum + to(id) - from(id), 0);
    const dayOneOs = await dayBreakdown(client, keys, '2031-01-31', 'os');
    const dayTwoOs = await dayBreakdown(client, keys, '2031-02-01', 'os');
    const stamp = (id: string) => stamps[id];
    expect(dayOneOs['Mac OS'][1]).toBe(osTime(['a', 'c'], stamp, () => midnight));
    expect(dayOneOs.iOS[1]).toBe(osTime(['b'], stamp, () => midnight));
    expect(dayOneOs.Windows[1]).toBe(osTime(['d'], stamp, () => midnight));
    expect(dayTwoOs['Mac OS'][1]).toBe(2 * (end - midnight));
    expect(dayTwoOs.iOS[1]).toBe(end - midnight + osTime(['e'], stamp, () => end));
    expect(dayTwoOs.Windows[1]).toBe(end - midnight + osTime(['f'], stamp, () => end));
    // The days' totals are the values' sums.
    const total = async (date: string) => Number(await client.hget(keys.day(date), 'sessionMs'));
    expect(await total('2031-01-31')).toBe(
      dayOneOs['Mac OS'][1] + dayOneOs.iOS[1] + dayOneOs.Windows[1],
    );
    expect(await total('2031-02-01')).toBe(
      dayTwoOs['Mac OS'][1] + dayTwoOs.iOS[1] + dayTwoOs.Windows[1],
    );
    await expectNoLiveBreakdowns(client, keys);
  });
});
