import { performance } from 'node:perf_hooks';

/**
 * Logins that Redis acknowledged lately, as user-days (the day Redis counted each on), kept for
 * `windowMs` after their acknowledgement.
 *
 * Redis replicates asynchronously: after a Sentinel failover the promoted replica may lack the
 * last writes the old master acknowledged. A resync repairs this instance's live sessions, which
 * it knows; a user who logged in and out again in those last moments is known nowhere else, so the
 * monitor marks these user-days active again after every reconnection (idempotent: SADD/PFADD).
 * Bounded: past `maxUserDays` the oldest go first, as a failover loses the newest writes.
 */
export class RecentLogins {
  /** `date NUL userId` → when Redis acknowledged it; in that order (a new one moves it last). */
  private readonly acknowledged = new Map<string, number>();

  constructor(
    private readonly windowMs: number,
    private readonly maxUserDays: number,
    /** Monotonic: a wall-clock step must not keep or drop a whole window at once. */
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** User-days held (some may be past the window until the next record or read). */
  get size(): number {
    return this.acknowledged.size;
  }

  /** Redis counted the user active on `date`. A window of 0 keeps nothing. */
  record(date: string, userId: string): void {
    if (this.windowMs <= 0) return;
    // Ids never hold NUL (session-input rejects it), so the key splits back unambiguously.
    const key = `${date}\0${userId}`;
    this.acknowledged.delete(key);
    this.acknowledged.set(key, this.now());
    this.forgetExpired();
    for (const oldest of this.acknowledged.keys()) {
      if (this.acknowledged.size <= this.maxUserDays) break;
      this.acknowledged.delete(oldest);
    }
  }

  /** The user-days acknowledged within the window, by date. */
  byDate(): Map<string, string[]> {
    this.forgetExpired();
    const dates = new Map<string, string[]>();
    for (const key of this.acknowledged.keys()) {
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

  /** Entries are in acknowledgement order: stop at the first one still inside the window. */
  private forgetExpired(): void {
    const since = this.now() - this.windowMs;
    for (const [key, at] of this.acknowledged) {
      if (at >= since) break;
      this.acknowledged.delete(key);
    }
  }
}
