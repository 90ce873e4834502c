import { UserProfilePairs } from './user-profile-pairs';

/**
 * Users (and user-profile pairs) this writer has seen counted active on one day, so a batch carries
 * each user to the day's tallies once a day instead of at every login: most logins are of users
 * who were active earlier that day. Only what Redis confirmed is remembered. Bounded: past `limit`
 * entries nothing more is remembered, and such users are simply sent again (the tallies are
 * idempotent). Forgotten whenever Redis may have lost what it confirmed (reconnection, a new
 * incarnation), so a lost write never keeps a user out of a day.
 */
export class ActiveToday {
  private date = '';
  private readonly users = new Set<string>();
  private readonly pairs = new UserProfilePairs();

  constructor(private readonly limit: number) {}

  /** Whether `userId` was confirmed active on `date`. */
  hasUser(date: string, userId: string): boolean {
    return date === this.date && this.users.has(userId);
  }

  /** Whether `userId` was confirmed active on `date` on a session of `profileId`. */
  hasPair(date: string, userId: string, profileId: string): boolean {
    return date === this.date && this.pairs.has(userId, profileId);
  }

  /** Redis counted these users (and flat user, profile pairs) active on `date`. */
  confirm(date: string, userIds: readonly string[], pairs: readonly string[]): void {
    if (date !== this.date) {
      // Days only move forward; a confirmation for an older day (a replay) is not worth keeping.
      if (date < this.date) return;
      this.forget();
      this.date = date;
    }
    for (const userId of userIds) {
      if (this.users.size >= this.limit) break;
      this.users.add(userId);
    }
    for (let i = 0; i < pairs.length; i += 2) {
      if (this.pairs.size >= this.limit) break;
      this.pairs.add(pairs[i], pairs[i + 1]);
    }
  }

  forget(): void {
    this.users.clear();
    this.pairs.clear();
  }
}
