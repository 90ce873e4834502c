import { LIVE_USER_HASHES, liveUsersHashOf } from '../../src/keys';
import {
  closedMembersValue,
  closedProfileField,
  closedTimesValue,
  parseClosedEntry,
} from '../../src/session/closed-record';
import { profileIdOf } from '../../src/session/profile-id';
import fc from 'fast-check';
import {
  MEMBER_LIST_SEPARATOR,
  memberOf,
  parseMember,
  storedSession,
} from '../../src/session/session-member';
import { encodeSessionMeta, splitSessionMeta } from '../../src/session/session-meta';

describe('session member', () => {
  const full = {
    sessionId: 'abcDEF123',
    userId: 'u{1}:ß',
    loginSec: 75,
    profileId: 'k3f9a0b1c2',
    addressCode: 'wAACAQ',
    carriedSec: 3600,
  };

  it('is the session id alone for an anonymous session without metadata', () => {
    const anonymous = {
      ...full,
      userId: '',
      loginSec: 0,
      profileId: '',
      addressCode: '',
      carriedSec: 0,
    };
    expect(memberOf(anonymous)).toBe('abcDEF123');
    expect(parseMember('abcDEF123')).toEqual(anonymous);
  });

  it('leaves trailing empty fields out and parses back what it wrote', () => {
    expect(memberOf({ ...full, profileId: '', addressCode: '', carriedSec: 0 })).toBe(
      'abcDEF123\0u{1}:ß\0' + (75).toString(36),
    );
    expect(parseMember(memberOf(full))).toEqual(full);
    const anonymousWithProfile = { ...full, userId: '', loginSec: 0 };
    expect(memberOf(anonymousWithProfile)).toBe(
      `abcDEF123\0\0\0k3f9a0b1c2\0wAACAQ\0${(3600).toString(36)}`,
    );
    expect(parseMember(memberOf(anonymousWithProfile))).toEqual(anonymousWithProfile);
  });

  it('gives connection and login times from the score and the carried seconds', () => {
    const score = 1_800_000_000_000;
    expect(storedSession(memberOf(full), score)).toEqual({
      sessionId: 'abcDEF123',
      userId: 'u{1}:ß',
      stampMs: score,
      connectedAtMs: score - 3_600_000,
      loginAtMs: score - 3_600_000 + 75_000,
      profileId: 'k3f9a0b1c2',
      addressCode: 'wAACAQ',
    });
  });
});

