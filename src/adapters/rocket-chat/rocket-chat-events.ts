import type { SessionInfo } from '../../monitor/session-input';

/**
 * Rocket.Chat's `sauEvents` emitter (apps/meteor/server/services/sauMonitor/events.ts), as far as
 * the adapter uses it: `@rocket.chat/emitter` (whose `on` returns the unsubscribe function) or a
 * Node EventEmitter.
 */
export interface SauEventsLike {
  on(event: string, handler: (payload: unknown) => void): unknown;
  off?(event: string, handler: (payload: unknown) => void): unknown;
}

/** One step in a session's life, whichever shape of event reported it. */
export type SessionEvent =
  | { kind: 'connected'; instanceId: string; info: SessionInfo }
  | { kind: 'disconnected'; instanceId: string; connectionId: string }
  | {
      kind: 'login';
      instanceId: string;
      userId: string;
      info: SessionInfo;
      /** The connection will report its close (a live DDP connection); false for a REST login's. */
      closes: boolean;
    }
  /** The logout of the newer shape names no instance (`{ userId, sessionId }`). */
  | { kind: 'logout'; instanceId: string | undefined; connectionId: string }
  /** An instance is alive: a connect or disconnect without a connection id (a keep-alive). */
  | { kind: 'alive'; instanceId: string };

type Parser = (payload: unknown) => SessionEvent | undefined;

/**
 * Both shapes of Rocket.Chat's SAU events: the long-standing one (6.x, 7.x), which carries the
 * connection object, and the newer one (`sau.*`), which carries ids and a few strings. The
 * newer `sau.socket.*` events have come both as `{ instanceId, connectionId }` and as a spread
 * connection (`{ instanceId, ...connection }`); both are read.
 */
export const SAU_EVENT_PARSERS: Readonly<Record<string, Parser>> = {
  'socket.connected': (payload) => connectedOf(asRecord(payload)),
  'socket.disconnected': (payload) => disconnectedOf(asRecord(payload)),
  'accounts.login': (payload) => {
    const { userId, connection } = asRecord(payload);
    const conn = asRecord(connection);
    const instanceId = stringOf(conn.instanceId);
    if (!instanceId || !isId(userId) || !isId(conn.id)) return undefined;
    return {
      kind: 'login',
      instanceId,
      userId,
      info: infoOf(conn.id, conn.clientAddress, conn.httpHeaders),
      closes: typeof conn.onClose === 'function',
    };
  },
  'accounts.logout': (payload) => {
    const conn = asRecord(asRecord(payload).connection);
    if (!isId(conn.id)) return undefined;
    return { kind: 'logout', instanceId: stringOf(conn.instanceId), connectionId: conn.id };
  },
  'sau.socket.connected': (payload) => connectedOf(asRecord(payload)),
  'sau.socket.disconnected': (payload) => disconnectedOf(asRecord(payload)),
  'sau.accounts.login': (payload) => {
    const event = asRecord(payload);
    const instanceId = stringOf(event.instanceId);
    const { userId, connectionId } = event;
    if (!instanceId || !isId(userId) || !isId(connectionId)) return undefined;
    const userAgent = stringOf(event.userAgent) || undefined;
    const host = stringOf(event.host) || undefined;
    return {
      kind: 'login',
      instanceId,
      userId,
      info: {
        id: connectionId,
        clientAddress: stringOf(event.clientAddress) || undefined,
        userAgent,
        httpHeaders: { 'user-agent': userAgent, host },
      },
      closes: false,
    };
  },
  'sau.accounts.logout': (payload) => {
    const { sessionId } = asRecord(payload);
    if (!isId(sessionId)) return undefined;
    return { kind: 'logout', instanceId: undefined, connectionId: sessionId };
  },
};

function connectedOf(event: Record<string, unknown>): SessionEvent | undefined {
  const instanceId = stringOf(event.instanceId);
  if (!instanceId) return undefined;
  const id = event.connectionId ?? event.id;
  if (!isId(id)) return { kind: 'alive', instanceId };
  return {
    kind: 'connected',
    instanceId,
    info: infoOf(id, event.clientAddress, event.httpHeaders),
  };
}

function disconnectedOf(event: Record<string, unknown>): SessionEvent | undefined {
  const instanceId = stringOf(event.instanceId);
  if (!instanceId) return undefined;
  const id = event.connectionId ?? event.id;
  if (!isId(id)) return { kind: 'alive', instanceId };
  return { kind: 'disconnected', instanceId, connectionId: id };
}

function infoOf(id: string, clientAddress: unknown, headers: unknown): SessionInfo {
  const httpHeaders =
    headers && typeof headers === 'object'
      ? (headers as Record<string, string | string[] | undefined>)
      : undefined;
  const userAgent = httpHeaders?.['user-agent'];
  return {
    id,
    clientAddress: stringOf(clientAddress) || undefined,
    userAgent: Array.isArray(userAgent) ? userAgent[0] : userAgent,
    httpHeaders,
  };
}

function asRecord(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

function stringOf(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}
