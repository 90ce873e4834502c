import type { Keys } from '../keys';
import type { ScriptArg } from './script-runner';

/**
 * The index in KEYS of each user's live users hash, appended to `scriptKeys` the first time a call
 * needs it, so that a Cluster sees every key the script touches.
 */
function liveUsersKeyIndex(keys: Keys, scriptKeys: string[]): (userId: string) => number {
  const keyIndex = new Map<string, number>();
  return (userId) => {
    const key = keys.liveUsersOf(userId);
    let index = keyIndex.get(key);
    if (index === undefined) {
      scriptKeys.push(key);
      index = scriptKeys.length;
      keyIndex.set(key, index);
    }
    return index;
  };
}

/**
 * applyBatch's user changes, each a session entering (+1) or leaving (-1), two arguments each: the
 * KEYS index of the user's live users hash, negated for a session leaving, and the user id. The
 * sign saves the third argument a batch would pass for most of its events.
 */
export function signedLiveUserArgs(
  keys: Keys,
  scriptKeys: string[],
  changes: Iterable<readonly [string, number]>,
): ScriptArg[] {
  const indexOf = liveUsersKeyIndex(keys, scriptKeys);
  const args: ScriptArg[] = [];
  for (const [userId, delta] of changes) {
    if (delta !== 1 && delta !== -1) {
      throw new Error(`a batch changes a user's live sessions by one at a time, not ${delta}`);
    }
    args.push(delta * indexOf(userId), userId);
  }
  return args;
}

/**
 * closeSessions' users, each leaving with its sessions in the chunk: two arguments for a user that
 * closes one (the KEYS index of its live users hash, and the user id), three for a user that closes
 * several (the index negated, the user id, and how many). A chunk holds one session of most of its
 * users, so most users take two.
 */
export function leavingUserArgs(
  keys: Keys,
  scriptKeys: string[],
  sessionsByUser: Iterable<readonly [string, number]>,
): ScriptArg[] {
  const indexOf = liveUsersKeyIndex(keys, scriptKeys);
  const args: ScriptArg[] = [];
  for (const [userId, sessions] of sessionsByUser) {
    if (sessions === 1) args.push(indexOf(userId), userId);
    else if (Number.isSafeInteger(sessions) && sessions > 1) {
      args.push(-indexOf(userId), userId, sessions);
    } else throw new Error(`a user leaves with one or more sessions, not ${sessions}`);
  }
  return args;
}
