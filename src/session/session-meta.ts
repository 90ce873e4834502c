import { isIPv6 } from 'node:net';

/**
 * What is stored about a live session's client. Labels are already sanitised by the caller (at
 * most 32 characters, no control characters, no `|`); `clientAddress` is what the privacy mode
 * keeps (at most 45 characters), `''` when nothing is stored. `''` anywhere means unknown.
 */
export interface SessionMeta {
  /** `browser`, `mobile-app`, `desktop-app`, `bot`, `unknown`, …: the device breakdown's value. */
  deviceType: string;
  /** The OS breakdown's value. */
  osName: string;
  /** The browser/app breakdown's value. */
  clientName: string;
  clientVersion: string;
  osVersion: string;
  clientAddress: string;
}

/** Nothing known about the client: what sessions opened without metadata report. */
export const EMPTY_SESSION_META: Readonly<SessionMeta> = Object.freeze({
  deviceType: '',
  osName: '',
  clientName: '',
  clientVersion: '',
  osVersion: '',
  clientAddress: '',
});

// The encoded form: deviceType, osName, osVersion, clientName, clientVersion, address code, joined
// by US (\x1f). The five labels are stored once per distinct client profile (profile-id.ts) and
// the address code in the session's member, whose fields are joined by NUL, so neither character
// may appear in a value; `|` separates fields of the scripts' own records.
const FIELD_SEP = '\x1f';
const RESTORE_SEP = '\0';
const MAX_LABEL_LENGTH = 32;
const MAX_ADDRESS_LENGTH = 45;
/** What splitSessionMeta keeps of any field, whatever it was sent. */
const MAX_STORED_FIELD_LENGTH = 128;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const BASE64URL_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const DOT = 0x2e;
const ZERO = 0x30;

/**
 * The metadata as the third argument of an open (`o`) event. `''` when nothing is known, which
 * scripts count as `unknown` in every breakdown. Values are cleaned again here (separators and
 * control characters removed, cut to length), so a caller's slip cannot corrupt a member.
 */
export function encodeSessionMeta(meta: SessionMeta): string {
  const encoded =
    clean(meta.deviceType, MAX_LABEL_LENGTH) +
    FIELD_SEP +
    clean(meta.osName, MAX_LABEL_LENGTH) +
    FIELD_SEP +
    clean(meta.osVersion, MAX_LABEL_LENGTH) +
    FIELD_SEP +
    clean(meta.clientName, MAX_LABEL_LENGTH) +
    FIELD_SEP +
    clean(meta.clientVersion, MAX_LABEL_LENGTH) +
    FIELD_SEP +
    encodeClientAddress(clean(meta.clientAddress, MAX_ADDRESS_LENGTH));
  // Every field empty: only the five separators.
  return encoded.length === 5 ? '' : encoded;
}

/**
 * The third argument of a restore (`r`) event: the user id (`''` when anonymous), then NUL and the
 * encoded metadata when there is any. User ids never contain NUL, so without metadata this is the
 * user id alone, as restores sent it before metadata existed.
 */
export function encodeRestore(userId: string, encodedMeta: string): string {
  return encodedMeta === '' ? userId : `${userId}${RESTORE_SEP}${encodedMeta}`;
}

/**
 * What an encoded metadata stores where: the five labels, joined by US, as the session's client
 * profile (`''` when every label is empty), and the address code, kept in the session's member.
 */
export function splitSessionMeta(encoded: string): { content: string; addressCode: string } {
  if (encoded === '') return { content: '', addressCode: '' };
  // A caller that skipped encodeSessionMeta must not split a member with a NUL, nor grow it.
  const parts = (encoded.includes('\0') ? encoded.replace(/\0/g, '') : encoded).split(FIELD_SEP);
  const field = (i: number) => (parts[i] ?? '').slice(0, MAX_STORED_FIELD_LENGTH);
  let content = field(0);
  for (let i = 1; i < 5; i++) content += FIELD_SEP + field(i);
  // Every label empty: only the four separators.
  return { content: content.length === 4 ? '' : content, addressCode: field(5) };
}

/** The metadata `encodeSessionMeta` encoded (`''` gives every field empty). */
export function decodeSessionMeta(encoded: string): SessionMeta {
  if (encoded === '') return { ...EMPTY_SESSION_META };
  const parts = encoded.split(FIELD_SEP);
  return {
    deviceType: parts[0] ?? '',
    osName: parts[1] ?? '',
    osVersion: parts[2] ?? '',
    clientName: parts[3] ?? '',
    clientVersion: parts[4] ?? '',
    clientAddress: decodeClientAddress(parts[5] ?? ''),
  };
}

/**
 * The metadata of a stored session: its profile's content (the five labels as the open event sent
 * them, `''` when it had none) and the address code from its member.
 */
export function storedSessionMeta(profileContent: string, addressCode: string): SessionMeta {
  const labels = profileContent === '' ? FIELD_SEP.repeat(4) : profileContent;
  return decodeSessionMeta(`${labels}${FIELD_SEP}${addressCode}`);
}

