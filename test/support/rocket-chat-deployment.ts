import type { Redis } from 'ioredis';
import { uniqueNamespace } from './redis-server';
import { expectNowBecomes, useMonitors } from './monitor-harness';
import {
  DdpStreamerStandIn,
  SauEventsStandIn,
  reemit,
  type Broadcast,
  type EventShape,
} from './rocket-chat-broker';
import { clearOfMidnight, expectToday } from './expect-today';
import {
  attachToRocketChat,
  type RocketChatAdapter,
  type RocketChatAdapterOptions,
} from '../../src/adapters/rocket-chat/rocket-chat';

/** The short timings of the in-process deployments: reaping and takeovers take well under a second. */
export const HEARTBEAT_MS = 100;
export const LEASE_MS = 400;
export const INSTANCE_TIMEOUT_MS = 600;

/**
 * Rocket.Chat's microservices deployment in one process: ddp-streamers broadcast their clients'
 * lives over a service broker to app processes, each of which re-emits every broadcast on its own
 * `sauEvents` (SAUMonitorService) in `shape`, and runs attachToRocketChat on its own monitor.
 * Adapters are detached (and monitors stopped) after each test. Call at the top of a describe block.
 */
export function useInProcessDeployment(
  redisUrl: () => string,
  client: () => Redis,
  shape: EventShape,
) {
  const harness = useMonitors(redisUrl);
  const adapters: RocketChatAdapter[] = [];
  afterEach(async () => {
    for (const adapter of adapters.splice(0)) await adapter.detach();
  });

  return async function deploy(
    appIds = ['app-a', 'app-b'],
    adapterOptions: RocketChatAdapterOptions = {},
  ) {
    const namespace = uniqueNamespace('rc-ms');
    const reader = harness.reader({ namespace });
    // Each test's events and readings fall on one day (a test takes a few seconds).
    const startDate = await clearOfMidnight(client(), 15_000);
    const app = async (instanceId: string) => {
      const { monitor, errors } = await harness.start({
        namespace,
        instanceId,
        heartbeatIntervalMs: HEARTBEAT_MS,
        leaseMs: LEASE_MS,
      });
      const sauEvents = new SauEventsStandIn();
      const adapter = attachToRocketChat(
        monitor,
        { sauEvents },
        { instanceTimeoutMs: INSTANCE_TIMEOUT_MS, ...adapterOptions },
      );
      adapters.push(adapter);
      return { monitor, errors, sauEvents, adapter, listening: true };
    };
    const apps: Awaited<ReturnType<typeof app>>[] = [];
    const addApp = async (instanceId: string) => {
      apps.push(await app(instanceId));
      return apps[apps.length - 1];
    };
    for (const instanceId of appIds) await addApp(instanceId);
    const streamers = [new DdpStreamerStandIn(), new DdpStreamerStandIn()];
    /** The service broker: every app process that listens gets its own copy of each broadcast. */
    const broadcast = ([event, payload]: Broadcast) => {
      for (const target of apps) {
        if (target.listening) reemit(shape, target.sauEvents, event, structuredClone(payload));
      }
    };
    const settled = async () => {
      for (const { monitor, listening } of apps) if (listening) await monitor.flush();
    };
    /** How many app processes report a streamer. */
    const reportersOf = (instanceId: string) =>
      apps.filter(({ adapter }) =>
        adapter.remoteInstances().some((r) => r.instanceId === instanceId && r.reportedHere),
      ).length;
    return {
      namespace,
      apps,
      addApp,
      streamers,
      broadcast,
      reader,
      reportersOf,
      nowBecomes: (expected: Parameters<typeof expectNowBecomes>[1]) =>
        expectNowBecomes(reader, expected, { settle: settled }),
      async expectToday(expected: Parameters<typeof expectToday>[2]) {
        await settled();
        await expectToday(reader, startDate, expected);
      },
    };
  };
}
