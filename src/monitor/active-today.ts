import { HOLDS_NOTHING, UserProfilePairs, type Holding } from './user-profile-pairs';

/**
 * Users (and user-profile pairs) this writer has seen counted active on one day, so a batch carries
 * each user to the day's tallies once a day instead of at every login: most logins are of users
 * who were active earlier that day. Only what Redis confirmed is remembered. Bounded: past `limit`
 * users no new user is remembered (only new pairs of the users held), past `limit` pairs no new
 * pair, and what is not remembered is simply sent again (the tallies are idempotent). Forgotten
 * whenever Redis may have lost what it confirmed (reconnection, a new incarnation), so a lost write
 * never keeps a user out of a day.
 */
export class ActiveToday {
  private date = '';
  private readonly confirmed = new UserProfilePairs();

  constructor(private readonly limit: number) {}

  /**
   * Whether Redis confirmed `userId` active on `date`, and on a session of `profileId` (undefined:
   * only the user is asked).
   */
  holds(date: string, userId: string, profileId?: string): Holding {
    return date === this.date ? this.confirmed.holds(userId, profileId) : HOLDS_NOTHING;
  }

  /** Redis counted these users (and flat user, profile pairs) active on `date`. */
  confirm(date: string, userIds: readonly string[], pairs: readonly string[]): void {
    if (date !== this.date) {
      // Days only move forward; a confirmation for an older day (a replay) is not worth keeping.
      if (date < this.date) return;
      this.forget();
      this.date = date;
    }
    const { confirmed, limit } = this;
    for (const userId of userIds) {
      if (confirmed.users >= limit) break;
      confirmed.add(userId);
    }
    for (let i = 0; i < pairs.length; i += 2) {
      if (confirmed.pairs >= limit) break;
      // A pair of a user not held would hold the user too: only while users are under the limit.
      if (confirmed.users >= limit && confirmed.holds(pairs[i]) === HOLDS_NOTHING) continue;
      confirmed.add(pairs[i], pairs[i + 1]);
    }
  }

  forget(): void {
    this.confirmed.clear();
  }
}
