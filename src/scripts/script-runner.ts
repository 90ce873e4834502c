import type { RedisClient } from '../redis/redis-client';
import { loadScripts, type LuaScript } from './script-catalog';
import { ScriptCommand, type ScriptArg } from './script-command';

export type { ScriptArg };

let catalog: Map<string, LuaScript> | undefined;

/**
 * Runs the scripts of lua/ by SHA, falling back to EVAL when Redis answers NOSCRIPT (after a
 * restart, a SCRIPT FLUSH, or on a Cluster node that has not seen the script yet). Not used inside
 * MULTI: scripts are atomic already, and a NOSCRIPT there could not be retried.
 */
export class ScriptRunner {
  private readonly scripts: Map<string, LuaScript>;

  constructor(private readonly redis: RedisClient) {
    catalog ??= loadScripts();
    this.scripts = catalog;
  }

  /** The connection the scripts run on, for the plain reads a script's caller makes first. */
  get client(): RedisClient {
    return this.redis;
  }

  /** Runs `name` with the number of KEYS its file name declares (at least that many for `-<n>+`). */
  async run(name: string, keys: string[], args: ScriptArg[]): Promise<unknown> {
    const script = this.scripts.get(name);
    if (!script) throw new Error(`no Lua script named ${name} in lua/`);
    if (script.moreKeys ? keys.length < script.numberOfKeys : keys.length !== script.numberOfKeys) {
      const takes = `${script.numberOfKeys}${script.moreKeys ? ' or more' : ''}`;
      throw new Error(`${name} takes ${takes} keys, got ${keys.length}`);
    }
    try {
      return await this.send('evalsha', script.sha, keys, args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return this.send('eval', script.source, keys, args);
    }
  }

  private send(
    name: 'evalsha' | 'eval',
    script: string,
    keys: string[],
    args: ScriptArg[],
  ): Promise<unknown> {
    const command = new ScriptCommand(name, script, keys, args, this.redis.options.keyPrefix);
    void this.redis.sendCommand(command);
    return command.promise;
  }
}
