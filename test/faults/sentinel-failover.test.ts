import { Redis } from 'ioredis';
import { SauError } from '../../src';
import type { Recovery } from '../../src/monitor/session-monitor';
import { waitFor } from '../support/monitor-harness';
import { sentinelUnavailable } from '../support/redis-sentinel';
import { liveUserRefcounts } from '../support/live-users';
import {
  killMasterUnderTraffic,
  RECOVERY_TIMEOUT_MS,
  useFailoverDeployment,
} from '../support/sentinel-failover-deployment';
import { modelFailoverTraffic } from '../support/sentinel-failover-traffic';

// A master, a replica and three sentinels; three monitors find the master through the sentinels
// and take traffic. Just before the master is SIGKILLed, the replica is frozen and cut off, so the
// writes of those last moments are acknowledged by the master and never reach the replica that
// Sentinel then promotes. After the failover every live count must be exact again (the monitors
// resync at once) and DAU/MAU must miss nobody (they replay the logins Redis acknowledged in the
// last `failoverReplayMs`). The third monitor runs with `failoverReplayMs: 0`: the users it saw
// only in those last moments must be missing, or the scenario lost nothing and proves nothing.
// SAU_FAILOVER_REPORT=1 prints the timings.

jest.setTimeout(60_000);

/** Longer than the failover (about 3 s here): nobody is reaped, the recovery alone makes things exact. */
const LONG_LEASE_MS = 10_000;
/** Shorter than the failover: on the new master every lease has lapsed, and instances may reap each other. */
const SHORT_LEASE_MS = 1000;

/** Every code a monitor may report around a failover. */
const FAILOVER_CODES = new Set([
  'REDIS_UNAVAILABLE',
  'HEARTBEAT_FAILED',
  'REAP_FAILED',
  'RESYNC_FAILED',
  'DRIFT_REPAIRED',
]);
/** Besides, once leases lapse: a monitor reaped while alive takes a new incarnation and resends its truth. */
const LAPSED_LEASE_CODES = new Set([...FAILOVER_CODES, 'REAPED']);

const unavailable = sentinelUnavailable();
if (unavailable) process.stdout.write(`[sentinel-failover] skipped: ${unavailable}\n`);
const describeWithSentinel = unavailable ? describe.skip : describe;

const report = (line: string): void => {
  if (process.env.SAU_FAILOVER_REPORT) process.stdout.write(`[sentinel-failover] ${line}\n`);
};

const describeRecovery = ({ replayedUserDays, drift }: Recovery): string =>
  `${replayedUserDays} user-days replayed, ${drift ? `${drift.ghosts} ghosts, ${drift.missing} missing, ${drift.mismatched} mismatched` : 'no scan (reincarnated)'}`;

