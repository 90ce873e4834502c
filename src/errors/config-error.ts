import { SauError } from './sau-error';

/** An option passed to a constructor is invalid (bad namespace, unknown time zone, …). */
export class ConfigError extends SauError {
  constructor(message: string, code = 'CONFIG') {
    super(code, message);
  }
}
