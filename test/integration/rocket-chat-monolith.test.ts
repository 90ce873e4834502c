import { useRedis } from '../support/use-redis';
import { uniqueNamespace } from '../support/redis-server';
import { useMonitors } from '../support/monitor-harness';
import { MeteorStandIn } from '../support/meteor-stand-in';
import { SauEventsStandIn, type EventShape } from '../support/rocket-chat-broker';
import { installSauMonitorHooks } from '../support/rocket-chat-hooks-stand-in';
import { clearOfMidnight, expectToday } from '../support/expect-today';
import {
  attachToRocketChat,
  type RocketChatAdapter,
} from '../../src/adapters/rocket-chat/rocket-chat';
import { SAU_EVENT_PARSERS } from '../../src/adapters/rocket-chat/rocket-chat-events';

/**
 * A Rocket.Chat monolith: every app instance's Meteor hooks (sauMonitorHooks.ts) report its own
 * sessions on its own `sauEvents`, stamped with its `InstanceStatus.id()`.
 */
describe.each(['long', 'sau'] as const)('attachToRocketChat, monolith, %s events', (shape) => {
  const redis = useRedis();
  const harness = useMonitors(() => redis.server().url);
  const adapters: RocketChatAdapter[] = [];
  afterEach(async () => {
    for (const adapter of adapters.splice(0)) await adapter.detach();
  });

  async function setup(options: { attachLater?: boolean } = {}) {
    const namespace = uniqueNamespace('rc-mono');
    const reader = harness.reader({ namespace });
    // Each test's events and readings fall on one day (a test takes a second or two).
    const startDate = await clearOfMidnight(redis.client(), 10_000);
    const app = async (instanceId: string) => {
      const { monitor, errors } = await harness.start({ namespace, instanceId });
      const meteor = new MeteorStandIn();
      const sauEvents = new SauEventsStandIn();
      installSauMonitorHooks(meteor, sauEvents, instanceId, shape as EventShape);
      const attach = () => {
        const adapter = attachToRocketChat(monitor, { sauEvents });
        adapters.push(adapter);
        return adapter;
      };
      const adapter = options.attachLater ? undefined : attach();
      return { monitor, errors, meteor, sauEvents, adapter, attach };
    };
    const apps = [await app('app-a'), await app('app-b')];
    const settle = async () => {
      for (const { meteor, monitor } of apps) {
        await meteor.settle();
        await monitor.flush();
      }
    };
    return {
      apps,
      reader,
      async now() {
        await settle();
        return (await reader.stats()).now;
      },
      async expectToday(expected: Parameters<typeof expectToday>[2]) {
        await settle();
        await expectToday(reader, startDate, expected);
      },
    };
  }

  it('counts the sessions of two app instances, logins, logouts and closes exactly', async () => {
    const { apps, now, expectToday } = await setup();
    const [a, b] = apps;
    const [a1, a2, a3] = [a.meteor.connect(), a.meteor.connect(), a.meteor.connect()];
    const [b1, b2] = [b.meteor.connect(), b.meteor.connect()];
    await a.meteor.login(a1.id, 'alice');
    await a.meteor.login(a2.id, 'alice');
    await b.meteor.login(b1.id, 'alice'); // the same user on the other instance
    await b.meteor.login(b2.id, 'bob');
    expect(await now()).toEqual({ users: 2, sessions: 5, anonymousSessions: 1, instances: 2 });

    await a.meteor.logout(a2.id);
    b.meteor.disconnect(b2.id);
    expect(await now()).toEqual({ users: 1, sessions: 4, anonymousSessions: 2, instances: 2 });
    for (const conn of [a1, a2, a3]) a.meteor.disconnect(conn.id);
    b.meteor.disconnect(b1.id);
    expect(await now()).toEqual({ users: 0, sessions: 0, anonymousSessions: 0, instances: 2 });
    await expectToday({ activeUsers: 2, sessions: 5, logins: 4, monthActiveUsers: 2 });
    expect([...a.errors, ...b.errors]).toEqual([]);
    // No ddp-streamer here: nothing but the app instances themselves reports.
    expect(a.adapter?.remoteInstances()).toEqual([]);
  });

  it("a REST login's connection (never connected, never closed) counts the user, not a live session", async () => {
    const { apps, now, expectToday } = await setup();
    const [a] = apps;
    await a.meteor.restLogin('bot');
    await a.meteor.restLogin('bot');
    const tab = a.meteor.connect();
    await a.meteor.login(tab.id, 'alice');
    expect(await now()).toEqual({ users: 1, sessions: 1, anonymousSessions: 0, instances: 2 });
    await expectToday({ activeUsers: 2, sessions: 3, logins: 3, monthActiveUsers: 2 });
    expect(a.errors).toEqual([]);
  });

  it('a login on a connection from before attaching: live when the event carries onClose', async () => {
    const { apps, now, expectToday } = await setup({ attachLater: true });
    const [a] = apps;
    const conn = a.meteor.connect(); // reported while nobody listened
    a.attach();
    await a.meteor.login(conn.id, 'alice');
    // The long-standing event spreads the Meteor connection, onClose included: a live DDP
    // session. The newer event carries ids only: it counts like a REST login.
    const live = shape === 'long' ? 1 : 0;
    expect(await now()).toEqual({
      users: live,
      sessions: live,
      anonymousSessions: 0,
      instances: 2,
    });
    a.meteor.disconnect(conn.id);
    expect(await now()).toEqual({ users: 0, sessions: 0, anonymousSessions: 0, instances: 2 });
    await expectToday({ activeUsers: 1, sessions: 1, logins: 1, monthActiveUsers: 1 });
    expect(a.errors).toEqual([]);
  });

  it("a logout whose user document is gone reaches no event (Rocket.Chat's hooks need info.user): the session stays logged in until it closes", async () => {
    const { apps, now, expectToday } = await setup();
    const [a] = apps;
    const conn = a.meteor.connect();
    await a.meteor.login(conn.id, 'alice');
    await a.meteor.logout(conn.id, { userFound: false });
    // The long-standing hook throws on info.user._id (Meteor prints it); the newer one returns.
    expect(a.meteor.hookErrors.length).toBe(shape === 'long' ? 1 : 0);
    expect(await now()).toEqual({ users: 1, sessions: 1, anonymousSessions: 0, instances: 2 });
    a.meteor.disconnect(conn.id);
    expect(await now()).toEqual({ users: 0, sessions: 0, anonymousSessions: 0, instances: 2 });
    await expectToday({ activeUsers: 1, sessions: 1, logins: 1, monthActiveUsers: 1 });
    expect(a.errors).toEqual([]);
  });

  it('ignores malformed events, never throws into the emitter, and detach() unsubscribes', async () => {
    const { apps, now } = await setup();
    const [a] = apps;
    const conn = a.meteor.connect();
    const garbage = [undefined, null, 42, {}, { connection: null }, { userId: 7, connection: {} }];
    for (const event of Object.keys(SAU_EVENT_PARSERS)) {
      for (const payload of garbage) expect(() => a.sauEvents.emit(event, payload)).not.toThrow();
    }
    expect(await now()).toEqual({ users: 0, sessions: 1, anonymousSessions: 1, instances: 2 });
    expect(a.errors).toEqual([]);

    await a.adapter?.detach();
    await a.adapter?.detach(); // idempotent
    expect(a.sauEvents.listenerCount).toBe(0);
    await a.meteor.login(conn.id, 'alice');
    expect(await now()).toEqual({ users: 0, sessions: 1, anonymousSessions: 1, instances: 2 });
  });
});
