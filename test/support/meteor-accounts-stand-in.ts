import { randomBytes } from 'node:crypto';
import type {
  AccountsLike,
  MeteorConnection,
  MeteorLoginInfo,
  MeteorLogoutInfo,
} from '../../src/adapters/meteor-types';
import type { FiberModel } from './meteor-fibers';
import { Hook } from './meteor-hook';
import type { StandInSession } from './meteor-stand-in-session';

/** How the stand-in logs in: a new login, or a `resume` with a token another session may share. */
export interface StandInLogin {
  type?: 'password' | 'resume';
  /** The token to resume with; a password login makes a new one. */
  token?: string;
}

/** What the accounts stand-in needs from the server stand-in. */
export interface AccountsHost {
  readonly fibers: FiberModel;
  readonly hookErrors: unknown[];
  readonly options: { version?: 2 | 3; subscriptionTurns?: number };
  sessionOf(id: string): StandInSession;
  listed(): StandInSession[];
}

/**
 * packages/accounts-base's login and logout, in their order (accounts_server.js):
 *
 * - login: validateLoginAttempt callbacks (each isolated), the token insert (an await), then
 *   `setUserId` sets `session.userId` and re-runs the subscriptions (`subscriptionTurns` turns),
 *   then the onLogin callbacks: Meteor 3 awaits them one after another and a rejection stops the
 *   rest (and fails the login method); Meteor 2 calls them without awaiting.
 * - logout: the token leaves the connection and the user document (closing every other session
 *   logged in with it), then onLogout callbacks, not awaited, then `session.userId = null`.
 */
export class StandInAccounts {
  readonly Accounts: Required<AccountsLike>;
  readonly onLoginHook: Hook<MeteorLoginInfo>;
  readonly onLogoutHook: Hook<MeteorLogoutInfo>;
  readonly validateHook: Hook<MeteorLoginInfo>;
  private readonly users = new Map<string, { _id: string; username: string }>();

  constructor(private readonly host: AccountsHost) {
    // Accounts' hooks are made with bindEnvironment: false (accounts_common.js).
    const options = { bindEnvironment: false };
    this.onLoginHook = new Hook(host.fibers, host.hookErrors, options);
    this.onLogoutHook = new Hook(host.fibers, host.hookErrors, options);
    this.validateHook = new Hook(host.fibers, host.hookErrors, options);
    this.Accounts = {
      onLogin: (callback) => this.onLoginHook.register(callback),
      onLogout: (callback) => this.onLogoutHook.register(callback),
      validateLoginAttempt: (callback) => this.validateHook.register(callback),
    };
  }

  /** A `login` method call that succeeds; resolves with the session's login token. */
  async login(connectionId: string, userId: string, how: StandInLogin = {}): Promise<string> {
    const session = this.host.sessionOf(connectionId);
    const type = how.type ?? 'password';
    const token = how.token ?? randomBytes(8).toString('hex');
    const attempt = this.attemptOf(userId, type, token);
    await this.validate(session.connectionHandle, attempt);
    await tick(); // _insertLoginToken (a password login) or the token lookup (resume)
    // _loginUser: the token goes to the connection, setUserId sets userId, then the
    // subscriptions re-run (each turn a publication's await), then _successfulLogin.
    session.token = token;
    session.userId = userId;
    for (let turn = 0; turn < (this.host.options.subscriptionTurns ?? 1); turn++) await tick();
    await this.runOnLogin(session.connectionHandle, attempt);
    return token;
  }

  /**
   * Rocket.Chat's REST login (apps/meteor/app/api/server/api.ts): the `login` method runs with a
   * connection object made for the request, `{ id: Random.id(), close() {}, httpHeaders,
   * clientAddress }`, which no session holds and which never closes.
   */
  async restLogin(userId: string): Promise<MeteorConnection> {
    const connection: MeteorConnection = {
      id: randomBytes(12).toString('base64url').slice(0, 17),
      close: () => undefined,
      httpHeaders: { 'user-agent': 'RC Mobile; iOS 17.2; v4.44.0 (999)' },
      clientAddress: '198.51.100.7',
    };
    const attempt = this.attemptOf(userId, 'password', randomBytes(8).toString('hex'));
    await this.validate(connection, attempt);
    await tick();
    await this.runOnLogin(connection, attempt);
    return connection;
  }

