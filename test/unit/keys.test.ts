import { Keys } from '../../src/keys';
import { ConfigError } from '../../src/errors';

describe('Keys', () => {
  it('puts every key of a namespace under one hash tag', () => {
    const keys = new Keys('acme');
    const all = [
      keys.live(),
      keys.liveUsers(0),
      keys.liveUsers(4095),
      keys.liveUsersOf('alice'),
      keys.leases(),
      keys.instance('host:1'),
      keys.instanceSessions('host:1', 'abc'),
      keys.day('2026-11-21'),
      keys.dayUsers('2026-11-21'),
      keys.dayUsersHll('2026-11-21'),
      keys.month('2026-11'),
      keys.monthUsers('2026-11'),
      keys.monthUsersHll('2026-11'),
      keys.dayBreakdownUsers('2026-11-21'),
      keys.reporterLease('0e5c7c70-1b2a-11ef-9f3e-0242ac120002'),
    ];
    for (const key of all) {
      expect(key.startsWith('sau:{acme}:')).toBe(true);
      // Redis hashes only the first {...}: no other brace may appear before it closes.
      expect(key.indexOf('{')).toBe(4);
      expect(key.indexOf('}')).toBe(9);
    }
    expect(new Set(all).size).toBe(all.length);
  });

  it.each([
    ['', 'non-empty'],
    ['a{b', "'{'"],
    ['a}b', "'{'"],
    ['a b', 'whitespace'],
    ['tab\tx', 'whitespace'],
    ['x'.repeat(65), 'at most 64'],
  ])('refuses namespace %j with a clear error', (namespace, fragment) => {
    expect(() => new Keys(namespace)).toThrow(ConfigError);
    expect(() => new Keys(namespace)).toThrow(fragment);
  });

  it('accepts 64 bytes, unicode and punctuation', () => {
    expect(new Keys('x'.repeat(64)).prefix).toBe(`sau:{${'x'.repeat(64)}}:`);
    expect(new Keys('tenant:é-1').live()).toBe('sau:{tenant:é-1}:live');
  });

  it('names the day breakdown users hash after its day, and the live users hashes by number', () => {
    const keys = new Keys('acme');
    expect(keys.dayBreakdownUsers('2026-11-21')).toBe('sau:{acme}:day:2026-11-21:by:users');
    expect(keys.liveUsers(7)).toBe('sau:{acme}:live:users:7');
    expect(() => keys.liveUsers(4096)).toThrow(RangeError);
  });

  it('refuses an instance id that would break the hash tag', () => {
    const keys = new Keys('ns');
    expect(() => keys.instance('a}b')).toThrow(/instanceId/);
    expect(() => keys.instance('')).toThrow(/instanceId/);
  });
});
