import type { Keys } from '../../keys';
import { addDays, type ZonedDay } from '../../time/zoned-calendar';
import type { PeriodExpiry } from '../../time/retention';
import type { ScriptArg, ScriptRunner } from '../script-runner';
import { ScriptStatus } from '../script-status';
import { breakdownCapOf, breakdownFieldsOf } from '../../session/breakdown-dimensions';
import { closedLogLimitsOf, type ClosedLogLimits } from '../closed-log-limits';
import { signedLiveUserArgs } from '../live-user-args';

/** Who used which value on a day is only needed while the day can still be written to. */
const PAIRS_GRACE_S = 3600;

/** The fixed keys of applyBatch; its live users hashes follow them. */
export const APPLY_BATCH_FIXED_KEYS = 12;

/** What one batch changes, as the writer summed it (src/monitor/batch-builder.ts). */
export interface BatchPayload {
  /** Members of the sessions closed, and each one's profile id. */
  closes: string[];
  closeProfiles: string[];
  /** Sessions carried over midnight: old member, new member; and each one's profile id. */
  carries: string[];
  carryProfiles: string[];
  /** Sessions logged in or out: old member, new member (the script keeps its score). */
  rewrites: string[];
  /** Members of the sessions opened or restored. */
  news: string[];
  /** A session closed or carried began before the day: some time goes to the day before. */
  touchesPrevDay: boolean;
  /** Users whose live sessions change, in event order: user id, +1 or -1 each. */
  userChanges: Array<[string, number]>;
  /** Per client profile: id, content, change of live and logged-in live sessions, opened today. */
  profiles: Array<[string, string, number, number, number]>;
  /** Users active today, each once. */
  activeUsers: string[];
  /** Flat pairs: user id, profile id of a session it was active on today. */
  pairs: string[];
  /** Closed-session log fields (src/session/closed-record.ts). */
  logFields: string[];
  opened: number;
  logins: number;
  closed: number;
  sessionsDelta: number;
  anonymousDelta: number;
}

/** A payload that changes nothing yet, for a batch builder to fill. */
export function emptyBatchPayload(): BatchPayload {
  return {
    closes: [],
    closeProfiles: [],
    carries: [],
    carryProfiles: [],
    rewrites: [],
    news: [],
    touchesPrevDay: false,
    userChanges: [],
    profiles: [],
    activeUsers: [],
    pairs: [],
    logFields: [],
    opened: 0,
    logins: 0,
    closed: 0,
    sessionsDelta: 0,
    anonymousDelta: 0,
  };
}

export interface ApplyBatchInput {
  instanceId: string;
  incarnation: string;
  day: ZonedDay;
  expiry: PeriodExpiry;
  exactThreshold: number;
  /** Sequence number of the batch's first event; events are numbered from 0 per incarnation. */
  firstSeq: number;
  eventCount: number;
  /**
   * Sequence number Redis must be at: set for a batch sent while the one ahead of it is in flight,
   * which holds only if that one applied (else PREVIOUS_NOT_APPLIED). Default: any up to firstSeq.
   */
  afterSeq?: number;
  /** One character per fixed key, '1' where its expiry is still to be set (see the script). */
  expiryFlags: string;
  /** Trim the closed-session log by age in this call (about once a minute is enough). */
  trimLog: boolean;
  payload: BatchPayload;
  /** Distinct values a breakdown hash counts before the rest go to `other`. Default 50. */
  breakdownCap?: number;
  /** Where closed sessions are logged. Default on: 1,000,000 entries, 35 days. */
  closedLog?: ClosedLogLimits;
}

export type ApplyBatchResult =
  | { status: typeof ScriptStatus.OK; nowMs: number; expiriesSet: string }
  | { status: typeof ScriptStatus.ALREADY_APPLIED; nowMs: number; appliedAtMs: number }
  | { status: typeof ScriptStatus.MEMBERS_DIFFER; nowMs: number; failed: number[] }
  | {
      status: typeof ScriptStatus.PARTLY_APPLIED;
      nowMs: number;
      nextSeq: number;
      appliedAtMs: number;
    }
  | { status: typeof ScriptStatus.PREVIOUS_NOT_APPLIED; nowMs: number; nextSeq: number }
  | {
      status:
        typeof ScriptStatus.WRONG_DAY | typeof ScriptStatus.SUPERSEDED | typeof ScriptStatus.REAPED;
      nowMs: number;
    };

