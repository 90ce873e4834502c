import type { Keys } from '../keys';
import type { ScriptRunner } from '../scripts/script-runner';
import { ScriptStatus } from '../scripts/script-status';
import { applyBatch } from '../scripts/commands/apply-batch';
import type { ClosedLogLimits } from '../scripts/closed-log-limits';
import { expiryOf } from '../time/retention';
import type { ZonedCalendar, ZonedDay } from '../time/zoned-calendar';
import { ActiveToday } from './active-today';
import { buildBatch, type BuiltBatch } from './batch-builder';
import { SessionMirror } from './session-mirror';
import { memberOf } from '../session/session-member';
import { performance } from 'node:perf_hooks';

/** How often the closed-session log is trimmed by age. */
const TRIM_INTERVAL_MS = 60_000;

/** A day boundary moves at most once between two tries; more means the clock estimate is stale. */
const MAX_DAY_RETRIES = 3;
/** Users (and user-profile pairs) a writer remembers as counted today. */
const ACTIVE_TODAY_LIMIT = 200_000;
/** The keys of applyBatch whose expiry is set once a writer and day (see its ARGV[11]). */
const EXPIRING_KEYS = new Set([4, 5, 6, 7, 8, 9, 10, 11]);
const UNSET_EXPIRIES = Array.from({ length: 12 }, (_, i) =>
  EXPIRING_KEYS.has(i + 1) ? '1' : '0',
).join('');

export interface BatchWriterOptions {
  instanceId: string;
  incarnation: string;
  exactThreshold: number;
  retentionDays: number;
  /** Tries on Redis's day after a batch built for another; 0 returns WRONG_DAY instead. Default 3. */
  dayRetries?: number;
  breakdownCap?: number;
  closedLog?: ClosedLogLimits;
}

/** The part of a write that Redis applied: its events, and the day it counted them on. */
export interface AppliedPart {
  firstSeq: number;
  events: readonly string[];
  date: string;
}

export interface WriteResult {
  /**
   * OK; SUPERSEDED or REAPED: the incarnation lost its instance record, nothing more was sent;
   * WRONG_DAY only with `dayRetries` 0.
   */
  status: number;
  nowMs: number;
  /** Events that changed something. */
  applied: number;
}

/**
 * Writes an incarnation's queued events to Redis, batch by batch, keeping its mirror of what Redis
 * holds: builds each batch (batch-builder.ts), runs lua/applyBatch, and settles every answer but a
 * lost instance record itself. A batch applied before (a lost reply) is taken as applied at the time
 * Redis recorded; members not as expected are dropped from the mirror (`driftFound`, so the monitor
 * resyncs) and the batch is built again without them; a batch built for the wrong day is built
 * again for Redis's.
 */
export class BatchWriter {
  readonly mirror = new SessionMirror();
  /** Sessions whose members were not as the mirror said, since the monitor last looked. */
  driftFound = 0;
  private readonly active = new ActiveToday(ACTIVE_TODAY_LIMIT);
  private expiriesDate = '';
  private lastTrim = -Infinity;
  private expiriesUnset = UNSET_EXPIRIES;

  constructor(
    private readonly runner: ScriptRunner,
    private readonly keys: Keys,
    private readonly calendar: ZonedCalendar,
    readonly options: BatchWriterOptions,
  ) {}

  /**
   * A new incarnation (Redis holds none of its sessions), or Redis may have lost what it confirmed
   * (a reconnection): forget what was confirmed, so users and expiries are sent again.
   */
  forgetConfirmed(incarnation?: string, nextSeq?: number): void {
    if (incarnation !== undefined) {
      this.options.incarnation = incarnation;
      this.mirror.reset(nextSeq ?? 0);
    }
    this.active.forget();
    this.expiriesUnset = UNSET_EXPIRIES;
  }

