import { performance } from 'node:perf_hooks';
import { encodeRestore } from '../session/session-meta';

interface LiveSession {
  /** `''` while anonymous. */
  userId: string;
  /** Its client metadata, encoded (encodeSessionMeta); `''` when none. */
  meta: string;
  /** When it opened, on this process's monotonic clock: login times are durations from it. */
  openedAt: number;
}

/**
 * This instance's own truth about its sessions: what the host reported, applied at once (the events
 * reach Redis later). The monitor answers the host's calls from it (a second open is ignored, a
 * login needs an open session), resends it whole after a new incarnation, and repairs Redis to it.
 */
export class LiveSessions {
  private readonly sessions = new Map<string, LiveSession>();

  get size(): number {
    return this.sessions.size;
  }

  has(sessionId: string): boolean {
    return this.sessions.has(sessionId);
  }

  /** The user logged in on a live session, `''` while anonymous, undefined when not live. */
  userOf(sessionId: string): string | undefined {
    return this.sessions.get(sessionId)?.userId;
  }

  open(sessionId: string, meta: string): void {
    this.sessions.set(sessionId, { userId: '', meta, openedAt: performance.now() });
  }

  /** Logs `userId` in; returns the whole seconds since the session opened. */
  login(sessionId: string, userId: string): number {
    const session = this.sessions.get(sessionId) as LiveSession;
    session.userId = userId;
    return Math.max(0, Math.floor((performance.now() - session.openedAt) / 1000));
  }

  logout(sessionId: string): void {
    const session = this.sessions.get(sessionId);
    if (session) session.userId = '';
  }

  /** False when the session was not live. */
  close(sessionId: string): boolean {
    return this.sessions.delete(sessionId);
  }

  clear(): void {
    this.sessions.clear();
  }

  ids(): string[] {
    return [...this.sessions.keys()];
  }

  /** Session id → user id (`''` when anonymous) of every live session, as of now. */
  users(): Map<string, string> {
    const users = new Map<string, string>();
    for (const [sessionId, session] of this.sessions) users.set(sessionId, session.userId);
    return users;
  }

  /** The restore event's argument that brings the session back into Redis as it is. */
  restoreArgument(sessionId: string): string {
    const session = this.sessions.get(sessionId);
    return session ? encodeRestore(session.userId, session.meta) : '';
  }
}
