import { SauError } from './sau-error';

/** A strict import met a line it cannot import; nothing of that import was written. */
export class ImportLineError extends SauError {
  constructor(
    /** 1-based line number in the input. */
    readonly lineNumber: number,
    reason: string,
  ) {
    super('IMPORT_BAD_LINE', `line ${lineNumber}: ${reason}; nothing was imported (--strict)`);
  }
}
