import { ExitCode } from './exit-code';

/**
 * A failure the CLI has already put into words: the top-level handler prints its message as is
 * and exits with its code.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
