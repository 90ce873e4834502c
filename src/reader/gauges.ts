import type { Keys } from '../keys';
import type { RedisClient } from '../redis/redis-client';

/**
 * Fields of the gauges hash and of every timeline entry, in the order lua/sampleGauges writes them.
 * All are numbers, so that Grafana's Redis data source reads the hash as one row of numbers.
 */
export const GAUGE_FIELDS = [
  'users',
  'sessions',
  'anonymousSessions',
  'instances',
  'dau',
  'wau',
  'mau',
  'rolling30',
  'peakUsersToday',
  'stickiness',
  'updatedAt',
] as const;

export type GaugeField = (typeof GAUGE_FIELDS)[number];

/**
 * One sample of a namespace's numbers, as the sampling monitor last wrote it: live SAU (`users`),
 * sessions, anonymous sessions and instances; distinct users of today (`dau`), the 7 days ending
 * today (`wau`), the calendar month (`mau`) and the 30 days ending today (`rolling30`); today's
 * peak SAU; `stickiness` = dau / mau (0 to 1, 4 decimals); `updatedAt` = Redis time of the sample
 * in ms since the epoch.
 */
export type Gauges = Record<GaugeField, number>;

/** The gauges hash of `keys`' namespace in one HGETALL, or null when nothing has sampled it yet. */
export async function readGauges(client: RedisClient, keys: Keys): Promise<Gauges | null> {
  const raw = await client.hgetall(keys.gauges());
  return parseGauges(raw);
}

/** Numbers of a gauges hash or timeline entry; null when it has no `updatedAt` (never sampled). */
export function parseGauges(raw: Record<string, string>): Gauges | null {
  if (raw.updatedAt === undefined) return null;
  const gauges = {} as Gauges;
  for (const field of GAUGE_FIELDS) gauges[field] = Number(raw[field] ?? 0);
  return gauges;
}