  /** A login from a server-side method call: Meteor passes no connection. */
  loginWithoutConnection(userId: string): void {
    const attempt = { ...this.attemptOf(userId, 'password', ''), methodArguments: [] };
    this.emitLogin({ ...attempt, connection: null });
  }

  /** Runs the onLogin callbacks with info Meteor itself would not pass (what a package might). */
  emitLogin(info: MeteorLoginInfo): void {
    this.host.fibers.run(() => this.onLoginHook.each((callback) => callback(info)));
  }

  /** Runs the onLogout callbacks with arbitrary info. */
  emitLogout(info: MeteorLogoutInfo): void {
    this.host.fibers.run(() => this.onLogoutHook.each((callback) => callback(info)));
  }

  /**
   * The `logout` method. The token leaves this connection, then the user document: every other
   * session logged in with it closes (its observer's `removed` calls `connection.close`). Then
   * onLogout callbacks, not awaited (`user: undefined` when `userFound` is false), and an await
   * later `session.userId = null`.
   */
  async logout(connectionId: string, options: { userFound?: boolean } = {}): Promise<void> {
    const session = this.host.sessionOf(connectionId);
    const { userId, token } = session;
    session.token = null;
    await tick(); // destroyToken
    if (token) for (const other of this.host.listed()) if (other.token === token) other.close();
    await tick(); // the user document lookup of _successfulLogout
    const user =
      userId && options.userFound !== false ? structuredClone(this.userOf(userId)) : undefined;
    this.emitLogout({ user, connection: session.connectionHandle });
    await tick(); // setUserId(null)
    session.userId = null;
  }

  private attemptOf(userId: string, type: string, token: string): MeteorLoginInfo {
    const user = this.userOf(userId);
    return {
      type,
      allowed: true,
      methodName: 'login',
      methodArguments:
        type === 'resume'
          ? [{ resume: token }]
          : [
              {
                user: { username: user.username },
                password: { digest: 'x', algorithm: 'sha-256' },
              },
            ],
      user,
    };
  }

  /** _validateLogin: each validator awaited and isolated; a throw or a falsy answer disallows. */
  private async validate(connection: MeteorConnection, attempt: MeteorLoginInfo): Promise<void> {
    const callbacks: ((info: MeteorLoginInfo) => unknown)[] = [];
    this.validateHook.each((callback) => callbacks.push(callback));
    for (const callback of callbacks) {
      try {
        const verdict = await this.host.fibers.run(() => callback(cloneWith(connection, attempt)));
        if (!verdict) attempt.allowed = false;
      } catch {
        attempt.allowed = false;
      }
    }
    if (!attempt.allowed) throw new Error('Login forbidden');
  }

  /** _successfulLogin: Meteor 3 awaits each callback (forEachAsync); Meteor 2 does not (each). */
  private runOnLogin(connection: MeteorConnection, attempt: MeteorLoginInfo): Promise<void> {
    const call = (callback: (info: MeteorLoginInfo) => unknown) =>
      this.host.fibers.run(() => callback(cloneWith(connection, attempt)));
    if (this.host.options.version === 2) {
      this.onLoginHook.each(call);
      return Promise.resolve();
    }
    return this.onLoginHook.eachAwaited(call);
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

/** cloneAttemptWithConnection: a fresh clone per callback, the connection itself not cloned. */
function cloneWith(connection: MeteorConnection, attempt: MeteorLoginInfo): MeteorLoginInfo {
  return { ...structuredClone(attempt), connection };
}

export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
