// Storing session metadata: an open counted live and per day, its member and profile stored
// compactly, read back unchanged, and kept free of separators.
import { ScriptStatus } from '../../src/scripts/script-status';
import { readSessions } from '../../src/scripts/commands/read-sessions';
import { parseMember } from '../../src/session/session-member';
import {
  EMPTY_SESSION_META,
  encodeSessionMeta,
  storedSessionMeta,
  type SessionMeta,
} from '../../src/session/session-meta';
import { profilesHash } from '../support/breakdown-hashes';
import { CHROME_MAC, CHROME_WINDOWS, RC_IOS, meta } from '../support/sample-client-meta';
import {
  dayBreakdown,
  liveBreakdown,
  useSessionBreakdownScripts,
} from '../support/session-breakdown-scripts';

/** applyBatch and closeSessions with session metadata: profiles, live and day breakdowns. */
describe('session metadata and breakdowns in the scripts', () => {
  const { setup } = useSessionBreakdownScripts();

  it('counts an open with metadata live and as opened today, and stores it compactly', async () => {
    const { client, keys, apply, member, today } = await setup();
    const result = await apply(
      [
        ...['o', 's1', encodeSessionMeta(CHROME_WINDOWS)],
        ...['o', 's2', encodeSessionMeta(CHROME_WINDOWS)],
        ...['o', 's3', encodeSessionMeta(RC_IOS)],
      ],
      { firstSeq: 0 },
    );
    expect(result).toMatchObject({ status: ScriptStatus.OK, applied: 3 });

    expect(await liveBreakdown(client, keys, 'device')).toEqual({
      browser: [2, 0],
      'mobile-app': [1, 0],
    });
    expect(await liveBreakdown(client, keys, 'os')).toEqual({ Windows: [2, 0], iOS: [1, 0] });
    expect(await liveBreakdown(client, keys, 'browser')).toEqual({
      Chrome: [2, 0],
      'RC Mobile': [1, 0],
    });
    expect(await dayBreakdown(client, keys, today.date, 'os')).toEqual({
      Windows: [2, 0, 0],
      iOS: [1, 0, 0],
    });

    // Two distinct profiles, each stored once with its live session count.
    const profiles = await profilesHash(client, keys);
    const records = Object.entries(profiles).filter(([f]) => /^[0-9a-z]+$/.test(f));
    expect(records.map(([, r]) => r.split('|')[0]).sort()).toEqual(['1', '2']);

    const s1 = await member('s1');
    const s3 = await member('s3');
    expect(s1).toMatchObject({ sessionId: 's1', userId: null, loginAtMs: null });
    expect(s1.connectedAtMs).toBe(result.nowMs);
    expect(s1.profileId).not.toBe(s3.profileId);
    // A /24 IPv4 address takes 4 characters of the member, a /48 IPv6 address 9.
    expect(s1.addressCode).toHaveLength(4);
    expect(s3.addressCode).toHaveLength(9);
  });

  it('gives the metadata back unchanged through the member and its profile', async () => {
    const { apply, runner, keys } = await setup();
    const odd = meta({
      deviceType: 'desktop-app',
      osName: 'Яндекс ОС',
      osVersion: '1.0 {beta}',
      clientName: '微信 "app"',
      clientVersion: 'x'.repeat(32),
      clientAddress: 'Zm9vYmFyYmF6cXV4',
    });
    const cases: Record<string, SessionMeta> = {
      a: CHROME_WINDOWS,
      b: CHROME_MAC,
      c: RC_IOS,
      d: odd,
      e: meta({ clientAddress: '1234' }),
      f: meta({ clientAddress: '::1' }),
      g: meta({ clientAddress: '2001:db8::8a2e:370:7334' }),
      h: meta({ osName: 'Linux' }),
      i: EMPTY_SESSION_META,
    };
    await apply(Object.entries(cases).flatMap(([id, m]) => ['o', id, encodeSessionMeta(m)]));
    const page = await readSessions(runner, keys, {
      instanceId: 'node-1',
      incarnation: 'inc-1',
      after: undefined,
      examine: 100,
      limit: 100,
      userId: '',
    });
    const read = Object.fromEntries(
      page.sessions.map(({ member, profile }) => {
        const m = parseMember(member);
        return [m.sessionId, storedSessionMeta(profile, m.addressCode)];
      }),
    );
    expect(read).toEqual(cases);
  });

  it('keeps separators out of stored metadata, whoever sends it', async () => {
    const { apply, client, keys, member, today } = await setup();
    const dirty = meta({
      osName: 'Win|dows\u001f1\u0000\u001e',
      clientName: 'x'.repeat(40),
      clientAddress: '10.0.0.1\n',
    });
    expect(encodeSessionMeta(dirty)).toBe(
      encodeSessionMeta(
        meta({ osName: 'Windows1', clientName: 'x'.repeat(32), clientAddress: '10.0.0.1' }),
      ),
    );
    // A caller that skips encodeSessionMeta and sends a NUL cannot split the member either.
    const raw = 'brow\u0000ser\u001fLinux';
    await apply([...['o', 's1', encodeSessionMeta(dirty)], ...['o', 's2', raw, 'c', 's2', '']]);
    expect(await member('s1')).toMatchObject({ sessionId: 's1' });
    expect(await liveBreakdown(client, keys, 'os')).toEqual({ Windows1: [1, 0] });
    expect((await dayBreakdown(client, keys, today.date, 'device')).browser).toEqual([
      1,
      expect.any(Number),
      0,
    ]);
  });
});
