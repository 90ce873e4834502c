import { SauReader } from '../../src';
import { useRedis } from '../support/use-redis';
import { uniqueNamespace } from '../support/redis-server';
import { expectNowBecomes, redisNowMs, waitFor } from '../support/monitor-harness';
import { clearOfMidnight, expectToday } from '../support/expect-today';
import type { EventShape } from '../support/rocket-chat-broker';
import type { FixtureProcess } from './spawn-fixture';
import {
  BrokerStandIn,
  startApp,
  startStreamer,
  type AppProcess,
  type StreamerProcess,
} from './rocket-chat-processes';

const HEARTBEAT_MS = 200;
const LEASE_MS = 1000;
/** As long as the lease: a silent streamer counts as dead as soon as a dead app process would. */
const INSTANCE_TIMEOUT_MS = LEASE_MS;
/** What a waitFor poll, a script call and a loaded machine add to a bound. */
const SLACK_MS = 1000;

jest.setTimeout(60_000);

/**
 * Rocket.Chat microservices with real processes: two ddp-streamer processes broadcast to two app
 * processes over the test's broker; each app process runs attachToRocketChat. Processes are
 * SIGKILLed: a streamer's events and keep-alives stop, an app process's heartbeats stop.
 */
describe.each(['long', 'sau'] as const)('Rocket.Chat processes killed, %s events', (shape) => {
  const redis = useRedis();
  const running: FixtureProcess[] = [];
  const readers: SauReader[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((child) => child.kill()));
    await Promise.all(readers.splice(0).map((reader) => reader.close()));
  });

  async function deploy() {
    const env = {
      REDIS_URL: redis.server().url,
      NAMESPACE: uniqueNamespace('rc-kill'),
      HEARTBEAT_MS,
      LEASE_MS,
      INSTANCE_TIMEOUT_MS,
    };
    const reader = new SauReader({ redis: env.REDIS_URL, namespace: env.NAMESPACE });
    readers.push(reader);
    // Each test's events and readings fall on one day (a test takes a few seconds).
    const startDate = await clearOfMidnight(redis.client(), 15_000);
    const broker = new BrokerStandIn();
    const apps: AppProcess[] = [];
    for (const APP_ID of ['app-a', 'app-b']) {
      apps.push(await startApp(broker, { ...env, APP_ID, SHAPE: shape as EventShape }));
      running.push(apps[apps.length - 1]);
    }
    const streamers: StreamerProcess[] = [];
    for (let i = 0; i < 2; i++) {
      streamers.push(await startStreamer(broker, HEARTBEAT_MS));
      running.push(streamers[i]);
    }
    // s1: alice, bob and one anonymous client; s2: alice and carol.
    const [s1, s2] = streamers;
    const clients1 = [await s1.connect(), await s1.connect(), await s1.connect()];
    const clients2 = [await s2.connect(), await s2.connect()];
    await s1.login(clients1[0], 'alice');
    await s1.login(clients1[1], 'bob');
    await s2.login(clients2[0], 'alice');
    await s2.login(clients2[1], 'carol');
    await expectNowBecomes(reader, { users: 3, sessions: 5, anonymousSessions: 1, instances: 4 });
    /** The app processes alive reporting each streamer, by streamer. */
    const reporters = async () => {
      const alive = apps.filter((app) => app.process.connected);
      const views = await Promise.all(alive.map((app) => app.remotes()));
      return streamers.map((streamer) =>
        alive
          .filter((_, i) =>
            views[i].some((r) => r.instanceId === streamer.instanceId && r.reportedHere),
          )
          .map((app) => app.instanceId),
      );
    };
    return { apps, streamers, clients1, clients2, reader, startDate, reporters };
  }

  it('counts each streamer session once; a SIGKILLed ddp-streamer is reaped within lease + heartbeat', async () => {
    const { streamers, reader, startDate, reporters } = await deploy();
    expect((await reporters()).map((apps) => apps.length)).toEqual([1, 1]);

    const killedAt = await redisNowMs(redis.client());
    await streamers[0].kill();
    await expectNowBecomes(
      reader,
      { users: 2, sessions: 2, anonymousSessions: 0, instances: 3 },
      { timeoutMs: 10_000 },
    );
    const reapedAt = await redisNowMs(redis.client());
    expect(reapedAt - killedAt).toBeLessThanOrEqual(INSTANCE_TIMEOUT_MS + HEARTBEAT_MS + SLACK_MS);
    await expectToday(reader, startDate, {
      activeUsers: 3,
      sessions: 5,
      logins: 4,
      monthActiveUsers: 3,
    });
  });

  it('an app process SIGKILLed loses nothing the other can still count', async () => {
    const { apps, streamers, clients1, reader, startDate, reporters } = await deploy();
    const before = await reporters();
    // Kill the reporter of the first streamer (it may report both).
    const victim = apps.find((app) => app.instanceId === before[0][0])!;
    const survivor = apps.find((app) => app !== victim)!;
    const reported = streamers.filter((_, i) => before[i][0] === victim.instanceId);
    const sessionsOf = [3, 2];
    const loginsOf = [2, 2];
    const reopened = streamers.reduce(
      (n, s, i) => n + (reported.includes(s) ? sessionsOf[i] : 0),
      0,
    );
    const relogged = streamers.reduce((n, s, i) => n + (reported.includes(s) ? loginsOf[i] : 0), 0);

    const killedAt = await redisNowMs(redis.client());
    await victim.kill();
    // The survivor takes the streamers over once the victim's reporter leases lapse; the
    // victim's own instance is reaped once its lease lapses.
    await waitFor(
      reporters,
      (now) => now.every((apps) => apps.length === 1 && apps[0] === survivor.instanceId),
      10_000,
    );
    await expectNowBecomes(
      reader,
      { users: 3, sessions: 5, anonymousSessions: 1, instances: 3 },
      { timeoutMs: 10_000 },
    );
    const exactAt = await redisNowMs(redis.client());
    expect(exactAt - killedAt).toBeLessThanOrEqual(LEASE_MS + HEARTBEAT_MS + SLACK_MS);

    // The survivor follows the streamers from there on.
    await streamers[0].login(clients1[2], 'dave');
    await streamers[0].disconnect(clients1[1]);
    await expectNowBecomes(reader, { users: 3, sessions: 4, anonymousSessions: 0, instances: 3 });
    // The takeover closed the victim's incarnations of its streamers at their last heartbeat and
    // opened their sessions again: the day counts those sessions and logins twice.
    await expectToday(reader, startDate, {
      activeUsers: 4,
      sessions: 5 + reopened,
      logins: 5 + relogged,
      monthActiveUsers: 4,
    });
  });
});
