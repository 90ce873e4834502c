import { memberOf, type SessionRecord } from '../session/session-member';

/** A live session as this writer knows Redis holds it. */
export interface MirroredSession extends SessionRecord {
  /** The member's score (ms, Redis TIME): when its time starts to count. */
  stampMs: number;
  /** Its client profile's labels (`''` when none), copied into the closed-session log. */
  content: string;
}

/**
 * What Redis holds of this incarnation's sessions, as far as this writer knows: every session a
 * confirmed batch left live, with its exact member and score. From it the batch builder names the
 * members a batch removes and adds, so no script looks a session up. It changes only when a batch
 * is known to be applied (its reply, or the script's word that it was applied before), with the
 * Redis TIME it was applied at, so it is exact whenever no batch is in flight. A batch sent while
 * the one ahead of it is in flight is built on what that one will leave (`expect`): `get` sees it,
 * the other readers only what is confirmed.
 * Where Redis turns out to differ (a failover that lost writes, a key deleted by hand), the script
 * refuses and the writer drops what it believed; the monitor's resync restores the rest.
 */
export class SessionMirror {
  private readonly sessions = new Map<string, MirroredSession>();
  /** What the batch in flight leaves of the sessions it touches (null: closed), if one is. */
  private ahead: ReadonlyMap<string, MirroredSession | null> | undefined;
  /** Sequence number of the first event not known to be applied. */
  nextSeq = 0;

  get size(): number {
    return this.sessions.size;
  }

  /** The session as the batch in flight leaves it, else as Redis is known to hold it. */
  get(sessionId: string): MirroredSession | undefined {
    const ahead = this.ahead?.get(sessionId);
    if (ahead !== undefined) return ahead ?? undefined;
    return this.sessions.get(sessionId);
  }

  /**
   * The batch in flight leaves these sessions so (its built `after`), or none is in flight. One
   * at most: a batch is built ahead only of one.
   */
  expect(after: ReadonlyMap<string, MirroredSession | null> | undefined): void {
    this.ahead = after;
  }

  /** The member Redis holds for `sessionId`, if any. */
  memberOf(sessionId: string): string | undefined {
    const session = this.sessions.get(sessionId);
    return session && memberOf(session);
  }

  set(session: MirroredSession): void {
    this.sessions.set(session.sessionId, session);
  }

  delete(sessionId: string): void {
    this.sessions.delete(sessionId);
  }

  /** Forgets everything: a new incarnation starts with no session in Redis. */
  reset(nextSeq: number): void {
    this.sessions.clear();
    this.ahead = undefined;
    this.nextSeq = nextSeq;
  }

  entries(): IterableIterator<[string, MirroredSession]> {
    return this.sessions.entries();
  }
}
