/** What `SauReader.sessions()` takes. */
export interface SessionQuery {
  /** Only the sessions of this instance id. */
  instance?: string;
  /** Only the sessions this user is logged in on. */
  user?: string;
  /** Most sessions in one page, 1 to 1000. Default 100. */
  limit?: number;
  /** `cursor` of the previous page; omit for the first page. */
  cursor?: string;
}

/** One live session. */
export interface LiveSession {
  id: string;
  /** The instance id holding the session. */
  instance: string;
  userId: string | null;
  /** As the monitor's privacy mode kept it (full, truncated or hashed); `''` when not stored. */
  clientAddress: string;
  /** `''` where not known (the breakdowns count that as `unknown`). */
  deviceType: string;
  osName: string;
  osVersion: string;
  clientName: string;
  clientVersion: string;
  /** Redis time the session connected (to the second once it was carried over a midnight). */
  connectedAt: string;
  /** Redis time its current user logged in, to the second; null while anonymous. */
  loginAt: string | null;
}

/** One page of live sessions. */
export interface SessionPage {
  sessions: LiveSession[];
  /**
   * Pass it back for the next page; null when every session has been returned. A page may hold
   * fewer than `limit` sessions (even none) while the cursor is not null, when a user filter had
   * to look at many sessions to find few.
   */
  cursor: string | null;
}
