import type { InputFormat } from './json-documents';

/** Lines the importer could not read: at most this many are listed, all are counted. */
export const MAX_BAD_LINES_LISTED = 20;

/** A document that is not usable: not JSON, or a session without a readable date. */
export interface BadLine {
  /** The line the document starts on. */
  line: number;
  reason: 'badJson' | 'badDate';
  message: string;
}

/** What `importRocketChatSessions` did. */
export interface ImportReport {
  /** How the documents were laid out (see JsonDocumentReader): `ndjson`, `pretty` or `array`. */
  format: InputFormat;
  /** Lines read (blank lines included). */
  lines: number;
  /** Session documents counted (before the idempotency check: see `partsAlreadyApplied`). */
  imported: number;
  skipped: {
    /** `computed-session`, `user_daily` and other aggregate documents. */
    notSession: number;
    /** Sessions without a user id (never logged in). */
    noUser: number;
    badJson: number;
    /** No readable `loginAt`/`createdAt`, or no session id. */
    badDate: number;
    /** The same session (id and start) twice in the input. */
    duplicate: number;
    /** Started on a day older than the retention: its keys would expire at once. */
    expired: number;
  };
  /** The first MAX_BAD_LINES_LISTED bad lines. */
  badLines: BadLine[];
  /** Days (`YYYY-MM-DD` in the import's zone) the import counted sessions or users on. */
  days: number;
  months: number;
  firstDay: string | null;
  lastDay: string | null;
  /** Parts of days written now, and parts a previous import of the same data had written. */
  partsApplied: number;
  partsAlreadyApplied: number;
  /**
   * Parts not written because their day or month is closed to new users: it already holds an exact
   * count frozen after its exact user set expired (about 31 days after a day, two months after a
   * month), so these users could not be told apart from those counted. Nothing of such a part is
   * written; `closedDays` lists their days.
   */
  partsRefused: number;
  closedDays: string[];
  elapsedMs: number;
}

/** Progress of an import, reported about once a second. */
export interface ImportProgress {
  phase: 'reading' | 'writing';
  lines: number;
  imported: number;
  /** While writing: parts written so far out of `partsTotal`. */
  partsDone: number;
  partsTotal: number;
}
