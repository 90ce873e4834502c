import { InvalidArgumentError } from '../errors/invalid-argument-error';
import type { SessionPosition } from '../scripts/commands/read-sessions';

/**
 * Where a session listing resumes: the incarnation it was in (incarnations are listed in
 * instance id, then incarnation order) and the last session it looked at there, by score and
 * session id (undefined: from the start). Opaque to callers: base64url of a small JSON array.
 */
export interface SessionCursor {
  instanceId: string;
  incarnation: string;
  after: SessionPosition | undefined;
}

const VERSION = 2;

export function encodeSessionCursor(cursor: SessionCursor): string {
  const json = JSON.stringify([
    VERSION,
    cursor.instanceId,
    cursor.incarnation,
    cursor.after?.score ?? '',
    cursor.after?.sessionId ?? '',
  ]);
  return Buffer.from(json, 'utf8').toString('base64url');
}

/** Throws InvalidArgumentError for anything encodeSessionCursor did not write. */
export function decodeSessionCursor(text: unknown): SessionCursor {
  if (typeof text === 'string' && /^[A-Za-z0-9_-]+$/.test(text)) {
    try {
      const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
      if (
        Array.isArray(value) &&
        value.length === 5 &&
        value[0] === VERSION &&
        value.slice(1).every((part) => typeof part === 'string')
      ) {
        const [, instanceId, incarnation, score, sessionId] = value as string[];
        return {
          instanceId,
          incarnation,
          after: score === '' ? undefined : { score, sessionId },
        };
      }
    } catch {
      // Not JSON: reported below like any other foreign cursor.
    }
  }
  throw new InvalidArgumentError('cursor is not one a previous sessions() call returned');
}
