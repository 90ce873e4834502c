import { SauError } from '../errors/sau-error';
import type { SessionMonitor } from '../monitor/session-monitor';

/** Codes of the problems an adapter reports; the host server never sees them thrown. */
export type AdapterErrorCode = 'ADAPTER_HOOK_FAILED' | 'USER_ID_LOOKUP_FAILED' | 'REPORTING_FAILED';

/**
 * Reports a problem the way the monitor reports its own: through its `error` event when somebody
 * listens, else its logger. Never throws, because it runs inside the host server's event handlers.
 */
export function reportAdapterError(
  monitor: SessionMonitor,
  code: AdapterErrorCode,
  message: string,
): void {
  reportThrough(monitor, new SauError(code, message));
}

/** Reports `err` through `monitor`'s `error` event, or its logger when nobody listens; never throws. */
export function reportThrough(monitor: SessionMonitor, err: SauError): void {
  try {
    if (monitor.listenerCount('error') > 0) monitor.emit('error', err);
    else monitor.options.logger.warn(`[sau-monitor] ${err.code}: ${err.message}`);
  } catch {
    // A throwing listener or logger must not reach the host's handlers either.
  }
}

/** Runs an adapter's handler body so that nothing it throws reaches the server calling it. */
export function guarded(monitor: SessionMonitor, what: string, body: () => void): void {
  try {
    body();
  } catch (err) {
    reportAdapterError(monitor, 'ADAPTER_HOOK_FAILED', `${what}: ${describeError(err)}`);
  }
}

export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
