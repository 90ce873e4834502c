import { redact } from '../../src/cli/redact';
import { maskConnectionString, maskUrl } from '../../src/redis/mask-url';
import { parseRedisUrl } from '../../src/redis/redis-url';
import { awkwardUrls, leakedTokens } from '../support/awkward-passwords';

const URLS = awkwardUrls('127.0.0.1:6379');

describe('no part of a password is ever printed, whatever characters it holds', () => {
  it.each(URLS.map((u) => [u.url, u] as const))('%s', (url, awkward) => {
    let message = '';
    try {
      const target = parseRedisUrl(url);
      // What parses must mean the password it was written with, or be refused: never a guess.
      if (url.includes(encodeURIComponent(awkward.password))) {
        expect(target.password ?? target.sentinelPassword).toBe(awkward.password);
      }
    } catch (err) {
      message = (err as Error).message;
      expect(message).toMatch(/^invalid Redis URL /);
    }
    expect(leakedTokens(message, awkward)).toEqual([]);
    expect(leakedTokens(maskConnectionString(url), awkward)).toEqual([]);
    expect(leakedTokens(redact(`cannot reach Redis at ${url}: refused`, [url]), awkward)).toEqual(
      [],
    );
    // A URL in free text ends at white space: there only the secret URLs' parts can help.
    if (!/\s/.test(url)) {
      expect(leakedTokens(maskUrl(`cannot reach Redis at ${url}: refused`), awkward)).toEqual([]);
    }
  });

  it('keeps what is not a password readable', () => {
    expect(maskConnectionString('redis://admin:hunter2#x@127.0.0.1:6411')).toBe(
      'redis://admin:***@127.0.0.1:6411',
    );
    expect(maskConnectionString('redis://:p@ssword#1@127.0.0.1:6411/2')).toBe(
      'redis://:***@127.0.0.1:6411/2',
    );
    expect(maskUrl('at redis://u:p#w@h:1: refused')).toBe('at redis://u:***@h:1: refused');
  });

  it('says which character to encode without quoting the pieces', () => {
    expect(() => parseRedisUrl('redis://admin:hunter2#x@127.0.0.1:6411')).toThrow(
      "invalid Redis URL redis://admin:***@127.0.0.1:6411: a '#' in a user name or password must be percent-encoded as %23",
    );
    expect(() => parseRedisUrl('redis://:pa?ss@127.0.0.1')).toThrow(
      "a '?' in a user name or password must be percent-encoded as %3F",
    );
    expect(() => parseRedisUrl('redis://127.0.0.1?password=ab&cdef')).toThrow(
      /unknown parameter … for a standalone URL.*\(… stands for what may be part of a password/,
    );
  });
});
