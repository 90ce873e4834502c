/**
 * Base class of every error this library raises or reports. `code` is stable across versions, so
 * callers can branch on it instead of parsing messages.
 */
export class SauError extends Error {
  constructor(
    /** Stable machine-readable code, e.g. `INVALID_NAMESPACE`. */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
