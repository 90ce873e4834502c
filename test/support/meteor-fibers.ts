/** The error Meteor 2's `Meteor._nodeCodeMustBeInFiber` throws (packages/meteor/dynamics_nodejs.js). */
export const NOT_IN_FIBER =
  'Meteor code must always run within a Fiber. Try wrapping callbacks that you pass to non-Meteor libraries with Meteor.bindEnvironment.';

/**
 * Meteor 2's Fiber rule, modelled with a flag: Meteor runs DDP messages, hook callbacks and its own
 * timers' callbacks inside a Fiber, and `Meteor.bindEnvironment` throws when it is called outside
 * one (it reads `Fiber.current`). Node's own timers and promise callbacks run outside. Meteor 3
 * has no Fibers: nothing throws.
 */
export class FiberModel {
  private depth = 0;

  constructor(readonly enforced: boolean) {}

  get inFiber(): boolean {
    return this.depth > 0;
  }

  /** Runs `body` the way Meteor runs its own work: inside a Fiber. */
  run<T>(body: () => T): T {
    this.depth++;
    try {
      return body();
    } finally {
      this.depth--;
    }
  }

  /**
   * `Meteor.bindEnvironment(fn, onException)`: refuses outside a Fiber (Meteor 2) at the call,
   * and returns a function that runs `fn` inside one, with its exceptions given to `onException`.
   */
  bind<A extends unknown[]>(
    fn: (...args: A) => void,
    onException: (err: unknown) => void,
  ): (...args: A) => void {
    if (this.enforced && !this.inFiber) throw new Error(NOT_IN_FIBER);
    return (...args) =>
      this.run(() => {
        try {
          fn(...args);
        } catch (err) {
          onException(err);
        }
      });
  }
}
