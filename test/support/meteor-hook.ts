import type { MeteorHookHandle } from '../../src/adapters/meteor-types';
import type { FiberModel } from './meteor-fibers';

/**
 * packages/callback-hook's Hook as Meteor's servers configure it: `bindEnvironment` (the default,
 * as for `Meteor.onConnection`) binds each callback at registration, which Meteor 2 refuses outside
 * a Fiber; accounts hooks pass `bindEnvironment: false`. Callbacks run in registration order; a
 * callback's synchronous exception is printed (`debugPrintExceptions`) and the next one still runs.
 */
export class Hook<T> {
  private nextId = 0;
  private readonly callbacks = new Map<number, (arg: T) => unknown>();

  constructor(
    private readonly fibers: FiberModel,
    private readonly errors: unknown[],
    private readonly options: { bindEnvironment: boolean },
  ) {}

  get size(): number {
    return this.callbacks.size;
  }

  register(callback: (arg: T) => unknown): MeteorHookHandle & { callback: (arg: T) => unknown } {
    if (this.options.bindEnvironment)
      this.fibers.bind(
        () => undefined,
        () => undefined,
      );
    const id = this.nextId++;
    this.callbacks.set(id, callback);
    return { callback, stop: () => void this.callbacks.delete(id) };
  }

  /** Hook.forEach: every callback, synchronously; a returned promise is not awaited. */
  each(call: (callback: (arg: T) => unknown) => unknown): void {
    for (const callback of [...this.callbacks.values()]) {
      try {
        call(callback);
      } catch (err) {
        this.errors.push(err);
      }
    }
  }

  /**
   * Hook.forEachAsync (Meteor 3's onLogin): each callback awaited before the next. A synchronous
   * throw is printed and the next callback runs; a rejected promise ends the iteration and
   * rejects, so the later callbacks never run.
   */
  async eachAwaited(call: (callback: (arg: T) => unknown) => unknown): Promise<void> {
    for (const callback of [...this.callbacks.values()]) {
      let result: unknown;
      try {
        result = call(callback);
      } catch (err) {
        this.errors.push(err);
        continue;
      }
      await result;
    }
  }
}
