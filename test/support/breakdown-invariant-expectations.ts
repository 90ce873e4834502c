import type { Redis } from 'ioredis';
import type { Keys } from '../../src/keys';
import { BREAKDOWN_DIMENSIONS } from '../../src/session/breakdown-dimensions';
import { encodeSessionMeta } from '../../src/session/session-meta';
import { profilesHash } from './breakdown-hashes';
import { dayBreakdownRows, liveBreakdownOf } from './breakdown-checks';
import { METAS } from './breakdown-invariant-commands';
import type { MetaModel } from './breakdown-invariant-model';

// The breakdown invariants' comparison of Redis with the model: live and day breakdowns and the
// client profiles, with and without a cap small enough to merge values into `other`.

/**
 * The breakdowns against the model. With a cap no value set can reach (50), every value's live
 * and day numbers must equal the model's; with a small cap (2) the values past it are merged into
 * `other`, so only sums, bounds and the cap itself can be checked.
 */
export async function expectMetaBreakdowns(
  client: Redis,
  keys: Keys,
  model: MetaModel,
  cap: number,
  date: string,
): Promise<void> {
  const capped = cap < METAS.length;
  const daySessions = Number((await client.hget(keys.day(date), 'sessions')) ?? 0);
  let profiled = 0;
  for (const live of model.live) {
    for (const { meta } of live.values()) {
      if (encodeSessionMeta({ ...meta, clientAddress: '' }) !== '') profiled++;
    }
  }
  for (const by of BREAKDOWN_DIMENSIONS) {
    const want = model.liveBy(by);
    const got = await liveBreakdownOf(client, keys, by);
    const sum = (m: Map<string, number> | Record<string, number>) =>
      [...(m instanceof Map ? m.values() : Object.values(m))].reduce((n, x) => n + x, 0);
    expect(sum(got.sessions)).toBe(sum(want.sessions));
    expect(sum(got.loggedInSessions)).toBe(sum(want.loggedIn));
    const admitted = Object.keys(got.sessions).filter((v) => v !== 'other' && v !== 'unknown');
    expect(admitted.length).toBeLessThanOrEqual(cap);

    const rows = await dayBreakdownRows(client, keys, date, by);
    expect(Object.values(rows).reduce((n, r) => n + r[0], 0)).toBe(daySessions);
    if (!capped) {
      expect(got.sessions).toEqual(Object.fromEntries(want.sessions));
      expect(got.loggedInSessions).toEqual(Object.fromEntries(want.loggedIn));
      for (const [key, n] of model.opened) {
        const [dim, value] = key.split('\0');
        if (dim === by) expect(rows[value]?.[0]).toBe(n);
      }
      for (const [value, row] of Object.entries(rows)) {
        const users = [...model.pairs].filter((p) => p.startsWith(`${by}\0${value}\0`)).length;
        expect([value, row[2]]).toEqual([value, users]);
      }
    } else {
      // A value counted as itself is never over what the model has of it.
      for (const [value, n] of Object.entries(got.sessions)) {
        if (value !== 'other') expect(n).toBeLessThanOrEqual(want.sessions.get(value) ?? 0);
      }
    }
  }
  // One profile per distinct metadata of the live sessions, counting exactly those sessions.
  const profiles = await profilesHash(client, keys);
  const counts = Object.entries(profiles)
    .filter(([field]) => /^[0-9a-z]+$/.test(field))
    .map(([, record]) => Number(record.split('|')[0]));
  for (const n of counts) expect(n).toBeGreaterThanOrEqual(1);
  expect(counts.reduce((n, x) => n + x, 0)).toBe(profiled);
}
