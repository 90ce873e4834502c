import type { SessionMonitor } from '../monitor/session-monitor';
import type { SessionInfo } from '../monitor/session-input';
import { describeError, reportAdapterError } from './report-adapter-error';

/**
 * What a `userIdOf` option returns: the user's id, `undefined` or `null` while anonymous, or a
 * promise of either (a token looked up in a database, a cookie session read from a store).
 */
export type UserIdLookup = string | null | undefined | PromiseLike<string | null | undefined>;

/**
 * Returned by the socket adapters: reports what only the application knows (a login by message
 * after connecting, a logout) and detaches the adapter.
 */
export interface SocketSessionHandle<S> {
  /** The user on this socket authenticated after connecting. Ignored once the socket closed. */
  login(socket: S, userId: string): void;
  /** The user on this socket logged out; the socket stays connected, anonymous. */
  logout(socket: S): void;
  /** The session id this socket is counted under, or `undefined` when it is not (or no longer) open. */
  sessionIdOf(socket: S): string | undefined;
  /**
   * Stops listening to the server and its sockets; later events change nothing. Sessions already
   * open stay open until `monitor.stop()`. Idempotent.
   */
  detach(): void;
}

interface LiveSocket {
  id: string;
  /** Bumped by every explicit login/logout, so a slower userIdOf answer cannot override them. */
  generation: number;
  /** Removes the listeners the adapter put on the socket. */
  release: () => void;
}

/**
 * The bookkeeping the ws and socket.io adapters share: which socket is which session, and whether
 * a late `userIdOf` answer still applies. The adapters only wire their server's events to it.
 */
export class SocketSessions<S extends object> {
  /** Live sockets only (deleted on close), so detach() can reach every listener it put on one. */
  private readonly live = new Map<S, LiveSocket>();
  private detached = false;

  constructor(
    private readonly monitor: SessionMonitor,
    /** Removes the adapter's listener from the server. */
    private readonly unsubscribe: () => void,
  ) {}

  /** A socket connected: opens its session, then logs its user in once `lookUpUser` answers. */
  open(socket: S, info: SessionInfo, release: () => void, lookUpUser?: () => UserIdLookup): void {
    if (this.detached || this.live.has(socket)) return release();
    const entry: LiveSocket = { id: info.id, generation: 0, release };
    this.live.set(socket, entry);
    this.monitor.open(info);
    if (!lookUpUser) return;
    let answer: UserIdLookup;
    try {
      answer = lookUpUser();
    } catch (err) {
      return this.lookupFailed(entry, err);
    }
    if (!isPromiseLike(answer)) return this.applyLookup(entry, answer);
    const generation = entry.generation;
    Promise.resolve(answer).then(
      (userId) => {
        // The socket may have closed, or the app reported a login by message, while we waited.
        if (this.live.get(socket) !== entry || entry.generation !== generation) return;
        this.applyLookup(entry, userId);
      },
      (err: unknown) => this.lookupFailed(entry, err),
    );
  }

  /** The socket closed: ends its session. */
  closed(socket: S): void {
    const entry = this.live.get(socket);
    if (!entry) return;
    this.live.delete(socket);
    entry.release();
    this.monitor.close(entry.id);
  }

  login(socket: S, userId: string): void {
    const entry = this.live.get(socket);
    if (!entry) return;
    entry.generation++;
    this.monitor.login(entry.id, userId);
  }

  logout(socket: S): void {
    const entry = this.live.get(socket);
    if (!entry) return;
    entry.generation++;
    this.monitor.logout(entry.id);
  }

  sessionIdOf(socket: S): string | undefined {
    return this.live.get(socket)?.id;
  }

  detach(): void {
    if (this.detached) return;
    this.detached = true;
    this.unsubscribe();
    for (const entry of this.live.values()) entry.release();
    this.live.clear();
  }

  /** The public face: the handle's methods without the adapter-only ones. */
  handle(): SocketSessionHandle<S> {
    return {
      login: (socket, userId) => this.login(socket, userId),
      logout: (socket) => this.logout(socket),
      sessionIdOf: (socket) => this.sessionIdOf(socket),
      detach: () => this.detach(),
    };
  }

  private applyLookup(entry: LiveSocket, userId: string | null | undefined): void {
    // Anonymous until the app says otherwise; anything else goes to the monitor, which rejects
    // (and reports) what is not a valid user id.
    if (userId === undefined || userId === null) return;
    this.monitor.login(entry.id, userId);
  }

  private lookupFailed(entry: LiveSocket, err: unknown): void {
    reportAdapterError(
      this.monitor,
      'USER_ID_LOOKUP_FAILED',
      `userIdOf failed for session ${entry.id}; it stays anonymous: ${describeError(err)}`,
    );
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
