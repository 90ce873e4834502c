import type { Keys } from '../keys';
import type { RedisClient } from '../redis/redis-client';
import { parseReapingField } from '../session/reaping-field';
import { execPipeline } from './redis-reads';

/** `live`: lease unexpired; `lapsed`: expired, not yet claimed; `reaping`: its sessions are being closed. */
export type InstanceState = 'live' | 'lapsed' | 'reaping';

/** One incarnation of an instance, as `SauReader.instances()` reports it. */
export interface InstanceInfo {
  instanceId: string;
  /** null when a lease has no instance hash (it is being claimed right now). */
  incarnation: string | null;
  host: string | null;
  pid: number | null;
  state: InstanceState;
  /** Lease expiry minus Redis time, in ms; negative once lapsed; null while reaping. */
  leaseExpiresInMs: number | null;
  /** Redis time minus the last heartbeat, in ms; null when unknown. */
  heartbeatAgeMs: number | null;
  /** IANA zone its monitor counts days in; null when not recorded (reaping, older versions). */
  timezone: string | null;
  /** When this incarnation registered (Redis time); null when not stored. */
  registeredAt: string | null;
  /** Live sessions it still holds (members of its sessions zset). */
  sessions: number;
}

/** What `SauReader.instances()` and `sau-cli instances --json` return. */
export interface Instances {
  namespace: string;
  /** Redis time of the reading. */
  at: string;
  /** Leases first (soonest expiry first), then incarnations being reaped. */
  instances: InstanceInfo[];
}

/**
 * Every instance of the leases zset and every incarnation of the reaping hash, with its lease,
 * heartbeat age and session count. Three pipelined round trips whatever the number of instances:
 * leases + reaping + TIME, then the instance hashes, then one ZCARD per incarnation.
 */
export async function readInstances(client: RedisClient, keys: Keys): Promise<Instances> {
  const [leases, reaping, time] = await execPipeline(
    client.pipeline().zrange(keys.leases(), 0, -1, 'WITHSCORES').hgetall(keys.reaping()).time(),
  );
  const [seconds, micros] = time as [string, string];
  const nowMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  const leased: { instanceId: string; expiry: number }[] = [];
  const flat = leases as string[];
  for (let i = 0; i < flat.length; i += 2) {
    leased.push({ instanceId: flat[i], expiry: Number(flat[i + 1]) });
  }
  const hashes = leased.length
    ? await execPipeline(
        leased.reduce((p, l) => p.hgetall(keys.instance(l.instanceId)), client.pipeline()),
      )
    : [];
  const instances: InstanceInfo[] = leased.map((l, i) => {
    const hash = hashes[i] as Record<string, string>;
    const heartbeatAt = optionalNumber(hash.heartbeatAt);
    const startedAt = optionalNumber(hash.startedAt);
    return {
      instanceId: l.instanceId,
      incarnation: hash.incarnation ?? null,
      host: hash.host ?? null,
      pid: optionalNumber(hash.pid),
      state: l.expiry > nowMs ? 'live' : 'lapsed',
      leaseExpiresInMs: l.expiry - nowMs,
      heartbeatAgeMs: heartbeatAt === null ? null : nowMs - heartbeatAt,
      timezone: hash.timezone || null,
      registeredAt: startedAt === null ? null : new Date(startedAt).toISOString(),
      sessions: 0,
    };
  });
  const dead = Object.entries(reaping as Record<string, string>)
    .map(([field, heartbeat]) => ({ ...parseReapingField(field), heartbeatMs: Number(heartbeat) }))
    .sort((a, b) => compare(a.instanceId, b.instanceId) || compare(a.incarnation, b.incarnation));
  for (const d of dead) {
    instances.push({
      instanceId: d.instanceId,
      incarnation: d.incarnation,
      host: null,
      pid: null,
      state: 'reaping',
      leaseExpiresInMs: null,
      heartbeatAgeMs: d.heartbeatMs > 0 ? nowMs - d.heartbeatMs : null,
      timezone: null,
      registeredAt: null,
      sessions: 0,
    });
  }
  const counted = instances.filter((i) => i.incarnation !== null);
  if (counted.length > 0) {
    const counts = await execPipeline(
      counted.reduce(
        (p, i) => p.zcard(keys.instanceSessions(i.instanceId, i.incarnation as string)),
        client.pipeline(),
      ),
    );
    counted.forEach((i, n) => (i.sessions = Number(counts[n])));
  }
  return { namespace: keys.namespace, at: new Date(nowMs).toISOString(), instances };
}

function optionalNumber(text: string | undefined): number | null {
  if (text === undefined) return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
