import { useRedis } from '../support/use-redis';
import { waitFor } from '../support/monitor-harness';
import { Keys } from '../../src/keys';
import { ConfigError } from '../../src/errors';
import { attachToRocketChat } from '../../src/adapters/rocket-chat/rocket-chat';
import {
  HEARTBEAT_MS,
  INSTANCE_TIMEOUT_MS,
  useInProcessDeployment,
} from '../support/rocket-chat-deployment';
import { SauEventsStandIn } from '../support/rocket-chat-broker';

/** Who reports a ddp-streamer, and for how long it counts as alive. */
describe('attachToRocketChat, reporting ddp-streamers', () => {
  const redis = useRedis();
  const setup = useInProcessDeployment(() => redis.server().url, redis.client, 'long');

  it('a reporter whose lease another process took stops writing; the streamer is reported again when that lease lapses', async () => {
    const { namespace, apps, streamers, broadcast, reportersOf, nowBecomes, expectToday } =
      await setup();
    const [s1] = streamers;
    const c = [s1.connect(), s1.connect()];
    for (const { broadcast: b } of c) broadcast(b);
    broadcast(s1.login(c[0].id, 'alice'));
    await nowBecomes({ users: 1, sessions: 2, anonymousSessions: 1, instances: 3 });

    // A process this one took for dead (it was only paused) holds the lease for 600 ms.
    const key = new Keys(namespace).reporterLease(s1.instanceId);
    await redis.client().set(key, 'app-z paused', 'PX', 600);
    await waitFor(
      async () => reportersOf(s1.instanceId),
      (n) => n === 0,
      5000,
    );
    // Nobody writes s1 meanwhile: its sessions end with the abandoned incarnation's lease.
    await nowBecomes({ users: 0, sessions: 0, anonymousSessions: 0, instances: 2 });
    broadcast(s1.login(c[1].id, 'bob')); // heard by every process all the same
    await waitFor(
      async () => reportersOf(s1.instanceId),
      (n) => n === 1,
      5000,
    );
    await nowBecomes({ users: 2, sessions: 2, anonymousSessions: 0, instances: 3 });
    await expectToday({ activeUsers: 2, sessions: 4, logins: 3, monthActiveUsers: 2 });
    expect(apps.flatMap((a) => a.errors)).toEqual([]);
  });

  it('alive() keeps a quiet streamer alive; a bad instance id is reported, never thrown', async () => {
    const { apps, streamers, broadcast, nowBecomes } = await setup();
    const [s1] = streamers;
    broadcast(s1.connect().broadcast);
    await nowBecomes({ users: 0, sessions: 1, anonymousSessions: 1, instances: 3 });
    const started = performance.now();
    while (performance.now() - started < 2 * INSTANCE_TIMEOUT_MS) {
      for (const { adapter } of apps) adapter.alive(s1.instanceId);
      await new Promise((r) => setTimeout(r, HEARTBEAT_MS));
    }
    await nowBecomes({ users: 0, sessions: 1, anonymousSessions: 1, instances: 3 });

    const [a] = apps;
    expect(() => a.adapter.alive('{not an id}')).not.toThrow();
    a.adapter.alive('app-a'); // its own id: not a remote instance
    expect(a.adapter.remoteInstances().map((r) => r.instanceId)).toEqual([s1.instanceId]);
    expect(a.errors.map((e) => [e.code, e.message])).toEqual([
      ['ADAPTER_HOOK_FAILED', expect.stringContaining('instanceId "{not an id}" must be')],
    ]);
  });

  it('forgets a dead streamer after forgetInstanceAfterMs', async () => {
    const { apps, streamers, broadcast, nowBecomes } = await setup(['app-a'], {
      forgetInstanceAfterMs: INSTANCE_TIMEOUT_MS + 200,
    });
    broadcast(streamers[0].connect().broadcast);
    await nowBecomes({ users: 0, sessions: 1, anonymousSessions: 1, instances: 2 });
    await waitFor(
      async () => apps[0].adapter.remoteInstances().length,
      (n) => n === 0,
      5000,
    );
    await nowBecomes({ users: 0, sessions: 0, anonymousSessions: 0, instances: 1 });
  });

  it('refuses an instanceTimeoutMs under two heartbeats, and a forgetInstanceAfterMs under it', async () => {
    const { apps } = await setup(['app-a']);
    const { monitor } = apps[0];
    const sauEvents = new SauEventsStandIn();
    for (const options of [
      { instanceTimeoutMs: 2 * HEARTBEAT_MS - 1 },
      { instanceTimeoutMs: Number.NaN },
      { instanceTimeoutMs: 1000, forgetInstanceAfterMs: 999 },
    ]) {
      expect(() => attachToRocketChat(monitor, { sauEvents }, options)).toThrow(ConfigError);
    }
    expect(sauEvents.listenerCount).toBe(0);
  });
});
