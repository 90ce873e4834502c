import { createHmac } from 'node:crypto';
import { isIPv4 } from 'node:net';
import { ConfigError } from '../errors/config-error';
import { compressIPv6, normalizeAddress } from './client-address';

/**
 * How much of a client's IP address is kept:
 * - `full`: the canonical address;
 * - `truncate` (the default): the network only, `/24` for IPv4 (`203.0.113.0`) and `/48` for IPv6
 *   (`2001:db8:85a3::`);
 * - `hash`: a keyed hash, so one address can be recognised again but not read back;
 * - `none`: nothing.
 *
 * `truncate` is the default because what operators use addresses for works at network level:
 * spotting abuse from one network, counting by ISP or region. A /24 or /48 is shared by a whole
 * office, ISP neighbourhood or site, so it no longer points at one person, and it costs nothing to
 * compute or to configure (no secret to manage, unlike `hash`).
 */
export type AddressMode = 'full' | 'truncate' | 'hash' | 'none';

/** Every mode, in order of how much is kept. */
export const ADDRESS_MODES: readonly AddressMode[] = Object.freeze([
  'full',
  'truncate',
  'hash',
  'none',
]);

/** The mode used when none is configured; see `AddressMode` for why. */
export const DEFAULT_ADDRESS_MODE: AddressMode = 'truncate';

/** Shortest secret `hash` accepts: below 16 characters a key can be guessed by brute force. */
export const MIN_ADDRESS_SECRET_LENGTH = 16;

// 12 bytes = 96 bits, 16 base64url characters: collisions stay negligible for any number of
// clients a server sees, and the member stored in Redis stays short.
const HASH_BYTES = 12;

/**
 * Throws a `ConfigError` unless `mode` is one of `ADDRESS_MODES` and, for `hash`, `secret` is a
 * string of at least `MIN_ADDRESS_SECRET_LENGTH` characters. Call it once with the options, so
 * that `protectAddress` on the hot path never has to throw.
 */
export function assertAddressOptions(mode: unknown, secret?: unknown): asserts mode is AddressMode {
  if (typeof mode !== 'string' || !(ADDRESS_MODES as readonly string[]).includes(mode)) {
    throw new ConfigError(
      `addressMode must be one of ${ADDRESS_MODES.join(', ')}, got ${describe(mode)}`,
      'INVALID_ADDRESS_MODE',
    );
  }
  if (
    mode === 'hash' &&
    (typeof secret !== 'string' || secret.length < MIN_ADDRESS_SECRET_LENGTH)
  ) {
    throw new ConfigError(
      `addressMode 'hash' needs an addressSecret of at least ${MIN_ADDRESS_SECRET_LENGTH} characters` +
        (typeof secret === 'string' ? `, got ${secret.length}` : ''),
      'INVALID_ADDRESS_SECRET',
    );
  }
}

/**
 * What is kept of `address` under `mode` (see `AddressMode`). Returns `''` for `none`, for an
 * address that is missing or not a valid IP, and (failing closed, never leaking the address) for
 * a `hash` without a usable secret or an unknown mode, which `assertAddressOptions` refuses up
 * front. Never throws. Equal addresses in any spelling (`::ffff:1.2.3.4`, `1.2.3.4:80`) give
 * equal results.
 */
export function protectAddress(
  address: string | undefined,
  mode: AddressMode,
  secret?: string,
): string {
  if (mode === 'none') return '';
  const canonical = normalizeAddress(address);
  return canonical === undefined ? '' : protectCanonicalAddress(canonical, mode, secret);
}

/**
 * protectAddress of an address already canonical (`normalizeAddress`, as `clientAddressOf` gives
 * it): a session's open does not normalize its address twice.
 */
export function protectCanonicalAddress(
  canonical: string,
  mode: AddressMode,
  secret?: string,
): string {
  switch (mode) {
    case 'full':
      return canonical;
    case 'truncate':
      return truncateAddress(canonical);
    case 'hash':
      if (typeof secret !== 'string' || secret.length < MIN_ADDRESS_SECRET_LENGTH) return '';
      return createHmac('sha256', secret)
        .update(canonical)
        .digest()
        .subarray(0, HASH_BYTES)
        .toString('base64url');
    default:
      return '';
  }
}

/** The /24 network of a canonical IPv4 address, or the /48 of a canonical IPv6 address. */
function truncateAddress(canonical: string): string {
  if (isIPv4(canonical)) return `${canonical.slice(0, canonical.lastIndexOf('.'))}.0`;
  const groups = expandIPv6(canonical);
  return compressIPv6(`${groups.slice(0, 3).join(':')}::`) ?? '';
}

/** The eight groups of a compressed IPv6 address (no embedded IPv4: `compressIPv6` writes none). */
function expandIPv6(compressed: string): string[] {
  const [head, tail] = compressed.split('::');
  const left = head === '' ? [] : head.split(':');
  if (tail === undefined) return left;
  const right = tail === '' ? [] : tail.split(':');
  return [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  // String() of an object can throw (null prototype); its type is all a message needs.
  return value === null || typeof value !== 'object' ? String(value) : typeof value;
}
