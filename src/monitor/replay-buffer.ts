/**
 * Logins not yet known to be in Redis, as user-days: the local date each happened on (by the local
 * clock corrected to Redis TIME) → user → sequence number of its latest login event.
 *
 * A login reaches Redis in a batch that counts the user on the day Redis is on when it runs. After
 * an outage that spanned midnight that is the wrong day; the buffer remembers the right one, so the
 * user can be replayed into it. In normal operation it holds only the logins of the batches in
 * flight. It is bounded: past `maxUserDays`, logins are not remembered and are counted as overflow
 * (they still reach Redis, on the day their batch runs).
 */
export class ReplayBuffer {
  /** Per date, users in order of their latest login's sequence number (re-login moves a user last). */
  private readonly pending = new Map<string, Map<string, number>>();
  /** Confirmed in Redis on a later day than they happened: to be replayed into their own day. */
  private readonly due = new Map<string, Set<string>>();
  private held = 0;
  private overflowCount = 0;

  constructor(private readonly maxUserDays: number) {}

  /** User-days held (pending and due). */
  get size(): number {
    return this.held;
  }

  /** Logins that found the buffer full, since the monitor started. */
  get overflow(): number {
    return this.overflowCount;
  }

  get hasDue(): boolean {
    return this.due.size > 0;
  }

  /** Remembers a login; false when the buffer is full and it was counted as overflow instead. */
  record(date: string, userId: string, seq: number): boolean {
    let users = this.pending.get(date);
    const known = users?.delete(userId) ?? false;
    if (!known && this.held >= this.maxUserDays) {
      this.overflowCount++;
      return false;
    }
    if (!users) {
      users = new Map();
      this.pending.set(date, users);
    }
    users.set(userId, seq);
    if (!known) this.held++;
    return true;
  }

  /**
   * Every event numbered below `endSeq` is in Redis, counted on `appliedDate`: logins of that day
   * are done with; logins of earlier days become due for replay. Costs only what it removes.
   */
  confirm(endSeq: number, appliedDate: string): void {
    for (const [date, users] of this.pending) {
      for (const [userId, seq] of users) {
        if (seq >= endSeq) break;
        users.delete(userId);
        // A date after the one Redis applied it on comes from a local clock slightly ahead: the
        // login is on Redis's day already.
        if (date < appliedDate) this.addDue(date, userId);
        else this.held--;
      }
      if (users.size === 0) this.pending.delete(date);
    }
  }

  /** The due users of one date, oldest date first; undefined when nothing is due. */
  nextDue(): { date: string; userIds: string[] } | undefined {
    let oldest: string | undefined;
    for (const date of this.due.keys()) if (oldest === undefined || date < oldest) oldest = date;
    if (oldest === undefined) return undefined;
    return { date: oldest, userIds: [...(this.due.get(oldest) as Set<string>)] };
  }

  /** The users were replayed into `date`. */
  replayed(date: string, userIds: string[]): void {
    const users = this.due.get(date);
    if (!users) return;
    for (const userId of userIds) if (users.delete(userId)) this.held--;
    if (users.size === 0) this.due.delete(date);
  }

  private addDue(date: string, userId: string): void {
    let users = this.due.get(date);
    if (!users) {
      users = new Set();
      this.due.set(date, users);
    }
    // Due already from an earlier login of the same day: one user-day, held once.
    if (users.has(userId)) this.held--;
    else users.add(userId);
  }
}