/**
 * An address in as few characters as the member can hold, since every byte of a live session is
 * paid per session: an IPv4 address is its 4 bytes in base64url (6 characters; 4 for a /24 network,
 * whose last byte is 0), an IPv6 address `:` and its bytes without trailing zeros (a /48 is 9
 * characters), anything else (a hash) as it is, or after `=` where it could be mistaken for one of
 * those. Lossless: an address whose text the binary form would not give back is kept as text.
 */
export function encodeClientAddress(address: string): string {
  if (address === '') return '';
  const ipv4 = ipv4Code(address);
  if (ipv4 !== undefined) return ipv4;
  if (isIPv6(address)) {
    const bytes = ipv6Bytes(address);
    if (bytes && formatIPv6(bytes) === address) {
      let end = bytes.length;
      while (end > 0 && bytes[end - 1] === 0) end--;
      return `:${Buffer.from(bytes.subarray(0, end)).toString('base64url')}`;
    }
  }
  const ambiguous =
    address.startsWith(':') ||
    address.startsWith('=') ||
    ((address.length === 4 || address.length === 6) && BASE64URL.test(address));
  return ambiguous ? `=${address}` : address;
}

/**
 * An IPv4 address in the dotted form node:net's isIPv4 accepts (1 to 3 digits an octet, at most 255,
 * no leading zero) as the base64url of its 4 bytes, or of the first 3 when the last is 0; undefined
 * for anything else. Parsed by hand: every session opened with an address passes here, and
 * splitting it and going through a Buffer cost several times more.
 */
function ipv4Code(address: string): string | undefined {
  if (address.length < 7 || address.length > 15) return undefined;
  let network = 0; // the first three octets
  let host = 0;
  let at = 0;
  for (let octet = 0; octet < 4; octet++) {
    if (octet > 0 && address.charCodeAt(at++) !== DOT) return undefined;
    const from = at;
    let value = 0;
    for (; at < address.length && at - from < 4; at++) {
      const digit = address.charCodeAt(at) - ZERO;
      if (digit < 0 || digit > 9) break;
      value = value * 10 + digit;
    }
    const digits = at - from;
    if (digits === 0 || digits > 3 || value > 255) return undefined;
    if (digits > 1 && address.charCodeAt(from) === ZERO) return undefined;
    if (octet < 3) network = network * 256 + value;
    else host = value;
  }
  if (at !== address.length) return undefined;
  const code =
    sextet(network >> 18) + sextet(network >> 12) + sextet(network >> 6) + sextet(network);
  return host === 0 ? code : code + sextet(host >> 2) + sextet(host << 4);
}

/** The base64url digit of the low six bits of `bits`. */
function sextet(bits: number): string {
  return BASE64URL_DIGITS[bits & 63];
}

/** The address `encodeClientAddress` encoded. */
export function decodeClientAddress(code: string): string {
  if (code === '') return '';
  if (code.startsWith('=')) return code.slice(1);
  if (code.startsWith(':')) {
    const bytes = Buffer.alloc(16);
    Buffer.from(code.slice(1), 'base64url').copy(bytes);
    return formatIPv6(bytes);
  }
  if ((code.length === 4 || code.length === 6) && BASE64URL.test(code)) {
    const bytes = Buffer.from(code, 'base64url');
    return [bytes[0], bytes[1], bytes[2], bytes[3] ?? 0].join('.');
  }
  return code;
}

/** `value` without control characters (NUL and US among them), DEL and `|`, cut to `maxLength`. */
function clean(value: unknown, maxLength: number): string {
  if (typeof value !== 'string' || value === '') return '';
  let text = value;
  for (let i = 0; i < value.length; i++) {
    if (isForbidden(value.charCodeAt(i))) {
      text = '';
      for (let j = 0; j < value.length; j++) {
        if (!isForbidden(value.charCodeAt(j))) text += value[j];
      }
      break;
    }
  }
  if (text.length <= maxLength) return text;
  // Never end on half a surrogate pair.
  const last = text.charCodeAt(maxLength - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? maxLength - 1 : maxLength);
}

function isForbidden(code: number): boolean {
  return code < 0x20 || code === 0x7f || code === 0x7c;
}

/** The 16 bytes of an IPv6 address without an embedded IPv4 part, or undefined. */
function ipv6Bytes(address: string): Buffer | undefined {
  if (address.includes('.')) return undefined;
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] === '' ? [] : halves[0].split(':');
  const tail = halves.length === 2 && halves[1] !== '' ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  const bytes = Buffer.alloc(16);
  for (let i = 0; i < 8; i++) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(groups[i])) return undefined;
    bytes.writeUInt16BE(parseInt(groups[i], 16), i * 2);
  }
  return bytes;
}

/** RFC 5952 text of 16 bytes, as the WHATWG URL parser writes it (and the privacy module keeps it). */
function formatIPv6(bytes: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}
