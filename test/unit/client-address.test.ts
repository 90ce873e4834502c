import { ConfigError } from '../../src/errors';
import {
  ADDRESS_MODES,
  assertAddressOptions,
  DEFAULT_ADDRESS_MODE,
  protectAddress,
} from '../../src/privacy/address-mode';
import { clientAddressOf, normalizeAddress } from '../../src/privacy/client-address';

const SECRET = 'k'.repeat(16);

describe('clientAddressOf', () => {
  const xff = (value: string | string[]) => ({ 'x-forwarded-for': value });

  it('ignores X-Forwarded-For without trusted proxies: anyone can send one', () => {
    expect(clientAddressOf('10.0.0.5', xff('203.0.113.7'), 0)).toBe('10.0.0.5');
    expect(clientAddressOf(undefined, xff('203.0.113.7'), 0)).toBeUndefined();
  });

  it('takes the last entry behind one proxy, whatever the client put before it', () => {
    expect(clientAddressOf('10.0.0.5', xff('203.0.113.7'), 1)).toBe('203.0.113.7');
    expect(clientAddressOf('10.0.0.5', xff('6.6.6.6, 203.0.113.7'), 1)).toBe('203.0.113.7');
  });

  it('takes the entry two from the right behind two proxies', () => {
    // CDN appends the client, the load balancer appends the CDN.
    expect(clientAddressOf('10.0.0.5', xff('203.0.113.7, 198.51.100.1'), 2)).toBe('203.0.113.7');
    expect(clientAddressOf('10.0.0.5', xff('6.6.6.6,203.0.113.7 ,198.51.100.1'), 2)).toBe(
      '203.0.113.7',
    );
    // A repeated header arrives as an array, in order.
    expect(clientAddressOf('10.0.0.5', xff(['6.6.6.6', '203.0.113.7, 198.51.100.1']), 2)).toBe(
      '203.0.113.7',
    );
  });

  it('takes the leftmost entry when there are fewer entries than proxies', () => {
    expect(clientAddressOf('10.0.0.5', xff('203.0.113.7'), 3)).toBe('203.0.113.7');
  });

  it('falls back to the socket address when the header is missing or empty', () => {
    expect(clientAddressOf('10.0.0.5', {}, 1)).toBe('10.0.0.5');
    expect(clientAddressOf('10.0.0.5', undefined, 1)).toBe('10.0.0.5');
    expect(clientAddressOf('10.0.0.5', xff(' , '), 1)).toBe('10.0.0.5');
  });

  it('finds the header whatever the case of its name', () => {
    expect(clientAddressOf('10.0.0.5', { 'X-Forwarded-For': '203.0.113.7' }, 1)).toBe(
      '203.0.113.7',
    );
  });

  it('handles IPv6 and IPv4-mapped addresses', () => {
    expect(clientAddressOf('::ffff:10.0.0.5', undefined, 0)).toBe('10.0.0.5');
    expect(clientAddressOf('::1', xff('2001:DB8:0:0:0:0:0:1'), 1)).toBe('2001:db8::1');
    expect(clientAddressOf('::1', xff('[2001:db8::7]:443, ::ffff:198.51.100.1'), 2)).toBe(
      '2001:db8::7',
    );
    expect(clientAddressOf('::1', xff('::FFFF:203.0.113.7'), 1)).toBe('203.0.113.7');
  });

  it('answers undefined for an entry that is not an address, rather than trusting another', () => {
    expect(clientAddressOf('10.0.0.5', xff('unknown'), 1)).toBeUndefined();
    expect(clientAddressOf('10.0.0.5', xff('203.0.113.7, <script>'), 1)).toBeUndefined();
    expect(clientAddressOf('not an ip', undefined, 0)).toBeUndefined();
  });

  it.each([Number.NaN, -1, 1.5, Infinity])('treats trustedProxies %p as 0', (proxies) => {
    expect(clientAddressOf('10.0.0.5', xff('203.0.113.7'), proxies)).toBe('10.0.0.5');
  });
});

