// Replayed, duplicated and restored events: a replay changes nothing, a restore counts a session
// live with its user and metadata but not as opened again.
import { snapshot } from '../support/monitor-harness';
import { encodeRestore, encodeSessionMeta } from '../../src/session/session-meta';
import { CHROME_MAC, CHROME_WINDOWS, RC_IOS } from '../support/sample-client-meta';
import {
  dayBreakdown,
  liveBreakdown,
  useSessionBreakdownScripts,
} from '../support/session-breakdown-scripts';

/** applyBatch and closeSessions with session metadata: profiles, live and day breakdowns. */
describe('session metadata and breakdowns in the scripts', () => {
  const { setup } = useSessionBreakdownScripts();

  it('changes nothing when events are replayed or duplicated', async () => {
    const { apply, client, keys } = await setup();
    const batch = [
      ...['o', 's1', encodeSessionMeta(CHROME_WINDOWS), 'i', 's1', 'alice'],
      ...['o', 's2', encodeSessionMeta(RC_IOS), 'i', 's2', 'bob', 'u', 's2', ''],
      ...['o', 's3', encodeSessionMeta(CHROME_MAC), 'c', 's3', ''],
    ];
    expect(await apply(batch, { firstSeq: 0 })).toMatchObject({ applied: 7 });
    const after = await snapshot(client, keys.prefix);
    expect(await apply(batch, { firstSeq: 0 })).toMatchObject({ applied: 0 });
    expect(await snapshot(client, keys.prefix)).toEqual(after);
    // Unnumbered duplicates: a second open (even with other metadata), the same login again, a
    // logout of an anonymous session, a close of a closed one.
    const dup = await apply([
      ...['o', 's1', encodeSessionMeta(CHROME_MAC), 'i', 's1', 'alice'],
      ...['u', 's2', '', 'c', 's3', '', 'r', 's1', encodeRestore('alice', '')],
    ]);
    expect(dup.applied).toBe(0);
    expect(await snapshot(client, keys.prefix)).toEqual(after);
  });

  it('restores a session with its user and metadata, live but not opened again', async () => {
    const { client, keys, apply, member, today } = await setup();
    await apply([
      ...['r', 's1', encodeRestore('alice', encodeSessionMeta(RC_IOS))],
      ...['r', 's2', encodeRestore('', encodeSessionMeta(CHROME_WINDOWS))],
      ...['r', 's3', 'bob'],
    ]);
    expect(await liveBreakdown(client, keys, 'os')).toEqual({
      iOS: [1, 1],
      Windows: [1, 0],
      unknown: [1, 1],
    });
    expect(await dayBreakdown(client, keys, today.date, 'os')).toEqual({
      iOS: [0, 0, 1],
      unknown: [0, 0, 1],
    });
    expect(await member('s1')).toMatchObject({ userId: 'alice' });
    expect((await member('s1')).loginAtMs).toBe((await member('s1')).connectedAtMs);
    expect(await client.hmget(keys.live(), 'sessions', 'anonymous')).toEqual(['3', '1']);
  });
});
