/** What a UserProfilePairs holds of a user and a client profile (see UserProfilePairs.holds). */
export type Holding = typeof HOLDS_NOTHING | typeof HOLDS_USER | typeof HOLDS_BOTH;
export const HOLDS_NOTHING = 0;
/** The user, not with the profile asked for. */
export const HOLDS_USER = 1;
/** The user, and its pair with the profile asked for (or no profile was asked for). */
export const HOLDS_BOTH = 2;

/**
 * A set of users, and of (user id, client profile id) pairs. A batch asks, at every login, whether
 * the user and its pair with the session's profile are known: one lookup by user answers both,
 * with no key string joined for it. A user may be held without a profile (a login without a
 * session); most users are seen on one profile a day, held as the bare string, and only a second
 * one turns it into a Set.
 */
export class UserProfilePairs {
  private readonly profilesByUser = new Map<string, string | Set<string> | null>();
  private userCount = 0;
  private pairCount = 0;

  /** Users held. */
  get users(): number {
    return this.userCount;
  }

  /** Pairs held. */
  get pairs(): number {
    return this.pairCount;
  }

  /** Whether the user is held, and whether with `profileId` (undefined: only the user is asked). */
  holds(userId: string, profileId?: string): Holding {
    const held = this.profilesByUser.get(userId);
    if (held === undefined) return HOLDS_NOTHING;
    if (profileId === undefined || held === profileId) return HOLDS_BOTH;
    return held !== null && typeof held === 'object' && held.has(profileId)
      ? HOLDS_BOTH
      : HOLDS_USER;
  }

  /** Adds the user, and its pair with `profileId` when given. */
  add(userId: string, profileId?: string): void {
    const held = this.profilesByUser.get(userId);
    if (held === undefined) {
      this.profilesByUser.set(userId, profileId ?? null);
      this.userCount++;
      if (profileId !== undefined) this.pairCount++;
      return;
    }
    if (profileId === undefined || held === profileId) return;
    if (held === null) {
      this.profilesByUser.set(userId, profileId);
    } else if (typeof held === 'string') {
      this.profilesByUser.set(userId, new Set([held, profileId]));
    } else if (held.has(profileId)) {
      return;
    } else {
      held.add(profileId);
    }
    this.pairCount++;
  }

  clear(): void {
    this.profilesByUser.clear();
    this.userCount = 0;
    this.pairCount = 0;
  }
}
