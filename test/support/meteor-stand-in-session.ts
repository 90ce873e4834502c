import { randomBytes } from 'node:crypto';
import type { MeteorConnection, MeteorServerSession } from '../../src/adapters/meteor-types';
import type { FiberModel } from './meteor-fibers';

/** What a session needs from its server: deferring callbacks and leaving the session list. */
export interface SessionHost {
  readonly fibers: FiberModel;
  readonly hookErrors: unknown[];
  defer(fn: () => void): void;
  removeSession(session: StandInSession): void;
}

/** ddp-server's Session, as far as connection life, userId and the login token go. */
export class StandInSession implements MeteorServerSession {
  /** Random.id(): 17 characters. */
  readonly id = randomBytes(12).toString('base64url').slice(0, 17);
  userId: string | null = null;
  /** The hashed login token the connection is logged in with (Accounts._setLoginToken). */
  token: string | null = null;
  /** Meteor sets inQueue to null when the session is destroyed; true while alive here. */
  inQueue = true;
  readonly closeCallbacks: (() => void)[] = [];
  readonly connectionHandle: MeteorConnection;

  constructor(
    private readonly host: SessionHost,
    address: { clientAddress: string | null | undefined; httpHeaders: Record<string, string> },
  ) {
    this.connectionHandle = {
      id: this.id,
      close: () => this.close(),
      // Meteor.bindEnvironment(fn, "connection onClose callback"): Meteor 2 throws outside a Fiber.
      onClose: (fn) => {
        const callback = host.fibers.bind(fn, (err) => host.hookErrors.push(err));
        if (this.inQueue) this.closeCallbacks.push(callback);
        else host.defer(callback); // already closed: call it, deferred
      },
      clientAddress: address.clientAddress,
      httpHeaders: address.httpHeaders,
    };
  }

  close(): void {
    if (!this.inQueue) return;
    this.inQueue = false;
    // Deferred so the caller closing the session does not wait for the callbacks...
    this.host.defer(() => {
      for (const callback of this.closeCallbacks) callback();
    });
    // ...while the session leaves the server's map at once.
    this.host.removeSession(this);
  }
}
