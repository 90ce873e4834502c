import type { SessionMonitor } from '../monitor/session-monitor';
import type { SessionInfo } from '../monitor/session-input';
import { ConfigError } from '../errors/config-error';
import { describeError, guarded, reportAdapterError } from './report-adapter-error';

/**
 * Meteor's `connection` object (the session's `connectionHandle`), as passed to
 * `Meteor.onConnection` callbacks and in login/logout info. `httpHeaders` holds only the headers
 * Meteor keeps (user-agent, accept-language, host, x-forwarded-for…).
 */
export interface MeteorConnection {
  id: string;
  close(): void;
  /** Runs `callback` once the connection closed; deferred, after the session left `Meteor.server.sessions`. */
  onClose(callback: () => void): void;
  clientAddress: string | null;
  httpHeaders: Record<string, string | string[] | undefined>;
}

/** What every Meteor hook registration returns. */
export interface MeteorHookHandle {
  stop(): void;
}

/** The user document in login and logout info; only its `_id` is read. */
export interface MeteorUser {
  _id: string;
}

/** The info object of `Accounts.onLogin` callbacks (a clone of the login attempt). */
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
  /** Set before `Accounts.onLogin` callbacks run, cleared after `Accounts.onLogout` callbacks ran. */
  userId: string | null;
  connectionHandle: MeteorConnection;
}

/** The server-side `Meteor` object, as far as the adapter uses it. */
export interface MeteorLike {
  onConnection(callback: (connection: MeteorConnection) => void): MeteorHookHandle;
  /**
   * `sessions` is a Map of session id → session (Meteor 1.8 and later, 2.x, 3.x); a plain object of
   * old Meteor versions is read too.
   */
  server?: {
    sessions?: Map<string, MeteorServerSession> | Record<string, MeteorServerSession>;
  };
}

/** The server-side `Accounts` object, as far as the adapter uses it. */
export interface AccountsLike {
  onLogin(callback: (info: MeteorLoginInfo) => void): MeteorHookHandle;
  onLogout(callback: (info: MeteorLogoutInfo) => void): MeteorHookHandle;
}

/** Options of {@link attachToMeteor}. */
export interface MeteorAdapterOptions {
  /** How often Meteor's own session list repairs missed events; 0 turns the timer off. Default 60 s. */
  reconcileIntervalMs?: number;
}

/** What one reconciliation repaired. */
export interface MeteorReconcileReport {
  /** Sessions Meteor has that the monitor did not: opened (and logged in when Meteor has a user). */
  opened: number;
  /** Sessions the adapter tracked that Meteor no longer has: their onClose never came. */
  closed: number;
  /** Sessions whose user Meteor knows and the monitor did not (or knew another one). */
  loggedIn: number;
  /** Sessions Meteor has anonymous that the monitor held logged in. */
  loggedOut: number;
}

/** Detaches the Meteor adapter (idempotent); `reconcile()` repairs missed events now. */
export interface MeteorDetach {
  (): void;
  /** Compares `Meteor.server.sessions` with the monitor and repairs the difference; zeros once detached. */
  reconcile(): MeteorReconcileReport;
}

/**
 * Counts the DDP sessions of a Meteor server (2.x and 3.x): `Meteor.onConnection` opens a session,
 * its `onClose` closes it, `Accounts.onLogin` (including the `resume` login of every reconnect)
 * and `Accounts.onLogout` log its user in and out. A timer compares `Meteor.server.sessions` with
 * the monitor and repairs what the hooks missed (a close that never came, a `setUserId` without
 * Accounts). Only sessions Meteor listed or reported are ever closed by it, so a monitor shared
 * with another adapter keeps that adapter's sessions.
 *
 * ```ts
 * const detach = attachToMeteor(monitor, { Meteor, Accounts });
 * process.on('SIGTERM', () => { detach(); monitor.stop().finally(() => process.exit(0)); });
 * ```
 */
