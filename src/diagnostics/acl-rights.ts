import type { Redis } from 'ioredis';
import type { Keys } from '../keys';
import { scriptCatalog } from '../scripts/script-catalog';
import type { DoctorCheck } from './doctor-check';

/**
 * The doctor's ACL check: may the connected user run, on the namespace's keys, every command the
 * library sends (its own and those inside its scripts, read from lua/ so the list cannot drift)?
 * A user refused any write is checked as a read-only user (SauReader, sau-cli).
 */

/**
 * Commands the reader's client sends itself (SauReader, the CLI, the doctor's lease check), besides
 * the commands inside its scripts, which are read from lua/ so this list cannot drift. INFO is
 * ioredis' ready check on every connect.
 */
const READER_CLIENT_COMMANDS = [
  'EVALSHA',
  'EVAL',
  'INFO',
  'PING',
  'TIME',
  'HGETALL',
  'HGET',
  'HMGET',
  'ZRANGE',
  'ZCARD',
  'SCARD',
  'PFCOUNT',
  'XRANGE',
  'EXISTS',
];

/**
 * What the monitor's client sends besides scripts: the resync's ZSCAN of its sessions, and a
 * close's or a reap's ZRANGE of the sessions it closes next and HGETALL of the reaping hash.
 */
const MONITOR_CLIENT_COMMANDS = ['ZSCAN', 'ZRANGE', 'HGETALL'];

/**
 * How the monitor runs applyBatch, a Redis Function (src/scripts/script-catalog.ts): FCALL, and
 * FUNCTION LOAD of its library where Redis lacks it.
 */
const MONITOR_FUNCTION_COMMANDS = ['FCALL', 'FUNCTION|LOAD'];

/** The scripts a read-only user runs (SauReader, `sau-cli reap --dry-run`, this doctor). */
export const READER_SCRIPTS = ['readStats', 'readSessions', 'expiredLeases'];

/**
 * The write every monitor needs (each script that changes state writes a hash). A user refused it
 * is taken as a read-only user, such as redis.conf.example's sau-reader, and checked as a reader.
 */
const WRITE_PROBE = 'HSET';

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
  SMISMEMBER: 1,
  SET: 1,
  XADD: 3,
  XTRIM: 2,
  XRANGE: 2,
  ZADD: 2,
  ZCOUNT: 2,
  ZRANGE: 2,
  ZREM: 1,
  ZREMRANGEBYRANK: 2,
  ZSCORE: 1,
  ZMSCORE: 1,
  ZSCAN: 1,
};

/**
 * The commands called in `scripts` (all of lua/ when undefined), read from their bundled sources,
 * includes resolved. test/integration/acl-user-rights.test.ts checks redis.conf.example's users with it.
 */
export function commandsCalledByScripts(scripts?: readonly string[]): string[] {
  const commands = new Set<string>();
  for (const script of scriptCatalog().values()) {
    if (scripts && !scripts.includes(script.name)) continue;
    for (const match of script.source.matchAll(/(?:rcall|redis\.call)\('([A-Z]+)'/g)) {
      commands.add(match[1]);
    }
  }
  return [...commands];
}

/** `command` as ACL DRYRUN arguments on `key`, with as many arguments as a valid call needs. */
export function dryRunArguments(command: string, key: string): string[] {
  if (command === 'EVALSHA') return [command, '0'.repeat(40), '1', key];
  if (command === 'EVAL') return [command, 'return 1', '1', key];
  if (command === 'FCALL') return [command, 'sau_dry_run', '1', key];
  if (command === 'FUNCTION|LOAD') {
    return [
      'FUNCTION',
      'LOAD',
      "#!lua name=sau_dry_run\nredis.register_function('sau_dry_run', function() end)",
    ];
  }
  if (command === 'TIME' || command === 'PING' || command === 'INFO') return [command];
  return [command, key, ...Array<string>(EXTRA_ARGS[command] ?? 0).fill('0')];
}

export async function checkRights(client: Redis, keys: Keys): Promise<DoctorCheck> {
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
  const readerNeeds = new Set([
    ...READER_CLIENT_COMMANDS,
    ...commandsCalledByScripts(READER_SCRIPTS),
  ]);
  const all = [
    ...new Set([
      ...readerNeeds,
      ...MONITOR_CLIENT_COMMANDS,
      ...MONITOR_FUNCTION_COMMANDS,
      ...commandsCalledByScripts(),
      WRITE_PROBE,
    ]),
  ];
  const denied = new Set<string>();
  const unchecked: string[] = [];
  for (const command of all) {
    try {
      const reply = String(
        await client.call('ACL', 'DRYRUN', user, ...dryRunArguments(command, key)),
      );
      if (reply !== 'OK') denied.add(command);
    } catch (err) {
      const message = (err as Error).message;
      if (/NOPERM|unknown subcommand|unknown command/i.test(message)) {
        return {
          name,
          status: 'warn',
          detail: `cannot check user ${user}: ACL DRYRUN refused (${message})`,
        };
      }
      unchecked.push(command);
    }
  }
  const readOnly = denied.has(WRITE_PROBE);
  const needed = readOnly ? all.filter((c) => readerNeeds.has(c)) : all;
  const missing = needed.filter((c) => denied.has(c)).sort();
  if (missing.length > 0) {
    return {
      name,
      status: 'fail',
      detail: readOnly
        ? `user ${user} may not write, nor run ${missing.join(', ')} on ${key}, which the reader needs`
        : `user ${user} may not run ${missing.join(', ')} on ${key}`,
    };
  }
  const checked = needed.filter((c) => !unchecked.includes(c));
  if (unchecked.length > 0) {
    return {
      name,
      status: 'warn',
      detail: `user ${user}: ${checked.length} commands allowed, could not check ${unchecked.join(', ')}`,
    };
  }
  if (readOnly) {
    return {
      name,
      status: 'ok',
      detail: `user ${user} is read-only: may run all ${needed.length} commands the reader and sau-cli need on ${keys.prefix}* (not monitors, \`reap\` or \`import\`)`,
    };
  }
  return {
    name,
    status: 'ok',
    detail: `user ${user} may run all ${needed.length} commands the library needs on ${keys.prefix}*`,
  };
}
