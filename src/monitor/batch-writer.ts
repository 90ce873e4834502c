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
import { KeyUpkeep } from './key-upkeep';
import { aftersOf, changesNothing, takeBack, type SentBatch } from './sent-batch';

/**
 * Batches in flight at most: Redis runs one while this process settles an answer and builds the
 * next. Three took 1.06x the events a second of two at batch 128 side by side; four, no more.
 */
export const MAX_BATCHES_IN_FLIGHT = 3;

/** A day boundary moves at most once between two tries; more means the clock estimate is stale. */
const MAX_DAY_RETRIES = 3;
/** Users (and user-profile pairs) a writer remembers as counted today. */
const ACTIVE_TODAY_LIMIT = 200_000;

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

/**
 * The part of a write that Redis applied: its events, the day it counted them on, and the users it
 * carried to that day's tallies (those not confirmed active that day before).
 */
export interface AppliedPart {
  firstSeq: number;
  events: readonly string[];
  date: string;
  activeUsers: readonly string[];
}

export interface WriteResult {
  /**
   * OK; SUPERSEDED or REAPED: the incarnation lost its instance record, or the monitor replaced
   * it meanwhile; nothing more was sent;
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
  private readonly upkeep = new KeyUpkeep();

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
    this.upkeep.forgetExpiries();
  }

  /**
   * Sends `events` (flat triples, numbered from `firstSeq`) on `day` or, if Redis is on another,
   * on its day; `onApplied` hears of every part Redis took, in order. While a batch is in flight,
   * the next one goes out built on what that one will leave, with the events `more` hands over
   * (the next of the queue, numbered on from these): one batch is answered while Redis runs the
   * next. It holds only if the batch ahead of it applied; else it changed nothing and is built
   * again from what Redis holds.
   */
  async write(
    events: readonly string[],
    firstSeq: number,
    day: ZonedDay,
    onApplied: (part: AppliedPart) => void = () => undefined,
    more: () => readonly string[] | undefined = () => undefined,
  ): Promise<WriteResult> {
    let applied = 0;
    let nowMs = NaN;
    let attempts = 0;
    // Events a confirmed earlier call already applied (a batch sent again merged with new ones).
    const known = Math.max(0, Math.min(events.length / 3, this.mirror.nextSeq - firstSeq));
    let rest = events.slice(known * 3);
    let seq = firstSeq + known;
    // No call covers more events than the largest batch handed over (maxBatchSize), also when
    // a failure gives the batches in flight back to be built again.
    let limit = Math.max(3, events.length);
    const inFlight: SentBatch[] = [];
    const { incarnation } = this.options;
    try {
      for (;;) {
        if (this.options.incarnation !== incarnation) {
          // The monitor took a new incarnation meanwhile (it was reaped or superseded): the
          // mirror is the new one's, and its snapshot stands for these events. Nothing more goes.
          await takeBack(inFlight);
          return { status: ScriptStatus.SUPERSEDED, nowMs, applied };
        }
        while (inFlight.length < MAX_BATCHES_IN_FLIGHT) {
          const ahead = inFlight.at(-1);
          if (rest.length === 0) {
            rest = (ahead && more()?.slice()) || [];
            limit = Math.max(limit, rest.length);
          }
          if (rest.length === 0) break;
          const next = rest.length > limit ? rest.slice(0, limit) : rest;
          const built = buildBatch(next, this.mirror, day, this.active);
          const idle = changesNothing(built);
          // Ahead of another only what needs nothing it will tell: not a midnight (which must
          // learn whether its day has begun), not a close of a session it opens.
          if (ahead && (built.eventCount === 0 || built.midnight || idle)) break;
          if (built.eventCount === 0)
            throw new Error('a batch built from what Redis holds covered no event');
          const covered = rest.slice(0, built.eventCount * 3);
          rest = rest.slice(covered.length);
          if (idle) {
            // Duplicates, unknown sessions, users already counted today: no call needed.
            this.mirror.nextSeq += built.eventCount;
            onApplied({ firstSeq: seq, events: covered, date: day.date, activeUsers: [] });
          } else {
            inFlight.push(this.send(built, seq, covered, day, ahead));
            this.mirror.expect(aftersOf(inFlight));
          }
          seq += built.eventCount;
        }
        const head = inFlight.shift();
        if (!head) return { status: ScriptStatus.OK, nowMs, applied };
        const result = await head.call;
        nowMs = result.nowMs;
        // Replaced meanwhile: the check above takes the rest back and ends the write.
        if (this.options.incarnation !== incarnation) continue;
        const { built } = head;
        if (result.status === ScriptStatus.OK || result.status === ScriptStatus.ALREADY_APPLIED) {
          const ok = result.status === ScriptStatus.OK;
          this.confirm(built, head.day.date, ok ? nowMs : result.appliedAtMs, inFlight);
          if (ok) {
            this.upkeep.expiriesSet(result.expiriesSet);
            applied += built.applied;
          }
          const { activeUsers } = built.payload;
          onApplied({ firstSeq: head.seq, events: head.events, date: head.day.date, activeUsers });
          this.mirror.expect(aftersOf(inFlight));
          continue;
        }
        // Nothing of it applied now, so nothing behind it did: all of it is built again.
        rest = (await takeBack(inFlight))
          .reduce((all, sent) => all.concat(sent.events), head.events)
          .concat(rest);
        seq = head.seq;
        day = head.day;
        this.mirror.expect([]);
        if (head.ahead) continue;
        if (result.status === ScriptStatus.WRONG_DAY) {
          const retries = this.options.dayRetries ?? MAX_DAY_RETRIES;
          if (retries === 0) return { status: result.status, nowMs, applied };
          if (++attempts > retries) throw new Error('day keys kept missing Redis TIME');
          day = this.calendar.dayAt(nowMs);
        } else if (
          result.status === ScriptStatus.SUPERSEDED ||
          result.status === ScriptStatus.REAPED
        ) {
          return { status: result.status, nowMs, applied };
        } else if (result.status === ScriptStatus.MEMBERS_DIFFER) {
          await this.repair(built, result.failed);
        } else if (result.status === ScriptStatus.PARTLY_APPLIED) {
          // The start of these events was applied by a call whose reply was lost.
          const count = result.nextSeq - seq;
          const part = rest.slice(0, count * 3);
          const { activeUsers } = this.confirm(
            buildBatch(part, this.mirror, day, this.active),
            day.date,
            result.appliedAtMs,
          );
          onApplied({ firstSeq: seq, events: part, date: day.date, activeUsers });
          rest = rest.slice(count * 3);
          seq += count;
        }
      }
    } catch (err) {
      this.mirror.expect([]);
      throw err;
    }
  }

