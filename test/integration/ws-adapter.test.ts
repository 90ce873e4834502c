import type { AddressInfo } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import { useRedis } from '../support/use-redis';
import { uniqueNamespace } from '../support/redis-server';
import { useMonitors, waitFor } from '../support/monitor-harness';
import { attachToWebSocketServer, type WebSocketAdapterOptions } from '../../src/adapters/ws';
import type { SocketSessionHandle } from '../../src/adapters/socket-sessions';
import type { SessionMonitor } from '../../src/monitor/session-monitor';
import type { SauReader } from '../../src/reader/sau-reader';
import type { SauError } from '../../src/errors/sau-error';

const TOKENS: Record<string, string> = { 't-alice': 'alice', 't-bob': 'bob' };

function tokenUser(request: IncomingMessage): string | undefined {
  const token = new URL(request.url ?? '/', 'http://localhost').searchParams.get('token');
  return token ? TOKENS[token] : undefined;
}

describe('attachToWebSocketServer (ws)', () => {
  const redis = useRedis();
  const harness = useMonitors(() => redis.server().url);

  let monitor: SessionMonitor;
  let reader: SauReader;
  let errors: SauError[];
  let wss: WebSocketServer;
  let url: string;
  let sau: SocketSessionHandle<WebSocket>;
  /** Server-side sockets, in connection order. */
  let serverSockets: WebSocket[];
  let clients: WebSocket[];

  async function setup(options: WebSocketAdapterOptions<WebSocket> = { userIdOf: tokenUser }) {
    const namespace = uniqueNamespace('ws');
    ({ monitor, errors } = await harness.start({ namespace, instanceId: 'ws-1' }));
    reader = harness.reader({ namespace });
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => wss.once('listening', resolve));
    url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
    sau = attachToWebSocketServer(monitor, wss, options);
    serverSockets = [];
    clients = [];
    wss.on('connection', (socket) => {
      serverSockets.push(socket);
      // Authentication by message after connecting, reported through the handle.
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as { auth?: string; logout?: boolean };
        if (message.auth) sau.login(socket, TOKENS[message.auth]);
        if (message.logout) sau.logout(socket);
        socket.send('done');
      });
    });
  }

  afterEach(async () => {
    for (const client of clients ?? []) client.terminate();
    for (const socket of wss?.clients ?? []) socket.terminate();
    await new Promise((resolve) => wss?.close(resolve));
  });

  async function connect(query = ''): Promise<WebSocket> {
    const client = new WebSocket(`${url}/${query}`, { headers: { 'user-agent': 'test-agent/1' } });
    clients.push(client);
    await new Promise((resolve, reject) => {
      client.once('open', resolve);
      client.once('error', reject);
    });
    return client;
  }

  /** Sends a message and waits for the server's answer, so the server has handled it. */
  async function send(client: WebSocket, message: object): Promise<void> {
    const answered = new Promise((resolve) => client.once('message', resolve));
    client.send(JSON.stringify(message));
    await answered;
  }

  async function now() {
    await monitor.flush();
    const { users, sessions, anonymousSessions } = (await reader.stats()).now;
    return { users, sessions, anonymousSessions };
  }

  /** Waits until the server noticed what a client did, then returns SAU now. */
  function eventually(expected: { users: number; sessions: number; anonymousSessions: number }) {
    return waitFor(now, (value) => JSON.stringify(value) === JSON.stringify(expected), 5000);
  }

  it('counts a connection as an anonymous session until it closes', async () => {
    await setup();
    const open = jest.spyOn(monitor, 'open');
    const client = await connect();
    expect(await now()).toEqual({ users: 0, sessions: 1, anonymousSessions: 1 });
    expect(open).toHaveBeenCalledTimes(1);
    const info = open.mock.calls[0][0];
    expect(info).toMatchObject({ clientAddress: '127.0.0.1', userAgent: 'test-agent/1' });
    expect(info.httpHeaders).toMatchObject({ 'user-agent': 'test-agent/1' });
    expect(info.id).toBe(sau.sessionIdOf(serverSockets[0]));

    client.close();
    expect(await eventually({ users: 0, sessions: 0, anonymousSessions: 0 })).toBeTruthy();
    expect(sau.sessionIdOf(serverSockets[0])).toBeUndefined();
    expect(errors).toEqual([]);
  });

  it('logs in the user of a ?token= and counts several clients of one user once', async () => {
    await setup();
    const tabs = [
      await connect('?token=t-alice'),
      await connect('?token=t-alice'),
      await connect('?token=t-alice'),
    ];
    const bob = await connect('?token=t-bob');
    const guest = await connect('?token=unknown');
    expect(await now()).toEqual({ users: 2, sessions: 5, anonymousSessions: 1 });
    const ids = serverSockets.map((socket) => sau.sessionIdOf(socket));
    expect(new Set(ids).size).toBe(5);

    tabs[0].close();
    tabs[1].terminate();
    expect(await eventually({ users: 2, sessions: 3, anonymousSessions: 1 })).toBeTruthy();
    tabs[2].close();
    bob.close();
    guest.close();
    expect(await eventually({ users: 0, sessions: 0, anonymousSessions: 0 })).toBeTruthy();
    const day = (await reader.stats({ window: 'day' })).day!;
    expect(day).toMatchObject({ activeUsers: 2, sessions: 5, logins: 4 });
    expect(errors).toEqual([]);
  });

  it('takes a login and a logout by message through the handle', async () => {
    await setup();
    const client = await connect();
    await send(client, { auth: 't-bob' });
    expect(await now()).toEqual({ users: 1, sessions: 1, anonymousSessions: 0 });
    expect(monitor.sessionUser(sau.sessionIdOf(serverSockets[0])!)).toBe('bob');

    await send(client, { logout: true });
    expect(await now()).toEqual({ users: 0, sessions: 1, anonymousSessions: 1 });
    client.close();
    expect(await eventually({ users: 0, sessions: 0, anonymousSessions: 0 })).toBeTruthy();
    // A late report for a closed socket is ignored, not an error.
    sau.login(serverSockets[0], 'bob');
    sau.logout(serverSockets[0]);
    expect(await now()).toEqual({ users: 0, sessions: 0, anonymousSessions: 0 });
    expect(errors).toEqual([]);
  });

  it('closes the session of a client killed without a close frame', async () => {
    await setup();
    await connect('?token=t-alice');
    const killed = await connect('?token=t-bob');
    expect(await now()).toEqual({ users: 2, sessions: 2, anonymousSessions: 0 });
    // terminate() destroys the TCP socket at once: no WebSocket close handshake.
    killed.terminate();
    expect(await eventually({ users: 1, sessions: 1, anonymousSessions: 0 })).toBeTruthy();
    expect(monitor.liveSessionIds()).toEqual([sau.sessionIdOf(serverSockets[0])]);
  });

  it('waits for an asynchronous userIdOf, and drops its answer once the socket closed', async () => {
    const release: (() => void)[] = [];
    await setup({
      userIdOf: (request) =>
        new Promise((resolve) => release.push(() => resolve(tokenUser(request)))),
    });
    await connect('?token=t-alice');
    const gone = await connect('?token=t-bob');
    await waitFor(
      async () => release.length,
      (n) => n === 2,
      5000,
    );
    expect(await now()).toEqual({ users: 0, sessions: 2, anonymousSessions: 2 });
    release[0]();
    expect(await eventually({ users: 1, sessions: 2, anonymousSessions: 1 })).toBeTruthy();

    gone.close();
    expect(await eventually({ users: 1, sessions: 1, anonymousSessions: 0 })).toBeTruthy();
    release[1](); // bob's lookup answers after his socket closed: nothing to log in
    await new Promise((r) => setImmediate(r));
    expect(await now()).toEqual({ users: 1, sessions: 1, anonymousSessions: 0 });
    expect(errors).toEqual([]); // in particular no UNKNOWN_SESSION
  });

  it('lets a login by message win over a slower userIdOf answer', async () => {
    let answer: (userId: string) => void = () => undefined;
    await setup({ userIdOf: () => new Promise<string>((resolve) => (answer = resolve)) });
    const client = await connect();
    await send(client, { auth: 't-bob' });
    answer('alice');
    await new Promise((r) => setImmediate(r));
    expect(monitor.sessionUser(sau.sessionIdOf(serverSockets[0])!)).toBe('bob');
    expect(await now()).toEqual({ users: 1, sessions: 1, anonymousSessions: 0 });
  });

  it('reports a userIdOf that throws or rejects, and keeps the session anonymous', async () => {
    await setup({
      userIdOf: (request) => {
        if (request.url?.includes('throw')) throw new Error('token store down');
        return Promise.reject(new Error('token expired'));
      },
    });
    await connect('?throw');
    await connect('?reject');
    await waitFor(
      async () => errors.length,
      (n) => n === 2,
      5000,
    );
    expect(errors.map((e) => e.code)).toEqual(['USER_ID_LOOKUP_FAILED', 'USER_ID_LOOKUP_FAILED']);
    expect(errors.map((e) => e.message).join('\n')).toMatch(/token store down[^]*token expired/);
    expect(await now()).toEqual({ users: 0, sessions: 2, anonymousSessions: 2 });
  });

  it('uses the app’s own session ids when sessionIdOf is given', async () => {
    let n = 0;
    await setup({ sessionIdOf: () => `conn-${++n}`, userIdOf: tokenUser });
    await connect('?token=t-alice');
    await connect();
    expect(monitor.liveSessionIds().sort()).toEqual(['conn-1', 'conn-2']);
    expect(monitor.sessionUser('conn-1')).toBe('alice');
    expect(sau.sessionIdOf(serverSockets[1])).toBe('conn-2');
  });

  it('detach() stops counting: new connections, closes and handle calls change nothing', async () => {
    await setup();
    const before = wss.listenerCount('connection');
    const early = await connect('?token=t-alice');
    const anonymous = await connect();
    expect(await now()).toEqual({ users: 1, sessions: 2, anonymousSessions: 1 });
    expect(serverSockets[0].listenerCount('close')).toBeGreaterThan(0);
    const closeListeners = serverSockets.map((socket) => socket.listenerCount('close'));

    sau.detach();
    sau.detach(); // idempotent
    expect(wss.listenerCount('connection')).toBe(before - 1);
    expect(serverSockets.map((socket) => socket.listenerCount('close'))).toEqual(
      closeListeners.map((count) => count - 1),
    );
    await connect('?token=t-bob');
    sau.login(serverSockets[1], 'carol');
    early.close();
    anonymous.terminate();
    await waitFor(
      async () => wss.clients.size,
      (size) => size === 1,
      5000,
    );
    expect(await now()).toEqual({ users: 1, sessions: 2, anonymousSessions: 1 });
    expect(sau.sessionIdOf(serverSockets[2])).toBeUndefined();
    expect(errors).toEqual([]);
  });
});
