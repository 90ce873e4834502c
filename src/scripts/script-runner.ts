import type { Redis } from 'ioredis';
import { mastersOf } from '../redis/masters';
import type { RedisClient } from '../redis/redis-client';
import { scriptCatalog, type LuaLibrary, type LuaScript } from './script-catalog';
import { ScriptCommand, type ScriptArg } from './script-command';

export type { ScriptArg };

/** Most times one call loads a function's library before it gives up (see call()). */
const LOADS_PER_CALL = 5;

/**
 * Runs the scripts of lua/: most by SHA, falling back to EVAL when Redis answers NOSCRIPT (after a
 * restart, a SCRIPT FLUSH, or on a Cluster node that has not seen the script yet); those the
 * catalog makes Redis Functions by FCALL, loading their library where Redis lacks it. Not used
 * inside MULTI: scripts are atomic already, and a missing script there could not be retried.
 */
export class ScriptRunner {
  private readonly scripts: Map<string, LuaScript>;
  /** Library loads under way, by library name, shared by the calls that find it missing meanwhile. */
  private readonly loading = new Map<string, Promise<void>>();

  constructor(private readonly redis: RedisClient) {
    this.scripts = scriptCatalog();
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
    if (script.library) return this.call(script.library, keys, args);
    try {
      return await this.send('evalsha', script.sha, keys, args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return this.send('eval', script.source, keys, args);
    }
  }

  /**
   * Loads the library of function script `name` where Redis lacks it (nothing to do for a script
   * run by EVALSHA). A monitor does so as it starts, so that a Redis without Functions (before
   * 7.0), or a user who may not load one, fails its start rather than every batch after it.
   */
  async prepare(name: string): Promise<void> {
    const library = this.scripts.get(name)?.library;
    if (!library) return;
    try {
      await this.load(library);
    } catch (err) {
      if (!(err instanceof Error) || !/unknown command .?FUNCTION/i.test(err.message)) throw err;
      throw new Error(
        `${name} runs as a Redis Function, which this server lacks: it needs Redis 7.0 or later (${err.message})`,
      );
    }
  }

  /**
   * FCALL, loading the library again each time Redis answers that the function is missing: it may
   * be gone again by the time the call is sent after a load (another FUNCTION FLUSH, a restart).
   * A few times only; past them the caller sees the error and tries later.
   */
  private async call(library: LuaLibrary, keys: string[], args: ScriptArg[]): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.send('fcall', library.name, keys, args);
      } catch (err) {
        const missing = err instanceof Error && /^ERR Function not found/.test(err.message);
        if (!missing || attempt === LOADS_PER_CALL + 1) throw err;
        await this.load(library);
      }
    }
  }

  /**
   * Loads the library on the server, or on every master of a Cluster (a function is not a key: no
   * node holds it for the others). A copy loaded there meanwhile, by another writer, is as good.
   */
  private load(library: LuaLibrary): Promise<void> {
    let loading = this.loading.get(library.name);
    if (!loading) {
      loading = mastersOf(this.redis)
        .then((nodes) => Promise.all(nodes.map((node) => loadLibrary(node, library))))
        .then(() => undefined)
        .finally(() => this.loading.delete(library.name));
      this.loading.set(library.name, loading);
    }
    return loading;
  }

  private send(
    name: 'evalsha' | 'eval' | 'fcall',
    script: string,
    keys: string[],
    args: ScriptArg[],
  ): Promise<unknown> {
    const command = new ScriptCommand(name, script, keys, args, this.redis.options.keyPrefix);
    void this.redis.sendCommand(command);
    return command.promise;
  }
}

/** FUNCTION LOAD of `library` on `node`, where a copy loaded already (by any writer) is as good. */
export async function loadLibrary(node: Redis, library: LuaLibrary): Promise<void> {
  try {
    await node.call('FUNCTION', 'LOAD', library.code);
  } catch (err) {
    if (!(err instanceof Error) || !/^ERR Library '[^']+' already exists/.test(err.message))
      throw err;
  }
}
