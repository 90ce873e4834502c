import type { SessionInfo } from '../../monitor/session-input';
import type { SessionEvent } from './rocket-chat-events';

/** A live session of a remote instance, as its events told it. */
export interface ShadowSession {
  info: SessionInfo;
  userId: string | null;
}

/**
 * The live sessions of one remote instance (a ddp-streamer) as this process heard of them. Every
 * app process keeps one for every instance it hears of, whether it reports that instance or not,
 * so that whichever process takes the reporting over can write the whole set at once.
 */
export class RemoteShadow {
  readonly sessions = new Map<string, ShadowSession>();
  /** performance.now() of the recent disconnects, so a slower copy cannot bring them back. */
  private readonly closedAt = new Map<string, number>();

  /** Applies an event of this instance, as the reporting monitor would. */
  apply(event: SessionEvent): void {
    switch (event.kind) {
      case 'connected':
        if (!this.sessions.has(event.info.id)) {
          this.sessions.set(event.info.id, { info: event.info, userId: null });
        }
        return;
      case 'login': {
        const session = this.sessions.get(event.info.id);
        if (session) session.userId = event.userId;
        else this.sessions.set(event.info.id, { info: event.info, userId: event.userId });
        return;
      }
      case 'logout': {
        const session = this.sessions.get(event.connectionId);
        if (session) session.userId = null;
        return;
      }
      case 'disconnected':
        this.sessions.delete(event.connectionId);
        this.closedAt.delete(event.connectionId); // keeps the map in time order
        this.closedAt.set(event.connectionId, performance.now());
        return;
      case 'alive':
        return;
    }
  }

  has(connectionId: string): boolean {
    return this.sessions.has(connectionId);
  }

  /**
   * A session read from Redis (written by the instance's reporter before this process heard of
   * the instance): kept unless this process knows better, because it heard of the session since
   * or saw it close. True when it was added.
   */
  adopt(session: ShadowSession): boolean {
    const id = session.info.id;
    if (this.sessions.has(id) || this.closedAt.has(id)) return false;
    this.sessions.set(id, session);
    return true;
  }

  /** Forgets the disconnects older than `before` (performance.now() time). */
  forgetClosedBefore(before: number): void {
    for (const [id, at] of this.closedAt) {
      if (at >= before) break; // insertion order is time order
      this.closedAt.delete(id);
    }
  }
}
