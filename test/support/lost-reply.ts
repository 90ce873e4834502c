import type { Command, Redis } from 'ioredis';
import { loadScripts } from '../../src/scripts/script-catalog';

/**
 * Makes `client` lose the reply of an applyBatch call once armed: the script runs in Redis, but
 * the caller sees a connection error (ioredis's command is rejected where it would be resolved
 * with the reply), as when the connection drops between the two. The next reply of applyBatch
 * after arming is lost, by EVALSHA or by the EVAL that follows a NOSCRIPT (a call refused for
 * NOSCRIPT has no reply to lose).
 */
export function loseApplyBatchReply(client: Redis): {
  arm(armed?: boolean): void;
  armed(): boolean;
  /** Replies lost so far: a test can tell that its fault was injected at all. */
  lost(): number;
} {
  const { sha, source } = loadScripts().get('applyBatch')!;
  let armed = false;
  let lost = 0;
  const send = client.sendCommand.bind(client);
  client.sendCommand = (command: Command, ...rest: unknown[]) => {
    const script = command.name === 'evalsha' ? sha : command.name === 'eval' ? source : undefined;
    if (armed && script !== undefined && command.args[0] === script) {
      const resolve = command.resolve;
      command.resolve = (reply) => {
        if (!armed) return resolve(reply);
        armed = false;
        lost++;
        command.reject(new Error('Connection lost'));
      };
    }
    return send(command, ...(rest as []));
  };
  return {
    arm: (value = true) => {
      armed = value;
    },
    armed: () => armed,
    lost: () => lost,
  };
}
