import { MEMBER_LIST_SEPARATOR, parseMember } from './session-member';
import { decodeClientAddress } from './session-meta';

/**
 * The closed-session log (stream `sau:{ns}:closed`) takes one entry per script call that closes
 * sessions (a batch of events, a chunk of a stop or a reap), not one per session. Its fields:
 *
 *   instance   the instance id that held the sessions
 *   closedAt   when they closed (ms, Redis TIME; a reaped instance's last heartbeat)
 *   p<id>      the labels of each client profile the sessions used (session-meta content), copied
 *              because a profile leaves the live profiles hash with its last session
 *   m          every session's member as it was when it closed (session-member.ts), joined by
 *              MEMBER_LIST_SEPARATOR, which no member holds
 *   c          every session's connection time (ms, base 36; empty when it connected in the same
 *              call that closed it), in the same order, joined by commas
 *
 * One field for all the members, not one each, and in the form a reaper's close call already
 * sends them for its check (lua/closeSessions-6+.lua): the script logs that argument as it is, so
 * a reap sends each member once. Sizes stay bounded by the batch size.
 */

/** The `m` field's value: the members of the sessions closed, in the order they closed. */
export function closedMembersValue(members: readonly string[]): string {
  return members.join(MEMBER_LIST_SEPARATOR);
}

/** The `c` field's value: when each session connected (undefined: in the call that closed it). */
export function closedTimesValue(connectedAtMs: readonly (number | undefined)[]): string {
  return connectedAtMs.map((ms) => (ms === undefined ? '' : ms.toString(36))).join(',');
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
  let members: string[] = [];
  let times: string[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i];
    const value = fields[i + 1];
    if (name === 'm') members = value.split(MEMBER_LIST_SEPARATOR);
    else if (name === 'c') times = value.split(',');
    else if (name === 'instance') instanceId = value;
    else if (name === 'closedAt') closedAt = Number(value);
    else if (name.startsWith('p')) profiles.set(name.slice(1), value.split('\x1f'));
  }
  const records: ClosedSessionRecord[] = [];
  for (const [at, member] of members.entries()) {
    const connected = times[at] ?? '';
    const record = parseMember(member);
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
