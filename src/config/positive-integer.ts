import { ConfigError } from '../errors/config-error';

/** Throws a ConfigError naming the option when `value` is not a positive safe integer. */
export function assertPositiveInteger(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new ConfigError(`${name} must be a positive integer, got ${String(value)}`);
  }
}