describe('member list', () => {
  // A close call sends its chunk as one joined string and the script compares it with the
  // members it finds: two different lists must never join to the same string.
  it('splits back into exactly the members joined, whichever fields are empty', () => {
    const text = fc.string({ unit: fc.constantFrom('a', '\u0001', ':', 'ß'), maxLength: 3 });
    const record = fc.record({
      sessionId: text.filter((t) => t.length > 0),
      userId: text,
      loginSec: fc.nat(100),
      profileId: text,
      addressCode: text,
      carriedSec: fc.nat(100),
    });
    fc.assert(
      fc.property(fc.array(record, { maxLength: 6 }), (records) => {
        const members = records.map(memberOf);
        const joined = members.join(MEMBER_LIST_SEPARATOR);
        expect(members.length === 0 ? [] : joined.split(MEMBER_LIST_SEPARATOR)).toEqual(members);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('client profile id', () => {
  it('is the same for the same labels, differs for others, and is empty without labels', () => {
    const firefoxOnLinux = (clientVersion: string, clientAddress: string) =>
      splitSessionMeta(
        encodeSessionMeta({
          deviceType: 'browser',
          osName: 'Linux',
          osVersion: '',
          clientName: 'Firefox',
          clientVersion,
          clientAddress,
        }),
      );
    const a = firefoxOnLinux('120', '10.0.0.1');
    const b = firefoxOnLinux('121', '');
    expect(profileIdOf(a.content)).toMatch(/^[0-9a-z]{10}$/);
    // The address is not part of the profile.
    expect(profileIdOf(a.content)).toBe(profileIdOf(firefoxOnLinux('120', '10.9.9.9').content));
    expect(profileIdOf(a.content)).not.toBe(profileIdOf(b.content));
    expect(profileIdOf('')).toBe('');
    expect(a.addressCode).not.toBe('');
    expect(b.addressCode).toBe('');
  });
});

describe('closed-session log entry', () => {
  it('gives every session of an entry with its profile labels and times', () => {
    const closedAt = 1_800_000_100_000;
    const content = ['browser', 'Windows', '10', 'Chrome', '124'].join('\x1f');
    const fields = [
      'instance',
      'node-1',
      'closedAt',
      String(closedAt),
      closedProfileField('p1'),
      content,
      'm',
      closedMembersValue([
        memberOf({
          sessionId: 's1',
          userId: 'alice',
          loginSec: 10,
          profileId: 'p1',
          addressCode: '',
          carriedSec: 0,
        }),
        's2',
      ]),
      'c',
      closedTimesValue([closedAt - 60_000, undefined]),
    ];
    const [s1, s2] = parseClosedEntry(fields);
    expect(s1).toEqual({
      sessionId: 's1',
      userId: 'alice',
      instanceId: 'node-1',
      connectedAt: closedAt - 60_000,
      closedAt,
      durationMs: 60_000,
      loginAt: closedAt - 50_000,
      deviceType: 'browser',
      osName: 'Windows',
      osVersion: '10',
      clientName: 'Chrome',
      clientVersion: '124',
      clientAddress: '',
    });
    // Opened and closed by one call: it connected when it closed.
    expect(s2).toMatchObject({
      sessionId: 's2',
      userId: null,
      connectedAt: closedAt,
      durationMs: 0,
      loginAt: null,
      deviceType: '',
    });
  });
});

describe('closed-session log field', () => {
  it('splits back every session, whichever of its member fields are empty or odd', () => {
    const closedAt = 1_800_000_100_000;
    const records = [
      { sessionId: 'a', userId: '', loginSec: 0, profileId: '', addressCode: '', carriedSec: 0 },
      {
        sessionId: 'b\u0001:',
        userId: '',
        loginSec: 0,
        profileId: 'p9',
        addressCode: '',
        carriedSec: 0,
      },
      {
        sessionId: 'c',
        userId: 'ß{x}',
        loginSec: 5,
        profileId: '',
        addressCode: 'q',
        carriedSec: 0,
      },
      {
        sessionId: 'd',
        userId: 'u',
        loginSec: 1,
        profileId: 'p1',
        addressCode: 'z',
        carriedSec: 7,
      },
    ];
    const members = closedMembersValue(records.map(memberOf));
    const times = closedTimesValue(records.map((_, i) => (i === 0 ? undefined : closedAt - i)));
    const parsed = parseClosedEntry([
      'instance',
      'n',
      'closedAt',
      String(closedAt),
      'm',
      members,
      'c',
      times,
    ]);
    expect(parsed.map((r) => [r.sessionId, r.userId, r.loginAt, r.connectedAt])).toEqual([
      ['a', null, null, closedAt],
      ['b\u0001:', null, null, closedAt - 1],
      ['c', 'ß{x}', closedAt - 2 + 5000, closedAt - 2],
      ['d', 'u', closedAt - 3 + 1000, closedAt - 3],
    ]);
  });

  it('an entry without sessions has none', () => {
    expect(parseClosedEntry(['instance', 'n', 'closedAt', '1'])).toEqual([]);
  });
});

describe('live users hashes', () => {
  it('spreads users evenly over every hash, the same way each time', () => {
    const counts = new Array<number>(LIVE_USER_HASHES).fill(0);
    for (let i = 0; i < LIVE_USER_HASHES * 20; i++) counts[liveUsersHashOf(`user-${i}`)]++;
    expect(Math.min(...counts)).toBeGreaterThan(0);
    expect(Math.max(...counts)).toBeLessThan(60);
    expect(liveUsersHashOf('alice')).toBe(liveUsersHashOf('alice'));
    for (const id of ['', 'ß', '{x}:y', 'x'.repeat(300)]) {
      const h = liveUsersHashOf(id);
      expect(Number.isInteger(h) && h >= 0 && h < LIVE_USER_HASHES).toBe(true);
    }
  });
});
