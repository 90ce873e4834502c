/**
 * The parts of Meteor's server API the Meteor adapter uses, as structural types: the adapter never
 * imports Meteor, the app hands its own `Meteor` and `Accounts` in.
 */

/**
 * Meteor's `connection` object (the session's `connectionHandle`), as passed to
 * `Meteor.onConnection` callbacks and in login/logout info. `httpHeaders` holds only the headers
 * sockjs keeps (user-agent, accept-language, host, x-forwarded-for, x-forwarded-host…).
 */
export interface MeteorConnection {
  id: string;
  close(): void;
  /**
   * Runs `callback` once the connection closed; deferred, after the session left
   * `Meteor.server.sessions`. Absent on the connection objects Rocket.Chat's REST API makes for a
   * login (they never close). Meteor 2 binds the callback with `Meteor.bindEnvironment`, which
   * throws when called outside a Fiber.
   */
  onClose?(callback: () => void): void;
  /** `null` behind proxies that sent no usable X-Forwarded-For; IPv4 clients may read `::ffff:1.2.3.4`. */
  clientAddress?: string | null;
  httpHeaders?: Record<string, string | string[] | undefined>;
}

/** What every Meteor hook registration returns. */
export interface MeteorHookHandle {
  stop(): void;
}

/** The user document in login and logout info; only its `_id` is read. */
export interface MeteorUser {
  _id: string;
}

/**
 * The info object of `Accounts.onLogin` and `Accounts.validateLoginAttempt` callbacks (a clone of
 * the login attempt, with the connection itself added uncloned).
 */
export interface MeteorLoginInfo {
  /** The login handler that succeeded: `password`, `resume` (every reconnect of a logged-in client), … */
  type: string;
  allowed: boolean;
  user?: MeteorUser | null;
  /** Absent for logins of server-side method invocations, which have no connection. */
  connection?: MeteorConnection | null;
  methodName?: string;
  methodArguments?: unknown[];
}

/** The info object of `Accounts.onLogout` callbacks; `user` is undefined when it was not found. */
export interface MeteorLogoutInfo {
  user?: MeteorUser | null;
  connection?: MeteorConnection | null;
}

/** A DDP session in `Meteor.server.sessions`. */
export interface MeteorServerSession {
  id: string;
  /** Set when a login method calls setUserId, before `Accounts.onLogin` callbacks run; cleared after `Accounts.onLogout` callbacks ran. */
  userId: string | null;
  connectionHandle: MeteorConnection;
}

/** A timer handle as `Meteor.setInterval` / `Meteor.setTimeout` (Node's timers) return it. */
export type MeteorTimer = unknown;

/** The server-side `Meteor` object, as far as the adapter uses it. */
export interface MeteorLike {
  /** Meteor 2 binds the callback with `Meteor.bindEnvironment`: registering outside a Fiber throws. */
  onConnection(callback: (connection: MeteorConnection) => void): MeteorHookHandle;
  /**
   * `sessions` is a Map of session id → session (Meteor 1.8 and later, 2.x, 3.x); a plain object of
   * old Meteor versions is read too.
   */
  server?: {
    sessions?: Map<string, MeteorServerSession> | Record<string, MeteorServerSession>;
  };
  /**
   * Meteor's timers run their callback in Meteor's environment (in Meteor 2, inside a Fiber, which
   * `connection.onClose` needs). Used when present, Node's timers otherwise.
   */
  setInterval?(callback: () => void, delayMs: number): MeteorTimer;
  clearInterval?(timer: MeteorTimer): void;
  setTimeout?(callback: () => void, delayMs: number): MeteorTimer;
  clearTimeout?(timer: MeteorTimer): void;
  /** Runs `callback` on a later turn of the event loop, in Meteor's environment. */
  defer?(callback: () => void): void;
}

/** The server-side `Accounts` object, as far as the adapter uses it. */
export interface AccountsLike {
  onLogin(callback: (info: MeteorLoginInfo) => void): MeteorHookHandle;
  onLogout(callback: (info: MeteorLogoutInfo) => void): MeteorHookHandle;
  /**
   * Runs before a login is applied. Meteor catches each validator's exceptions, so one failing
   * validator cannot stop the others; the adapter uses it to watch for the login without waiting
   * for the onLogin callbacks, which Meteor 3 awaits one after another. Optional: without it
   * only onLogin (and reconciliation) count logins.
   */
  validateLoginAttempt?(callback: (attempt: MeteorLoginInfo) => boolean): MeteorHookHandle;
}
