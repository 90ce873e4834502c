import type { MeteorLike } from './meteor-types';

/** Timers that run their callbacks where Meteor code may run. */
export interface MeteorScheduler {
  /** Calls `callback` every `delayMs`; returns what stops it. The timer never keeps Node alive. */
  every(delayMs: number, callback: () => void): () => void;
  /** Calls `callback` once after `delayMs` (0: on a later turn of the event loop); returns what cancels it. */
  after(delayMs: number, callback: () => void): () => void;
}

/**
 * Meteor's own timers when the app's `Meteor` has them, Node's otherwise. In Meteor 2 the
 * difference matters: `connection.onClose` calls `Meteor.bindEnvironment`, which throws outside a
 * Fiber, and Node's timers run their callbacks outside one, while Meteor's bind them to the
 * environment of the caller (a Fiber). Meteor 2 binds at the call, so the scheduler must be used
 * from Meteor code (a hook callback, server startup), as the adapter does.
 */
export function meteorScheduler(meteor: MeteorLike): MeteorScheduler {
  const { setInterval: every, clearInterval: stopEvery } = meteor;
  const { setTimeout: after, clearTimeout: cancelAfter, defer } = meteor;
  return {
    every(delayMs, callback) {
      if (typeof every === 'function' && typeof stopEvery === 'function') {
        const timer = every.call(meteor, callback, delayMs);
        unref(timer);
        return () => stopEvery.call(meteor, timer);
      }
      const timer = setInterval(callback, delayMs);
      timer.unref();
      return () => clearInterval(timer);
    },
    after(delayMs, callback) {
      if (delayMs === 0 && typeof defer === 'function') {
        let cancelled = false;
        defer.call(meteor, () => {
          if (!cancelled) callback();
        });
        return () => {
          cancelled = true;
        };
      }
      if (typeof after === 'function' && typeof cancelAfter === 'function') {
        const timer = after.call(meteor, callback, delayMs);
        unref(timer);
        return () => cancelAfter.call(meteor, timer);
      }
      const timer = setTimeout(callback, delayMs);
      timer.unref();
      return () => clearTimeout(timer);
    },
  };
}

/** Meteor's timers are Node's underneath: a pending reconciliation must not keep the process up. */
function unref(timer: unknown): void {
  const handle = timer as { unref?: () => void } | null;
  if (typeof handle?.unref === 'function') handle.unref();
}
