import { maskUrl } from '../../src/redis/redis-client';
import { SECRET } from '../support/redis-url-secret';

describe('maskUrl', () => {
  it.each([
    ['redis://user:secret@host:6379/0', 'redis://user:***@host:6379/0'],
    ['rediss://:secret@host', 'rediss://:***@host'],
    ['redis://u:p@ss@host', 'redis://u:***@host'],
    // A raw `&` in the password cannot be told from the next parameter: all of the rest goes.
    ['redis://host?password=secret&db=2', 'redis://host?password=***'],
    ['redis://host:6379', 'redis://host:6379'],
    ['a redis://u:one@h1 and redis://u:two@h2', 'a redis://u:***@h1 and redis://u:***@h2'],
    ['redis://:se/secret@h:6379', 'redis://:***@h:6379'],
  ])('%s → %s', (input, expected) => {
    expect(maskUrl(input)).toBe(expected);
    expect(maskUrl(input)).not.toMatch(/secret|one@|two@|p@ss/);
  });
});

// The cluster and sentinel URL forms: every password, sentinelPassword too, masked.
describe('maskUrl on the new forms', () => {
  it.each([
    [`redis+cluster://u:${SECRET}@a:1,b:2`, 'redis+cluster://u:***@a:1,b:2'],
    [
      `rediss+sentinel://:${SECRET}@s1:1,s2:2/m?sentinelPassword=${SECRET}`,
      'rediss+sentinel://:***@s1:1,s2:2/m?sentinelPassword=***',
    ],
  ])('%s', (url, masked) => {
    expect(maskUrl(url)).toBe(masked);
  });
});
