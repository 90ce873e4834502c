import { useRedis } from '../support/use-redis';
import { waitFor } from '../support/monitor-harness';
import { HEARTBEAT_MS, useInProcessDeployment } from '../support/rocket-chat-deployment';

/**
 * Rocket.Chat's microservices deployment in one process: two ddp-streamers broadcast their
 * clients' lives over a service broker to two app processes, each of which re-emits every
 * broadcast on its own `sauEvents` (SAUMonitorService). (test/faults/rocket-chat-sigkill.test.ts
 * runs the same with real processes, and kills them.)
 */
describe.each(['long', 'sau'] as const)('attachToRocketChat, microservices, %s events', (shape) => {
  const redis = useRedis();
  const setup = useInProcessDeployment(() => redis.server().url, redis.client, shape);

  it('counts each ddp-streamer session once, under its streamer, whichever app process reports it', async () => {
    const { apps, streamers, broadcast, reportersOf, nowBecomes, expectToday } = await setup();
    const [s1, s2] = streamers;
    const c1 = [s1.connect(), s1.connect(), s1.connect()];
    const c2 = [s2.connect(), s2.connect()];
    for (const { broadcast: b } of [...c1, ...c2]) broadcast(b);
    broadcast(s1.login(c1[0].id, 'alice'));
    broadcast(s1.login(c1[1].id, 'bob'));
    broadcast(s2.login(c2[0].id, 'alice'));
    // 2 app processes + 2 streamers reporting; 5 sessions, users alice and bob.
    await nowBecomes({ users: 2, sessions: 5, anonymousSessions: 2, instances: 4 });
    expect([reportersOf(s1.instanceId), reportersOf(s2.instanceId)]).toEqual([1, 1]);
    for (const { adapter } of apps) {
      expect(
        adapter
          .remoteInstances()
          .map((r) => [r.alive, r.sessions])
          .sort(),
      ).toEqual([
        [true, 2],
        [true, 3],
      ]);
    }

    broadcast(s1.logout(c1[1].id)); // bob logs out; ddp-streamer then closes the socket
    broadcast(s1.disconnect(c1[1].id));
    broadcast(s1.logout(c1[2].id)); // a logout of a client never logged in: userId undefined
    broadcast(s2.disconnect(c2[0].id));
    await nowBecomes({ users: 1, sessions: 3, anonymousSessions: 2, instances: 4 });
    await expectToday({ activeUsers: 2, sessions: 5, logins: 3, monthActiveUsers: 2 });
    expect(apps.flatMap((a) => a.errors)).toEqual([]);
  });

  it('a detached reporter hands its streamers over: the other app process writes them at its next heartbeat', async () => {
    const { apps, streamers, broadcast, reportersOf, nowBecomes, expectToday } = await setup();
    const [s1] = streamers;
    const c = [s1.connect(), s1.connect()];
    for (const { broadcast: b } of c) broadcast(b);
    broadcast(s1.login(c[0].id, 'alice'));
    await nowBecomes({ users: 1, sessions: 2, anonymousSessions: 1, instances: 3 });
    const reporter = apps.find(({ adapter }) => adapter.remoteInstances()[0]?.reportedHere)!;
    const other = apps.find((app) => app !== reporter)!;

    reporter.listening = false;
    await reporter.adapter.detach();
    await waitFor(
      async () => reportersOf(s1.instanceId),
      (n) => n === 1,
      5000,
    );
    expect(other.adapter.remoteInstances()[0]).toMatchObject({ reportedHere: true, sessions: 2 });
    broadcast(s1.login(c[1].id, 'bob'));
    await nowBecomes({ users: 2, sessions: 2, anonymousSessions: 0, instances: 3 });
    // The takeover closed the old reporter's incarnation and opened the sessions again: the
    // day counts them (and alice's login) twice, the distinct users once.
    await expectToday({ activeUsers: 2, sessions: 4, logins: 3, monthActiveUsers: 2 });
    expect(apps.flatMap((a) => a.errors)).toEqual([]);
  });

  it('a silent streamer is dead after instanceTimeoutMs; its next event brings its sessions back', async () => {
    const { apps, streamers, broadcast, nowBecomes } = await setup();
    const [s1, s2] = streamers;
    const quiet = [s1.connect(), s1.connect()];
    for (const { broadcast: b } of quiet) broadcast(b);
    broadcast(s1.login(quiet[0].id, 'alice'));
    const kept = s2.connect();
    broadcast(kept.broadcast);
    await nowBecomes({ users: 1, sessions: 3, anonymousSessions: 2, instances: 4 });
    // s2 sends keep-alives; s1 says nothing.
    const keepAlive = setInterval(() => broadcast(s2.keepAlive()), HEARTBEAT_MS);
    try {
      await nowBecomes({ users: 0, sessions: 1, anonymousSessions: 1, instances: 3 });
      for (const { adapter } of apps) {
        expect(adapter.remoteInstances().find((r) => r.instanceId === s1.instanceId)).toMatchObject(
          { alive: false, reportedHere: false, sessions: 2 },
        );
      }
      broadcast(s1.logout(quiet[0].id)); // s1 was only quiet
      await nowBecomes({ users: 0, sessions: 3, anonymousSessions: 3, instances: 4 });
    } finally {
      clearInterval(keepAlive);
    }
    expect(apps.flatMap((a) => a.errors)).toEqual([]);
  });

  it('an app process that starts after the sessions connected reads them from Redis, and writes them all when it takes over', async () => {
    const { apps, addApp, streamers, broadcast, nowBecomes, expectToday } = await setup(['app-a']);
    const [first] = apps;
    const [s1] = streamers;
    const c = [s1.connect(), s1.connect(), s1.connect()];
    for (const { broadcast: b } of c) broadcast(b);
    broadcast(s1.login(c[0].id, 'alice'));
    broadcast(s1.login(c[1].id, 'bob'));
    await nowBecomes({ users: 2, sessions: 3, anonymousSessions: 1, instances: 2 });

    // A new app process hears of s1 at its next event, and reads what app-a wrote.
    const late = await addApp('app-b');
    broadcast(s1.disconnect(c[1].id));
    await nowBecomes({ users: 1, sessions: 2, anonymousSessions: 1, instances: 3 });
    await waitFor(
      async () => late.adapter.remoteInstances()[0]?.sessions,
      (sessions) => sessions === 2,
      5000,
    );
    first.listening = false;
    await first.adapter.detach();
    await first.monitor.stop();
    await waitFor(
      async () => late.adapter.remoteInstances()[0]?.reportedHere,
      (here) => here === true,
      5000,
    );
    await nowBecomes({ users: 1, sessions: 2, anonymousSessions: 1, instances: 2 });
    broadcast(s1.logout(c[0].id));
    await nowBecomes({ users: 0, sessions: 2, anonymousSessions: 2, instances: 2 });
    await expectToday({ activeUsers: 2, sessions: 5, logins: 3, monthActiveUsers: 2 });
    expect(apps.flatMap((a) => a.errors)).toEqual([]);
  });
});
