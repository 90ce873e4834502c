import type { Keys } from '../../keys';
import { addDays, type ZonedDay } from '../../time/zoned-calendar';
import type { PeriodExpiry } from '../../time/retention';
import type { ScriptArg, ScriptRunner } from '../script-runner';
import { ScriptStatus } from '../script-status';
import { breakdownCapOf } from '../../session/breakdown-dimensions';
import { closedMembersValue, closedTimesValue } from '../../session/closed-record';
import { MEMBER_SEPARATOR } from '../../session/session-member';
import { addCreditedTime, type CreditedTime } from '../../session/session-time';
import { closedLogLimitsOf, type ClosedLogLimits } from '../closed-log-limits';
import { leavingUserArgs } from '../live-user-args';

/** Another reaper closing the same chunk makes a call read again; this many times at most in a row. */
const MAX_STALE_READS = 10;

export interface CloseSessionsInput {
  instanceId: string;
  incarnation: string;
  /**
   * "now" for a graceful stop; "heartbeat" to close at the incarnation's last heartbeat; or a time in
   * ms (Redis clock). Never later than Redis TIME. A chunk of sessions is closed at a time in ms
   * only, the instant a call without sessions answered (its time is summed for that instant).
   */
  instant: 'now' | 'heartbeat' | `${number}`;
  day: ZonedDay;
  expiry: PeriodExpiry;
  batchSize: number;
  /** Distinct values a day breakdown hash counts before the rest go to `other`. Default 50. */
  breakdownCap?: number;
  /** Where closed sessions are logged. Default on: 1,000,000 entries, 35 days. */
  closedLog?: ClosedLogLimits;
}

export interface CloseSessionsResult {
  status: number;
  left: number;
  closed: number;
  closeMs: number;
}

/**
 * Closes up to `batchSize` sessions of one incarnation (lua/closeSessions-6+.lua): resolves the
 * closing instant (a call without sessions), reads the sessions (ZRANGE, the first members and
 * their scores), sums what they change here (users, profiles and their time, the closed-session
 * log), and lets the script check and remove them in one call. A chunk that is no longer the first
 * of the set (another caller closed some meanwhile) is read again.
 */
export async function closeSessions(
  runner: ScriptRunner,
  keys: Keys,
  input: CloseSessionsInput,
): Promise<CloseSessionsResult> {
  const sessionsKey = keys.instanceSessions(input.instanceId, input.incarnation);
  let { closeMs } = await closeReadSessions(runner, keys, input, []);
  for (let reads = 1; ; reads++) {
    const read = await runner.client.zrange(sessionsKey, 0, input.batchSize - 1, 'WITHSCORES');
    const result = await closeReadSessions(runner, keys, { ...input, instant: `${closeMs}` }, read);
    const again =
      result.status === ScriptStatus.STALE_CHUNK || result.status === ScriptStatus.INSTANT_MOVED;
    if (!again || reads >= MAX_STALE_READS) return result;
    closeMs = result.closeMs;
  }
}

/**
 * Closes the sessions `read` (ZRANGE WITHSCORES of the incarnation's sessions: member, score, …)
 * in one script call, which runs once every session before them is closed: the script takes them
 * only while they are the first of the set, in this order. STALE_CHUNK when they are not (one was
 * closed since it was read, or one before them is still there): nothing was written, read again.
 */
export async function closeReadSessions(
  runner: ScriptRunner,
  keys: Keys,
  input: CloseSessionsInput,
  read: string[],
): Promise<CloseSessionsResult> {
  const { day } = input;
  const closedLog = input.closedLog ?? closedLogLimitsOf();
  const scriptKeys = [
    keys.live(),
    keys.instanceSessions(input.instanceId, input.incarnation),
    keys.day(day.date),
    keys.day(addDays(day.date, -1)),
    keys.instance(input.instanceId),
    keys.closedSessions(),
  ];
  const closeMs = Number(input.instant);
  if (read.length > 0 && !Number.isSafeInteger(closeMs)) {
    throw new Error(`a chunk of sessions closes at a time in ms, not at ${input.instant}`);
  }
  const chunk = summarise(read, keys, scriptKeys, closeMs, day.startMs);
  const reply = (await runner.run('closeSessions', scriptKeys, [
    input.instant,
    day.startMs,
    day.endMs,
    input.expiry.day,
    input.expiry.previousDay,
    breakdownCapOf(input.breakdownCap),
    input.instanceId,
    closedLog.maxLen,
    closedLog.retentionMs,
    read.length / 2,
    chunk.users.length,
    chunk.profiles.length / 5,
    chunk.logFields.length,
    chunk.anonymous,
    chunk.members,
    ...chunk.users,
    ...chunk.profiles,
    ...chunk.logFields,
  ])) as number[];
  if (reply[0] < 0) return { status: reply[0], left: -1, closed: 0, closeMs: reply[1] };
  return { status: reply[0], left: reply[1], closed: reply[2], closeMs: reply[3] };
}

