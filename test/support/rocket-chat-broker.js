// Rocket.Chat's microservices plumbing between a ddp-streamer and the app processes, as plain
// CommonJS so that the child processes of the fault tests share it with the in-process tests.
const { randomBytes, randomUUID } = require('node:crypto');

/**
 * `sauEvents` as @rocket.chat/emitter makes it: `on` returns the function that unsubscribes,
 * `off` unsubscribes, `emit` calls the handlers in order.
 */
class SauEventsStandIn {
  constructor() {
    this.handlers = new Map();
  }
  on(event, handler) {
    const list = this.handlers.get(event) ?? [];
    list.push(handler);
    this.handlers.set(event, list);
    return () => this.off(event, handler);
  }
  off(event, handler) {
    const list = this.handlers.get(event) ?? [];
    const index = list.indexOf(handler);
    if (index >= 0) list.splice(index, 1);
  }
  emit(event, payload) {
    for (const handler of [...(this.handlers.get(event) ?? [])]) handler(payload);
  }
  get listenerCount() {
    let count = 0;
    for (const list of this.handlers.values()) count += list.length;
    return count;
  }
}

/**
 * One ddp-streamer process (ee/apps/ddp-streamer): its `server.id` is a uuid made when the
 * process starts, every client's connection carries it as `instanceId`, and DDPStreamer.ts
 * broadcasts each step of a client's life over the service broker. The broker serializes with
 * EJSON, so what arrives has no `onClose` and no undefined fields.
 */
class DdpStreamerStandIn {
  constructor(instanceId = randomUUID()) {
    this.instanceId = instanceId;
    this.clients = new Map();
  }
  /** A client connected (Client.ts): returns its id and the broadcast. */
  connect(options = {}) {
    const id = randomUUID();
    const connection = {
      id,
      instanceId: this.instanceId,
      onClose: () => undefined,
      clientAddress: options.clientAddress ?? '192.0.2.10',
      httpHeaders: {
        host: 'chat.example.com',
        'user-agent': options.userAgent ?? 'Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 Safari/17',
      },
    };
    this.clients.set(id, { connection, userId: undefined });
    return { id, broadcast: ['socket.connected', ejson(connection)] };
  }
  /** The `login` method of configureServer.ts: sets userId and connection.loginToken. */
  login(id, userId) {
    const client = this.clientOf(id);
    client.userId = userId;
    client.connection.loginToken = randomBytes(16).toString('base64url');
    return ['accounts.login', ejson({ userId, connection: client.connection })];
  }
  /** The `logout` method: broadcast with the client's userId (undefined when not logged in). */
  logout(id) {
    const client = this.clientOf(id);
    const broadcast = [
      'accounts.logout',
      ejson({ userId: client.userId, connection: client.connection }),
    ];
    client.userId = undefined;
    return broadcast;
  }
  disconnect(id) {
    const client = this.clientOf(id);
    this.clients.delete(id);
    return ['socket.disconnected', ejson(client.connection)];
  }
  /** A keep-alive the operator may add to DDPStreamer.ts: a connect with no connection id. */
  keepAlive() {
    return ['socket.connected', { id: '', instanceId: this.instanceId }];
  }
  clientOf(id) {
    const client = this.clients.get(id);
    if (!client) throw new Error(`no client ${id}`);
    return client;
  }
}

function ejson(value) {
  return JSON.parse(JSON.stringify(value));
}

/** getClientAddress (apps/meteor/server/lib/getClientAddress.ts). */
function clientAddressOf(connection) {
  return connection.clientAddress || connection.httpHeaders?.['x-real-ip'] || '';
}

/**
 * SAUMonitorService (apps/meteor/server/services/sauMonitor/service.ts) in an app process: it
 * receives every ddp-streamer broadcast and re-emits it on the process's `sauEvents`, as it is in
 * the long-standing shape, mapped to ids and strings in the newer `sau.*` shape.
 */
function reemit(shape, sauEvents, event, payload) {
  if (shape === 'long') return sauEvents.emit(event, payload);
  switch (event) {
    case 'accounts.login': {
      const { userId, connection } = payload;
      return sauEvents.emit('sau.accounts.login', {
        userId,
        instanceId: connection.instanceId,
        connectionId: connection.id,
        loginToken: connection.loginToken,
        clientAddress: clientAddressOf(connection),
        userAgent: connection.httpHeaders?.['user-agent'] ?? '',
        host: connection.httpHeaders?.host ?? '',
      });
    }
    case 'accounts.logout':
      return sauEvents.emit('sau.accounts.logout', {
        userId: payload.userId,
        sessionId: payload.connection.id,
      });
    case 'socket.connected':
      return sauEvents.emit('sau.socket.connected', {
        instanceId: payload.instanceId,
        connectionId: payload.id,
      });
    case 'socket.disconnected':
      return sauEvents.emit('sau.socket.disconnected', {
        instanceId: payload.instanceId,
        connectionId: payload.id,
      });
    default:
      throw new Error(`no such broadcast ${event}`);
  }
}

module.exports = { SauEventsStandIn, DdpStreamerStandIn, reemit, clientAddressOf };
