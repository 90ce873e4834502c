import { useRedis } from '../support/use-redis';
import { MeteorStandIn } from '../support/meteor-stand-in';
import { useMeteorAdapter } from '../support/meteor-harness';

function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Meteor 3's accounts-base and ddp-server, in the order they do things (see MeteorStandIn). */
describe('attachToMeteor on Meteor 3 accounts', () => {
  const redis = useRedis();
  const attach = useMeteorAdapter(() => redis.server().url, redis.client);

  it('counts a login whose earlier onLogin callback rejects, which stops ours', async () => {
    const meteor = new MeteorStandIn();
    let laterCallbacks = 0;
    meteor.Accounts.onLogin(async () => {
      throw new Error('an app callback failed');
    });
    const { monitor, errors, now, expectToday } = await attach({ meteor });
    meteor.Accounts.onLogin(() => void laterCallbacks++);
    const conn = meteor.connect();
    // forEachAsync stops at the rejection, and the login method fails with it.
    await expect(meteor.login(conn.id, 'alice')).rejects.toThrow('an app callback failed');
    expect(laterCallbacks).toBe(0);
    expect(meteor.getSession(conn.id)?.userId).toBe('alice');
    expect(monitor.sessionUser(conn.id)).toBe('alice');
    expect(await now()).toEqual({ users: 1, sessions: 1, anonymousSessions: 0 });
    await expectToday({ activeUsers: 1, sessions: 1, logins: 1 });
    expect(errors).toEqual([]);
  });

  it('counts a login on the turn after Meteor sets its user, before a slow onLogin callback ends', async () => {
    const meteor = new MeteorStandIn({ subscriptionTurns: 3 });
    let finishSlowCallback = (): void => undefined;
    meteor.Accounts.onLogin(
      () => new Promise<void>((resolve) => (finishSlowCallback = () => resolve())),
    );
    const { monitor, errors, now, expectToday } = await attach({ meteor });
    const conn = meteor.connect();
    const login = meteor.login(conn.id, 'alice');
    // Count event-loop turns from the turn Meteor set session.userId to the turn the monitor has it.
    let turnsAfterSetUserId = -1;
    for (let turn = 0; turn < 1000 && monitor.sessionUser(conn.id) !== 'alice'; turn++) {
      await tick();
      if (turnsAfterSetUserId >= 0 || meteor.getSession(conn.id)?.userId === 'alice') {
        turnsAfterSetUserId++;
      }
    }
    expect(monitor.sessionUser(conn.id)).toBe('alice');
    expect(turnsAfterSetUserId).toBeLessThanOrEqual(1);
    // The slow callback still holds the onLogin chain (and ours behind it).
    expect(await now()).toEqual({ users: 1, sessions: 1, anonymousSessions: 0 });
    finishSlowCallback();
    await login;
    expect(await now()).toEqual({ users: 1, sessions: 1, anonymousSessions: 0 });
    await expectToday({ activeUsers: 1, sessions: 1, logins: 1 });
    expect(errors).toEqual([]);
  });

  it('logs out although an earlier onLogout callback never settles (onLogout is not awaited)', async () => {
    const meteor = new MeteorStandIn();
    meteor.Accounts.onLogout(() => new Promise<void>(() => undefined));
    const { errors, now, expectToday } = await attach({ meteor });
    const conn = meteor.connect();
    await meteor.login(conn.id, 'alice');
    await meteor.logout(conn.id);
    expect(await now()).toEqual({ users: 0, sessions: 1, anonymousSessions: 1 });
    meteor.disconnect(conn.id);
    expect(await now()).toEqual({ users: 0, sessions: 0, anonymousSessions: 0 });
    await expectToday({ activeUsers: 1, sessions: 1, logins: 1 });
    expect(errors).toEqual([]);
  });

  it('counts a login whose session closes while its subscriptions re-run, and keeps it closed', async () => {
    const meteor = new MeteorStandIn({ subscriptionTurns: 5 });
    const { monitor, errors, now, expectToday } = await attach({ meteor });
    const conn = meteor.connect();
    const login = meteor.login(conn.id, 'alice');
    while (meteor.getSession(conn.id)?.userId !== 'alice') await tick();
    // setUserId is re-running the subscriptions; the client goes away meanwhile.
    meteor.disconnect(conn.id);
    await login; // onLogin runs for a connection that is already closed
    expect(monitor.sessionUser(conn.id)).toBeUndefined();
    expect(await now()).toEqual({ users: 0, sessions: 0, anonymousSessions: 0 });
    await expectToday({ activeUsers: 1, sessions: 1, logins: 1 });
    expect(errors).toEqual([]);
  });

  it('a logout closes the other sessions logged in with the same token', async () => {
    const { meteor, errors, now, expectToday } = await attach();
    const [tab1, tab2, phone] = [meteor.connect(), meteor.connect(), meteor.connect()];
    const token = await meteor.login(tab1.id, 'alice');
    await meteor.login(tab2.id, 'alice', { type: 'resume', token }); // a second tab, same token
    await meteor.login(phone.id, 'alice'); // another device, its own token
    expect(await now()).toEqual({ users: 1, sessions: 3, anonymousSessions: 0 });

    await meteor.logout(tab1.id);
    expect(meteor.getSession(tab2.id)).toBeUndefined();
    // tab1 stays connected, anonymous; tab2 closed; the phone stays logged in.
    expect(await now()).toEqual({ users: 1, sessions: 2, anonymousSessions: 1 });
    meteor.disconnect(tab1.id);
    meteor.disconnect(phone.id);
    expect(await now()).toEqual({ users: 0, sessions: 0, anonymousSessions: 0 });
    await expectToday({ activeUsers: 1, sessions: 3, logins: 3 });
    expect(errors).toEqual([]);
  });

  it('a resume login of another user on a logged-in session switches users without onLogout', async () => {
    const { meteor, monitor, errors, now, expectToday } = await attach();
    const conn = meteor.connect();
    await meteor.login(conn.id, 'alice');
    const bobToken = 'token-of-bob';
    await meteor.login(conn.id, 'bob', { type: 'resume', token: bobToken });
    expect(monitor.sessionUser(conn.id)).toBe('bob');
    expect(await now()).toEqual({ users: 1, sessions: 1, anonymousSessions: 0 });
    meteor.disconnect(conn.id);
    expect(await now()).toEqual({ users: 0, sessions: 0, anonymousSessions: 0 });
    await expectToday({ activeUsers: 2, sessions: 1, logins: 2 });
    expect(errors).toEqual([]);
  });

  it("a REST login's connection (no onClose, never listed) counts the user, not a live session", async () => {
    const { meteor, errors, now, expectToday } = await attach();
    const rest = await meteor.restLogin('bot');
    expect(rest.onClose).toBeUndefined();
    expect(meteor.getSession(rest.id)).toBeUndefined();
    await meteor.restLogin('bot');
    expect(await now()).toEqual({ users: 0, sessions: 0, anonymousSessions: 0 });
    await expectToday({ activeUsers: 1, sessions: 2, logins: 2 });
    expect(errors).toEqual([]);
  });

  it('stores client addresses as Meteor reports them (null, undefined, IPv4-mapped) and passes sockjs headers', async () => {
    const { meteor, monitor, reader, errors, now } = await attach();
    const open = jest.spyOn(monitor, 'open');
    const forwarded = {
      'x-forwarded-for': '203.0.113.50',
      'x-forwarded-host': 'chat.example.org',
      'x-forwarded-port': '443',
      cookie: 'rc_token=secret',
    };
    const noAddress = meteor.connect({ clientAddress: null, headers: forwarded });
    const unknown = meteor.connect({ clientAddress: undefined });
    const mapped = meteor.connect({ clientAddress: '::ffff:1.2.3.4' });
    expect(await now()).toEqual({ users: 0, sessions: 3, anonymousSessions: 3 });
    expect(open.mock.calls[0][0].httpHeaders).toEqual({
      host: 'chat.example.com',
      'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
      'accept-language': 'en',
      'x-forwarded-for': '203.0.113.50',
      'x-forwarded-host': 'chat.example.org',
      'x-forwarded-port': '443',
    });
    const { sessions } = await reader.sessions({ limit: 10 });
    const addressOf = Object.fromEntries(sessions.map((s) => [s.id, s.clientAddress]));
    // Default addressMode truncate; X-Forwarded-For is ignored without trustedProxies.
    expect(addressOf).toEqual({ [noAddress.id]: '', [unknown.id]: '', [mapped.id]: '1.2.3.0' });
    expect(errors).toEqual([]);
  });
});
