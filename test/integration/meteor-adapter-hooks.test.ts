// The Accounts and DDP hooks attachToMeteor registers: connections, logins and logouts counted as
// they happen, nothing counted through a hook after detach(), and no error thrown into Meteor.
import { useRedis } from '../support/use-redis';
import { MeteorStandIn } from '../support/meteor-stand-in';
import { useMeteorAdapter } from '../support/meteor-harness';

describe('attachToMeteor hooks', () => {
  const redis = useRedis();
  const attach = useMeteorAdapter(() => redis.server().url, redis.client);

  it('counts connections, and three tabs of one user as one user', async () => {
    const { meteor, monitor, errors, now, expectToday } = await attach();
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
    const { meteor, monitor, errors, now, expectToday } = await attach();
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
      const { meteor, errors, now, expectToday } = await attach({
        meteor: new MeteorStandIn({ version }),
      });
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
    const { meteor, errors, now, expectToday } = await attach();
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

  it('detach() stops every hook and the timer; later events change nothing', async () => {
    const { meteor, errors, detach, now, expectToday } = await attach({ reconcileIntervalMs: 20 });
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
    const { meteor, monitor, errors, detach } = await attach();
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
});