  /**
   * Sends `events` (flat triples, numbered from `firstSeq`) on `day` or, if Redis is on another,
   * on its day; `onApplied` hears of every part Redis took.
   */
  async write(
    events: readonly string[],
    firstSeq: number,
    day: ZonedDay,
    onApplied: (part: AppliedPart) => void = () => undefined,
  ): Promise<WriteResult> {
    let applied = 0;
    let nowMs = NaN;
    let attempts = 0;
    // Events a confirmed earlier call already applied (a batch sent again merged with new ones).
    const known = Math.max(0, Math.min(events.length / 3, this.mirror.nextSeq - firstSeq));
    let rest = events.slice(known * 3);
    let seq = firstSeq + known;
    while (rest.length > 0) {
      const built = buildBatch(rest, this.mirror, day, this.active);
      if (changesNothing(built)) {
        // Duplicates, unknown sessions, users already counted today: no call needed.
        this.mirror.nextSeq += built.eventCount;
        onApplied({ firstSeq: seq, events: rest.slice(0, built.eventCount * 3), date: day.date });
        rest = rest.slice(built.eventCount * 3);
        seq += built.eventCount;
        continue;
      }
      const result = await applyBatch(this.runner, this.keys, {
        instanceId: this.options.instanceId,
        incarnation: this.options.incarnation,
        day,
        expiry: expiryOf(day, this.options.retentionDays),
        exactThreshold: this.options.exactThreshold,
        firstSeq: seq,
        eventCount: built.eventCount,
        expiryFlags: this.expiryFlags(day.date),
        trimLog: this.trimDue(),
        payload: built.payload,
        breakdownCap: this.options.breakdownCap,
        closedLog: this.options.closedLog,
      });
      nowMs = result.nowMs;
      if (result.status === ScriptStatus.WRONG_DAY) {
        const retries = this.options.dayRetries ?? MAX_DAY_RETRIES;
        if (retries === 0) return { status: result.status, nowMs, applied };
        if (++attempts > retries) throw new Error('day keys kept missing Redis TIME');
        day = this.calendar.dayAt(nowMs);
        continue;
      }
      if (result.status === ScriptStatus.SUPERSEDED || result.status === ScriptStatus.REAPED) {
        return { status: result.status, nowMs, applied };
      }
      if (result.status === ScriptStatus.MEMBERS_DIFFER) {
        await this.repair(built, result.failed);
        continue;
      }
      let count = built.eventCount;
      if (result.status === ScriptStatus.PARTLY_APPLIED) {
        // The start of these events was applied by a call whose reply was lost.
        count = result.nextSeq - seq;
        this.confirm(
          buildBatch(rest.slice(0, count * 3), this.mirror, day, this.active),
          day.date,
          result.appliedAtMs,
        );
      } else if (result.status === ScriptStatus.ALREADY_APPLIED) {
        this.confirm(built, day.date, result.appliedAtMs);
      } else if (result.status === ScriptStatus.OK) {
        this.confirm(built, day.date, nowMs);
        this.expiriesUnset = mask(this.expiriesUnset, result.expiriesSet);
        applied += built.applied;
      }
      onApplied({ firstSeq: seq, events: rest.slice(0, count * 3), date: day.date });
      rest = rest.slice(count * 3);
      seq += count;
    }
    return { status: ScriptStatus.OK, nowMs, applied };
  }

  /** Redis holds what the batch made, applied at `appliedAtMs`. */
  private confirm(built: BuiltBatch, date: string, appliedAtMs: number): void {
    for (const [sessionId, session] of built.after) {
      if (!session) this.mirror.delete(sessionId);
      else
        this.mirror.set(
          Number.isNaN(session.stampMs) ? { ...session, stampMs: appliedAtMs } : session,
        );
    }
    this.mirror.nextSeq += built.eventCount;
    this.active.confirm(date, built.payload.activeUsers, built.payload.pairs);
  }

  /**
   * Members Redis did not hold as expected. A new session whose member is there already was
   * applied before: the mirror takes it, at the score Redis has. Any other is dropped from the
   * mirror and left to the monitor's resync.
   */
  private async repair(built: BuiltBatch, failed: number[]): Promise<void> {
    for (const position of failed) {
      const sessionId = built.transitionSessions[position - 1];
      const after = built.after.get(sessionId);
      if (position > built.oldMembers && after) {
        const score = await this.runner.client.zscore(
          this.keys.instanceSessions(this.options.instanceId, this.options.incarnation),
          memberOf(after),
        );
        if (score !== null) this.mirror.set({ ...after, stampMs: Number(score) });
      } else {
        this.mirror.delete(sessionId);
      }
      this.driftFound++;
    }
  }

  /** The closed-session log is trimmed by age about once a minute, not at every batch. */
  private trimDue(): boolean {
    const now = performance.now();
    if (now - this.lastTrim < TRIM_INTERVAL_MS) return false;
    this.lastTrim = now;
    return true;
  }

  private expiryFlags(date: string): string {
    if (date !== this.expiriesDate) {
      this.expiriesDate = date;
      this.expiriesUnset = UNSET_EXPIRIES;
    }
    return this.expiriesUnset;
  }
}

/** A batch of events that change nothing in Redis (applyBatch would only record its numbers). */
function changesNothing({ payload, midnight, transitionSessions }: BuiltBatch): boolean {
  return (
    !midnight &&
    transitionSessions.length === 0 &&
    payload.userChanges.length === 0 &&
    payload.activeUsers.length === 0 &&
    payload.pairs.length === 0 &&
    payload.logFields.length === 0 &&
    payload.opened + payload.logins + payload.closed === 0 &&
    payload.sessionsDelta === 0 &&
    payload.anonymousDelta === 0
  );
}

/** `unset` without the keys `set` reports set. */
function mask(unset: string, set: string): string {
  let out = '';
  for (let i = 0; i < unset.length; i++) out += set[i] === '1' ? '0' : unset[i];
  return out;
}