  /** Sends one built batch; `ahead`: while the batch before it is in flight, built on what it leaves. */
  private send(
    built: BuiltBatch,
    seq: number,
    events: string[],
    day: ZonedDay,
    ahead: SentBatch | undefined,
  ): SentBatch {
    const call = applyBatch(this.runner, this.keys, {
      instanceId: this.options.instanceId,
      incarnation: this.options.incarnation,
      day,
      expiry: expiryOf(day, this.options.retentionDays),
      exactThreshold: this.options.exactThreshold,
      firstSeq: seq,
      eventCount: built.eventCount,
      afterSeq: ahead && ahead.seq + ahead.built.eventCount,
      expiryFlags: this.upkeep.expiryFlags(day.date),
      trimLog: this.upkeep.trimDue(),
      payload: built.payload,
      breakdownCap: this.options.breakdownCap,
      closedLog: this.options.closedLog,
    });
    // Awaited in order: an error of a batch behind a failed one is not the one to report.
    call.catch(() => undefined);
    return { built, seq, events, day, call, ahead: ahead !== undefined };
  }

  /**
   * Redis holds what the batch made, applied at `appliedAtMs`. The batches in flight behind it
   * learn when the sessions it opened connected. Returns what the batch sent.
   */
  private confirm(
    built: BuiltBatch,
    date: string,
    appliedAtMs: number,
    behind: readonly SentBatch[] = [],
  ): BuiltBatch['payload'] {
    for (const [sessionId, session] of built.after) {
      if (!session) this.mirror.delete(sessionId);
      else if (!Number.isNaN(session.stampMs)) this.mirror.set(session);
      else {
        this.mirror.set({ ...session, stampMs: appliedAtMs });
        for (const { built: later } of behind) {
          const next = later.after.get(sessionId);
          if (next && Number.isNaN(next.stampMs))
            later.after.set(sessionId, { ...next, stampMs: appliedAtMs });
        }
      }
    }
    this.mirror.nextSeq += built.eventCount;
    this.active.confirm(date, built.payload.activeUsers, built.payload.pairs);
    return built.payload;
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
}
