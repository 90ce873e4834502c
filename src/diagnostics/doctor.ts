import { Keys } from '../keys';
import type { RedisClient } from '../redis/redis-client';
import { SauReader } from '../reader/sau-reader';
import { loadScripts } from '../scripts/script-catalog';

/** ok: nothing to do; warn: works, but look at it; fail: sau-monitor cannot count correctly. */
export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface DoctorCheck {
  name: string;
  status: CheckStatus;
  detail: string;
}

export interface DoctorReport {
  checks: DoctorCheck[];
  /** False when any check failed; warnings leave it true. */
  ok: boolean;
}

export interface DoctorOptions {
  /** A connected client; the doctor only reads (INFO, CONFIG GET, ACL, TIME, the lease keys). */
  redis: RedisClient;
  namespace?: string;
  timezone?: string;
}

/** Oldest Redis the scripts run on (XTRIM MINID, exclusive XRANGE bounds). */
const MIN_VERSION = [6, 2];
/** Redis 7.0 and later: ACL DRYRUN, and the version the project is tested on. */
const GOOD_VERSION = [7, 0];
const CLOCK_WARN_MS = 1000;

/**
 * Commands the library's own client sends (the reader, the monitor's resync, the script runner),
 * besides the commands inside its scripts, which are read from lua/ so this list cannot drift.
 */
const CLIENT_COMMANDS = [
  'EVALSHA',
  'EVAL',
  'SCRIPT|LOAD',
  'HGETALL',
  'HGET',
  'HMGET',
  'ZRANGE',
  'ZSCAN',
  'XRANGE',
  'PFCOUNT',
  'SCARD',
  'TIME',
  'PING',
];

/** Arguments after the key that make a valid call of each command, for ACL DRYRUN. */
const EXTRA_ARGS: Record<string, number> = {
  EXPIREAT: 1,
  PEXPIRE: 1,
  HDEL: 1,
  HEXISTS: 1,
  HGET: 1,
  HMGET: 1,
  HINCRBY: 2,
  HSET: 2,
  HSETNX: 2,
  SADD: 1,
  XADD: 3,
  XTRIM: 2,
  XRANGE: 2,
  ZADD: 2,
  ZCOUNT: 2,
  ZRANGE: 2,
  ZRANGEBYLEX: 2,
  ZREM: 1,
  ZSCORE: 1,
  ZSCAN: 1,
};

/**
 * Checks the Redis a namespace lives in: version, persistence, eviction policy, the connected
 * user's rights on the namespace's keys, dead instances, clock offset. Reads only.
 */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const client = options.redis;
  const keys = new Keys(options.namespace ?? 'default');
  const checks: DoctorCheck[] = [];
  checks.push(await checkVersion(client));
  checks.push(await checkPersistence(client));
  checks.push(await checkEviction(client));
  checks.push(await checkRights(client, keys));
  checks.push(await checkLeases(client, options));
  checks.push(await checkClock(client));
  return { checks, ok: checks.every((c) => c.status !== 'fail') };
}

async function info(client: RedisClient, section: string): Promise<Map<string, string>> {
  const text = await client.info(section);
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) fields.set(line.slice(0, at), line.slice(at + 1));
  }
  return fields;
}

async function configGet(client: RedisClient, name: string): Promise<string | undefined> {
  try {
    const reply = (await client.config('GET', name)) as string[];
    return reply[1];
  } catch {
    // Refused by an ACL or renamed away (managed Redis services often do).
    return undefined;
  }
}

function atLeast(version: number[], wanted: number[]): boolean {
  for (let i = 0; i < wanted.length; i++) {
    if ((version[i] ?? 0) !== wanted[i]) return (version[i] ?? 0) > wanted[i];
  }
  return true;
}

async function checkVersion(client: RedisClient): Promise<DoctorCheck> {
  const name = 'redis version';
  const text = (await info(client, 'server')).get('redis_version') ?? '';
  const version = text.split('.').map(Number);
  if (!atLeast(version, MIN_VERSION)) {
    return { name, status: 'fail', detail: `${text}: the scripts need Redis 6.2 or later` };
  }
  if (!atLeast(version, GOOD_VERSION)) {
    return {
      name,
      status: 'warn',
      detail: `${text}: works, but 7.0 or later is recommended (and needed for the rights check)`,
    };
  }
  return { name, status: 'ok', detail: text };
}

async function checkPersistence(client: RedisClient): Promise<DoctorCheck> {
  const name = 'persistence';
  const aof = (await info(client, 'persistence')).get('aof_enabled') === '1';
  const save = await configGet(client, 'save');
  const rdb = save !== undefined && save.trim() !== '';
  const parts = [aof ? 'AOF on' : 'AOF off'];
  if (save === undefined) parts.push('RDB schedule unknown (CONFIG not permitted)');
  else parts.push(rdb ? `RDB save "${save}"` : 'RDB snapshots off');
  if (aof || rdb) return { name, status: 'ok', detail: parts.join(', ') };
  return {
    name,
    status: 'warn',
    detail: `${parts.join(', ')}: a Redis restart loses the live state and all history`,
  };
}

