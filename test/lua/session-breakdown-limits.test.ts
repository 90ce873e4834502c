// Limits of the breakdowns: values past the cap counted as "other" (3 when set, 50 by default),
// and users by value no longer recorded once the day is past its exact threshold.
import { BREAKDOWN_DIMENSIONS } from '../../src/session/breakdown-dimensions';
import { parseMember } from '../../src/session/session-member';
import { encodeSessionMeta } from '../../src/session/session-meta';
import { dayBreakdownHash, profilesHash } from '../support/breakdown-hashes';
import { CHROME_WINDOWS, meta } from '../support/sample-client-meta';
import {
  dayBreakdown,
  liveBreakdown,
  useSessionBreakdownScripts,
} from '../support/session-breakdown-scripts';
import { expectNoLiveBreakdowns } from '../support/breakdown-checks';

/** applyBatch and closeSessions with session metadata: profiles, live and day breakdowns. */
describe('session metadata and breakdowns in the scripts', () => {
  const { setup } = useSessionBreakdownScripts();

  it('counts values past the cap as "other", live and per day, and frees them on close', async () => {
    const { client, keys, apply, today } = await setup({ breakdownCap: 3 });
    const events: string[] = [];
    for (let i = 0; i < 6; i++) {
      events.push(
        'o',
        `s${i}`,
        encodeSessionMeta(meta({ osName: `OS ${i}`, clientName: 'Chrome' })),
      );
      events.push('i', `s${i}`, `user-${i}`);
    }
    // Two more sessions of admitted values still count as themselves.
    events.push('o', 's6', encodeSessionMeta(meta({ osName: 'OS 0' })));
    events.push('o', 's7', '');
    await apply(events, { firstSeq: 0 });
    expect(await liveBreakdown(client, keys, 'os')).toEqual({
      'OS 0': [2, 1],
      'OS 1': [1, 1],
      'OS 2': [1, 1],
      other: [3, 3],
      unknown: [1, 0],
    });
    expect(await dayBreakdown(client, keys, today.date, 'os')).toEqual({
      'OS 0': [2, 0, 1],
      'OS 1': [1, 0, 1],
      'OS 2': [1, 0, 1],
      other: [3, 0, 3],
      unknown: [1, 0, 0],
    });
    expect(await liveBreakdown(client, keys, 'browser')).toEqual({
      Chrome: [6, 6],
      unknown: [2, 0],
    });
    // The listing still shows each session's own value.
    const other = (await client.zrange(keys.instanceSessions('node-1', 'inc-1'), 0, -1)).find((m) =>
      m.startsWith('s5\0'),
    );
    const profile = (await profilesHash(client, keys))[parseMember(other!).profileId];
    expect(profile).toContain('OS 5');

    await apply(Array.from({ length: 8 }, (_, i) => ['c', `s${i}`, '']).flat(), { firstSeq: 14 });
    await expectNoLiveBreakdowns(client, keys);
  });

  it('caps at 50 distinct values a day by default', async () => {
    const { client, keys, apply, today } = await setup();
    const events: string[] = [];
    for (let i = 0; i < 60; i++) {
      events.push('o', `s${i}`, encodeSessionMeta(meta({ clientName: `Odd Browser ${i}` })));
    }
    await apply(events);
    const day = await dayBreakdown(client, keys, today.date, 'browser');
    expect(Object.keys(day)).toHaveLength(51);
    expect(day.other).toEqual([10, 0, 0]);
    const live = await liveBreakdown(client, keys, 'browser');
    expect(Object.keys(live)).toHaveLength(51);
    expect(live.other).toEqual([10, 0]);
  });

  it('stops recording users by value once the day is past its exact threshold', async () => {
    const { client, keys, apply, today } = await setup({ exactThreshold: 2 });
    const events: string[] = [];
    for (let i = 0; i < 4; i++) {
      events.push('o', `s${i}`, encodeSessionMeta(CHROME_WINDOWS), 'i', `s${i}`, `user-${i}`);
    }
    await apply(events.slice(0, 12));
    expect(await client.hlen(keys.dayBreakdownUsers(today.date))).toBe(2);
    expect(await client.ttl(keys.dayBreakdownUsers(today.date))).toBeGreaterThan(0);
    await apply(events.slice(12));
    expect(await client.exists(keys.dayBreakdownUsers(today.date))).toBe(0);
    for (const by of BREAKDOWN_DIMENSIONS) {
      expect((await dayBreakdownHash(client, keys, today.date, by))['|inexact']).toBe('2');
    }
    // Users counted until then stay; the reader scales them to the day's HyperLogLog count.
    expect(await dayBreakdown(client, keys, today.date, 'os')).toEqual({ Windows: [4, 0, 2] });
  });
});
