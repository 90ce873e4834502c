import type { Keys } from '../keys';
import { mastersOf } from '../redis/masters';
import type { RedisClient } from '../redis/redis-client';
import { readInstances } from './instances';

/**
 * Months looked at for history: two years back covers any retention the monitors are likely to
 * use (400 days by default), and one month ahead covers a zone ahead of this machine's clock.
 */
const MONTHS_BACK = 25;
/** SCAN calls (COUNT below) per node when listing namespaces: a bound on a shared, large Redis. */
const MAX_SCAN_CALLS = 100;
const SCAN_COUNT = 1000;

/** Whether a namespace has data and is read in its monitors' zone (`SauReader.checkNamespace()`). */
export interface NamespaceCheck {
  namespace: string;
  /**
   * False when none of the keys a namespace with data has exists: live state or leases, the
   * gauges, timeline or closed-session log, the window cache, or a month of history (imports
   * included) in the last two years. A typo in a namespace reads zeros that look real.
   */
  hasData: boolean;
  /**
   * When `hasData` is false: the namespaces this Redis holds (sorted), found with a bounded SCAN
   * (`complete` false when it stopped before seeing every key).
   */
  otherNamespaces?: { namespaces: string[]; complete: boolean };
  /** The reader's zone, and the zones the namespace's live monitors record their days in. */
  timezone: string;
  monitorTimezones: string[];
}

/** Checks a namespace (see NamespaceCheck). Two round trips, plus the SCAN when it has no data. */
export async function checkNamespace(
  client: RedisClient,
  keys: Keys,
  timezone: string,
): Promise<NamespaceCheck> {
  const [hasData, instances] = await Promise.all([
    namespaceHasData(client, keys),
    readInstances(client, keys),
  ]);
  const zones = instances.instances
    .filter((i) => i.state === 'live' && i.timezone !== null)
    .map((i) => i.timezone as string);
  const check: NamespaceCheck = {
    namespace: keys.namespace,
    hasData,
    timezone,
    monitorTimezones: [...new Set(zones)].sort(),
  };
  if (!hasData) check.otherNamespaces = await listNamespaces(client);
  return check;
}

/** The problems of a check, one sentence each (CLI stderr lines, doctor warnings); none when fine. */
export function namespaceProblems(check: NamespaceCheck): {
  data?: string;
  timezone?: string;
} {
  const problems: { data?: string; timezone?: string } = {};
  if (!check.hasData) {
    const found = check.otherNamespaces;
    const others = found?.namespaces.filter((ns) => ns !== check.namespace) ?? [];
    const list =
      others.length === 0
        ? 'no namespace holds data on this Redis'
        : `namespaces with data here: ${others.join(', ')}`;
    problems.data = `namespace ${check.namespace} has no data at all (a typo?); ${list}${found?.complete === false ? ' (and maybe more: the scan stopped early)' : ''}`;
  }
  const others = check.monitorTimezones.filter((zone) => !sameZone(zone, check.timezone));
  if (others.length > 0) {
    problems.timezone = `days are read in ${check.timezone}, but the monitors of namespace ${check.namespace} count them in ${others.join(' and ')}: pass --timezone ${others[0]} (or set SAU_TIMEZONE) to read the days they write`;
  }
  return problems;
}

/** One EXISTS over the keys every namespace with data has at least one of (see NamespaceCheck). */
export async function namespaceHasData(client: RedisClient, keys: Keys): Promise<boolean> {
  const now = new Date();
  const months: string[] = [];
  for (let back = -1; back <= MONTHS_BACK; back++) {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1));
    months.push(d.toISOString().slice(0, 7));
  }
  // Not `live`: its totals hash stays (at zero) after the last session of a namespace closes.
  const found = await client.exists(
    keys.leases(),
    keys.gauges(),
    keys.timeline(),
    keys.closedSessions(),
    keys.windowCache(),
    ...months.map((month) => keys.month(month)),
  );
  return found > 0;
}

/**
 * The namespaces of this Redis: `SCAN MATCH sau:{*` on every master, at most MAX_SCAN_CALLS
 * calls each, so a Redis shared with millions of other keys costs a bounded time.
 */
export async function listNamespaces(
  client: RedisClient,
): Promise<{ namespaces: string[]; complete: boolean }> {
  const nodes = await mastersOf(client);
  const found = new Set<string>();
  let complete = true;
  for (const node of nodes) {
    let cursor = '0';
    let calls = 0;
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', 'sau:{*', 'COUNT', SCAN_COUNT);
      for (const key of batch) {
        const namespace = /^sau:\{([^}]+)\}:/.exec(key)?.[1];
        if (namespace !== undefined) found.add(namespace);
      }
      cursor = next;
    } while (cursor !== '0' && ++calls < MAX_SCAN_CALLS);
    if (cursor !== '0') complete = false;
  }
  return { namespaces: [...found].sort(), complete };
}

/** Two IANA names of one zone: `utc` and `UTC`, `Asia/Calcutta` and `Asia/Kolkata`. */
function sameZone(a: string, b: string): boolean {
  return a === b || canonicalZone(a) === canonicalZone(b);
}

function canonicalZone(zone: string): string {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return zone;
  }
}
