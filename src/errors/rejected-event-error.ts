import { SauError } from './sau-error';

/** Why an event was not applied. */
export type RejectionReason =
  | 'INVALID_SESSION_ID'
  | 'INVALID_USER_ID'
  | 'UNKNOWN_SESSION'
  | 'NOT_STARTED'
  | 'STOPPED'
  | 'QUEUE_OVERFLOW';

/**
 * Reported through the monitor's `error` event (never thrown) when an open/login/logout/close call
 * cannot be applied. The event is dropped; the host application is never interrupted.
 */
export class RejectedEventError extends SauError {
  constructor(
    readonly reason: RejectionReason,
    readonly operation: string,
    readonly sessionId: unknown,
    detail: string,
  ) {
    super(reason, `${operation}(${describe(sessionId)}) rejected: ${detail}`);
  }
}

function describe(value: unknown): string {
  if (typeof value !== 'string') return `<${typeof value}>`;
  return value.length > 40 ? JSON.stringify(value.slice(0, 40) + '…') : JSON.stringify(value);
}
