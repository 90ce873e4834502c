import { useRedis } from '../support/use-redis';
import { waitFor } from '../support/monitor-harness';
import { MeteorStandIn } from '../support/meteor-stand-in';
import { NOT_IN_FIBER } from '../support/meteor-fibers';
import { useMeteorAdapter } from '../support/meteor-harness';
import { attachToMeteor } from '../../src/adapters/meteor';

/** Meteor 2.16: Fibers, and `Meteor.bindEnvironment` refusing to run outside one. */
describe('attachToMeteor on Meteor 2', () => {
  const redis = useRedis();
  const attach = useMeteorAdapter(() => redis.server().url, redis.client);

  it('the stand-in refuses onConnection, onClose and Meteor timers outside a Fiber, as Meteor 2 does', () => {
    const meteor = new MeteorStandIn({ version: 2 });
    const conn = meteor.connectUnseen();
    expect(() => meteor.Meteor.onConnection(() => undefined)).toThrow(NOT_IN_FIBER);
    expect(() => conn.onClose?.(() => undefined)).toThrow(NOT_IN_FIBER);
    expect(() => meteor.Meteor.setInterval?.(() => undefined, 1000)).toThrow(NOT_IN_FIBER);
    // Accounts hooks are bound with bindEnvironment: false, so they register anywhere.
    expect(() => meteor.Accounts.onLogin(() => undefined).stop()).not.toThrow();
    // Inside a Fiber (server code, a method, a Meteor timer's callback) all of it works.
    meteor.runInFiber(() => {
      meteor.Meteor.onConnection(() => undefined).stop();
      conn.onClose?.(() => undefined);
    });
    expect(meteor.hookCounts).toEqual({ onConnection: 0, onLogin: 0, onLogout: 0, validate: 0 });
  });

  it('attaching outside a Fiber fails as Meteor.onConnection does (Meteor server code runs in one)', async () => {
    const meteor = new MeteorStandIn({ version: 2 });
    const { monitor } = await attach({ meteor: new MeteorStandIn({ version: 2 }) });
    expect(() => attachToMeteor(monitor, meteor)).toThrow(NOT_IN_FIBER);
  });

  it('reconciles on Meteor.setInterval, inside a Fiber: every session a pass finds counts', async () => {
    const { meteor, monitor, reader, errors, now, expectToday } = await attach({
      meteor: new MeteorStandIn({ version: 2 }),
      reconcileIntervalMs: 30,
    });
    const seen = meteor.connect();
    // Sessions the onConnection hook missed: the pass opens each and hooks its onClose, which
    // Meteor 2 refuses outside a Fiber; one refusal used to abort the whole pass.
    const unseen = [meteor.connectUnseen(), meteor.connectUnseen(), meteor.connectUnseen()];
    meteor.setUserIdWithoutHooks(unseen[0].id, 'alice');
    meteor.setUserIdWithoutHooks(unseen[1].id, 'bob');
    const stats = await waitFor(
      () => monitor.flush().then(() => reader.stats()),
      (s) => s.now.sessions === 4,
      5000,
    );
    expect(stats.now).toMatchObject({ users: 2, sessions: 4, anonymousSessions: 2 });

    // Their onClose was hooked: a disconnect closes them at once, not at the next pass.
    await meteor.login(seen.id, 'carol');
    for (const conn of unseen) meteor.disconnect(conn.id);
    expect(await now()).toEqual({ users: 1, sessions: 1, anonymousSessions: 0 });
    meteor.disconnect(seen.id);
    expect(await now()).toEqual({ users: 0, sessions: 0, anonymousSessions: 0 });
    await expectToday({ activeUsers: 3, sessions: 4, logins: 3 });
    expect(errors).toEqual([]);
    expect(meteor.hookErrors).toEqual([]);
  });

  it('a reconcile() called outside a Fiber still counts; sessions it could not hook close at the next pass', async () => {
    const { meteor, monitor, detach, errors, now } = await attach({
      meteor: new MeteorStandIn({ version: 2 }),
    });
    const unseen = meteor.connectUnseen();
    meteor.setUserIdWithoutHooks(unseen.id, 'alice');
    // Not from Meteor code: onClose refuses, the session is counted all the same.
    expect(detach.reconcile()).toEqual({ opened: 1, closed: 0, loggedIn: 1, loggedOut: 0 });
    expect(await now()).toEqual({ users: 1, sessions: 1, anonymousSessions: 0 });
    expect(errors.map((e) => e.code)).toEqual(['ADAPTER_HOOK_FAILED']);
    expect(errors[0].message).toMatch(/onClose refused 1 sessions/);

    meteor.disconnect(unseen.id);
    expect(await now()).toEqual({ users: 1, sessions: 1, anonymousSessions: 0 });
    expect(meteor.runInFiber(() => detach.reconcile())).toEqual({
      opened: 0,
      closed: 1,
      loggedIn: 0,
      loggedOut: 0,
    });
    expect(await now()).toEqual({ users: 0, sessions: 0, anonymousSessions: 0 });
    expect(monitor.sessionUser(unseen.id)).toBeUndefined();
  });
});
