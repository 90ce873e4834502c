import { randomBytes } from 'node:crypto';
import type {
  AccountsLike,
  MeteorConnection,
  MeteorHookHandle,
  MeteorLike,
  MeteorLoginInfo,
  MeteorLogoutInfo,
  MeteorServerSession,
} from '../../src/adapters/meteor';

/**
 * A stand-in for a Meteor 3 server's DDP sessions and Accounts hooks, reproducing what
 * packages/ddp-server and packages/accounts-base do, in the order they do it:
 *
 * - connect: the session enters `Meteor.server.sessions` (a Map), then `onConnection` callbacks
 *   get its `connectionHandle` `{ id, close, onClose, clientAddress, httpHeaders }`.
 * - login: `session.userId` is set first (`setUserId` inside `_loginUser`), then, an await later,
 *   `onLogin` callbacks get a clone of the attempt `{ type, allowed, user, methodName,
 *   methodArguments }` with the (uncloned) connection added.
 * - logout: `onLogout` callbacks get `{ user, connection }` first (user undefined when not found),
 *   then, an await later, `session.userId` becomes null.
 * - close: the session leaves the map at once; its `onClose` callbacks run deferred
 *   (`Meteor.defer`), so they always come after it left the map. `onClose` on a closed
 *   connection runs its callback deferred too.
 * - hooks: every registration returns `{ callback, stop }`; a throwing callback is logged, and
 *   the other callbacks still run.
 */
export class MeteorStandIn {
  readonly Meteor: {
    onConnection: MeteorLike['onConnection'];
    server: { sessions: Map<string, StandInSession> | Record<string, StandInSession> };
  };
  readonly Accounts: AccountsLike;
  /** What Meteor's hooks would have printed with Meteor._debug: exceptions of callbacks. */
  readonly hookErrors: unknown[] = [];

  private readonly onConnectionHook = new Hook<MeteorConnection>(this.hookErrors);
  private readonly onLoginHook = new Hook<MeteorLoginInfo>(this.hookErrors);
  private readonly onLogoutHook = new Hook<MeteorLogoutInfo>(this.hookErrors);
  private readonly users = new Map<string, { _id: string; username: string }>();
  private pendingDefers = 0;
  private readonly deferWaiters: (() => void)[] = [];

  constructor() {
    this.Meteor = {
      onConnection: (callback) => this.onConnectionHook.register(callback),
      server: { sessions: new Map<string, StandInSession>() },
    };
    this.Accounts = {
      onLogin: (callback) => this.onLoginHook.register(callback),
      onLogout: (callback) => this.onLogoutHook.register(callback),
    };
  }

  /** Callbacks registered and not stopped, per hook. */
  get hookCounts(): { onConnection: number; onLogin: number; onLogout: number } {
    return {
      onConnection: this.onConnectionHook.size,
      onLogin: this.onLoginHook.size,
      onLogout: this.onLogoutHook.size,
    };
  }

  /** Meteor.server.sessions as old Meteor versions kept it: a plain object. */
  useLegacySessionsObject(): void {
    const sessions = this.Meteor.server.sessions;
    if (sessions instanceof Map) this.Meteor.server.sessions = Object.fromEntries(sessions);
  }

  /** A DDP client connected (a new tab, or a reconnect, which is a new session in Meteor). */
  connect(
    options: { clientAddress?: string; headers?: Record<string, string> } = {},
  ): MeteorConnection {
    const session = new StandInSession(this, {
      clientAddress: options.clientAddress ?? '127.0.0.1',
      // sockjs hands Meteor only a whitelist of the request's headers.
      httpHeaders: pickHeaders({
        host: 'chat.example.com',
        'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
        'accept-language': 'en',
        ...options.headers,
      }),
    });
    this.setSession(session);
    this.onConnectionHook.each((callback) => {
      if (this.getSession(session.id)) callback(session.connectionHandle);
    });
    return session.connectionHandle;
  }

  /** A `login` method call succeeded: `password` for a new login, `resume` on every reconnect. */
  async login(
    connectionId: string,
    userId: string,
    type: 'password' | 'resume' = 'password',
  ): Promise<void> {
    const session = this.sessionOf(connectionId);
    const user = this.userOf(userId);
    session.userId = userId; // methodInvocation.setUserId() inside _loginUser
    await tick();
    const attempt = {
      type,
      allowed: true,
      methodName: 'login',
      methodArguments:
        type === 'resume'
          ? [{ resume: randomBytes(16).toString('hex') }]
          : [
              {
                user: { username: user.username },
                password: { digest: 'x', algorithm: 'sha-256' },
              },
            ],
      user,
    };
    // cloneAttemptWithConnection: a fresh clone per callback, the connection itself not cloned.
    this.onLoginHook.each((callback) =>
      callback({ ...structuredClone(attempt), connection: session.connectionHandle }),
    );
  }

  /** A login from a server-side method call: Meteor passes no connection. */
  loginWithoutConnection(userId: string): void {
    const user = this.userOf(userId);
    this.onLoginHook.each((callback) =>
      callback({
        type: 'password',
        allowed: true,
        methodName: 'login',
        methodArguments: [],
        user: structuredClone(user),
        connection: null,
      }),
    );
  }

  /** Runs the onLogin callbacks with info Meteor itself would not pass (what a package might). */
  emitLogin(info: MeteorLoginInfo): void {
    this.onLoginHook.each((callback) => callback(info));
  }

