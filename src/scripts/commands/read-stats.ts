import type { Keys } from '../../keys';
import { addDays } from '../../time/zoned-calendar';
import type { ScriptRunner } from '../script-runner';

const WINDOW_DAYS = 30;

/** Raw numbers of one stats read; SauReader shapes them into the public object. */
export interface RawStats {
  nowMs: number;
  liveUsers: number;
  liveSessions: number;
  anonymousSessions: number;
  instances: number;
  dayUsers: number;
  dayExact: boolean;
  daySessions: number;
  dayLogins: number;
  daySessionMs: number;
  dayPeakUsers: number;
  dayPeakAt: number;
  dayClosed: number;
  weekUsers: number;
  weekExact: boolean;
  rolling30Users: number;
  rolling30Exact: boolean;
  monthUsers: number;
  monthExact: boolean;
}

export async function readStats(
  runner: ScriptRunner,
  keys: Keys,
  input: { date: string; exactUnionLimit: number },
): Promise<RawStats> {
  const r = (await runner.run('readStats', statsKeys(keys, input.date), [
    input.exactUnionLimit,
    input.date,
  ])) as number[];
  return {
    nowMs: r[0],
    liveUsers: r[1],
    liveSessions: r[2],
    anonymousSessions: r[3],
    instances: r[4],
    dayUsers: r[5],
    dayExact: r[6] === 1,
    daySessions: r[7],
    dayLogins: r[8],
    daySessionMs: r[9],
    dayPeakUsers: r[10],
    dayPeakAt: r[11],
    dayClosed: r[18],
    weekUsers: r[12],
    weekExact: r[13] === 1,
    rolling30Users: r[14],
    rolling30Exact: r[15] === 1,
    monthUsers: r[16],
    monthExact: r[17] === 1,
  };
}

/**
 * The 99 keys lua/includes/statsReading.lua reads for `date`: live totals, its month, the 30 days
 * ending on it (hashes, exact sets, HyperLogLogs) and the window cache. Built once per date: a
 * reader asks every second, and the 99 strings cost more than the rest of the call's own work.
 */
export function statsKeys(keys: Keys, date: string): string[] {
  let cached = lastStatsKeys.get(keys);
  if (cached?.date !== date) {
    cached = { date, keys: buildStatsKeys(keys, date) };
    lastStatsKeys.set(keys, cached);
  }
  return cached.keys;
}

const lastStatsKeys = new WeakMap<Keys, { date: string; keys: string[] }>();

function buildStatsKeys(keys: Keys, date: string): string[] {
  const days = Array.from({ length: WINDOW_DAYS }, (_, i) => addDays(date, -i));
  const month = date.slice(0, 7);
  return [
    keys.live(),
    keys.leases(),
    keys.month(month),
    keys.monthUsers(month),
    keys.monthUsersHll(month),
    ...days.map((d) => keys.day(d)),
    ...days.map((d) => keys.dayUsers(d)),
    ...days.map((d) => keys.dayUsersHll(d)),
    keys.windowCache(),
    keys.windowCacheHll(date, 7),
    keys.windowCacheHll(date, 30),
  ];
}