export function attachToMeteor(
  monitor: SessionMonitor,
  meteor: { Meteor: MeteorLike; Accounts: AccountsLike },
  options: MeteorAdapterOptions = {},
): MeteorDetach {
  const { Meteor, Accounts } = meteor;
  const reconcileIntervalMs = options.reconcileIntervalMs ?? 60_000;
  if (!Number.isFinite(reconcileIntervalMs) || reconcileIntervalMs < 0) {
    throw new ConfigError(
      `reconcileIntervalMs must be a non-negative number of milliseconds, got ${reconcileIntervalMs}`,
    );
  }
  let detached = false;
  /** Sessions the adapter knows are Meteor's (reported or listed): the only ones it may close. */
  const tracked = new Set<string>();
  /**
   * Sessions logged out whose `userId` Meteor clears only after the onLogout callbacks (and, in
   * Meteor 3, an await later): session id → the user Meteor still shows. Reconciliation must not
   * log that user back in meanwhile; when a second pass still finds that user, Meteor kept it
   * (the logout failed after the hooks), and the login is repaired after all.
   */
  const loggingOut = new Map<string, { userId: string; passes: number }>();

  const sessionsOf = (): MeteorServerSession[] | undefined => {
    const sessions = Meteor.server?.sessions;
    if (!sessions) return undefined;
    if (sessions instanceof Map) return [...sessions.values()];
    if (typeof sessions === 'object') return Object.values(sessions);
    return undefined;
  };

  /** True unless Meteor's session list says the connection is gone (or cannot be read). */
  const stillConnected = (id: string): boolean => {
    const sessions = Meteor.server?.sessions;
    if (sessions instanceof Map) return sessions.has(id);
    if (sessions && typeof sessions === 'object') return Object.hasOwn(sessions, id);
    return true;
  };

  const track = (id: string, connection: MeteorConnection | undefined): void => {
    if (tracked.has(id)) return;
    tracked.add(id);
    if (typeof connection?.onClose !== 'function') return; // reconciliation alone closes it
    // Meteor runs onClose callbacks deferred, after the session left its map; a reconciliation in
    // between closes it first, and this close is then a no-op in the monitor.
    connection.onClose(() =>
      guarded(monitor, 'Meteor connection onClose', () => {
        if (detached) return;
        tracked.delete(id);
        loggingOut.delete(id);
        monitor.close(id);
      }),
    );
  };

  const open = (connection: MeteorConnection): void => {
    track(connection.id, connection);
    monitor.open(sessionInfoOf(connection.id, connection));
  };

  const handles: MeteorHookHandle[] = [];
  handles.push(
    Meteor.onConnection((connection) =>
      guarded(monitor, 'Meteor.onConnection', () => {
        if (detached || !connection?.id) return;
        open(connection);
      }),
    ),
  );
  handles.push(
    Accounts.onLogin((info) =>
      guarded(monitor, 'Accounts.onLogin', () => {
        if (detached || !info || info.allowed === false) return;
        const connection = info.connection;
        const userId = info.user?._id;
        if (!connection?.id || userId === undefined || userId === null) return;
        loggingOut.delete(connection.id);
        if (monitor.sessionUser(connection.id) === undefined) {
          // A connection from before attaching: count it, unless it closed while logging in.
          if (!stillConnected(connection.id)) return;
          open(connection);
        }
        monitor.login(connection.id, userId);
      }),
    ),
  );
  handles.push(
    Accounts.onLogout((info) =>
      guarded(monitor, 'Accounts.onLogout', () => {
        if (detached || !info) return;
        const id = info.connection?.id;
        if (!id) return;
        // `user` is undefined when the user document was not found (deleted meanwhile).
        const userId = info.user?._id ?? monitor.sessionUser(id);
        if (userId) loggingOut.set(id, { userId, passes: 0 });
        monitor.logout(id);
      }),
    ),
  );

  const empty = (): MeteorReconcileReport => ({ opened: 0, closed: 0, loggedIn: 0, loggedOut: 0 });

  const reconcileNow = (): MeteorReconcileReport => {
    const report = empty();
    const sessions = sessionsOf();
    if (!sessions) return report;
    const seen = new Set<string>();
    for (const session of sessions) {
      const id = session?.id;
      if (typeof id !== 'string' || !id) continue;
      seen.add(id);
      // Listed by Meteor, so Meteor's: closed by reconciliation once it leaves the list.
      track(id, session.connectionHandle);
      let held = monitor.sessionUser(id);
      if (held === undefined) {
        monitor.open(sessionInfoOf(id, session.connectionHandle));
        held = monitor.sessionUser(id);
        if (held === undefined) continue; // refused (stopped monitor, bad id): reported by it
        report.opened++;
      }
      const userId = typeof session.userId === 'string' && session.userId ? session.userId : null;
      const leaving = loggingOut.get(id);
      let justLoggedOut = false;
      if (leaving) {
        justLoggedOut = leaving.userId === userId && leaving.passes++ === 0;
        if (!justLoggedOut) loggingOut.delete(id);
      }
      if (userId) {
        if (held !== userId && !justLoggedOut) {
          monitor.login(id, userId);
          report.loggedIn++;
        }
      } else if (held) {
        monitor.logout(id);
        report.loggedOut++;
      }
    }
    for (const id of tracked) {
      if (seen.has(id)) continue;
      tracked.delete(id);
      loggingOut.delete(id);
      if (monitor.sessionUser(id) === undefined) continue;
      monitor.close(id);
      report.closed++;
    }
    return report;
  };

  const reconcile = (): MeteorReconcileReport => {
    if (detached) return empty();
    try {
      return reconcileNow();
    } catch (err) {
      reportAdapterError(
        monitor,
        'ADAPTER_HOOK_FAILED',
        `Meteor reconciliation: ${describeError(err)}`,
      );
      return empty();
    }
  };

  let timer: NodeJS.Timeout | undefined;
  if (reconcileIntervalMs > 0) {
    timer = setInterval(reconcile, reconcileIntervalMs);
    timer.unref();
  }

  const detach = (): void => {
    if (detached) return;
    detached = true;
    clearInterval(timer);
    for (const handle of handles.splice(0)) {
      try {
        handle?.stop();
      } catch (err) {
        reportAdapterError(monitor, 'ADAPTER_HOOK_FAILED', `stop(): ${describeError(err)}`);
      }
    }
    tracked.clear();
    loggingOut.clear();
  };
  return Object.assign(detach, { reconcile });
}

function sessionInfoOf(id: string, connection: MeteorConnection | undefined): SessionInfo {
  const headers = connection?.httpHeaders ?? undefined;
  const userAgent = headers?.['user-agent'];
  return {
    id,
    clientAddress: connection?.clientAddress ?? undefined,
    userAgent: Array.isArray(userAgent) ? userAgent[0] : userAgent,
    httpHeaders: headers,
  };
}
