const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** Exit code of a forced stop: 128 + SIGINT, what a shell reports for an interrupted command. */
const FORCED_EXIT_CODE = 130;

export interface ShutdownSignal {
  /** Aborted at the first SIGINT or SIGTERM: the command should wind down and exit 0. */
  readonly signal: AbortSignal;
  /** Restores the default signal behaviour. */
  dispose(): void;
}

/**
 * Turns the first Ctrl-C (or SIGTERM) into a graceful stop. A second one means the user is done
 * waiting: `onForce` runs (synchronously: kill child processes) and the process exits at once.
 */
export function shutdownSignal(onForce: () => void = () => undefined): ShutdownSignal {
  const controller = new AbortController();
  const handler = (): void => {
    if (!controller.signal.aborted) {
      controller.abort();
      return;
    }
    try {
      onForce();
    } finally {
      process.exit(FORCED_EXIT_CODE);
    }
  };
  for (const name of SIGNALS) process.on(name, handler);
  return {
    signal: controller.signal,
    dispose: () => {
      for (const name of SIGNALS) process.off(name, handler);
    },
  };
}

/** Resolves after `ms`, or as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}

/**
 * What `work` resolves to, or undefined as soon as `signal` aborts: a stop does not wait for a call
 * that Redis may never answer (the call itself is left to the connection's close).
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const aborted = (): void => resolve(undefined);
    signal.addEventListener('abort', aborted, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', aborted);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', aborted);
        reject(err);
      },
    );
  });
}
