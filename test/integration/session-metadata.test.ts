import { useMonitors } from '../support/monitor-harness';
import { uniqueNamespace } from '../support/redis-server';
import { useRedis } from '../support/use-redis';

// What SessionMonitor.open() makes of a connection's user agent, address and headers, read back
// through SauReader.sessions() and breakdown(): the monitor end of issue 4's session model.

const RC_MOBILE = 'RC Mobile; iOS 12.2; v3.4.0 (250)';
const RC_DESKTOP =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Rocket.Chat/2.15.2 Chrome/73.0.3683.121 Electron/5.0.1 Safari/537.36';
const FIREFOX = 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0';

describe('session metadata from open()', () => {
  const redis = useRedis();
  const monitors = useMonitors(() => redis.server().url);

  it('stores device, OS, app and the truncated address, and breaks live sessions down by them', async () => {
    const namespace = uniqueNamespace('meta');
    const { monitor } = await monitors.start({ namespace, instanceId: 'web-1', trustedProxies: 1 });
    monitor.open({
      id: 'phone',
      userAgent: RC_MOBILE,
      clientAddress: '10.0.0.2', // the proxy
      httpHeaders: { 'x-forwarded-for': '198.51.100.1, 203.0.113.77' },
    });
    monitor.login('phone', 'alice');
    monitor.open({
      id: 'desktop',
      clientAddress: '::ffff:192.0.2.33',
      httpHeaders: { 'user-agent': RC_DESKTOP },
    });
    monitor.open({ id: 'tab', userAgent: FIREFOX, clientAddress: '2001:db8:85a3:1:2:3:4:5' });
    await monitor.flush();

    const reader = monitors.reader({ namespace });
    const { sessions } = await reader.sessions({ limit: 10 });
    const byId = Object.fromEntries(sessions.map((s) => [s.id, s]));
    // One proxy in front: the client is the last address it appended.
    expect(byId.phone).toMatchObject({
      instance: 'web-1',
      userId: 'alice',
      deviceType: 'mobile-app',
      osName: 'iOS',
      osVersion: '12.2',
      clientName: 'RC Mobile',
      clientVersion: '3.4.0',
      clientAddress: '203.0.113.0',
    });
    expect(byId.phone.loginAt).not.toBeNull();
    expect(byId.desktop).toMatchObject({
      userId: null,
      deviceType: 'desktop-app',
      osName: 'Windows',
      clientName: 'Rocket.Chat',
      clientVersion: '2.15.2',
      clientAddress: '192.0.2.0',
      loginAt: null,
    });
    expect(byId.tab).toMatchObject({
      deviceType: 'browser',
      clientName: 'Firefox',
      clientVersion: '121',
      clientAddress: '2001:db8:85a3::',
    });

    const device = await reader.breakdown({ by: 'device', window: 'now' });
    expect(device.rows).toEqual(
      expect.arrayContaining([
        { value: 'mobile-app', sessions: 1, loggedInSessions: 1 },
        { value: 'desktop-app', sessions: 1, loggedInSessions: 0 },
        { value: 'browser', sessions: 1, loggedInSessions: 0 },
      ]),
    );
    expect(device.rows).toHaveLength(3);

    for (const id of monitor.liveSessionIds()) monitor.close(id);
    await monitor.flush();
    for (const by of ['device', 'os', 'browser'] as const) {
      expect((await reader.breakdown({ by, window: 'now' })).rows).toEqual([]);
    }
    const day = await reader.breakdown({ by: 'device', window: 'day' });
    expect(day.rows.map((r) => [r.value, r.sessions, r.users])).toEqual(
      expect.arrayContaining([
        ['mobile-app', 1, 1],
        ['desktop-app', 1, 0],
        ['browser', 1, 0],
      ]),
    );
  });

  it('stores a keyed hash or nothing at all when the privacy mode says so', async () => {
    const namespace = uniqueNamespace('privacy');
    const secret = 'a-secret-of-32-characters-long!!';
    const hashing = await monitors.start({
      namespace,
      instanceId: 'hashing',
      addressMode: 'hash',
      addressSecret: secret,
    });
    const silent = await monitors.start({ namespace, instanceId: 'silent', addressMode: 'none' });
    hashing.monitor.open({ id: 'h1', clientAddress: '203.0.113.77' });
    hashing.monitor.open({ id: 'h2', clientAddress: '::ffff:203.0.113.77' });
    hashing.monitor.open({ id: 'h3', clientAddress: '203.0.113.78' });
    silent.monitor.open({ id: 's1', clientAddress: '203.0.113.77' });
    await Promise.all([hashing.monitor.flush(), silent.monitor.flush()]);

    const { sessions } = await monitors.reader({ namespace }).sessions({ limit: 10 });
    const address = Object.fromEntries(sessions.map((s) => [s.id, s.clientAddress]));
    expect(address.h1).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(address.h2).toBe(address.h1); // the same client, however the socket spelled it
    expect(address.h3).not.toBe(address.h1);
    expect(JSON.stringify(sessions)).not.toContain('203.0.113');
    expect(address.s1).toBe('');
  });

  it('keeps a session’s metadata when a resync restores it', async () => {
    const namespace = uniqueNamespace('meta-resync');
    const { monitor } = await monitors.start({
      namespace,
      instanceId: 'small-queue',
      maxQueuedEvents: 1,
    });
    monitor.open({ id: 'first' });
    monitor.open({ id: 'phone', userAgent: RC_MOBILE }); // dropped: the queue holds one event
    await monitor.flush();
    expect(monitor.queueStatus.dropped).toBe(1);
    expect(await monitor.resync()).toMatchObject({ missing: 1 });
    await monitor.flush();
    const { sessions } = await monitors.reader({ namespace }).sessions({ limit: 10 });
    expect(sessions.find((s) => s.id === 'phone')).toMatchObject({
      deviceType: 'mobile-app',
      clientName: 'RC Mobile',
    });
  });

  it('refuses privacy options that would store the wrong thing', () => {
    expect(() => monitors.create({ addressMode: 'hash' })).toThrow(/addressSecret/);
    expect(() => monitors.create({ addressMode: 'blur' as never })).toThrow(/addressMode|mode/);
    expect(() => monitors.create({ trustedProxies: -1 })).toThrow(/trustedProxies/);
    expect(() => monitors.create({ breakdownCap: 500 })).toThrow(/breakdownCap/);
  });
});
