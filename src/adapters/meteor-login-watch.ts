import type { MeteorScheduler } from './meteor-environment';
import type {
  AccountsLike,
  MeteorConnection,
  MeteorHookHandle,
  MeteorServerSession,
} from './meteor-types';

/** Event-loop turns a login is looked for on every turn; after them, every WATCH_PERIOD_MS. */
const EAGER_TURNS = 20;
const WATCH_PERIOD_MS = 50;
/** Longest a login is watched for; past it, onLogin or the next reconciliation counts it. */
export const LOGIN_WATCH_MS = 10_000;

/**
 * Counts a login as soon as Meteor applied it to its session, without waiting for
 * `Accounts.onLogin`: Meteor 3 awaits onLogin callbacks one after another
 * (`Hook.forEachAsync`), so an earlier callback that rejects stops ours and a slow one delays it.
 * Validators are isolated from each other instead (Meteor catches each one's exceptions), and run
 * just before the login method calls `setUserId`, which sets `session.userId` before the
 * subscriptions re-run and long before the onLogin callbacks. So a validator starts a watch of the
 * session, and the login counts on the first event-loop turn that sees its user there.
 *
 * Returns the validator's handle, or undefined when `Accounts` has no `validateLoginAttempt`.
 */
export function watchLogins(options: {
  accounts: AccountsLike;
  scheduler: MeteorScheduler;
  /** The session of a connection while Meteor lists it. */
  sessionOf(connectionId: string): MeteorServerSession | undefined;
  /** Meteor shows `userId` on the connection's session: count the login. */
  applied(connection: MeteorConnection, userId: string): void;
  /** Reports what a watch threw, so it never reaches Meteor. */
  guard(body: () => void): void;
  /** True once the adapter detached: pending watches end. */
  detached(): boolean;
}): MeteorHookHandle | undefined {
  const { accounts, scheduler, sessionOf, applied, guard, detached } = options;
  if (typeof accounts.validateLoginAttempt !== 'function') return undefined;

  const watch = (connection: MeteorConnection, userId: string): void => {
    const deadline = Date.now() + LOGIN_WATCH_MS;
    let turns = 0;
    const look = (): void =>
      guard(() => {
        if (detached()) return;
        const session = sessionOf(connection.id);
        // Gone: closed while logging in, or a REST login's connection, which Meteor never lists;
        // onLogin handles those.
        if (!session) return;
        if (session.userId === userId) return applied(connection, userId);
        if (Date.now() >= deadline) return;
        turns++;
        scheduler.after(turns < EAGER_TURNS ? 0 : WATCH_PERIOD_MS, look);
      });
    scheduler.after(0, look);
  };

  return accounts.validateLoginAttempt((attempt) => {
    guard(() => {
      const userId = attempt?.user?._id;
      const connection = attempt?.connection;
      if (!attempt.allowed || typeof userId !== 'string' || !userId || !connection?.id) return;
      watch(connection, userId);
    });
    // Never decide a login: an earlier validator's verdict stands.
    return true;
  });
}
