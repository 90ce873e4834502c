import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { SessionMonitor } from '../monitor/session-monitor';
import { guarded } from './report-adapter-error';
import { SocketSessions, type SocketSessionHandle, type UserIdLookup } from './socket-sessions';

/** The part of a `ws` WebSocket the adapter uses (structural: `ws` is the app's dependency, not ours). */
export interface WebSocketLike {
  on(event: 'close', listener: () => void): unknown;
  off(event: 'close', listener: () => void): unknown;
}

/** The part of a `ws` WebSocketServer the adapter uses. */
export interface WebSocketServerLike<S extends WebSocketLike> {
  on(event: 'connection', listener: (socket: S, request: IncomingMessage) => void): unknown;
  off(event: 'connection', listener: (socket: S, request: IncomingMessage) => void): unknown;
}

/** Options of {@link attachToWebSocketServer}. */
export interface WebSocketAdapterOptions<S> {
  /**
   * The user of a new connection, from its upgrade request (a token in the URL, a session cookie);
   * `undefined` keeps it anonymous. May return a promise. When it throws or rejects, the error is
   * reported through the monitor and the session stays anonymous.
   */
  userIdOf?: (request: IncomingMessage, socket: S) => UserIdLookup;
  /**
   * The session id of a new connection, when the app has its own; it must be unique among the live
   * sessions of the namespace, across instances. Default: a random UUID.
   */
  sessionIdOf?: (socket: S, request: IncomingMessage) => string;
}

/**
 * Counts the connections of a `ws` WebSocketServer: each socket is a session from `connection` to
 * `close` (a terminated or vanished client closes it as soon as `ws` notices). Attach before the
 * server accepts connections; sockets already connected are not counted.
 *
 * ```ts
 * const sau = attachToWebSocketServer(monitor, wss, { userIdOf: (req) => userOfToken(req.url) });
 * socket.on('message', (m) => { if (isAuth(m)) sau.login(socket, userOf(m)); });
 * ```
 */
export function attachToWebSocketServer<S extends WebSocketLike>(
  monitor: SessionMonitor,
  wss: WebSocketServerLike<S>,
  options: WebSocketAdapterOptions<S> = {},
): SocketSessionHandle<S> {
  const { userIdOf, sessionIdOf } = options;
  const onConnection = (socket: S, request: IncomingMessage): void =>
    guarded(monitor, 'ws connection', () => {
      const id = sessionIdOf ? sessionIdOf(socket, request) : randomUUID();
      const onClose = (): void => guarded(monitor, 'ws close', () => sessions.closed(socket));
      socket.on('close', onClose);
      sessions.open(
        socket,
        {
          id,
          clientAddress: request.socket?.remoteAddress,
          userAgent: request.headers['user-agent'],
          httpHeaders: request.headers,
        },
        () => socket.off('close', onClose),
        userIdOf && (() => userIdOf(request, socket)),
      );
    });
  const sessions = new SocketSessions<S>(monitor, () => wss.off('connection', onConnection));
  wss.on('connection', onConnection);
  return sessions.handle();
}
