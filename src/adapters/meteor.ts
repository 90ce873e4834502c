import type { SessionMonitor } from '../monitor/session-monitor';
import { ConfigError } from '../errors/config-error';
import { assertTimerDelay } from '../config/timer-delay';
import { describeError, guarded, reportAdapterError } from './report-adapter-error';
import { meteorScheduler } from './meteor-environment';
import { watchLogins } from './meteor-login-watch';
import { MeteorSessionList, sessionInfoOf } from './meteor-sessions';
import type { AccountsLike, MeteorConnection, MeteorHookHandle, MeteorLike } from './meteor-types';

export type * from './meteor-types';

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
  /**
   * Compares `Meteor.server.sessions` with the monitor and repairs the difference; zeros once
   * detached. In Meteor 2, call it from Meteor code (inside a Fiber), as hooks and timers are.
   */
  reconcile(): MeteorReconcileReport;
}

/**
 * Counts the DDP sessions of a Meteor server (2.x and 3.x): `Meteor.onConnection` opens a session,
 * its `onClose` closes it, a login counts as soon as Meteor sets the session's user (watched from
 * `Accounts.validateLoginAttempt`, so other apps' onLogin callbacks cannot stop or delay it) or at
 * `Accounts.onLogin`, whichever comes first, and `Accounts.onLogout` logs the user out. A login on
 * a connection Meteor never lists (Rocket.Chat's REST API) counts as a session that ends at once.
 * At attach and then on a Meteor timer, `Meteor.server.sessions` is compared with the monitor and
 * what the hooks missed is repaired (a close that never came, a `setUserId` without Accounts).
 * Only sessions Meteor listed or reported are ever closed by it, so a monitor shared with another
 * adapter keeps that adapter's sessions. Call it from server code (in Meteor 2, inside a Fiber).
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
  assertTimerDelay('reconcileIntervalMs', reconcileIntervalMs);
  const sessions = new MeteorSessionList(Meteor);
  const scheduler = meteorScheduler(Meteor);
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

  /** False when Meteor refused the onClose callback (Meteor 2 outside a Fiber): reconciliation closes it. */
  const track = (id: string, connection: MeteorConnection | undefined): boolean => {
    if (tracked.has(id)) return true;
    tracked.add(id);
    if (typeof connection?.onClose !== 'function') return true; // reconciliation alone closes it
    try {
      // Meteor runs onClose callbacks deferred, after the session left its map; a reconciliation
      // in between closes it first, and this close is then a no-op in the monitor.
      connection.onClose(() =>
        guarded(monitor, 'Meteor connection onClose', () => {
          if (detached) return;
          tracked.delete(id);
          loggingOut.delete(id);
          monitor.close(id);
        }),
      );
      return true;
    } catch {
      return false;
    }
  };

  const open = (connection: MeteorConnection): boolean => {
    const hooked = track(connection.id, connection);
    monitor.open(sessionInfoOf(connection.id, connection));
    return hooked;
  };

  /** Meteor applied a login (its session shows the user, or onLogin reported it). */
  const countLogin = (connection: MeteorConnection, userId: string): void => {
    const id = connection.id;
    loggingOut.delete(id);
    if (monitor.sessionUser(id) === undefined) {
      if (typeof connection.onClose !== 'function' && !sessions.get(id)) {
        // A REST login's connection object: no socket behind it and no close to come.
        monitor.open(sessionInfoOf(id, connection));
        monitor.login(id, userId);
        monitor.close(id);
        return;
      }
      // A connection from before attaching: count it, unless it closed while logging in.
      if (!sessions.stillConnected(id)) return;
      if (!open(connection)) throw new Error(`onClose refused for connection ${id}`);
    }
    monitor.login(id, userId);
  };

  const handles: MeteorHookHandle[] = [];
  handles.push(
    Meteor.onConnection((connection) =>
      guarded(monitor, 'Meteor.onConnection', () => {
        if (detached || !connection?.id) return;
        if (!open(connection)) throw new Error(`onClose refused for connection ${connection.id}`);
      }),
    ),
  );
  handles.push(
    Accounts.onLogin((info) =>
      guarded(monitor, 'Accounts.onLogin', () => {
        if (detached || !info || info.allowed === false) return;
        const userId = info.user?._id;
        if (!info.connection?.id || typeof userId !== 'string' || !userId) return;
        countLogin(info.connection, userId);
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
  const loginWatch = watchLogins({
    accounts: Accounts,
    scheduler,
    sessionOf: (id) => sessions.get(id),
    applied: (connection, userId) => {
      if (!detached && monitor.sessionUser(connection.id) !== userId) {
        countLogin(connection, userId);
      }
    },
    guard: (body) => guarded(monitor, 'Meteor login watch', body),
    detached: () => detached,
  });
  if (loginWatch) handles.push(loginWatch);

  const empty = (): MeteorReconcileReport => ({ opened: 0, closed: 0, loggedIn: 0, loggedOut: 0 });

  const reconcileNow = (): MeteorReconcileReport => {
    const report = empty();
    const listed = sessions.all();
    if (!listed) return report;
    const seen = new Set<string>();
    let refused = 0;
    for (const session of listed) {
      const id = session?.id;
      if (typeof id !== 'string' || !id) continue;
      seen.add(id);
      // Listed by Meteor, so Meteor's: closed by reconciliation once it leaves the list.
      if (!track(id, session.connectionHandle)) refused++;
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
    if (refused > 0) {
      reportAdapterError(
        monitor,
        'ADAPTER_HOOK_FAILED',
        `Meteor reconciliation: connection.onClose refused ${refused} sessions (Meteor 2 outside a Fiber?); they close when they leave Meteor.server.sessions`,
      );
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

  // Sessions that existed before attaching count at once, not a reconcile interval later.
  reconcile();
  const stopTimer =
    reconcileIntervalMs > 0 ? scheduler.every(reconcileIntervalMs, reconcile) : undefined;

  const detach = (): void => {
    if (detached) return;
    detached = true;
    stopTimer?.();
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
