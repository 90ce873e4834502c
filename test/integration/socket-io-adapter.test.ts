import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from 'socket.io';
import { io as connectClient, type Socket as ClientSocket } from 'socket.io-client';
import { useRedis } from '../support/use-redis';
import { uniqueNamespace } from '../support/redis-server';
import { useMonitors, waitFor } from '../support/monitor-harness';
import { attachToSocketIo, type SocketIoAdapterOptions } from '../../src/adapters/socket-io';
import type { SocketSessionHandle } from '../../src/adapters/socket-sessions';
import type { SessionMonitor } from '../../src/monitor/session-monitor';
import type { SauReader } from '../../src/reader/sau-reader';
import type { SauError } from '../../src/errors/sau-error';

const TOKENS: Record<string, string> = { 't-alice': 'alice', 't-bob': 'bob' };

function tokenUser(socket: Socket): string | undefined {
  const token = socket.handshake.query.token;
  return typeof token === 'string' ? TOKENS[token] : undefined;
}

describe('attachToSocketIo', () => {
  const redis = useRedis();
  const harness = useMonitors(() => redis.server().url);

  let monitor: SessionMonitor;
  let reader: SauReader;
  let errors: SauError[];
  let http: HttpServer;
  let io: Server;
  let url: string;
  let sau: SocketSessionHandle<Socket>;
  let serverSockets: Socket[];
  let clients: ClientSocket[];

  async function setup(options: SocketIoAdapterOptions<Socket> = { userIdOf: tokenUser }) {
    const namespace = uniqueNamespace('sio');
    ({ monitor, errors } = await harness.start({ namespace, instanceId: 'sio-1' }));
    reader = harness.reader({ namespace });
    http = createServer();
    io = new Server(http);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    sau = attachToSocketIo(monitor, io, options);
    serverSockets = [];
    clients = [];
    io.on('connection', (socket) => {
      serverSockets.push(socket);
      socket.on('auth', (token: string, ack: () => void) => {
        sau.login(socket, TOKENS[token]);
        ack();
      });
      socket.on('logout', (ack: () => void) => {
        sau.logout(socket);
        ack();
      });
    });
  }

  afterEach(async () => {
    for (const client of clients ?? []) client.disconnect();
    if (io) await new Promise<void>((resolve) => io.close(() => resolve()));
  });

  async function connect(query: Record<string, string> = {}): Promise<ClientSocket> {
    const client = connectClient(url, {
      query,
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      extraHeaders: { 'user-agent': 'sio-agent/2' },
    });
    clients.push(client);
    await new Promise<void>((resolve, reject) => {
      client.once('connect', resolve);
      client.once('connect_error', reject);
    });
    return client;
  }

  async function now() {
    await monitor.flush();
    const { users, sessions, anonymousSessions } = (await reader.stats()).now;
    return { users, sessions, anonymousSessions };
  }

  function eventually(expected: { users: number; sessions: number; anonymousSessions: number }) {
    return waitFor(now, (value) => JSON.stringify(value) === JSON.stringify(expected), 5000);
  }

  it('counts a socket under its socket.id as an anonymous session until it disconnects', async () => {
    await setup();
    const open = jest.spyOn(monitor, 'open');
    const client = await connect();
    expect(await now()).toEqual({ users: 0, sessions: 1, anonymousSessions: 1 });
    const info = open.mock.calls[0][0];
    expect(info.id).toBe(client.id);
    expect(sau.sessionIdOf(serverSockets[0])).toBe(client.id);
    expect(info).toMatchObject({ clientAddress: '127.0.0.1', userAgent: 'sio-agent/2' });

    client.disconnect();
    expect(await eventually({ users: 0, sessions: 0, anonymousSessions: 0 })).toBeTruthy();
    expect(sau.sessionIdOf(serverSockets[0])).toBeUndefined();
    expect(errors).toEqual([]);
  });

  it('logs in the user of the handshake and counts several sockets of one user once', async () => {
    await setup();
    const tabs = [
      await connect({ token: 't-alice' }),
      await connect({ token: 't-alice' }),
      await connect({ token: 't-alice' }),
    ];
    const bob = await connect({ token: 't-bob' });
    const guest = await connect();
    expect(await now()).toEqual({ users: 2, sessions: 5, anonymousSessions: 1 });

    tabs[0].disconnect();
    tabs[1].disconnect();
    expect(await eventually({ users: 2, sessions: 3, anonymousSessions: 1 })).toBeTruthy();
    for (const client of [tabs[2], bob, guest]) client.disconnect();
    expect(await eventually({ users: 0, sessions: 0, anonymousSessions: 0 })).toBeTruthy();
    const day = (await reader.stats({ window: 'day' })).day!;
    expect(day).toMatchObject({ activeUsers: 2, sessions: 5, logins: 4 });
    expect(errors).toEqual([]);
  });

  it('takes a login and a logout by event through the handle', async () => {
    await setup();
    const client = await connect();
    await client.emitWithAck('auth', 't-alice');
    expect(await now()).toEqual({ users: 1, sessions: 1, anonymousSessions: 0 });
    expect(monitor.sessionUser(client.id!)).toBe('alice');
    await client.emitWithAck('logout');
    expect(await now()).toEqual({ users: 0, sessions: 1, anonymousSessions: 1 });
    client.disconnect();
    expect(await eventually({ users: 0, sessions: 0, anonymousSessions: 0 })).toBeTruthy();
  });

  it('closes the session of a client whose transport was destroyed', async () => {
    await setup();
    await connect({ token: 't-alice' });
    const killed = await connect({ token: 't-bob' });
    expect(await now()).toEqual({ users: 2, sessions: 2, anonymousSessions: 0 });
    // Destroy the client's WebSocket without a close handshake or a socket.io disconnect packet.
    const transport = killed.io.engine.transport as unknown as { ws: { terminate(): void } };
    transport.ws.terminate();
    expect(await eventually({ users: 1, sessions: 1, anonymousSessions: 0 })).toBeTruthy();
    expect(monitor.liveSessionIds()).toEqual([serverSockets[0].id]);
  });

  it('closes the session when the client engine closes', async () => {
    await setup();
    const client = await connect({ token: 't-alice' });
    client.io.engine.close();
    expect(await eventually({ users: 0, sessions: 0, anonymousSessions: 0 })).toBeTruthy();
  });

  it('waits for an asynchronous userIdOf, e.g. what io.use() middleware resolved', async () => {
    await setup({
      userIdOf: async (socket) => {
        await new Promise((r) => setTimeout(r, 20));
        return tokenUser(socket);
      },
    });
    const quick = await connect({ token: 't-bob' });
    quick.disconnect(); // gone before its lookup answers
    await connect({ token: 't-alice' });
    expect(await eventually({ users: 1, sessions: 1, anonymousSessions: 0 })).toBeTruthy();
    await new Promise((r) => setTimeout(r, 50));
    expect(await now()).toEqual({ users: 1, sessions: 1, anonymousSessions: 0 });
    expect(errors).toEqual([]);
  });

  it('does not count a socket an earlier connection listener disconnected', async () => {
    const namespace = uniqueNamespace('sio');
    ({ monitor, errors } = await harness.start({ namespace, instanceId: 'sio-1' }));
    reader = harness.reader({ namespace });
    http = createServer();
    io = new Server(http);
    // Registered before the adapter: turns away banned users synchronously.
    io.on('connection', (socket) => {
      if (tokenUser(socket) === 'bob') socket.disconnect(true);
    });
    attachToSocketIo(monitor, io, { userIdOf: tokenUser });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    clients = [];
    await connect({ token: 't-alice' });
    const banned = connectClient(url, {
      query: { token: 't-bob' },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    clients.push(banned);
    await new Promise<void>((resolve) => banned.once('disconnect', () => resolve()));
    expect(await now()).toEqual({ users: 1, sessions: 1, anonymousSessions: 0 });
    expect((await reader.stats({ window: 'day' })).day).toMatchObject({ sessions: 1, logins: 1 });
    expect(errors).toEqual([]);
  });

  it('attaches to one namespace only', async () => {
    await setup({});
    const chat = io.of('/chat');
    const chatSau = attachToSocketIo(monitor, chat, { userIdOf: tokenUser });
    const client = connectClient(`${url}/chat`, {
      query: { token: 't-bob' },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    clients.push(client);
    await new Promise<void>((resolve) => client.once('connect', resolve));
    // The main namespace's adapter sees nothing of /chat; chat's own does.
    expect(await now()).toEqual({ users: 1, sessions: 1, anonymousSessions: 0 });
    expect(monitor.sessionUser(client.id!)).toBe('bob');
    chatSau.detach();
  });

  it('detach() stops counting: new sockets and disconnects change nothing', async () => {
    await setup();
    const first = await connect({ token: 't-alice' });
    expect(await now()).toEqual({ users: 1, sessions: 1, anonymousSessions: 0 });
    sau.detach();
    sau.detach();
    expect(serverSockets[0].listeners('disconnect')).toHaveLength(0);
    const second = await connect({ token: 't-bob' });
    sau.login(serverSockets[1], 'bob');
    first.disconnect();
    second.disconnect();
    await waitFor(
      async () => io.of('/').sockets.size,
      (size) => size === 0,
      5000,
    );
    expect(await now()).toEqual({ users: 1, sessions: 1, anonymousSessions: 0 });
    expect(errors).toEqual([]);
  });
});
