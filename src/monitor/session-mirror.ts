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
 * others are in flight is built on what they will leave (`expect`): `get` sees it, the other
 * readers only what is confirmed.
 * Where Redis turns out to differ (a failover that lost writes, a key deleted by hand), the script
 * refuses and the writer drops what it believed; the monitor's resync restores the rest.
 */
export class SessionMirror {
  private readonly sessions = new Map<string, MirroredSession>();
  /** What each batch in flight leaves of the sessions it touches (null: closed), oldest first. */
  private ahead: ReadonlyArray<ReadonlyMap<string, MirroredSession | null>> = [];
  /** Sequence number of the first event not known to be applied. */
  nextSeq = 0;

  get size(): number {
    return this.sessions.size;
  }

  /** The session as the last batch in flight to touch it leaves it, else as Redis holds it. */
  get(sessionId: string): MirroredSession | undefined {
    for (let i = this.ahead.length - 1; i >= 0; i--) {
      const left = this.ahead[i].get(sessionId);
      if (left !== undefined) return left ?? undefined;
    }
    return this.sessions.get(sessionId);
  }

  /** The batches in flight leave these sessions so (their built `after`, oldest first). */
  expect(afters: ReadonlyArray<ReadonlyMap<string, MirroredSession | null>>): void {
    this.ahead = afters;
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
    this.ahead = [];
    this.nextSeq = nextSeq;
  }

  entries(): IterableIterator<[string, MirroredSession]> {
    return this.sessions.entries();
  }
}
