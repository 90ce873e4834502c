import { Cluster, type Redis } from 'ioredis';
import { Keys } from '../keys';
import { mastersOf } from '../redis/masters';
import type { RedisClient } from '../redis/redis-client';
import { SauReader } from '../reader/sau-reader';
import { checkNamespaceAndZone } from './namespace-checks';
import { checkRights } from './acl-rights';
import { checkFunctionLibraries } from './function-libraries';
import type { CheckStatus, DoctorCheck } from './doctor-check';

export type { CheckStatus, DoctorCheck } from './doctor-check';

export interface DoctorReport {
  checks: DoctorCheck[];
  /** False when any check failed; warnings leave it true. */
  ok: boolean;
}

export interface DoctorOptions {
  /**
   * A connected client; the doctor only reads (INFO, CONFIG GET, ACL, FUNCTION LIST, TIME, the
   * lease keys). On a Cluster, INFO, CONFIG, ACL and FUNCTION LIST go to every master.
   */
  redis: RedisClient;
  namespace?: string;
  timezone?: string;
}

/**
 * Oldest Redis the library runs on: Redis Functions (applyBatch), ACL DRYRUN (the rights check),
 * and the version the project is tested on.
 */
const MIN_VERSION = [7, 0];
const CLOCK_WARN_MS = 1000;
/** A sampler takes over within three default intervals of 10 s; older gauges mean nobody samples. */
const GAUGES_STALE_MS = 40_000;

/**
 * Checks the Redis a namespace lives in: version, persistence, eviction policy, the connected
 * user's rights on the namespace's keys, the function libraries of other versions, dead instances,
 * gauge freshness, clock offset. Reads only.
 */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const client = options.redis;
  const keys = new Keys(options.namespace ?? 'default');
  const nodes = await dataNodes(client);
  const checks: DoctorCheck[] = [];
  checks.push(await onEveryNode(nodes, checkVersion));
  checks.push(await onEveryNode(nodes, checkPersistence));
  checks.push(await onEveryNode(nodes, checkEviction));
  checks.push(await onEveryNode(nodes, (node) => checkRights(node, keys)));
  checks.push(await onEveryNode(nodes, checkFunctionLibraries));
  const reader = new SauReader({
    redis: client,
    namespace: options.namespace,
    timezone: options.timezone,
  });
  checks.push(...(await checkNamespaceAndZone(reader)));
  checks.push(await checkLeases(reader));
  checks.push(await checkGauges(reader));
  checks.push(await checkClock(client));
  return { checks, ok: checks.every((c) => c.status !== 'fail') };
}

/** A server the node-level checks (INFO, CONFIG, ACL) look at; `label` is set on a Cluster. */
interface DataNode {
  client: Redis;
  label?: string;
}

/**
 * Every master of a Cluster (INFO, CONFIG and ACL are per server, and a Cluster would send them
 * to any one node), else the one server.
 */
async function dataNodes(client: RedisClient): Promise<DataNode[]> {
  if (!(client instanceof Cluster)) return [{ client }];
  return (await mastersOf(client))
    .map((node) => ({ client: node, label: `${node.options.host}:${node.options.port}` }))
    .sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
}

const SEVERITY: Record<CheckStatus, number> = { ok: 0, warn: 1, fail: 2 };

/**
 * Runs a check on each node and merges the results into one row: the worst status, and one
 * detail when every node says the same, else each node's own (the worst first).
 */
async function onEveryNode(
  nodes: DataNode[],
  check: (client: Redis) => Promise<DoctorCheck>,
): Promise<DoctorCheck> {
  const results = await Promise.all(
    nodes.map(async (node) => ({ node, result: await check(node.client) })),
  );
  if (results.length === 1) return results[0].result;
  const status = results
    .map((r) => r.result.status)
    .reduce((a, b) => (SEVERITY[b] > SEVERITY[a] ? b : a), 'ok');
  const details = new Set(results.map((r) => r.result.detail));
  const detail =
    details.size === 1
      ? `all ${results.length} masters: ${results[0].result.detail}`
      : [...results]
          .sort((a, b) => SEVERITY[b.result.status] - SEVERITY[a.result.status])
          .map((r) => `${r.node.label}: ${r.result.detail}`)
          .join('; ');
  return { name: results[0].result.name, status, detail };
}

async function info(client: Redis, section: string): Promise<Map<string, string>> {
  const text = await client.info(section);
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) fields.set(line.slice(0, at), line.slice(at + 1));
  }
  return fields;
}

async function configGet(client: Redis, name: string): Promise<string | undefined> {
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

async function checkVersion(client: Redis): Promise<DoctorCheck> {
  const name = 'redis version';
  const text = (await info(client, 'server')).get('redis_version') ?? '';
  const version = text.split('.').map(Number);
  if (!atLeast(version, MIN_VERSION)) {
    return {
      name,
      status: 'fail',
      detail: `${text}: the monitor needs Redis 7.0 or later (applyBatch is a Redis Function)`,
    };
  }
  return { name, status: 'ok', detail: text };
}

async function checkPersistence(client: Redis): Promise<DoctorCheck> {
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

async function checkEviction(client: Redis): Promise<DoctorCheck> {
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

async function checkLeases(reader: SauReader): Promise<DoctorCheck> {
  const name = 'instances';
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

/** Whether Grafana and `sau-cli metrics` see current numbers: how old the last gauge sample is. */
async function checkGauges(reader: SauReader): Promise<DoctorCheck> {
  const name = 'gauges';
  const [gauges, stats] = await Promise.all([reader.gauges(), reader.stats()]);
  const instances = stats.now.instances;
  const running = `${instances} instance${instances === 1 ? '' : 's'} hold${instances === 1 ? 's' : ''} a lease`;
  if (!gauges) {
    if (instances === 0)
      return { name, status: 'ok', detail: 'no monitor has sampled yet, and none runs' };
    return {
      name,
      status: 'warn',
      detail: `${running} but none has sampled the gauges: is gaugeIntervalMs 0 on all of them? Grafana and \`sau-cli metrics\` read the gauges`,
    };
  }
  const ageMs = Date.parse(stats.at) - gauges.updatedAt;
  const age = `last sample ${Math.round(ageMs / 1000)} s ago`;
  if (ageMs <= GAUGES_STALE_MS)
    return { name, status: 'ok', detail: `${age} (SAU ${gauges.users})` };
  return {
    name,
    status: 'warn',
    detail:
      instances > 0
        ? `${age} though ${running}: none samples (gaugeIntervalMs 0?); Grafana and Prometheus show old numbers`
        : `${age} and no instance runs: Grafana and Prometheus show the numbers of then`,
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
