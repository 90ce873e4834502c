import type { MeteorConnection, MeteorLike } from '../../src/adapters/meteor-types';
import { FiberModel } from './meteor-fibers';
import { Hook } from './meteor-hook';
import { StandInAccounts, tick } from './meteor-accounts-stand-in';
import { StandInSession, type SessionHost } from './meteor-stand-in-session';
import { pickSockJsHeaders } from './sockjs-headers';

export { StandInSession } from './meteor-stand-in-session';
export type { StandInLogin } from './meteor-accounts-stand-in';

type Sessions = Map<string, StandInSession> | Record<string, StandInSession>;

/**
 * A stand-in for a Meteor server's DDP sessions and Accounts hooks, reproducing what
 * packages/ddp-server, packages/accounts-base and packages/callback-hook do, in their order
 * (login and logout: see StandInAccounts):
 *
 * - connect: the session enters `Meteor.server.sessions` (a Map), then `onConnection` callbacks
 *   get its `connectionHandle`; sockjs keeps a whitelist of the request's headers.
 * - close: the session leaves the map at once; its `onClose` callbacks run deferred.
 * - Meteor 2 (`version: 2`): `Meteor.onConnection`, `connection.onClose`, `Meteor.bindEnvironment`
 *   and Meteor's timers throw outside a Fiber (see FiberModel); Meteor's own work runs inside one.
 */
export class MeteorStandIn implements SessionHost {
  readonly Meteor: Omit<MeteorLike, 'server'> & { server: { sessions: Sessions } };
  /** What Meteor's hooks would have printed with Meteor._debug: exceptions of callbacks. */
  readonly hookErrors: unknown[] = [];
  readonly fibers: FiberModel;
  readonly accounts: StandInAccounts;

  private readonly onConnectionHook: Hook<MeteorConnection>;
  private pendingDefers = 0;
  private readonly deferWaiters: (() => void)[] = [];

  constructor(readonly options: { version?: 2 | 3; subscriptionTurns?: number } = {}) {
    this.fibers = new FiberModel(options.version === 2);
    this.onConnectionHook = new Hook(this.fibers, this.hookErrors, { bindEnvironment: true });
    this.accounts = new StandInAccounts(this);
    const bound = (fn: () => void) => this.fibers.bind(fn, (err) => this.hookErrors.push(err));
    this.Meteor = {
      onConnection: (callback) => this.onConnectionHook.register(callback),
      server: { sessions: new Map<string, StandInSession>() },
      // packages/meteor/timers.js: bindAndCatch binds at the call (Meteor 2: only inside a Fiber).
      setInterval: (fn, ms) => setInterval(bound(fn), ms),
      clearInterval: (timer) => clearInterval(timer as NodeJS.Timeout),
      setTimeout: (fn, ms) => setTimeout(bound(fn), ms),
      clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout),
      defer: (fn) => this.defer(bound(fn)),
    };
  }

  get Accounts(): StandInAccounts['Accounts'] {
    return this.accounts.Accounts;
  }

  readonly login: StandInAccounts['login'] = (...args) => this.accounts.login(...args);
  readonly restLogin: StandInAccounts['restLogin'] = (...args) => this.accounts.restLogin(...args);
  readonly logout: StandInAccounts['logout'] = (...args) => this.accounts.logout(...args);
  readonly emitLogin: StandInAccounts['emitLogin'] = (info) => this.accounts.emitLogin(info);
  readonly emitLogout: StandInAccounts['emitLogout'] = (info) => this.accounts.emitLogout(info);
  readonly loginWithoutConnection: StandInAccounts['loginWithoutConnection'] = (userId) =>
    this.accounts.loginWithoutConnection(userId);

  /** Callbacks registered and not stopped, per hook. */
  get hookCounts(): { onConnection: number; onLogin: number; onLogout: number; validate: number } {
    return {
      onConnection: this.onConnectionHook.size,
      onLogin: this.accounts.onLoginHook.size,
      onLogout: this.accounts.onLogoutHook.size,
      validate: this.accounts.validateHook.size,
    };
  }

  /** Runs `body` as Meteor runs server code (startup, methods): inside a Fiber. */
  runInFiber<T>(body: () => T): T {
    return this.fibers.run(body);
  }

  /** Meteor.server.sessions as old Meteor versions kept it: a plain object. */
  useLegacySessionsObject(): void {
    const sessions = this.Meteor.server.sessions;
    if (sessions instanceof Map) this.Meteor.server.sessions = Object.fromEntries(sessions);
  }

  /**
   * A DDP client connected. `clientAddress` as Meteor reports it: the socket's address (an IPv4
   * client of a dual-stack server reads `::ffff:1.2.3.4`), `null` when HTTP_FORWARDED_COUNT is
   * set and X-Forwarded-For is missing, undefined when sockjs knew no address.
   */
  connect(
    options: { clientAddress?: string | null; headers?: Record<string, string> } = {},
  ): MeteorConnection {
    const session = this.newSession(options);
    this.fibers.run(() =>
      this.onConnectionHook.each((callback) => {
        if (this.getSession(session.id)) callback(session.connectionHandle);
      }),
    );
    return session.connectionHandle;
  }

  /** A session Meteor lists whose onConnection callbacks never ran (a hook the adapter missed). */
  connectUnseen(): MeteorConnection {
    return this.newSession({}).connectionHandle;
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

  /** Meteor.defer: runs `fn` on a later turn of the event loop (Meteor binds it to a Fiber). */
  defer(fn: () => void): void {
    this.pendingDefers++;
    setImmediate(() => {
      try {
        this.fibers.run(fn);
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

  sessionOf(id: string): StandInSession {
    const session = this.getSession(id);
    if (!session) throw new Error(`no session ${id}`);
    return session;
  }

  listed(): StandInSession[] {
    const sessions = this.Meteor.server.sessions;
    return sessions instanceof Map ? [...sessions.values()] : Object.values(sessions);
  }

  private newSession(options: {
    clientAddress?: string | null;
    headers?: Record<string, string>;
  }): StandInSession {
    const session = new StandInSession(this, {
      clientAddress: 'clientAddress' in options ? options.clientAddress : '127.0.0.1',
      httpHeaders: pickSockJsHeaders({
        host: 'chat.example.com',
        'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
        'accept-language': 'en',
        ...options.headers,
      }),
    });
    const sessions = this.Meteor.server.sessions;
    if (sessions instanceof Map) sessions.set(session.id, session);
    else sessions[session.id] = session;
    return session;
  }
}
