// Breakdowns through a session's life: login, a second user on the same session, logout, and
// close by event or by closeSessions, with the session time credited by value.
import { ScriptStatus } from '../../src/scripts/script-status';
import { BREAKDOWN_DIMENSIONS } from '../../src/session/breakdown-dimensions';
import { encodeSessionMeta } from '../../src/session/session-meta';
import { CHROME_MAC, CHROME_WINDOWS, RC_IOS } from '../support/sample-client-meta';
import {
  dayBreakdown,
  liveBreakdown,
  useSessionBreakdownScripts,
} from '../support/session-breakdown-scripts';
import { expectNoLiveBreakdowns } from '../support/breakdown-checks';

/** applyBatch and closeSessions with session metadata: profiles, live and day breakdowns. */
describe('session metadata and breakdowns in the scripts', () => {
  const { setup } = useSessionBreakdownScripts();

  it('moves a session between anonymous and logged in, and counts distinct users per value', async () => {
    const { client, keys, apply, member, today } = await setup();
    await apply(
      [
        ...['o', 'w1', encodeSessionMeta(CHROME_WINDOWS)],
        ...['o', 'w2', encodeSessionMeta(CHROME_WINDOWS)],
        ...['o', 'm1', encodeSessionMeta(CHROME_MAC)],
        ...['o', 'p1', encodeSessionMeta(RC_IOS)],
      ],
      { firstSeq: 0 },
    );
    const login = await apply(
      [
        // Alice on two Windows tabs and her phone; Bob on a Mac, then Carol takes over his session.
        ...['i', 'w1', 'alice', 'i', 'w2', 'alice', 'i', 'p1', 'alice'],
        ...['i', 'm1', 'bob', 'i', 'm1', 'carol'],
      ],
      { firstSeq: 4 },
    );
    expect(login.applied).toBe(5);
    expect(await liveBreakdown(client, keys, 'os')).toEqual({
      Windows: [2, 2],
      'Mac OS': [1, 1],
      iOS: [1, 1],
    });
    expect(await liveBreakdown(client, keys, 'browser')).toEqual({
      Chrome: [3, 3],
      'RC Mobile': [1, 1],
    });
    // Users: alice once on Windows however many tabs; bob and carol both used the Mac.
    expect(await dayBreakdown(client, keys, today.date, 'os')).toEqual({
      Windows: [2, 0, 1],
      'Mac OS': [1, 0, 2],
      iOS: [1, 0, 1],
    });
    expect(await dayBreakdown(client, keys, today.date, 'browser')).toEqual({
      Chrome: [3, 0, 3],
      'RC Mobile': [1, 0, 1],
    });
    const m1 = await member('m1');
    expect(m1.userId).toBe('carol');
    expect(m1.loginAtMs).toBe(
      m1.connectedAtMs + Math.floor((login.nowMs - m1.connectedAtMs) / 1000) * 1000,
    );

    await apply(['u', 'w1', '', 'u', 'm1', '', 'u', 'm1', ''], { firstSeq: 9 });
    expect(await liveBreakdown(client, keys, 'os')).toEqual({
      Windows: [2, 1],
      'Mac OS': [1, 0],
      iOS: [1, 1],
    });
    expect(await member('m1')).toMatchObject({ userId: null, loginAtMs: null });
    // Logging out removes nobody from the day.
    expect((await dayBreakdown(client, keys, today.date, 'os'))['Mac OS']).toEqual([1, 0, 2]);
  });

  it('takes a closed session off the live breakdowns and credits its time by value', async () => {
    const { client, keys, apply, close, today } = await setup();
    const opened = await apply(
      [
        ...['o', 's1', encodeSessionMeta(CHROME_WINDOWS), 'i', 's1', 'alice'],
        ...['o', 's2', encodeSessionMeta(RC_IOS)],
        ...['o', 's3', ''],
        ...['o', 's4', encodeSessionMeta(CHROME_MAC), 'i', 's4', 'bob'],
      ],
      { firstSeq: 0 },
    );
    expect(await liveBreakdown(client, keys, 'device')).toEqual({
      browser: [2, 2],
      'mobile-app': [1, 0],
      unknown: [1, 0],
    });
    await new Promise((r) => setTimeout(r, 20));
    const closedByEvent = await apply(['c', 's1', '', 'c', 's3', ''], { firstSeq: 6 });
    expect(await liveBreakdown(client, keys, 'os')).toEqual({ iOS: [1, 0], 'Mac OS': [1, 1] });

    const reaped = await close(1);
    expect(reaped).toMatchObject({ status: ScriptStatus.OK, closed: 1, left: 1 });
    const rest = await close(10);
    expect(rest).toMatchObject({ closed: 1, left: 0 });
    await expectNoLiveBreakdowns(client, keys);

    // Every session's time is in the day hash and, by value, in each day breakdown.
    const sessionMs = Number(await client.hget(keys.day(today.date), 'sessionMs'));
    expect(sessionMs).toBe(
      2 * (closedByEvent.nowMs - opened.nowMs) +
        (reaped.closeMs - opened.nowMs) +
        (rest.closeMs - opened.nowMs),
    );
    for (const by of BREAKDOWN_DIMENSIONS) {
      const rows = Object.values(await dayBreakdown(client, keys, today.date, by));
      expect(rows.reduce((sum, r) => sum + r[0], 0)).toBe(4);
      expect(rows.reduce((sum, r) => sum + r[1], 0)).toBe(sessionMs);
    }
    const os = await dayBreakdown(client, keys, today.date, 'os');
    expect(os.Windows).toEqual([1, closedByEvent.nowMs - opened.nowMs, 1]);
    expect(os.unknown).toEqual([1, closedByEvent.nowMs - opened.nowMs, 0]);
  });
});