describe('normalizeAddress', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['  203.0.113.7\t', '203.0.113.7'],
    ['203.0.113.7:5678', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::ffff:cb00:7107', '203.0.113.7'],
    ['[::1]:80', '::1'],
    ['[2001:db8::1]', '2001:db8::1'],
    ['fe80::1%eth0', 'fe80::1'],
    ['2001:0DB8:85A3:0000:0000:8A2E:0370:7334', '2001:db8:85a3::8a2e:370:7334'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    // A valid IPv6 address: its last group must not be taken for a port.
    ['2001:db8::1:80', '2001:db8::1:80'],
    // Lenient where it costs nothing: the address is what matters, not the port or brackets.
    ['1.2.3.4:99999', '1.2.3.4'],
    ['[1.2.3.4]:80', '1.2.3.4'],
  ])('%j → %j', (input, expected) => {
    expect(normalizeAddress(input)).toBe(expected);
  });

  it.each([
    '',
    'unknown',
    '256.1.1.1',
    '01.2.3.4',
    '1.2.3',
    'localhost',
    '1.2.3.4|5',
    '::1'.padStart(200, ' '),
    '1.2.3.4:',
    '[::1',
  ])('refuses %j', (input) => {
    expect(normalizeAddress(input)).toBeUndefined();
  });
});

describe('protectAddress', () => {
  it('keeps the canonical address in full mode', () => {
    expect(protectAddress('::ffff:203.0.113.7', 'full')).toBe('203.0.113.7');
  });

  it('truncates IPv4 to /24 and IPv6 to /48', () => {
    expect(protectAddress('203.0.113.77', 'truncate')).toBe('203.0.113.0');
    expect(protectAddress('::ffff:203.0.113.77', 'truncate')).toBe('203.0.113.0');
    expect(protectAddress('2001:db8:85a3:8d3:1319:8a2e:370:7348', 'truncate')).toBe(
      '2001:db8:85a3::',
    );
    expect(protectAddress('2001:db8:0:ffff::1', 'truncate')).toBe('2001:db8::');
    expect(protectAddress('::1', 'truncate')).toBe('::');
    expect(protectAddress('2001:db8:85a3::', 'truncate')).toBe('2001:db8:85a3::');
  });

  it('hashes with HMAC-SHA256 keyed by the secret, 16 base64url characters', () => {
    const hashed = protectAddress('203.0.113.7', 'hash', SECRET);
    // Fixed vector, from `printf 203.0.113.7 | openssl dgst -sha256 -hmac kkkkkkkkkkkkkkkk -binary
    // | head -c 12 | base64` (then + → -, / → _): the first 12 bytes of the HMAC, base64url.
    expect(hashed).toBe('ZyDBN2ZE_bnliA2E');
    expect(hashed).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(protectAddress('::ffff:203.0.113.7', 'hash', SECRET)).toBe(hashed);
    expect(protectAddress('203.0.113.8', 'hash', SECRET)).not.toBe(hashed);
    expect(protectAddress('203.0.113.7', 'hash', 'another secret, 16+')).not.toBe(hashed);
  });

  it('keeps nothing in none mode, for a missing or invalid address, or a hash without secret', () => {
    expect(protectAddress('203.0.113.7', 'none')).toBe('');
    expect(protectAddress(undefined, 'full')).toBe('');
    expect(protectAddress('garbage', 'truncate')).toBe('');
    expect(protectAddress('203.0.113.7', 'hash')).toBe('');
    expect(protectAddress('203.0.113.7', 'hash', 'short')).toBe('');
    expect(protectAddress('203.0.113.7', 'bogus' as never)).toBe('');
  });

  it('defaults to truncate', () => {
    expect(DEFAULT_ADDRESS_MODE).toBe('truncate');
    expect(ADDRESS_MODES).toEqual(['full', 'truncate', 'hash', 'none']);
  });
});

describe('assertAddressOptions', () => {
  it('accepts every mode, hash with a secret of 16 characters or more', () => {
    for (const mode of ['full', 'truncate', 'none'])
      expect(() => assertAddressOptions(mode)).not.toThrow();
    expect(() => assertAddressOptions('hash', SECRET)).not.toThrow();
  });

  it.each([
    ['hash', undefined, 'INVALID_ADDRESS_SECRET'],
    ['hash', 'k'.repeat(15), 'INVALID_ADDRESS_SECRET'],
    ['hash', 1234567890123456, 'INVALID_ADDRESS_SECRET'], // a number, even with 16 digits
    ['anonymize', undefined, 'INVALID_ADDRESS_MODE'],
    [undefined, undefined, 'INVALID_ADDRESS_MODE'],
    [Object.create(null), undefined, 'INVALID_ADDRESS_MODE'],
  ])('refuses mode %p with secret %p', (mode, secret, code) => {
    expect(() => assertAddressOptions(mode, secret)).toThrow(ConfigError);
    expect(() => assertAddressOptions(mode, secret)).toThrow(expect.objectContaining({ code }));
  });
});
