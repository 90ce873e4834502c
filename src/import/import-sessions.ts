import type { Readable } from 'node:stream';
import { Keys } from '../keys';
import { ImportLineError } from '../errors/import-line-error';
import { connectQuietRedis, type RedisInput } from '../redis/redis-client';
import { ScriptRunner } from '../scripts/script-runner';
import { breakdownCapOf } from '../session/breakdown-dimensions';
import { importDay, type ImportPartOutcome } from '../scripts/commands/import-day';
import { assertPositiveInteger } from '../config/positive-integer';
import { expiryOf } from '../time/retention';
import { ZonedCalendar } from '../time/zoned-calendar';
import { DayAggregate, sessionDigest } from './day-aggregate';
import { DayLookup } from './day-lookup';
import {
  MAX_BAD_LINES_LISTED,
  type BadLine,
  type ImportProgress,
  type ImportReport,
} from './import-report';
import { JsonDocumentReader } from './json-documents';
import { mapSessionDocument, type SessionRecord } from './session-record';

/** Users per script call: keeps every call to a few milliseconds of Redis time. */
const USERS_PER_PART = 200;
/** Script calls in flight at once (one connection; ioredis pipelines them). */
const CALLS_IN_FLIGHT = 16;
const PROGRESS_EVERY_MS = 1000;
/** Sets that dedupe users live at least this long after an import, so later parts still merge. */
const MIN_SET_LIFETIME_S = 86_400;

/** Options of importRocketChatSessions. */
export interface ImportOptions {
  /** URL, ioredis options, or an ioredis Redis/Cluster you own. Default redis://127.0.0.1:6379. */
  redis?: RedisInput;
  namespace?: string;
  /** IANA zone the days are taken in; use the monitors' zone. Default `UTC`. */
  timezone?: string;
  /** Stop at the first bad line (nothing is written then) instead of counting it. */
  strict?: boolean;
  /** Called about once a second while reading and writing. */
  onProgress?: (progress: ImportProgress) => void;
  /** Use the monitors' values. Defaults 400, 10000, 50. */
  retentionDays?: number;
  exactThreshold?: number;
  breakdownCap?: number;
}

/**
 * Replays Rocket.Chat `rocketchat_sessions` documents, as `mongoexport` writes them (one JSON
 * document a line, pretty-printed with `--pretty`, or one array with `--jsonArray`; canonical or
 * relaxed Extended JSON), into the history: distinct users per day
 * and month, sessions, logins, session time, and breakdowns by device type, OS and browser/app.
 * Days are taken from the timestamps in `timezone`. Only `type: 'session'` documents count (see
 * mapSessionDocument). Reads the whole input first (memory grows with days × users, not with
 * lines), then writes each day with lua/importDay: importing the same input again changes nothing.
 */
export async function importRocketChatSessions(
  input: Readable,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const started = Date.now();
  const keys = new Keys(options.namespace ?? 'default');
  const calendar = new ZonedCalendar(options.timezone ?? 'UTC');
  const retentionDays = options.retentionDays ?? 400;
  const exactThreshold = options.exactThreshold ?? 10_000;
  assertPositiveInteger('retentionDays', retentionDays);
  assertPositiveInteger('exactThreshold', exactThreshold);
  const breakdownCap = breakdownCapOf(options.breakdownCap);
  const { client, owned } = connectQuietRedis(options.redis);
  try {
    const [seconds] = await client.time();
    const nowS = Number(seconds);
    const report = emptyReport();
    const days = await aggregate(input, new DayLookup(calendar), {
      strict: options.strict === true,
      report,
      // One clock: whether a day is past retention is judged by Redis TIME.
      expired: (day) => expiryOf(day, retentionDays).day <= nowS,
      progress: throttle(options.onProgress),
    });

    const runner = new ScriptRunner(client);
    const ordered = [...days.values()].sort((a, b) => a.day.startMs - b.day.startMs);
    const calls: Array<() => Promise<ImportPartOutcome>> = [];
    const closedDays = new Set<string>();
    for (const aggregate of ordered) {
      const expiry = expiryOf(aggregate.day, retentionDays);
      // Sets of days long past would expire at once, before the day's next part could use them.
      const keepSets = nowS + MIN_SET_LIFETIME_S;
      const setExpiry = {
        ...expiry,
        daySet: Math.max(expiry.daySet, keepSets),
        monthSet: Math.max(expiry.monthSet, keepSets),
      };
      const breakdownUsersExpireAt = Math.max(Math.floor(aggregate.day.endMs / 1000), keepSets);
      for (const part of aggregate.parts(USERS_PER_PART)) {
        calls.push(async () => {
          const result = await importDay(runner, keys, {
            day: aggregate.day,
            expiry: setExpiry,
            breakdownUsersExpireAt,
            exactThreshold,
            breakdownCap,
            ...part,
          });
          if (result.outcome === 'closed') closedDays.add(aggregate.day.date);
          return result.outcome;
        });
      }
    }
    const progress = throttle(options.onProgress);
    let done = 0;
    for (let at = 0; at < calls.length; at += CALLS_IN_FLIGHT) {
      const outcomes = await Promise.all(calls.slice(at, at + CALLS_IN_FLIGHT).map((c) => c()));
      for (const outcome of outcomes) {
        if (outcome === 'applied') report.partsApplied++;
        else if (outcome === 'alreadyApplied') report.partsAlreadyApplied++;
        else report.partsRefused++;
      }
      done += outcomes.length;
      progress({
        phase: 'writing',
        lines: report.lines,
        imported: report.imported,
        partsDone: done,
        partsTotal: calls.length,
      });
    }
    report.closedDays = [...closedDays].sort();
    report.days = ordered.length;
    report.months = new Set(ordered.map((a) => a.day.month)).size;
    report.firstDay = ordered[0]?.day.date ?? null;
    report.lastDay = ordered[ordered.length - 1]?.day.date ?? null;
    report.elapsedMs = Date.now() - started;
    return report;
  } finally {
    if (owned) await client.quit().catch(() => client.disconnect());
  }
}