/**
 * The fields of a member a close call needs (session-member.ts: sessionId, userId, login,
 * profileId, addressCode, carried), found by their separators: a reaper reads every member once,
 * and splitting each into an array of six strings was most of what it allocated.
 */
function closingFields(member: string): { userId: string; profileId: string; carriedSec: number } {
  const end = member.length;
  const userAt = member.indexOf(MEMBER_SEPARATOR) + 1;
  if (userAt === 0) return { userId: '', profileId: '', carriedSec: 0 };
  const loginAt = member.indexOf(MEMBER_SEPARATOR, userAt) + 1;
  const userId = member.slice(userAt, loginAt === 0 ? end : loginAt - 1);
  const profileAt = loginAt === 0 ? 0 : member.indexOf(MEMBER_SEPARATOR, loginAt) + 1;
  if (profileAt === 0) return { userId, profileId: '', carriedSec: 0 };
  const addressAt = member.indexOf(MEMBER_SEPARATOR, profileAt) + 1;
  const profileId = member.slice(profileAt, addressAt === 0 ? end : addressAt - 1);
  const carriedAt = addressAt === 0 ? 0 : member.indexOf(MEMBER_SEPARATOR, addressAt) + 1;
  return {
    userId,
    profileId,
    carriedSec: carriedAt === 0 ? 0 : parseInt(member.slice(carriedAt), 36),
  };
}

/**
 * What closing the sessions read at `closeMs` changes: the members joined into one argument (which
 * the script also logs), each user's sessions (its live users hash appended to `scriptKeys`), each
 * profile's live and logged-in sessions and their time (addCreditedTime, summed here as the instant
 * is known: two numbers a profile, no argument per session), anonymous sessions, and the
 * closed-session log's field of the sessions' connection times. A reaper spends most of its time
 * here and in sending the call, so each member is split once.
 */
function summarise(
  read: string[],
  keys: Keys,
  scriptKeys: string[],
  closeMs: number,
  dayStartMs: number,
) {
  const size = read.length / 2;
  const members = new Array<string>(size);
  const connectedAt = new Array<number>(size);
  // Each user's sessions closed here.
  const userSessions = new Map<string, number>();
  const profileSessions = new Map<string, ClosingProfile>();
  let anonymous = 0;
  for (let s = 0; s < size; s++) {
    const member = read[2 * s];
    const stampMs = Number(read[2 * s + 1]);
    const { userId, profileId, carriedSec } = closingFields(member);
    members[s] = member;
    connectedAt[s] = stampMs - carriedSec * 1000;
    let profile = profileSessions.get(profileId);
    if (!profile) {
      profile = { sessions: 0, loggedIn: 0, prevDayMs: 0, dayMs: 0 };
      profileSessions.set(profileId, profile);
    }
    profile.sessions++;
    addCreditedTime(profile, stampMs, closeMs, dayStartMs);
    if (userId) {
      profile.loggedIn++;
      userSessions.set(userId, (userSessions.get(userId) ?? 0) + 1);
    } else {
      anonymous++;
    }
  }
  const users = leavingUserArgs(keys, scriptKeys, userSessions);
  const profiles: ScriptArg[] = [];
  for (const [id, p] of profileSessions) {
    profiles.push(id, -p.sessions, -p.loggedIn, p.prevDayMs, p.dayMs);
  }
  // The script logs the members from the argument it checks (closed-record.ts: field `m`).
  const logFields = size > 0 ? ['c', closedTimesValue(connectedAt)] : [];
  return {
    members: closedMembersValue(members),
    users,
    profiles,
    logFields,
    anonymous,
  };
}

/** One client profile's part of a chunk: its sessions, those logged in, and their time. */
interface ClosingProfile extends CreditedTime {
  sessions: number;
  loggedIn: number;
}
