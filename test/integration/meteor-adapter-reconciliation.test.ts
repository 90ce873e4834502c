// attachToMeteor's reconciliation with Meteor.server.sessions: it repairs what the hooks missed
// (a close without onClose, a login or logout without the Accounts hooks, sessions from before
// attach), on demand and on its own timer, and leaves alone sessions Meteor never held.
import { useRedis } from '../support/use-redis';
import { waitFor } from '../support/monitor-harness';
import { MeteorStandIn } from '../support/meteor-stand-in';
import { useMeteorAdapter } from '../support/meteor-harness';
import { attachToMeteor } from '../../src/adapters/meteor';

describe('attachToMeteor reconciliation', () => {
  const redis = useRedis();
  const attach = useMeteorAdapter(() => redis.server().url, redis.client);

  it('repairs a close whose onClose never came, and counts a deferred onClose once', async () => {
    const { meteor, errors, detach, now, expectToday } = await attach();
    const lost = meteor.connect();
    const closing = meteor.connect();
    const staying = meteor.connect();
    await meteor.login(lost.id, 'alice');
    await meteor.login(closing.id, 'bob');
    expect(await now()).toEqual({ users: 2, sessions: 3, anonymousSessions: 1 });

    meteor.dropWithoutOnClose(lost.id);
    // Meteor removed `closing` from its map; its onClose callbacks are still deferred.
    meteor.disconnect(closing.id);
    expect(detach.reconcile()).toEqual({ opened: 0, closed: 2, loggedIn: 0, loggedOut: 0 });
    expect(await now()).toEqual({ users: 0, sessions: 1, anonymousSessions: 1 });
    // The deferred onClose ran meanwhile (settle): a no-op, nothing counted twice.
    expect(detach.reconcile()).toEqual({ opened: 0, closed: 0, loggedIn: 0, loggedOut: 0 });
    await expectToday({ activeUsers: 2, sessions: 3, logins: 2 });

    meteor.disconnect(staying.id);
    expect(await now()).toEqual({ users: 0, sessions: 0, anonymousSessions: 0 });
    expect(errors).toEqual([]);
  });

  it('counts at attach the sessions that existed before, then repairs missed logins and logouts', async () => {
    // Connections from before attaching: one anonymous, one already logged in.
    const early = new MeteorStandIn();
    const before = early.connect();
    const loggedInBefore = early.connect();
    early.setUserIdWithoutHooks(loggedInBefore.id, 'carol');
    const { meteor, monitor, errors, detach, now, expectToday } = await attach({ meteor: early });
    // Counted at attach, without waiting for a reconciliation.
    expect(await now()).toEqual({ users: 1, sessions: 2, anonymousSessions: 1 });
    expect(detach.reconcile()).toEqual({ opened: 0, closed: 0, loggedIn: 0, loggedOut: 0 });

    const silent = meteor.connect();
    const leaving = meteor.connect();
    await meteor.login(leaving.id, 'dave');
    meteor.setUserIdWithoutHooks(silent.id, 'alice'); // a custom method's this.setUserId()
    meteor.setUserIdWithoutHooks(leaving.id, null); // logged out without Accounts.logout
    expect(await now()).toEqual({ users: 2, sessions: 4, anonymousSessions: 2 });

    expect(detach.reconcile()).toEqual({ opened: 0, closed: 0, loggedIn: 1, loggedOut: 1 });
    expect(await now()).toEqual({ users: 2, sessions: 4, anonymousSessions: 2 });
    expect(monitor.sessionUser(loggedInBefore.id)).toBe('carol');
    expect(monitor.sessionUser(silent.id)).toBe('alice');
    expect(monitor.sessionUser(before.id)).toBeNull();
    expect(detach.reconcile()).toEqual({ opened: 0, closed: 0, loggedIn: 0, loggedOut: 0 });

    // A user switch without hooks: the session moves to the other user.
    meteor.setUserIdWithoutHooks(silent.id, 'erin');
    expect(detach.reconcile()).toMatchObject({ loggedIn: 1 });
    expect(monitor.sessionUser(silent.id)).toBe('erin');

    // Sessions opened at attach close by their onClose like the others.
    meteor.disconnect(before.id);
    meteor.disconnect(loggedInBefore.id);
    expect(await now()).toEqual({ users: 1, sessions: 2, anonymousSessions: 1 });
    meteor.disconnect(silent.id);
    meteor.disconnect(leaving.id);
    expect(await now()).toEqual({ users: 0, sessions: 0, anonymousSessions: 0 });
    await expectToday({ activeUsers: 4, sessions: 4, logins: 4 });
    expect(errors).toEqual([]);
  });

  it('opens a session from its login info when the login comes before onConnection was seen', async () => {
    const { meteor, monitor, errors, now } = await attach();
    // A session the onConnection hook never reported (reconciliation has not run since).
    const conn = meteor.connectUnseen();
    expect(monitor.sessionUser(conn.id)).toBeUndefined();

    await meteor.login(conn.id, 'alice', { type: 'resume' });
    expect(await now()).toEqual({ users: 1, sessions: 1, anonymousSessions: 0 });
    meteor.disconnect(conn.id); // its onClose was hooked from the login info
    expect(await now()).toEqual({ users: 0, sessions: 0, anonymousSessions: 0 });
    expect(errors).toEqual([]);
  });

  it('does not race with Meteor setting and clearing userId around the Accounts hooks', async () => {
    const { meteor, monitor, errors, detach, now, expectToday } = await attach();
    const conn = meteor.connect();
    // Meteor sets userId, then later runs onLogin: reconciliation may come in between.
    meteor.setUserIdWithoutHooks(conn.id, 'alice');
    expect(detach.reconcile()).toMatchObject({ loggedIn: 1 });
    meteor.emitLogin({ type: 'password', allowed: true, user: { _id: 'alice' }, connection: conn });
    // onLogin for the same user: not a second login.
    await expectToday({ activeUsers: 1, sessions: 1, logins: 1 });

    // Meteor runs onLogout, then an await later clears userId: no login back in between.
    const logout = meteor.logout(conn.id);
    expect(detach.reconcile()).toEqual({ opened: 0, closed: 0, loggedIn: 0, loggedOut: 0 });
    await logout;
    expect(detach.reconcile()).toEqual({ opened: 0, closed: 0, loggedIn: 0, loggedOut: 0 });
    expect(await now()).toEqual({ users: 0, sessions: 1, anonymousSessions: 1 });

    // A later login of the same user on that session counts again.
    meteor.setUserIdWithoutHooks(conn.id, 'alice');
    expect(detach.reconcile()).toMatchObject({ loggedIn: 1 });
    expect(await now()).toEqual({ users: 1, sessions: 1, anonymousSessions: 0 });
    await expectToday({ activeUsers: 1, sessions: 1, logins: 2 });

    // onLogout ran but Meteor kept the user (the logout method failed after its hooks): the
    // first pass waits for Meteor to clear it, the second repairs the login.
    meteor.emitLogout({ user: { _id: 'alice' }, connection: conn });
    expect(monitor.sessionUser(conn.id)).toBeNull();
    expect(detach.reconcile()).toMatchObject({ loggedIn: 0 });
    expect(detach.reconcile()).toMatchObject({ loggedIn: 1 });
    expect(monitor.sessionUser(conn.id)).toBe('alice');
    expect(errors).toEqual([]);
  });

  it('reads a plain-object Meteor.server.sessions, and survives a missing one', async () => {
    const { meteor, monitor, errors, detach, now } = await attach();
    meteor.useLegacySessionsObject();
    const a = meteor.connect();
    const b = meteor.connect();
    meteor.setUserIdWithoutHooks(a.id, 'alice');
    meteor.dropWithoutOnClose(b.id);
    expect(() => detach.reconcile()).not.toThrow();
    expect(await now()).toEqual({ users: 1, sessions: 1, anonymousSessions: 0 });

    // An onLogin for a connection Meteor no longer lists is not counted.
    const gone = meteor.connect();
    meteor.dropWithoutOnClose(gone.id);
    detach.reconcile();
    meteor.emitLogin({ type: 'resume', allowed: true, user: { _id: 'zed' }, connection: gone });
    expect(monitor.sessionUser(gone.id)).toBeUndefined();

    (meteor.Meteor as { server?: unknown }).server = undefined;
    expect(detach.reconcile()).toEqual({ opened: 0, closed: 0, loggedIn: 0, loggedOut: 0 });
    (meteor.Meteor as { server?: unknown }).server = { sessions: 'not a collection' };
    expect(detach.reconcile()).toEqual({ opened: 0, closed: 0, loggedIn: 0, loggedOut: 0 });
    expect(await now()).toEqual({ users: 1, sessions: 1, anonymousSessions: 0 });
    expect(errors).toEqual([]);
  });

  it('reconciles on its own timer', async () => {
    const { meteor, monitor, reader } = await attach({ reconcileIntervalMs: 50 });
    const conn = meteor.connect();
    await meteor.login(conn.id, 'alice');
    meteor.dropWithoutOnClose(conn.id);
    const stats = await waitFor(
      () => monitor.flush().then(() => reader.stats()),
      (s) => s.now.sessions === 0,
      5000,
    );
    expect(stats.now).toMatchObject({ users: 0, sessions: 0, anonymousSessions: 0 });
  });

  it('leaves sessions it never saw in Meteor alone (a monitor shared with another adapter)', async () => {
    const { meteor, monitor, detach, now } = await attach();
    monitor.open({ id: 'ws-socket-1' });
    monitor.login('ws-socket-1', 'walter');
    meteor.connect();
    expect(detach.reconcile()).toEqual({ opened: 0, closed: 0, loggedIn: 0, loggedOut: 0 });
    expect(await now()).toEqual({ users: 1, sessions: 2, anonymousSessions: 1 });
  });

  it('rejects a negative, non-finite or overlong reconcileIntervalMs', async () => {
    const { meteor, monitor } = await attach();
    // Past 2^31 - 1 ms a Node timer fires at once: a reconciliation a millisecond.
    for (const reconcileIntervalMs of [-1, Number.NaN, Infinity, 2 ** 31]) {
      expect(() => attachToMeteor(monitor, meteor, { reconcileIntervalMs })).toThrow(
        /reconcileIntervalMs/,
      );
    }
  });
});
