import { isIP } from 'node:net';

/** Headers as Node (`IncomingMessage.headers`) and Meteor (`connection.httpHeaders`) give them. */
export type HttpHeaders = Record<string, string | string[] | undefined>;

const FORWARDED_FOR = 'x-forwarded-for';
// `1.2.3.4:5678`: only IPv4 can carry a bare port; an IPv6 address needs brackets for one.
const IPV4_WITH_PORT = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/;
// `[::1]` or `[::1]:80`.
const BRACKETED = /^\[([^\]]*)\](?::\d{1,5})?$/;
// What an IPv4-mapped IPv6 address looks like once canonical (`::ffff:1.2.3.4` → `::ffff:102:304`).
const MAPPED_IPV4 = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/;

/**
 * The address of the client behind `trustedProxies` reverse proxies, canonical, or undefined when
 * there is none or it is not a valid IP address.
 *
 * Each proxy appends the address it received the request from to `X-Forwarded-For`, so the
 * rightmost `trustedProxies` entries were written by our own proxies and the entry just left of
 * them is the client; everything further left was sent by the client and may be forged. With fewer
 * entries than proxies, the leftmost entry is the best there is. Without the header the request
 * did not pass through the proxies, so `remoteAddress` is the client. With `trustedProxies` 0 (or
 * anything that is not a positive integer) the header is ignored, since anyone can send one.
 */
export function clientAddressOf(
  remoteAddress: string | undefined,
  headers: HttpHeaders | undefined,
  trustedProxies: number,
): string | undefined {
  if (Number.isSafeInteger(trustedProxies) && trustedProxies > 0) {
    const entries = forwardedFor(headers);
    if (entries.length > 0) {
      return normalizeAddress(entries[Math.max(0, entries.length - trustedProxies)]);
    }
  }
  return normalizeAddress(remoteAddress);
}

/**
 * `value` as a canonical IP address, or undefined when it is not one: whitespace, a port
 * (`1.2.3.4:5678`, `[::1]:80`), brackets and an IPv6 zone (`%eth0`) removed; an IPv4-mapped IPv6
 * address (`::ffff:1.2.3.4`, how a dual-stack socket reports IPv4 clients) turned into its IPv4
 * address; IPv6 lower-cased and compressed (`2001:DB8:0:0::1` → `2001:db8::1`), so one client is
 * one string.
 */
export function normalizeAddress(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  // No address is this long; refusing early keeps garbage from costing anything.
  if (value.length > 100) return undefined;
  let address = value.trim();
  const bracketed = BRACKETED.exec(address);
  if (bracketed) address = bracketed[1];
  else address = address.replace(IPV4_WITH_PORT, '$1');
  const zone = address.indexOf('%');
  if (zone !== -1) address = address.slice(0, zone);
  switch (isIP(address)) {
    case 4:
      return address;
    case 6:
      return canonicalIPv6(address);
    default:
      return undefined;
  }
}

/** `address` (valid IPv6) in RFC 5952 form, or the IPv4 address it maps. */
function canonicalIPv6(address: string): string | undefined {
  const compressed = compressIPv6(address);
  if (compressed === undefined) return undefined;
  const mapped = MAPPED_IPV4.exec(compressed);
  if (!mapped) return compressed;
  const high = parseInt(mapped[1], 16);
  const low = parseInt(mapped[2], 16);
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}

/**
 * A valid IPv6 address lower-cased with its longest run of zero groups as `::`. The WHATWG URL
 * parser already implements exactly this serialisation, so it is borrowed rather than rewritten.
 */
export function compressIPv6(address: string): string | undefined {
  try {
    return new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
}

function forwardedFor(headers: HttpHeaders | undefined): string[] {
  if (headers === undefined || headers === null || typeof headers !== 'object') return [];
  let value = headers[FORWARDED_FOR];
  if (value === undefined) {
    // Node lower-cases header names, but a hand-built object may not have.
    for (const name of Object.keys(headers)) {
      if (name.toLowerCase() === FORWARDED_FOR) value = headers[name];
    }
  }
  // A repeated header arrives as an array (or joined by Node with `, `): the order is the same.
  const joined = Array.isArray(value)
    ? value.filter((entry) => typeof entry === 'string').join(',')
    : value;
  if (typeof joined !== 'string') return [];
  // Proxies never append empty entries, so dropping them cannot shift the trusted ones.
  return joined
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
}
