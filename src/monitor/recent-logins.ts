import { performance } from 'node:perf_hooks';

/**
 * Users whom Redis lately counted active, as user-days (the day Redis counted each on), kept for
 * `windowMs` after the acknowledgement of the write that counted them. A login of a user the day
 * had counted before writes no user, so only a day's first login of each user (as the writer
 * knows it) comes here, not every login.
 *
 * Redis replicates asynchronously: after a Sentinel failover the promoted replica may lack the
 * last writes the old master acknowledged. A resync repairs this instance's live sessions, which
 * it knows; a user who logged in and out again in those last moments is known nowhere else, so the
 * monitor marks these user-days active again after every reconnection (idempotent: SADD/PFADD).
 * Bounded: past `maxUserDays` the oldest go first, as a failover loses the newest writes.
 *
 * O(1) amortized per user-day recorded: acknowledgements queue up in time order, and a renewed
 * user-day only updates its time in the map, leaving its older queue entry stale, to be skipped
 * when it reaches the head. (Moving a key to the end of a Map instead leaves deleted slots at its
 * front that every walk from the start must pass: quadratic at a million logins.)
 */
export class RecentLogins {
  /** `date NUL userId` → when Redis last acknowledged it. */
  private readonly latest = new Map<string, number>();
  /** Acknowledgements in time order from `head` on; an entry is stale once its key was renewed. */
  private queue: Array<{ key: string; at: number }> = [];
  private head = 0;

  constructor(
    private readonly windowMs: number,
    private readonly maxUserDays: number,
    /** Monotonic: a wall-clock step must not keep or drop a whole window at once. */
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** User-days held (some may be past the window until the next record or read). */
  get size(): number {
    return this.latest.size;
  }

  /**
   * Redis counted these users active on `date` (a batch's logins: one clock read for them all). A
   * window of 0 keeps nothing.
   */
  record(date: string, userIds: readonly string[]): void {
    if (this.windowMs <= 0 || userIds.length === 0) return;
    const at = this.now();
    for (const userId of userIds) {
      // Ids never hold NUL (session-input rejects it), so the key splits back unambiguously.
      const key = `${date}\0${userId}`;
      this.latest.set(key, at);
      this.queue.push({ key, at });
    }
    this.forgetExpired(at);
    while (this.latest.size > this.maxUserDays) this.popHead();
    this.compact();
  }

  /** The user-days acknowledged within the window, by date. */
  byDate(): Map<string, string[]> {
    this.forgetExpired();
    const dates = new Map<string, string[]>();
    for (const key of this.latest.keys()) {
      const nul = key.indexOf('\0');
      const date = key.slice(0, nul);
      let users = dates.get(date);
      if (!users) {
        users = [];
        dates.set(date, users);
      }
      users.push(key.slice(nul + 1));
    }
    return dates;
  }

  /** Forgets what was acknowledged before the window that ends `now` (one clock read per call). */
  private forgetExpired(now = this.now()): void {
    const since = now - this.windowMs;
    while (this.head < this.queue.length && this.queue[this.head].at < since) this.popHead();
  }

  /** Drops the oldest acknowledgement; its user-day goes unless it was acknowledged again since. */
  private popHead(): void {
    const { key, at } = this.queue[this.head++];
    if (this.latest.get(key) === at) this.latest.delete(key);
  }

  /** Keeps the queue within a constant factor of the user-days held. */
  private compact(): void {
    const pending = this.queue.length - this.head;
    if (pending > 2 * this.latest.size + 1024) {
      this.queue = this.queue.slice(this.head).filter((e) => this.latest.get(e.key) === e.at);
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}