/** Runs lua/applyBatch-12+.lua: one batch of an incarnation's session events, prepared. */
export async function applyBatch(
  runner: ScriptRunner,
  keys: Keys,
  input: ApplyBatchInput,
): Promise<ApplyBatchResult> {
  const { day, expiry, payload } = input;
  const previousDate = addDays(day.date, -1);
  const closedLog = input.closedLog ?? closedLogLimitsOf();
  const scriptKeys = [
    keys.live(),
    keys.instance(input.instanceId),
    keys.instanceSessions(input.instanceId, input.incarnation),
    ...keys.dayAndMonthUsers(day.date, day.month),
    keys.day(previousDate),
    keys.dayBreakdownUsers(day.date),
    keys.closedSessions(),
  ];
  const users = signedLiveUserArgs(keys, scriptKeys, payload.userChanges);
  const args: ScriptArg[] = [
    input.incarnation,
    day.startMs,
    day.endMs,
    input.exactThreshold,
    input.firstSeq,
    input.eventCount,
    breakdownCapOf(input.breakdownCap),
    input.instanceId,
    closedLog.maxLen,
    closedLog.retentionMs,
    input.trimLog ? '1' : '0',
    input.expiryFlags,
    expiry.day,
    expiry.daySet,
    expiry.month,
    expiry.monthSet,
    expiry.previousDay,
    Math.floor(day.endMs / 1000) + PAIRS_GRACE_S,
    payload.touchesPrevDay ? '1' : '0',
    payload.closes.length,
    payload.carries.length / 2,
    payload.rewrites.length / 2,
    payload.news.length,
    payload.userChanges.length,
    payload.profiles.length,
    payload.activeUsers.length,
    payload.pairs.length / 2,
    payload.logFields.length,
    payload.opened,
    payload.logins,
    payload.closed,
    payload.sessionsDelta,
    payload.anonymousDelta,
    input.afterSeq ?? -1,
  ];
  // The sections, laid out as the script takes them (see its header).
  for (const m of payload.closes) args.push(m);
  for (let i = 0; i < payload.carries.length; i += 2) args.push(payload.carries[i]);
  for (let i = 0; i < payload.rewrites.length; i += 2) args.push(payload.rewrites[i]);
  for (const m of payload.news) args.push(m);
  for (let i = 1; i < payload.carries.length; i += 2) args.push(payload.carries[i]);
  for (let i = 1; i < payload.rewrites.length; i += 2) args.push(payload.rewrites[i]);
  for (const p of payload.closeProfiles) args.push(p);
  for (const p of payload.carryProfiles) args.push(p);
  for (const u of users) args.push(u);
  for (const [id, content, live, loggedIn, opened] of payload.profiles) {
    args.push(id, content, ...breakdownFieldsOf(content), live, loggedIn, opened);
  }
  for (const u of payload.activeUsers) args.push(u);
  for (const p of payload.pairs) args.push(p);
  for (const f of payload.logFields) args.push(f);
  const reply = (await runner.run('applyBatch', scriptKeys, args)) as Array<number | string>;
  const status = Number(reply[0]);
  const nowMs = Number(reply[1]);
  switch (status) {
    case ScriptStatus.OK:
      return { status, nowMs, expiriesSet: String(reply[2]) };
    case ScriptStatus.ALREADY_APPLIED:
      return { status, nowMs, appliedAtMs: Number(reply[2]) };
    case ScriptStatus.MEMBERS_DIFFER:
      return { status, nowMs, failed: reply.slice(2).map(Number) };
    case ScriptStatus.PARTLY_APPLIED:
      return { status, nowMs, nextSeq: Number(reply[2]), appliedAtMs: Number(reply[3]) };
    case ScriptStatus.PREVIOUS_NOT_APPLIED:
      return { status, nowMs, nextSeq: Number(reply[2]) };
    case ScriptStatus.WRONG_DAY:
    case ScriptStatus.SUPERSEDED:
    case ScriptStatus.REAPED:
      return { status, nowMs };
    default:
      throw new Error(`applyBatch answered an unknown status ${status}`);
  }
}
