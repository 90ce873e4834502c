import { useRedis } from '../support/use-redis';
import { waitFor } from '../support/monitor-harness';
import { MeteorStandIn } from '../support/meteor-stand-in';
import { useMeteorAdapter, type MeteorCase } from '../support/meteor-harness';
import { attachToMeteor, type MeteorDetach } from '../../src/adapters/meteor';
import type { SessionMonitor } from '../../src/monitor/session-monitor';
import type { SauReader } from '../../src/reader/sau-reader';
import type { SauError } from '../../src/errors/sau-error';

describe('attachToMeteor', () => {
  const redis = useRedis();
  const attach = useMeteorAdapter(() => redis.server().url, redis.client);

  let meteor: MeteorStandIn;
  let monitor: SessionMonitor;
  let reader: SauReader;
  let errors: SauError[];
  let now: MeteorCase['now'];
  let expectToday: MeteorCase['expectToday'];

  async function setup(
    options: { reconcileIntervalMs?: number; meteor?: MeteorStandIn } = {},
  ): Promise<MeteorDetach> {
    const attached = await attach(options);
    ({ meteor, monitor, reader, errors, now, expectToday } = attached);
    return attached.detach;
  }

  it('counts connections, and three tabs of one user as one user', async () => {
    await setup();
    const open = jest.spyOn(monitor, 'open');
    const tabs = [meteor.connect(), meteor.connect(), meteor.connect()];
    const guest = meteor.connect({ clientAddress: '203.0.113.9', headers: { cookie: 'secret' } });
    expect(await now()).toEqual({ users: 0, sessions: 4, anonymousSessions: 4 });
    // The connection's own fields reach open(); sockjs kept no cookie header.
    expect(open).toHaveBeenLastCalledWith({
      id: guest.id,
      clientAddress: '203.0.113.9',
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
      httpHeaders: {
        host: 'chat.example.com',
        'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
        'accept-language': 'en',
      },
    });

    for (const tab of tabs) await meteor.login(tab.id, 'alice');
    expect(await now()).toEqual({ users: 1, sessions: 4, anonymousSessions: 1 });
    await meteor.login(guest.id, 'bob');
    expect(await now()).toEqual({ users: 2, sessions: 4, anonymousSessions: 0 });
    await expectToday({ activeUsers: 2, sessions: 4, logins: 4 });

    meteor.disconnect(tabs[0].id);
    meteor.disconnect(tabs[1].id);
    expect(await now()).toEqual({ users: 2, sessions: 2, anonymousSessions: 0 });
    meteor.disconnect(tabs[2].id);
    meteor.disconnect(guest.id);
    expect(await now()).toEqual({ users: 0, sessions: 0, anonymousSessions: 0 });
    expect(errors).toEqual([]);
    expect(meteor.hookErrors).toEqual([]);
  });

  it('counts the resume login of every reconnect on the new session', async () => {
    await setup();
    const first = meteor.connect();
    await meteor.login(first.id, 'alice', { type: 'password' });
    expect(await now()).toEqual({ users: 1, sessions: 1, anonymousSessions: 0 });

    // The network drops: Meteor closes the old session; the client reconnects and resumes.
    meteor.disconnect(first.id);
    const second = meteor.connect();
    expect(await now()).toEqual({ users: 0, sessions: 1, anonymousSessions: 1 });
    await meteor.login(second.id, 'alice', { type: 'resume' });
    expect(await now()).toEqual({ users: 1, sessions: 1, anonymousSessions: 0 });
    await expectToday({ activeUsers: 1, sessions: 2, logins: 2 });
    expect(monitor.sessionUser(second.id)).toBe('alice');
    expect(monitor.sessionUser(first.id)).toBeUndefined();
    expect(errors).toEqual([]);
  });

  it.each([3, 2] as const)(
    'logs out on onLogout, also when the user document is gone (user undefined), Meteor %i',
    async (version) => {
      await setup({ meteor: new MeteorStandIn({ version }) });
      const a = meteor.connect();
      const b = meteor.connect();
      await meteor.login(a.id, 'alice');
      await meteor.login(b.id, 'bob');
      expect(await now()).toEqual({ users: 2, sessions: 2, anonymousSessions: 0 });

      await meteor.logout(a.id);
      await meteor.logout(b.id, { userFound: false });
      expect(await now()).toEqual({ users: 0, sessions: 2, anonymousSessions: 2 });
      // Logged out sessions stay open, anonymous, until they close.
      meteor.disconnect(a.id);
      meteor.disconnect(b.id);
      expect(await now()).toEqual({ users: 0, sessions: 0, anonymousSessions: 0 });
      await expectToday({ activeUsers: 2, sessions: 2, logins: 2 });
      expect(errors).toEqual([]);
    },
  );

  it('ignores login info without a connection or not allowed, and a logout without a connection', async () => {
    await setup();
    const conn = meteor.connect();
    meteor.loginWithoutConnection('server-side');
    // Meteor never passes these to onLogin; the adapter must not count them if a package does.
    meteor.emitLogin({
      type: 'password',
      allowed: false,
      user: { _id: 'mallory' },
      connection: conn,
    });
    meteor.emitLogin({ type: 'password', allowed: true, user: null, connection: conn });
    meteor.emitLogout({ user: { _id: 'alice' }, connection: null });
    expect(await now()).toEqual({ users: 0, sessions: 1, anonymousSessions: 1 });
    await expectToday({ activeUsers: 0, sessions: 1, logins: 0 });
    expect(errors).toEqual([]);
  });

  it('repairs a close whose onClose never came, and counts a deferred onClose once', async () => {
    const detach = await setup();
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
    const detach = await setup({ meteor: early });
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
    await setup();
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
    const detach = await setup();
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
    const detach = await setup();
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
    await setup({ reconcileIntervalMs: 50 });
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
    const detach = await setup();
    monitor.open({ id: 'ws-socket-1' });
    monitor.login('ws-socket-1', 'walter');
    meteor.connect();
    expect(detach.reconcile()).toEqual({ opened: 0, closed: 0, loggedIn: 0, loggedOut: 0 });
    expect(await now()).toEqual({ users: 1, sessions: 2, anonymousSessions: 1 });
  });

  it('detach() stops every hook and the timer; later events change nothing', async () => {
    const detach = await setup({ reconcileIntervalMs: 20 });
    expect(meteor.hookCounts).toEqual({ onConnection: 1, onLogin: 1, onLogout: 1, validate: 1 });
    const a = meteor.connect();
    const b = meteor.connect();
    await meteor.login(a.id, 'alice');
    expect(await now()).toEqual({ users: 1, sessions: 2, anonymousSessions: 1 });

    detach();
    detach(); // idempotent
    expect(meteor.hookCounts).toEqual({ onConnection: 0, onLogin: 0, onLogout: 0, validate: 0 });
    const c = meteor.connect();
    await meteor.login(c.id, 'carol');
    await meteor.logout(a.id);
    meteor.disconnect(b.id); // its onClose callback was registered before detach
    meteor.dropWithoutOnClose(c.id);
    await new Promise((r) => setTimeout(r, 100)); // several timer periods
    expect(detach.reconcile()).toEqual({ opened: 0, closed: 0, loggedIn: 0, loggedOut: 0 });
    expect(await now()).toEqual({ users: 1, sessions: 2, anonymousSessions: 1 });
    await expectToday({ activeUsers: 1, sessions: 2, logins: 1 });
    expect(errors).toEqual([]);
  });

  it('never throws into Meteor, even when the monitor is stopped', async () => {
    const detach = await setup();
    const conn = meteor.connect();
    await monitor.stop();
    errors.length = 0;
    expect(() => meteor.connect()).not.toThrow();
    await meteor.login(conn.id, 'alice');
    expect(() => detach.reconcile()).not.toThrow();
    await meteor.settle();
    expect(meteor.hookErrors).toEqual([]);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e.code === 'STOPPED')).toBe(true);
  });

  it('rejects a negative or non-finite reconcileIntervalMs', async () => {
    await setup();
    for (const reconcileIntervalMs of [-1, Number.NaN, Infinity]) {
      expect(() => attachToMeteor(monitor, meteor, { reconcileIntervalMs })).toThrow(
        /reconcileIntervalMs/,
      );
    }
  });
});
