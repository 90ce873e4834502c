import { SauError } from './sau-error';

/**
 * A write could not be applied in Redis (connection lost, script refused, instance superseded).
 * Reported through the monitor's `error` event; the monitor retries where retrying is safe.
 */
export class RedisScriptError extends SauError {
  constructor(
    code: string,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(code, message);
  }
}
