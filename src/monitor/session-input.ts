const MAX_ID_BYTES = 256;

/** What `open()` takes; Meteor's connection object has these fields. */
export interface SessionInfo {
  /** The session (connection) id, unique among live sessions of the namespace. */
  id: string;
  clientAddress?: string;
  userAgent?: string;
  httpHeaders?: Record<string, string | string[] | undefined>;
}

/**
 * Why an id cannot be stored, or undefined when it can. Ids are stored inside sorted-set members
 * separated by NUL bytes, so NUL is the one character refused; `{`, `:` and any Unicode are fine.
 */
export function idProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return `must be a string, got ${typeof value}`;
  if (value.length === 0) return 'must not be empty';
  if (value.includes('\0')) return 'must not contain NUL characters';
  const bytes = Buffer.byteLength(value);
  if (bytes > MAX_ID_BYTES) return `is ${bytes} bytes; at most ${MAX_ID_BYTES} are allowed`;
  return undefined;
}
