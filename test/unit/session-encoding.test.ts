import fc from 'fast-check';
import { isIPv4 } from 'node:net';
import {
  HOLDS_BOTH,
  HOLDS_NOTHING,
  HOLDS_USER,
  UserProfilePairs,
} from '../../src/monitor/user-profile-pairs';
import { memberOf, parseMember } from '../../src/session/session-member';
import {
  decodeClientAddress,
  encodeClientAddress,
  encodeSessionMeta,
  splitSessionMeta,
} from '../../src/session/session-meta';

/** An IPv4 address's code as a Buffer gives it: the 4 bytes, or 3 when the last is 0. */
function bufferCode(address: string): string {
  const octets = address.split('.').map(Number);
  return Buffer.from(octets[3] === 0 ? octets.slice(0, 3) : octets).toString('base64url');
}

describe('client address code', () => {
  it('is the base64url of the bytes of every IPv4 address, and decodes back to it', () => {
    fc.assert(
      fc.property(fc.ipV4(), (address) => {
        const code = encodeClientAddress(address);
        expect(code).toBe(bufferCode(address));
        expect(code).toHaveLength(address.endsWith('.0') ? 4 : 6);
        expect(decodeClientAddress(code)).toBe(address);
      }),
    );
  });

  it('takes as IPv4 exactly what node:net does, and keeps anything else as text', () => {
    const octet = fc.oneof(
      fc.integer({ min: 0, max: 255 }).map(String),
      fc.constantFrom('00', '01', '007', '256', '999', '1000', '', ' 1', '1a', '-1', '+1', '0x1'),
    );
    const dotted = fc
      .array(octet, { minLength: 2, maxLength: 5 })
      .chain((parts) =>
        fc.constantFrom(parts.join('.'), `${parts.join('.')}.`, `.${parts.join('.')}`),
      );
    fc.assert(
      fc.property(dotted, (address) => {
        const code = encodeClientAddress(address);
        if (isIPv4(address)) {
          expect(code).toBe(bufferCode(address));
        } else {
          expect(code === address || code === `=${address}`).toBe(true);
          expect(decodeClientAddress(code)).toBe(address);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('session metadata encoding', () => {
  const none = {
    deviceType: '',
    osName: '',
    osVersion: '',
    clientName: '',
    clientVersion: '',
    clientAddress: '',
  };

  it('is empty when nothing is known, and splits into the labels and the address code', () => {
    expect(encodeSessionMeta(none)).toBe('');
    expect(splitSessionMeta('')).toEqual({ content: '', addressCode: '' });
    const addressOnly = encodeSessionMeta({ ...none, clientAddress: '10.1.2.0' });
    expect(splitSessionMeta(addressOnly)).toEqual({ content: '', addressCode: 'CgEC' });
    const browser = encodeSessionMeta({ ...none, deviceType: 'browser', clientName: 'Fire|fox\0' });
    expect(splitSessionMeta(browser)).toEqual({
      content: 'browser\x1f\x1f\x1fFirefox\x1f',
      addressCode: '',
    });
  });

  it('keeps a member whole when a caller skipped encoding: no NUL, no field grown', () => {
    const long = 'x'.repeat(300);
    expect(splitSessionMeta(`a\0b\x1f${long}`)).toEqual({
      content: `ab\x1f${'x'.repeat(128)}\x1f\x1f\x1f`,
      addressCode: '',
    });
    expect(splitSessionMeta(`\x1f\x1f\x1f\x1f\x1f\0${long}`)).toEqual({
      content: '',
      addressCode: 'x'.repeat(128),
    });
  });
});

describe('session member', () => {
  it('parses back into the record it was built from, whichever fields are empty', () => {
    const id = fc.string({ maxLength: 12 }).map((s) => s.replace(/\0/g, ''));
    const record = fc.record({
      sessionId: id.map((s) => `s${s}`),
      userId: id,
      loginSec: fc.nat({ max: 100_000 }),
      profileId: id,
      addressCode: id,
      carriedSec: fc.nat({ max: 100_000 }),
    });
    fc.assert(
      fc.property(record, (r) => {
        const expected = { ...r, loginSec: r.userId ? r.loginSec : 0 };
        const member = memberOf(expected);
        expect(member.endsWith('\0')).toBe(false);
        expect(parseMember(member)).toEqual(expected);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('user-profile pairs', () => {
  it('holds exactly the users and pairs added, as sets of ids and of joined keys would', () => {
    const name = fc.constantFrom('', 'a', 'b', 'c', 'ab');
    const profile = fc.option(name, { nil: undefined });
    const ops = fc.array(fc.tuple(fc.boolean(), name, profile), { maxLength: 60 });
    fc.assert(
      fc.property(ops, (steps) => {
        const pairs = new UserProfilePairs();
        const users = new Set<string>();
        const keys = new Set<string>();
        const expected = (userId: string, profileId: string | undefined) => {
          if (!users.has(userId)) return HOLDS_NOTHING;
          if (profileId === undefined || keys.has(`${userId}\0${profileId}`)) return HOLDS_BOTH;
          return HOLDS_USER;
        };
        for (const [adding, userId, profileId] of steps) {
          if (adding) {
            pairs.add(userId, profileId);
            users.add(userId);
            if (profileId !== undefined) keys.add(`${userId}\0${profileId}`);
          }
          expect(pairs.holds(userId, profileId)).toBe(expected(userId, profileId));
          expect(pairs.holds(userId)).toBe(expected(userId, undefined));
          expect([pairs.users, pairs.pairs]).toEqual([users.size, keys.size]);
        }
        pairs.clear();
        expect([pairs.users, pairs.pairs]).toEqual([0, 0]);
        expect(steps.some(([, u, p]) => pairs.holds(u, p) !== HOLDS_NOTHING)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});
