import type { Command, Redis } from 'ioredis';
import { loadScripts } from '../../src/scripts/script-catalog';

/**
 * Makes `client` lose the reply of an applyBatch call once armed: the script runs in Redis, but
 * the caller sees a connection error (ioredis's command is rejected where it would be resolved
 * with the reply), as when the connection drops between the two.
 */
export function loseApplyBatchReply(client: Redis): {
  arm(armed?: boolean): void;
  armed(): boolean;
  /** Replies lost so far: a test can tell that its fault was injected at all. */
  lost(): number;
} {
  const sha = loadScripts().get('applyBatch')!.sha;
  let armed = false;
  let lost = 0;
  const send = client.sendCommand.bind(client);
  client.sendCommand = (command: Command, ...rest: unknown[]) => {
    if (armed && command.name === 'evalsha' && command.args[0] === sha) {
      armed = false;
      command.resolve = () => {
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
