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

/** The commands that write to Redis; the others need only a reader's rights. */
const WRITING_COMMANDS = new Set(['reap', 'import', 'demo']);

/**
 * Maps any error a command throws to one line and an exit code. Every message passes through
 * `redact`, so no password of `secretUrls` (or of any URL in the text) is printed. `command` is
 * the subcommand that ran, named when the Redis user lacks the rights it needs.
 */
export function describeError(
  err: unknown,
  secretUrls: readonly string[] = [],
  command?: string,
): ErrorReport {
  const line = (text: string): string => redact(`sau-cli: ${firstLine(text)}`, secretUrls);
  if (err instanceof CommanderError) {
    if (COMMANDER_SUCCESS.has(err.code)) return { message: undefined, exitCode: ExitCode.OK };
    // commander.help: no command given; commander has already printed the help to stderr.
    if (err.code === 'commander.help') return { message: undefined, exitCode: ExitCode.USAGE };
    // Commander puts its suggestion ("(Did you mean stats?)") on a second line: keep it.
    const text = err.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ');
    return { message: line(text), exitCode: ExitCode.USAGE };
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
        `the Redis user may not do this (${firstLine(err.message)}); ${rightsNeeded(command)}`,
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

/** Which user `command` needs, for a refusal: a writer for the commands that write. */
function rightsNeeded(command: string | undefined): string {
  const where = '(README, "Least-privilege users")';
  if (command === undefined) return `a writer user such as sau-writer may be needed ${where}`;
  if (WRITING_COMMANDS.has(command)) {
    return `\`${command}\` writes, so it needs a writer user such as sau-writer ${where}`;
  }
  return `\`${command}\` needs at least the rights of sau-reader ${where}`;
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