describeWithSentinel('Sentinel failover', () => {
  const startDeployment = useFailoverDeployment();

  it.each([
    ['the leases outlast the failover', LONG_LEASE_MS],
    ['the leases lapse during the failover', SHORT_LEASE_MS],
  ])(
    'after the master is SIGKILLed (%s), live counts are exact again and no login is missing from DAU or MAU',
    async (label, leaseMs) => {
      const leasesLapse = leaseMs === SHORT_LEASE_MS;
      const deployment = await startDeployment(leaseMs, leasesLapse);
      const { sentinels, watched, recoveries, all, reader } = deployment;
      const [a, b, control] = all;

      // Random traffic on the two replaying monitors; the control one gets scripted events only.
      const { workload, expectedNow, act } = modelFailoverTraffic(all);

      // Before: some state that the replica has for sure.
      workload.step(300);
      /** The control monitor's users that must be in DAU: those Redis had before, and one still live. */
      const controlCounted = new Set<string>();
      for (let i = 0; i < 10; i++) {
        act(control, 'open', `ctl-${i}`);
        if (i < 5) {
          act(control, 'login', `ctl-${i}`, `control-early-${i}`);
          controlCounted.add(`control-early-${i}`);
        }
      }
      await Promise.all(all.map((m) => m.flush()));
      expect((await reader.stats()).now).toEqual(expectedNow());
      const master = new Redis({ host: '127.0.0.1', port: sentinels.master.port });
      let replicated: number;
      try {
        replicated = (await master.call('WAIT', '1', '2000')) as number;
      } finally {
        await master.quit();
      }
      expect(replicated).toBe(1);

      // The last moments: the master acknowledges writes that no replica receives.
      sentinels.freeze(sentinels.replica);
      expect(await sentinels.dropReplicaLink()).toBe(1);
      const lastMoments = new Set<string>();
      for (const [k, monitor] of [a, b].entries()) {
        for (let j = 0; j < 4; j++) act(monitor, 'open', `win-${k}-${j}`);
        for (let j = 0; j < 3; j++) {
          act(monitor, 'login', `win-${k}-${j}`, `window-user-${k}-${j}`);
          lastMoments.add(`window-user-${k}-${j}`);
        }
        act(monitor, 'logout', `win-${k}-0`); // in and out again: only the replay knows
        act(monitor, 'close', `win-${k}-1`); // logged in, then gone: only the replay knows
      }
      const controlLost = new Set<string>();
      for (let i = 5; i < 8; i++) {
        act(control, 'login', `ctl-${i}`, `control-window-${i}`);
        act(control, 'logout', `ctl-${i}`);
        controlLost.add(`control-window-${i}`);
      }
      // One of each drift the resync must repair: a ghost, a missing session, two wrong users.
      act(control, 'close', 'ctl-9');
      act(control, 'open', 'ctl-new');
      act(control, 'logout', 'ctl-0');
      act(control, 'login', 'ctl-2', 'control-window-live');
      controlCounted.add('control-window-live');
      workload.step(200);
      await Promise.all(all.map((m) => m.flush()));

      // Traffic goes on through the kill and the failover.
      const { newPort, killedAt, failoverMs, recoveredMs } = await killMasterUnderTraffic(
        deployment,
        workload,
        leasesLapse,
      );
      for (const seen of recoveries) expect(seen.length).toBeGreaterThan(0);
      await Promise.all(all.map((m) => m.flush()));

      const stats = await waitFor(
        () => reader.stats({ window: 'all' }),
        (s) => JSON.stringify(s.now) === JSON.stringify(expectedNow()),
        RECOVERY_TIMEOUT_MS,
      );
      const exactMs = Date.now() - killedAt;
      const recovered = recoveries.map((seen) => seen.map(describeRecovery).join(' + '));
      const codes = watched.map((w) => [...new Set(w.errors.map((e) => e.code))].join(','));
      report(
        `${label}: failover ${failoverMs} ms after the kill; all monitors recovered by ${recoveredMs} ms, counts exact by ${exactMs} ms; recoveries ${recovered.join(' / ')}; codes ${codes.join(' / ')}`,
      );

      // The lost writes were real: the control monitor, which no random traffic touches, found
      // exactly what it did in the last moments missing from the new master (unless it was reaped
      // before its recovery renewed its lease: then it resent its whole truth instead)...
      const controlDrift = recoveries[2][0].drift;
      if (!leasesLapse) expect(controlDrift).toBeDefined();
      if (controlDrift) {
        expect(controlDrift).toMatchObject({ ghosts: 1, missing: 1, mismatched: 2 });
      }
      if (leasesLapse) {
        // web-b came back reaped: its new incarnation got its whole truth, so its recovery (if its
        // own heartbeat did not find it reaped first) finds nothing left to repair.
        expect(watched[1].errors.map((e) => e.code)).toContain('REAPED');
        const { drift } = recoveries[1][recoveries[1].length - 1];
        if (drift) expect(drift).toMatchObject({ ghosts: 0, missing: 0, mismatched: 0 });
      }
      // ...and the replaying ones counted at least the users of their last moments again.
      for (const seen of recoveries.slice(0, 2)) {
        expect(seen[0].replayedUserDays).toBeGreaterThanOrEqual(3);
      }

      expect(stats.now).toEqual(expectedNow());
      const everyone = new Set([...workload.everLoggedIn, ...controlCounted]);
      expect(stats.day?.exact).toBe(true);
      expect(stats.day?.activeUsers).toBe(everyone.size);
      expect(stats.month?.activeUsers).toBe(everyone.size);

      const client = new Redis({ host: '127.0.0.1', port: newPort });
      try {
        const date = stats.day?.date ?? '';
        const missingFromDay = async (users: Set<string>): Promise<string[]> => {
          const list = [...users];
          const flags = (await client.call(
            'SMISMEMBER',
            reader.keys.dayUsers(date),
            ...list,
          )) as number[];
          return list.filter((_, i) => flags[i] !== 1);
        };
        // Nobody is missing, the last moments' users above all...
        expect(await missingFromDay(lastMoments)).toEqual([]);
        expect(await missingFromDay(everyone)).toEqual([]);
        // ...except the control monitor's, which replays nothing: the failover did lose them.
        expect(await missingFromDay(controlLost)).toEqual([...controlLost]);

        // Never negative: every live refcount is a positive count, every total non-negative.
        const refcounts = Object.values(await liveUserRefcounts(client, reader.keys)).map(Number);
        expect(refcounts).toHaveLength(stats.now.users);
        expect(refcounts.every((n) => Number.isInteger(n) && n > 0)).toBe(true);
        const totals = Object.entries(await client.hgetall(reader.keys.live()))
          .filter(([field]) => !field.startsWith('p:'))
          .map(([, n]) => Number(n));
        expect(totals.every((n) => n >= 0)).toBe(true);
      } finally {
        await client.quit();
      }

      for (const { errors } of watched) {
        for (const err of errors) {
          expect(err).toBeInstanceOf(SauError);
          expect(leasesLapse ? LAPSED_LEASE_CODES : FAILOVER_CODES).toContain(err.code);
        }
      }
    },
  );
});
