import { SauError } from './sau-error';

/** A reader call got an argument it cannot serve (bad date, unknown window, …). */
export class InvalidArgumentError extends SauError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}