async function checkEviction(client: RedisClient): Promise<DoctorCheck> {
  const name = 'maxmemory-policy';
  const memory = await info(client, 'memory');
  const policy = memory.get('maxmemory_policy') ?? (await configGet(client, 'maxmemory-policy'));
  if (policy === undefined) {
    return { name, status: 'warn', detail: 'unknown (CONFIG not permitted)' };
  }
  const limit = Number(memory.get('maxmemory') ?? '0');
  const limitText = limit > 0 ? `maxmemory ${limit} bytes` : 'no maxmemory set yet';
  if (policy === 'noeviction') return { name, status: 'ok', detail: `${policy} (${limitText})` };
  if (policy.startsWith('volatile-')) {
    return {
      name,
      status: 'warn',
      detail: `${policy} (${limitText}): under memory pressure Redis evicts history keys (they have a TTL) and DAU/MAU lose days; use noeviction`,
    };
  }
  return {
    name,
    status: 'fail',
    detail: `${policy} (${limitText}): under memory pressure Redis may evict live-state keys (no TTL) and SAU goes wrong; use noeviction`,
  };
}

/** The commands the library needs, each as ACL DRYRUN arguments on a key of the namespace. */
function neededCalls(key: string): string[][] {
  const scriptCommands = new Set<string>();
  for (const script of loadScripts().values()) {
    for (const match of script.source.matchAll(/(?:rcall|redis\.call)\('([A-Z]+)'/g)) {
      scriptCommands.add(match[1]);
    }
  }
  const calls: string[][] = [];
  for (const command of [...new Set([...CLIENT_COMMANDS, ...scriptCommands])]) {
    if (command === 'EVALSHA') calls.push([command, '0'.repeat(40), '1', key]);
    else if (command === 'EVAL') calls.push([command, 'return 1', '1', key]);
    else if (command === 'SCRIPT|LOAD') calls.push(['SCRIPT', 'LOAD', 'return 1']);
    else if (command === 'TIME' || command === 'PING') calls.push([command]);
    else calls.push([command, key, ...Array<string>(EXTRA_ARGS[command] ?? 0).fill('0')]);
  }
  return calls;
}

async function checkRights(client: RedisClient, keys: Keys): Promise<DoctorCheck> {
  const name = 'acl rights';
  let user: string;
  try {
    user = String(await client.call('ACL', 'WHOAMI'));
  } catch (err) {
    return {
      name,
      status: 'warn',
      detail: `cannot check: ACL WHOAMI refused (${(err as Error).message})`,
    };
  }
  const key = `${keys.prefix}x`;
  const denied: string[] = [];
  const unchecked: string[] = [];
  const calls = neededCalls(key);
  for (const call of calls) {
    const label = call[0] === 'SCRIPT' ? 'SCRIPT LOAD' : call[0];
    try {
      const reply = String(await client.call('ACL', 'DRYRUN', user, ...call));
      if (reply !== 'OK') denied.push(label);
    } catch (err) {
      const message = (err as Error).message;
      if (/NOPERM|unknown subcommand|unknown command/i.test(message)) {
        return {
          name,
          status: 'warn',
          detail: `cannot check user ${user}: ACL DRYRUN refused (${message})`,
        };
      }
      unchecked.push(label);
    }
  }
  if (denied.length > 0) {
    return {
      name,
      status: 'fail',
      detail: `user ${user} may not run ${denied.sort().join(', ')} on ${key}`,
    };
  }
  if (unchecked.length > 0) {
    return {
      name,
      status: 'warn',
      detail: `user ${user}: ${calls.length - unchecked.length} commands allowed, could not check ${unchecked.join(', ')}`,
    };
  }
  return {
    name,
    status: 'ok',
    detail: `user ${user} may run all ${calls.length} commands the library needs on ${keys.prefix}*`,
  };
}

async function checkLeases(client: RedisClient, options: DoctorOptions): Promise<DoctorCheck> {
  const name = 'instances';
  const reader = new SauReader({
    redis: client,
    namespace: options.namespace,
    timezone: options.timezone,
  });
  const { lapsed, reaping } = await reader.deadInstances();
  if (lapsed.length === 0 && reaping.length === 0) {
    return { name, status: 'ok', detail: 'no lapsed lease, nothing being reaped' };
  }
  const parts: string[] = [];
  if (lapsed.length > 0) parts.push(`lease lapsed: ${lapsed.join(', ')}`);
  if (reaping.length > 0) {
    parts.push(`being reaped: ${reaping.map((r) => r.instanceId).join(', ')}`);
  }
  return {
    name,
    status: 'warn',
    detail: `${parts.join('; ')}; their sessions still count until a live monitor or \`sau-cli reap\` closes them`,
  };
}

async function checkClock(client: RedisClient): Promise<DoctorCheck> {
  const name = 'clock offset';
  const before = Date.now();
  const [seconds, micros] = await client.time();
  const after = Date.now();
  const redisMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  const offset = Math.round(redisMs - (before + after) / 2);
  const text = `this machine is ${Math.abs(offset)} ms ${offset > 0 ? 'behind' : 'ahead of'} Redis TIME`;
  if (Math.abs(offset) <= CLOCK_WARN_MS) return { name, status: 'ok', detail: text };
  return {
    name,
    status: 'warn',
    detail: `${text}: counts are unaffected (every timestamp comes from Redis TIME), but local guesses of the day near midnight cost a retry; sync this machine's clock (NTP)`,
  };
}
