import type { Command, Redis } from 'ioredis';
import { loadScripts } from '../../src/scripts/script-catalog';

/**
 * Makes `client` lose the reply of an applyBatch call once armed: the script runs in Redis, but
 * the caller sees a connection error (ioredis's command is rejected where it would be resolved
 * with the reply), as when the connection drops between the two. The next reply of applyBatch
 * after arming is lost: of its FCALL, or of the FCALL that follows the library's loading (a call
 * refused for a missing function has no reply to lose).
 */
export function loseApplyBatchReply(client: Redis): {
  arm(armed?: boolean): void;
  armed(): boolean;
  /** Replies lost so far: a test can tell that its fault was injected at all. */
  lost(): number;
} {
  const library = loadScripts().get('applyBatch')!.library!.name;
  let armed = false;
  let lost = 0;
  const send = client.sendCommand.bind(client);
  client.sendCommand = (command: Command, ...rest: unknown[]) => {
    if (armed && command.name === 'fcall' && command.args[0] === library) {
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
