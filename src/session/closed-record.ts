import { MEMBER_FIELDS, MEMBER_SEPARATOR, recordOfFields } from './session-member';
import { decodeClientAddress } from './session-meta';

/**
 * The closed-session log (stream `sau:{ns}:closed`) takes one entry per script call that closes
 * sessions (a batch of events, a chunk of a stop or a reap), not one per session. Its fields:
 *
 *   instance   the instance id that held the sessions
 *   closedAt   when they closed (ms, Redis TIME; a reaped instance's last heartbeat)
 *   p<id>      the labels of each client profile the sessions used (session-meta content), copied
 *              because a profile leaves the live profiles hash with its last session
 *   s          every session, seven NUL-separated fields each, all joined by NUL: its connection
 *              time (ms, base 36; empty when it connected in the same call that closed it), then
 *              the six fields of its member as it was when it closed (session-member.ts), empty
 *              ones included
 *
 * One field for all the sessions, not one each: a script passes it on as one argument, and the
 * stream stores one value. No id holds a NUL, so the fields split back unambiguously. Sizes stay
 * bounded by the batch size.
 */

/** Fields of one session in `s`: its connection time and its member's. */
const FIELDS_PER_SESSION = 1 + MEMBER_FIELDS;
const SEP = MEMBER_SEPARATOR;

/**
 * One session's part of `s`: when it connected (omitted: in the same call that closed it), and its
 * member, which has `fields` fields (a caller that split it already knows; else they are counted).
 */
export function closedSessionText(
  member: string,
  connectedAtMs: number | undefined,
  fields = memberFieldCount(member),
): string {
  const connected = connectedAtMs === undefined ? '' : connectedAtMs.toString(36);
  // The member leaves out its trailing empty fields; here every session has all of them.
  return `${connected}${SEP}${member}${SEP.repeat(FIELDS_PER_SESSION - 1 - fields)}`;
}

function memberFieldCount(member: string): number {
  let fields = 1;
  for (let i = 0; i < member.length; i++) if (member.charCodeAt(i) === 0) fields++;
  return fields;
}

/** The `s` field's value: the sessions' texts (closedSessionText), in the order they closed. */
export function closedSessionsValue(texts: readonly string[]): string {
  return texts.join(SEP);
}

/** The `p<id>` field name of a profile. */
export function closedProfileField(profileId: string): string {
  return `p${profileId}`;
}

/** A closed session as an entry describes it. */
export interface ClosedSessionRecord {
  sessionId: string;
  /** The user logged in when it closed; null when anonymous. */
  userId: string | null;
  instanceId: string;
  /** When it connected (ms, Redis clock; to the second once carried over a midnight). */
  connectedAt: number;
  /** When it closed (ms): the close event, the stop, or a dead instance's last heartbeat. */
  closedAt: number;
  durationMs: number;
  /** When its user logged in (ms, to the second); null when anonymous. */
  loginAt: number | null;
  deviceType: string;
  osName: string;
  osVersion: string;
  clientName: string;
  clientVersion: string;
  /** As the monitor's address mode stored it; `''` when not stored. */
  clientAddress: string;
}

/** Every session of one entry (its fields as XRANGE returns them), in the order they were logged. */
export function parseClosedEntry(fields: string[]): ClosedSessionRecord[] {
  let instanceId = '';
  let closedAt = 0;
  const profiles = new Map<string, string[]>();
  let sessions: string[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i];
    const value = fields[i + 1];
    if (name === 's') sessions = value.split(SEP);
    else if (name === 'instance') instanceId = value;
    else if (name === 'closedAt') closedAt = Number(value);
    else if (name.startsWith('p')) profiles.set(name.slice(1), value.split('\x1f'));
  }
  const records: ClosedSessionRecord[] = [];
  for (let at = 0; at + FIELDS_PER_SESSION <= sessions.length; at += FIELDS_PER_SESSION) {
    const connected = sessions[at];
    const record = recordOfFields(sessions, at + 1);
    const connectedAt = connected === '' ? closedAt : parseInt(connected, 36);
    const labels = profiles.get(record.profileId) ?? [];
    records.push({
      sessionId: record.sessionId,
      userId: record.userId || null,
      instanceId,
      connectedAt,
      closedAt: Math.max(closedAt, connectedAt),
      durationMs: Math.max(0, closedAt - connectedAt),
      loginAt: record.userId ? connectedAt + record.loginSec * 1000 : null,
      deviceType: labels[0] ?? '',
      osName: labels[1] ?? '',
      osVersion: labels[2] ?? '',
      clientName: labels[3] ?? '',
      clientVersion: labels[4] ?? '',
      clientAddress: decodeClientAddress(record.addressCode),
    });
  }
  return records;
}
