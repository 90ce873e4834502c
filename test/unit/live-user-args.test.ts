import { Keys } from '../../src/keys';
import { leavingUserArgs, signedLiveUserArgs } from '../../src/scripts/live-user-args';

/** Two user ids whose live users hashes are the same key, and one whose hash differs. */
function usersSharingAHash(keys: Keys): { a: string; b: string; other: string } {
  const seen = new Map<string, string>();
  let shared: { a: string; b: string } | undefined;
  for (let i = 0; !shared; i++) {
    const userId = `user-${i}`;
    const first = seen.get(keys.liveUsersOf(userId));
    if (first) shared = { a: first, b: userId };
    else seen.set(keys.liveUsersOf(userId), userId);
  }
  let other = 'other-0';
  for (let i = 1; keys.liveUsersOf(other) === keys.liveUsersOf(shared.a); i++) other = `other-${i}`;
  return { ...shared, other };
}

describe('live user arguments', () => {
  const keys = new Keys('args');

  it("applyBatch's: two per change, the hash's KEYS index signed by the change, each hash once", () => {
    const { a, b, other } = usersSharingAHash(keys);
    const scriptKeys = ['k1', 'k2'];
    const args = signedLiveUserArgs(keys, scriptKeys, [
      [a, 1],
      [other, 1],
      [b, -1],
      [a, -1],
    ]);
    // KEYS are 1-based: the first hash appended after two keys is KEYS[3].
    expect(scriptKeys).toEqual(['k1', 'k2', keys.liveUsersOf(a), keys.liveUsersOf(other)]);
    expect(args).toEqual([3, a, 4, other, -3, b, -3, a]);
  });

  it("refuses a change other than one session in or out, which applyBatch's layout cannot carry", () => {
    const scriptKeys: string[] = [];
    expect(() => signedLiveUserArgs(keys, scriptKeys, [['alice', 2]])).toThrow(/not 2/);
    expect(() => signedLiveUserArgs(keys, scriptKeys, [['alice', 0]])).toThrow(/not 0/);
  });

  it("closeSessions': two for a user leaving with one session, three with several", () => {
    const { a, b, other } = usersSharingAHash(keys);
    const scriptKeys = ['k1'];
    const sessionsByUser = new Map([
      [a, 3],
      [other, 1],
      [b, 1],
    ]);
    expect(leavingUserArgs(keys, scriptKeys, sessionsByUser)).toEqual([-2, a, 3, 3, other, 2, b]);
    expect(scriptKeys).toEqual(['k1', keys.liveUsersOf(a), keys.liveUsersOf(other)]);
    for (const bad of [0, -1, 1.5]) {
      expect(() => leavingUserArgs(keys, [], [['alice', bad]])).toThrow(`not ${bad}`);
    }
  });
});
