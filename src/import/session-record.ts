import { sanitizeLabel } from '../ua/sanitize-label';
import { decodeDate, decodeId } from './extended-json';

/** Longest session an import credits: Rocket.Chat writes one session document a day. */
export const MAX_SESSION_MS = 86_400_000;

/** One imported session: who, when, and with which client. */
export interface SessionRecord {
  /** `sessionId`, or the document's `_id` when it has none. */
  sessionId: string;
  userId: string;
  /** `loginAt`, else `createdAt` (epoch ms). */
  startMs: number;
  /**
   * `lastActivityAt`, else `closedAt`, else `logoutAt`, at most MAX_SESSION_MS after the start;
   * undefined when the document has none (or one before the start): the session counts, its time
   * does not.
   */
  endMs: number | undefined;
  /** Device type, OS name, browser/app name; `''` when unknown. */
  device: string;
  os: string;
  browser: string;
}

/** Why a document was not imported. */
export type SkipReason = 'notSession' | 'noUser' | 'badJson' | 'badDate';

/** A record, or why there is none. */
export type MappedDocument = { record: SessionRecord } | { skip: SkipReason };

/**
 * Maps one `rocketchat_sessions` document. Only `type: 'session'` documents (and those without a
 * type) are sessions: `computed-session` and `user_daily` are Rocket.Chat's own aggregates of the
 * same sessions, and importing them too would count every session twice.
 */
export function mapSessionDocument(doc: unknown): MappedDocument {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return { skip: 'badJson' };
  const d = doc as Record<string, unknown>;
  if (d.type !== undefined && d.type !== null && d.type !== 'session')
    return { skip: 'notSession' };
  const userId = decodeId(d.userId);
  if (userId === undefined) return { skip: 'noUser' };
  const sessionId = decodeId(d.sessionId) ?? decodeId(d._id);
  const startMs = decodeDate(d.loginAt) ?? decodeDate(d.createdAt);
  if (sessionId === undefined || startMs === undefined) return { skip: 'badDate' };
  let endMs = decodeDate(d.lastActivityAt) ?? decodeDate(d.closedAt) ?? decodeDate(d.logoutAt);
  // An end before the start is a broken document: the session counts, its time cannot be known.
  if (endMs !== undefined && endMs < startMs) endMs = undefined;
  // Longer than a day: a stale lastActivityAt (a copied-forward session); credit one day at most.
  if (endMs !== undefined && endMs - startMs > MAX_SESSION_MS) endMs = startMs + MAX_SESSION_MS;
  const device = isObject(d.device) ? d.device : {};
  const os = isObject(device.os) ? device.os : {};
  return {
    record: {
      sessionId,
      userId,
      startMs,
      endMs,
      device: sanitizeLabel(device.type),
      os: sanitizeLabel(os.name),
      browser: sanitizeLabel(device.name),
    },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
