import type { Keys } from '../keys';
import type { ScriptArg } from './script-runner';

/**
 * The user changes of a script call, three arguments each: the index in KEYS of the user's live
 * users hash (appended to `scriptKeys` the first time the call needs it, so a Cluster sees every
 * key), the user id, and the change of its live sessions. Used by applyBatch and closeSessions.
 */
export function liveUserArgs(
  keys: Keys,
  scriptKeys: string[],
  changes: Iterable<readonly [string, number]>,
): ScriptArg[] {
  const args: ScriptArg[] = [];
  const keyIndex = new Map<string, number>();
  for (const [userId, delta] of changes) {
    const key = keys.liveUsersOf(userId);
    let index = keyIndex.get(key);
    if (index === undefined) {
      scriptKeys.push(key);
      index = scriptKeys.length;
      keyIndex.set(key, index);
    }
    args.push(index, userId, delta);
  }
  return args;
}
