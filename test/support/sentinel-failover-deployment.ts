import { Redis } from 'ioredis';
import { SauReader, type SessionMonitor } from '../../src';
import type { Recovery } from '../../src/monitor/session-monitor';
import type { Workload } from '../faults/outage-workload';
import { useMonitors, waitFor, type WatchedMonitor } from './monitor-harness';
import { uniqueNamespace } from './redis-server';
import { SentinelSet } from './redis-sentinel';

/**
 * The stage of the Sentinel failover test (test/faults/sentinel-failover): a SentinelSet, three
 * monitors that find its master through the sentinels, and the SIGKILL of that master while
 * traffic goes on. It lives here so that the test file reads as what the monitors do in the last
 * moments before the kill and what must hold after it.
 */

const HEARTBEAT_MS = 200;
export const RECOVERY_TIMEOUT_MS = 15_000;
/** Reconnect fast while the sentinels still name the dead master. */
const RECONNECT_MS = 100;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One test's SentinelSet and monitors. */
export interface FailoverDeployment {
  sentinels: SentinelSet;
  /** While `webB` is true, a web-b started held back is kept from the new master. */
  holdBack: { webB: boolean };
  /** web-a and web-b (failoverReplayMs 60 s), web-control (0), in this order. */
  watched: WatchedMonitor[];
  /** Each monitor's `recovered` events, in the order of `watched`. */
  recoveries: Recovery[][];
  all: SessionMonitor[];
  reader: SauReader;
}

/**
 * Gives each test of the file a SentinelSet with the three monitors and a reader on it, and ends
 * them all after the test. Call at the top of a describe block.
 */
export function useFailoverDeployment(): (
  leaseMs: number,
  leasesLapse: boolean,
) => Promise<FailoverDeployment> {
  let set: SentinelSet | undefined;
  const readers: SauReader[] = [];
  // Every monitor here is given its sentinels, which override this plain URL.
  const monitors = useMonitors(() => `redis://127.0.0.1:${set?.master.port ?? 6379}`);
  afterEach(async () => {
    await Promise.all(readers.splice(0).map((r) => r.close()));
    await set?.destroy();
    set = undefined;
  });

  return async (leaseMs, leasesLapse) => {
    set = await SentinelSet.start();
    const sentinels = set;
    const namespace = uniqueNamespace('failover');
    const connection = sentinels.connectionOptions({ retryStrategy: () => RECONNECT_MS });
    // With short leases, web-b is kept from the new master (its sentinel answer is mapped to
    // the dead master's port) until the others have reaped it: it then comes back reaped
    // while alive, with a backlog, and must resend its truth under a new incarnation.
    const holdBack = { webB: false };
    const heldBack = sentinels.connectionOptions({
      retryStrategy: () => RECONNECT_MS,
      natMap: (address) =>
        holdBack.webB && address === `127.0.0.1:${sentinels.replica.port}`
          ? { host: '127.0.0.1', port: sentinels.master.port }
          : null,
    });
    const timing = { heartbeatIntervalMs: HEARTBEAT_MS, leaseMs };
    const watched: WatchedMonitor[] = [];
    const recoveries: Recovery[][] = [];
    for (const [instanceId, failoverReplayMs] of [
      ['web-a', 60_000],
      ['web-b', 60_000],
      ['web-control', 0],
    ] as const) {
      const w = await monitors.start({
        redis: instanceId === 'web-b' && leasesLapse ? heldBack : connection,
        namespace,
        instanceId,
        failoverReplayMs,
        ...timing,
      });
      const seen: Recovery[] = [];
      w.monitor.on('recovered', (recovery: Recovery) => seen.push(recovery));
      watched.push(w);
      recoveries.push(seen);
    }
    const all = watched.map((w) => w.monitor);
    const reader = new SauReader({ redis: connection, namespace });
    readers.push(reader);
    return { sentinels, holdBack, watched, recoveries, all, reader };
  };
}

/**
 * SIGKILLs the master while `workload` keeps sending events, and waits for the failover and for
 * every monitor's recovery; when `leasesLapse`, web-b is held back until the others reaped it.
 * The times are counted from the kill.
 */
export async function killMasterUnderTraffic(
  { sentinels, holdBack, reader, recoveries }: FailoverDeployment,
  workload: Workload,
  leasesLapse: boolean,
): Promise<{ newPort: number; killedAt: number; failoverMs: number; recoveredMs: number }> {
  let trafficOn = true;
  const traffic = (async () => {
    while (trafficOn) {
      workload.step(8);
      await sleep(5);
    }
  })();
  const oldPort = sentinels.master.port;
  holdBack.webB = leasesLapse;
  sentinels.killMaster();
  const killedAt = Date.now();
  sentinels.thaw(sentinels.replica);
  let newPort: number;
  let failoverMs: number;
  let recoveredMs: number;
  try {
    newPort = await sentinels.untilFailover(oldPort);
    failoverMs = Date.now() - killedAt;
    expect(newPort).toBe(sentinels.replica.port);
    if (holdBack.webB) {
      const admin = new Redis({ host: '127.0.0.1', port: newPort });
      try {
        const instanceKeys = await waitFor(
          () => admin.exists(reader.keys.instance('web-b')),
          (n) => n === 0,
          RECOVERY_TIMEOUT_MS,
        );
        expect(instanceKeys).toBe(0);
      } finally {
        await admin.quit();
        holdBack.webB = false;
      }
    }
    // Each monitor recovers as soon as it is connected to the new master, not at its next
    // periodic resync (resyncIntervalMs is 5 minutes here); events keep coming meanwhile.
    await waitFor(
      async () => recoveries.map((r) => r.length),
      (counts) => counts.every((n) => n > 0),
      RECOVERY_TIMEOUT_MS,
    );
    recoveredMs = Date.now() - killedAt;
    await sleep(300);
  } finally {
    trafficOn = false;
    await traffic;
  }
  return { newPort, killedAt, failoverMs, recoveredMs };
}
