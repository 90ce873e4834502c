import type { IncomingHttpHeaders } from 'node:http';
import type { SessionMonitor } from '../monitor/session-monitor';
import { guarded } from './report-adapter-error';
import { SocketSessions, type SocketSessionHandle, type UserIdLookup } from './socket-sessions';

/** The part of a socket.io Socket the adapter uses (structural: socket.io is the app's dependency). */
export interface SocketIoSocketLike {
  id: string;
  /** False once disconnected; an earlier `connection` listener may already have disconnected it. */
  connected?: boolean;
  handshake: { address: string; headers: IncomingHttpHeaders };
  on(event: 'disconnect', listener: (reason: string) => void): unknown;
  off(event: 'disconnect', listener: (reason: string) => void): unknown;
}

/** A socket.io Server or Namespace (`io.of('/chat')`): whatever emits `connection`. */
export interface SocketIoServerLike<S extends SocketIoSocketLike> {
  on(event: 'connection', listener: (socket: S) => void): unknown;
  off(event: 'connection', listener: (socket: S) => void): unknown;
}

/** Options of {@link attachToSocketIo}. */
export interface SocketIoAdapterOptions<S> {
  /**
   * The user of a new socket, e.g. from `socket.handshake.auth`, the query or what an `io.use()`
   * middleware put in `socket.data`; `undefined` keeps it anonymous. May return a promise. When it
   * throws or rejects, the error is reported through the monitor and the session stays anonymous.
   */
  userIdOf?: (socket: S) => UserIdLookup;
}

/**
 * Counts the sockets of a socket.io server (or one namespace): each socket is a session under its
 * `socket.id`, from `connection` to `disconnect` (a vanished client disconnects once socket.io's
 * ping times out). Attach before the server accepts connections.
 *
 * ```ts
 * const sau = attachToSocketIo(monitor, io, { userIdOf: (socket) => socket.data.userId });
 * socket.on('auth', (token) => sau.login(socket, userOfToken(token)));
 * ```
 */
export function attachToSocketIo<S extends SocketIoSocketLike>(
  monitor: SessionMonitor,
  io: SocketIoServerLike<S>,
  options: SocketIoAdapterOptions<S> = {},
): SocketSessionHandle<S> {
  const { userIdOf } = options;
  const onConnection = (socket: S): void =>
    guarded(monitor, 'socket.io connection', () => {
      // Turned away by an earlier `connection` listener: its 'disconnect' was emitted already.
      if (socket.connected === false) return;
      const onDisconnect = (): void =>
        guarded(monitor, 'socket.io disconnect', () => sessions.closed(socket));
      socket.on('disconnect', onDisconnect);
      const { address, headers } = socket.handshake;
      const userAgent = headers['user-agent'];
      sessions.open(
        socket,
        { id: socket.id, clientAddress: address, userAgent, httpHeaders: headers },
        () => socket.off('disconnect', onDisconnect),
        userIdOf && (() => userIdOf(socket)),
      );
    });
  const sessions = new SocketSessions<S>(monitor, () => io.off('connection', onConnection));
  io.on('connection', onConnection);
  return sessions.handle();
}
