/**
 * A set of (user id, client profile id) pairs. A batch asks for the pair of every login, so a pair
 * is found by its user, then its profile, rather than by a key string joined anew at each lookup.
 * Most users are seen on one profile a day: that profile is held as the bare string, and only a
 * second one turns it into a Set.
 */
export class UserProfilePairs {
  private readonly profilesByUser = new Map<string, string | Set<string>>();
  private pairs = 0;

  /** Pairs held. */
  get size(): number {
    return this.pairs;
  }

  has(userId: string, profileId: string): boolean {
    const held = this.profilesByUser.get(userId);
    return held === profileId || (typeof held === 'object' && held.has(profileId));
  }

  /** Adds the pair; false when it was already held. */
  add(userId: string, profileId: string): boolean {
    const held = this.profilesByUser.get(userId);
    if (held === undefined) {
      this.profilesByUser.set(userId, profileId);
    } else if (typeof held === 'string') {
      if (held === profileId) return false;
      this.profilesByUser.set(userId, new Set([held, profileId]));
    } else {
      if (held.has(profileId)) return false;
      held.add(profileId);
    }
    this.pairs++;
    return true;
  }

  clear(): void {
    this.profilesByUser.clear();
    this.pairs = 0;
  }
}