interface AggregateContext {
  strict: boolean;
  report: ImportReport;
  expired: (day: DayAggregate['day']) => boolean;
  progress: (progress: ImportProgress) => void;
}

/** Reads every document into per-day aggregates, counting (or, strict, throwing on) bad ones. */
async function aggregate(
  input: Readable,
  lookup: DayLookup,
  context: AggregateContext,
): Promise<Map<string, DayAggregate>> {
  const { report } = context;
  const days = new Map<string, DayAggregate>();
  // Session id and start of every session imported, per start day: the same session twice counts once.
  const seen = new Map<string, Set<string>>();
  const bad = (lineNumber: number, reason: BadLine['reason'], message: string): void => {
    if (context.strict) throw new ImportLineError(lineNumber, message);
    report.skipped[reason]++;
    if (report.badLines.length < MAX_BAD_LINES_LISTED) {
      report.badLines.push({ line: lineNumber, reason, message });
    }
  };
  const dayOf = (epochMs: number): DayAggregate => {
    const day = lookup.dayAt(epochMs);
    let aggregate = days.get(day.date);
    if (!aggregate) {
      aggregate = new DayAggregate(day);
      days.set(day.date, aggregate);
    }
    return aggregate;
  };

  const reader = new JsonDocumentReader(input);
  for await (const { line: lineNumber, text, linesRead } of reader.documents()) {
    report.format = reader.format;
    report.lines = linesRead;
    context.progress({
      phase: 'reading',
      lines: linesRead,
      imported: report.imported,
      partsDone: 0,
      partsTotal: 0,
    });
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      bad(lineNumber, 'badJson', `not JSON (${(err as Error).message})`);
      continue;
    }
    const mapped = mapSessionDocument(doc);
    if ('skip' in mapped) {
      if (mapped.skip === 'badJson') bad(lineNumber, 'badJson', 'not a JSON object');
      else if (mapped.skip === 'badDate') {
        bad(lineNumber, 'badDate', 'session without a readable loginAt/createdAt or session id');
      } else report.skipped[mapped.skip]++;
      continue;
    }
    const record = mapped.record;
    const startDay = lookup.dayAt(record.startMs);
    if (context.expired(startDay)) {
      report.skipped.expired++;
      continue;
    }
    let ids = seen.get(startDay.date);
    if (!ids) {
      ids = new Set();
      seen.set(startDay.date, ids);
    }
    const id = `${record.sessionId}\0${record.startMs}`;
    if (ids.has(id)) {
      report.skipped.duplicate++;
      continue;
    }
    ids.add(id);
    spread(record, dayOf);
    report.imported++;
  }
  return days;
}

/**
 * Credits a session as the live scripts would: opened (and logged in) on its start day, its time
 * on each day it spans, its user active on each of those days, closed on the day it ended.
 */
function spread(record: SessionRecord, dayOf: (epochMs: number) => DayAggregate): void {
  const digest = sessionDigest(record);
  const end = record.endMs ?? record.startMs;
  let at = record.startMs;
  let first = true;
  for (;;) {
    const aggregate = dayOf(at);
    const until = Math.min(end, aggregate.day.endMs);
    const last = end <= aggregate.day.endMs;
    aggregate.add(record, digest, {
      opened: first,
      ms: until - at,
      closed: last && record.endMs !== undefined,
    });
    if (last) return;
    at = aggregate.day.endMs;
    first = false;
  }
}

function emptyReport(): ImportReport {
  return {
    format: 'ndjson',
    lines: 0,
    imported: 0,
    skipped: { notSession: 0, noUser: 0, badJson: 0, badDate: 0, duplicate: 0, expired: 0 },
    badLines: [],
    days: 0,
    months: 0,
    firstDay: null,
    lastDay: null,
    partsApplied: 0,
    partsRefused: 0,
    closedDays: [],
    partsAlreadyApplied: 0,
    elapsedMs: 0,
  };
}

/** `onProgress` at most once a second, the first time a second after the start. */
function throttle(
  onProgress: ((progress: ImportProgress) => void) | undefined,
): (progress: ImportProgress) => void {
  if (!onProgress) return () => undefined;
  let next = Date.now() + PROGRESS_EVERY_MS;
  return (progress) => {
    const now = Date.now();
    if (now < next) return;
    next = now + PROGRESS_EVERY_MS;
    onProgress(progress);
  };
}
