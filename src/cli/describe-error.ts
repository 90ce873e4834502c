import { CommanderError } from 'commander';
import { SauError } from '../errors/sau-error';
import { describeRedisTrouble } from '../redis/redis-trouble';
import { CliError } from './cli-error';
import { isRedisUnavailable } from './connect';
import { ExitCode } from './exit-code';
import { redact } from './redact';

/** SauError codes that mean the caller gave a bad value, not that something broke. */
const USAGE_CODES = new Set([
  'INVALID_ARGUMENT',
  'CONFIG',
  'INVALID_TIMEZONE',
  'INVALID_NAMESPACE',
  'INVALID_REDIS_URL',
  'INVALID_TLS',
  'NAMESPACE_HOLDS_DATA',
]);

/** Commander "errors" that are really a successful --help or --version. */
const COMMANDER_SUCCESS = new Set(['commander.helpDisplayed', 'commander.version']);

/** What the top-level handler prints (one line, or nothing) and the exit code. */
export interface ErrorReport {
  message: string | undefined;
  exitCode: ExitCode;
}

/**
 * Maps any error a command throws to one line and an exit code. Every message passes through
 * `redact`, so no password of `secretUrls` (or of any URL in the text) is printed.
 */
export function describeError(err: unknown, secretUrls: readonly string[] = []): ErrorReport {
  const line = (text: string): string => redact(`sau-cli: ${firstLine(text)}`, secretUrls);
  if (err instanceof CommanderError) {
    if (COMMANDER_SUCCESS.has(err.code)) return { message: undefined, exitCode: ExitCode.OK };
    // commander.help: no command given; commander has already printed the help to stderr.
    if (err.code === 'commander.help') return { message: undefined, exitCode: ExitCode.USAGE };
    return { message: line(err.message.replace(/^error: /, '')), exitCode: ExitCode.USAGE };
  }
  if (err instanceof CliError) return { message: line(err.message), exitCode: err.exitCode };
  if (err instanceof SauError) {
    return {
      message: line(err.message),
      exitCode: USAGE_CODES.has(err.code) ? ExitCode.USAGE : ExitCode.FAILURE,
    };
  }
  if (err instanceof Error && permissionDenied(err)) {
    return {
      message: line(
        `the Redis user may not do this (${firstLine(err.message)}); reap and import write, so they need a writer user such as sau-writer (README, "Least-privilege users")`,
      ),
      exitCode: ExitCode.FAILURE,
    };
  }
  if (isRedisUnavailable(err)) {
    return {
      message: line(`Redis unavailable: ${describeRedisTrouble(err as Error)}`),
      exitCode: ExitCode.REDIS_UNAVAILABLE,
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { message: line(message || 'unexpected error'), exitCode: ExitCode.FAILURE };
}

/** An ACL refusal: of a command (NOPERM) or of a command a script called as this user. */
function permissionDenied(err: Error): boolean {
  return (
    /^NOPERM\b/.test(err.message) ||
    /user executing the script can't (run|access)/.test(err.message)
  );
}

function firstLine(text: string): string {
  return text.split('\n').find((l) => l.trim() !== '') ?? text;
}
