import { isIPv4, isIPv6 } from 'node:net';

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

/**
 * The metadata as the third argument of an open (`o`) event. `''` when nothing is known, which
 * scripts count as `unknown` in every breakdown. Values are cleaned again here (separators and
 * control characters removed, cut to length), so a caller's slip cannot corrupt a member.
 */
export function encodeSessionMeta(meta: SessionMeta): string {
  const labels = [
    meta.deviceType,
    meta.osName,
    meta.osVersion,
    meta.clientName,
    meta.clientVersion,
  ].map((value) => clean(value, MAX_LABEL_LENGTH));
  const address = encodeClientAddress(clean(meta.clientAddress, MAX_ADDRESS_LENGTH));
  if (address === '' && labels.every((label) => label === '')) return '';
  return [...labels, address].join(FIELD_SEP);
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
  const parts = encoded.replace(/\0/g, '').split(FIELD_SEP);
  const field = (i: number) => (parts[i] ?? '').slice(0, MAX_STORED_FIELD_LENGTH);
  const labels = [0, 1, 2, 3, 4].map(field);
  const content = labels.every((label) => label === '') ? '' : labels.join(FIELD_SEP);
  return { content, addressCode: field(5) };
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
  if (isIPv4(address)) {
    const octets = address.split('.').map(Number);
    if (octets.join('.') === address) {
      return Buffer.from(octets[3] === 0 ? octets.slice(0, 3) : octets).toString('base64url');
    }
  } else if (isIPv6(address)) {
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
