import { createHash } from 'node:crypto';
import type { ZonedDay } from '../time/zoned-calendar';
import type { DayPart, ImportedValueRow } from '../scripts/commands/import-day';
import type { SessionRecord } from './session-record';

/** Breakdown letters in the order of BREAKDOWN_DIMENSIONS (device, os, browser). */
const LETTERS = ['d', 'o', 'b'] as const;
const UNIT_SEPARATOR = '\x1f';
/** Version of the digest recipe: changing how a day is counted must not reuse old digests. */
const DIGEST_VERSION = 'sau-import-1';

/**
 * What one import adds to one day: sessions opened, logins, sessions closed, session time, and by
 * device/OS/browser value, plus who was active with which values. Its digest is a sum of each
 * session's SHA-1, so it depends on the sessions alone, not on the order of the file's lines.
 */
export class DayAggregate {
  sessions = 0;
  logins = 0;
  closed = 0;
  sessionMs = 0;
  private readonly values: Array<Map<string, { sessions: number; ms: number }>> = [
    new Map(),
    new Map(),
    new Map(),
  ];
  private readonly users = new Map<string, Set<string>>();
  private readonly digestSum = new Uint32Array(5);
  private digestCount = 0;

  constructor(readonly day: ZonedDay) {}

  /** The session counts here: `opened` on its start day, `ms` spent this day, `closed` here. */
  add(
    record: SessionRecord,
    sessionDigest: Buffer,
    share: { opened: boolean; ms: number; closed: boolean },
  ): void {
    const values = [record.device, record.os, record.browser];
    if (share.opened) {
      this.sessions++;
      this.logins++;
    }
    if (share.closed) this.closed++;
    this.sessionMs += share.ms;
    let entries = this.users.get(record.userId);
    if (!entries) {
      entries = new Set();
      this.users.set(record.userId, entries);
    }
    for (let d = 0; d < 3; d++) {
      // The scripts count a missing value as "unknown", as the live breakdowns do.
      const value = values[d] === '' ? 'unknown' : values[d];
      if (share.opened || share.ms > 0) {
        const row = this.values[d].get(value) ?? { sessions: 0, ms: 0 };
        if (share.opened) row.sessions++;
        row.ms += share.ms;
        this.values[d].set(value, row);
      }
      entries.add(`${LETTERS[d]}${value}${UNIT_SEPARATOR}`);
    }
    for (let i = 0; i < 5; i++) {
      this.digestSum[i] = (this.digestSum[i] + sessionDigest.readUInt32BE(i * 4)) >>> 0;
    }
    this.digestCount++;
  }

  /**
   * The day cut into parts of at most `usersPerPart` users (sorted, so the cut is the same every
   * time); the first part carries the counters. Each part's digest names the day's content and
   * the part's place in it.
   */
  parts(usersPerPart: number): DayPart[] {
    const base = createHash('sha1')
      .update(`${DIGEST_VERSION}|${this.day.date}|${this.digestCount}|${this.digestSum.join(',')}`)
      .digest('hex');
    const userIds = [...this.users.keys()].sort();
    const rows: ImportedValueRow[] = [];
    this.values.forEach((byValue, dimension) => {
      for (const [value, r] of byValue) rows.push({ dimension, value, ...r });
    });
    const parts: DayPart[] = [];
    for (let from = 0, index = 0; from < userIds.length || index === 0; from += usersPerPart) {
      const first = index === 0;
      parts.push({
        digest: `${base}:${index}`,
        sessions: first ? this.sessions : 0,
        logins: first ? this.logins : 0,
        closed: first ? this.closed : 0,
        sessionMs: first ? this.sessionMs : 0,
        rows: first ? rows : [],
        users: userIds
          .slice(from, from + usersPerPart)
          .map((id) => [id, [...(this.users.get(id) ?? [])].join('')]),
      });
      index++;
    }
    return parts;
  }
}

/** SHA-1 of everything an import takes from one session, for the day digests. */
export function sessionDigest(record: SessionRecord): Buffer {
  return createHash('sha1')
    .update(
      [
        record.sessionId,
        record.userId,
        record.startMs,
        record.endMs ?? '',
        record.device,
        record.os,
        record.browser,
      ].join('\0'),
    )
    .digest();
}