  /** Runs the onLogout callbacks with arbitrary info. */
  emitLogout(info: MeteorLogoutInfo): void {
    this.onLogoutHook.each((callback) => callback(info));
  }

  /**
   * The `logout` method: onLogout callbacks first, `session.userId = null` an await later.
   * `userFound: false` is a user document that no longer exists: callbacks get `user: undefined`.
   */
  async logout(connectionId: string, options: { userFound?: boolean } = {}): Promise<void> {
    const session = this.sessionOf(connectionId);
    const userId = session.userId;
    const user =
      userId && options.userFound !== false ? structuredClone(this.userOf(userId)) : undefined;
    this.onLogoutHook.each((callback) => callback({ user, connection: session.connectionHandle }));
    await tick();
    session.userId = null;
  }

  /** `this.setUserId()` in an app's own method: Meteor's session changes, no Accounts hook runs. */
  setUserIdWithoutHooks(connectionId: string, userId: string | null): void {
    this.sessionOf(connectionId).userId = userId;
  }

  /** The client went away (or the heartbeat timed out): Session.close(). */
  disconnect(connectionId: string): void {
    this.sessionOf(connectionId).close();
  }

  /** The session left the map but its onClose callbacks never ran (the case reconciliation repairs). */
  dropWithoutOnClose(connectionId: string): void {
    const session = this.sessionOf(connectionId);
    session.inQueue = false;
    session.closeCallbacks.length = 0;
    this.removeSession(session);
  }

  /** Resolves once every deferred callback (onClose) has run. */
  settle(): Promise<void> {
    if (this.pendingDefers === 0) return tick();
    return new Promise((resolve) => this.deferWaiters.push(resolve));
  }

  /** Meteor.defer: runs `fn` on a later turn of the event loop. */
  defer(fn: () => void): void {
    this.pendingDefers++;
    setImmediate(() => {
      try {
        fn();
      } catch (err) {
        this.hookErrors.push(err);
      } finally {
        this.pendingDefers--;
        if (this.pendingDefers === 0) for (const resolve of this.deferWaiters.splice(0)) resolve();
      }
    });
  }

  /** The server-side session of a connection, while Meteor has it. */
  getSession(id: string): StandInSession | undefined {
    const sessions = this.Meteor.server.sessions;
    return sessions instanceof Map ? sessions.get(id) : sessions[id];
  }

  removeSession(session: StandInSession): void {
    const sessions = this.Meteor.server.sessions;
    if (sessions instanceof Map) sessions.delete(session.id);
    else delete sessions[session.id];
  }

  private setSession(session: StandInSession): void {
    const sessions = this.Meteor.server.sessions;
    if (sessions instanceof Map) sessions.set(session.id, session);
    else sessions[session.id] = session;
  }

  private sessionOf(id: string): StandInSession {
    const session = this.getSession(id);
    if (!session) throw new Error(`no session ${id}`);
    return session;
  }

  private userOf(userId: string): { _id: string; username: string } {
    let user = this.users.get(userId);
    if (!user) {
      user = { _id: userId, username: `name-of-${userId}` };
      this.users.set(userId, user);
    }
    return user;
  }
}

/** ddp-server's Session, as far as connection life and userId go. */
export class StandInSession implements MeteorServerSession {
  /** Random.id(): 17 characters. */
  readonly id = randomBytes(12).toString('base64url').slice(0, 17);
  userId: string | null = null;
  /** Meteor sets inQueue to null when the session is destroyed; true while alive here. */
  inQueue = true;
  readonly closeCallbacks: (() => void)[] = [];
  readonly connectionHandle: MeteorConnection;

  constructor(
    private readonly server: MeteorStandIn,
    address: { clientAddress: string; httpHeaders: Record<string, string> },
  ) {
    this.connectionHandle = {
      id: this.id,
      close: () => this.close(),
      onClose: (fn) => {
        if (this.inQueue) this.closeCallbacks.push(fn);
        else this.server.defer(fn); // already closed: call it, deferred
      },
      clientAddress: address.clientAddress,
      httpHeaders: address.httpHeaders,
    };
  }

  close(): void {
    if (!this.inQueue) return;
    this.inQueue = false;
    // Deferred so the caller closing the session does not wait for the callbacks...
    this.server.defer(() => {
      for (const callback of this.closeCallbacks) callback();
    });
    // ...while the session leaves the server's map at once.
    this.server.removeSession(this);
  }
}

class Hook<T> {
  private nextId = 0;
  private readonly callbacks = new Map<number, (arg: T) => void>();

  constructor(private readonly errors: unknown[]) {}

  get size(): number {
    return this.callbacks.size;
  }

  register(callback: (arg: T) => void): MeteorHookHandle & { callback: (arg: T) => void } {
    const id = this.nextId++;
    this.callbacks.set(id, callback);
    return { callback, stop: () => void this.callbacks.delete(id) };
  }

  /** Like Meteor's Hook.each with debugPrintExceptions: a throwing callback is logged, not thrown. */
  each(iterator: (callback: (arg: T) => void) => void): void {
    for (const callback of [...this.callbacks.values()]) {
      try {
        iterator(callback);
      } catch (err) {
        this.errors.push(err);
      }
    }
  }
}

const KEPT_HEADERS = [
  'referer',
  'x-client-ip',
  'x-forwarded-for',
  'x-cluster-client-ip',
  'via',
  'x-real-ip',
  'x-forwarded-proto',
  'x-ssl',
  'dnt',
  'host',
  'user-agent',
  'accept-language',
];

function pickHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => KEPT_HEADERS.includes(name)),
  );
}

function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
