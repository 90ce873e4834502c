import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { Option, type Command } from 'commander';
import { importRocketChatSessions } from '../../import/import-sessions';
import type { ImportProgress, ImportReport } from '../../import/import-report';
import { CliError } from '../cli-error';
import { createRedis } from '../connect';
import { ExitCode } from '../exit-code';
import { globalOptions } from '../global-options';
import { integerUpTo } from '../option-parsers';
import { Output } from '../output';

interface ImportCliOptions {
  strict?: boolean;
  progress?: boolean;
  retentionDays: number;
}

/** `sau-cli import FILE`: Rocket.Chat `rocketchat_sessions` (mongoexport output) into history. */
export function registerImportCommand(program: Command): Command {
  return program
    .command('import')
    .description(
      'replay Rocket.Chat rocketchat_sessions documents (mongoexport output) into history',
    )
    .argument(
      '<file>',
      'mongoexport output (one document a line, --pretty or --jsonArray); - for stdin',
    )
    .option('--strict', 'stop at the first bad line (nothing is written then)')
    .option('--progress', 'report progress on stderr every second (default: when it is a terminal)')
    .addOption(
      new Option('--retention-days <n>', 'keep imported days this long; use the monitors value')
        .argParser(integerUpTo(100_000))
        .default(400),
    )
    .action(async (file: string, options: ImportCliOptions, command: Command) => {
      await runImport(file, options, command);
    });
}

async function runImport(file: string, options: ImportCliOptions, command: Command): Promise<void> {
  const globals = globalOptions(command);
  const output = new Output({ json: globals.json });
  // A lazy client holds no socket yet, so a missing file after it leaks nothing.
  const redis = createRedis(globals.redisUrl, globals.tls);
  const input = await openInput(file);
  try {
    await redis.connect();
    const showProgress = options.progress === true || process.stderr.isTTY === true;
    const report = await importRocketChatSessions(input, {
      redis: redis.client,
      namespace: globals.namespace,
      timezone: globals.timezone,
      strict: options.strict === true,
      retentionDays: options.retentionDays,
      onProgress: showProgress ? (p) => output.note(progressLine(p)) : undefined,
    });
    output.document(report);
    if (report.closedDays.length > 0) output.note(closedDaysLine(report.closedDays));
    if (report.imported === 0) {
      throw new CliError(
        `import: nothing imported from ${file === '-' ? 'stdin' : file}: ${whyNothing(report)}`,
        ExitCode.FAILURE,
      );
    }
  } finally {
    input.destroy();
    await redis.close();
  }
}

/** The input stream; a file that cannot be read is a usage error (exit 2), found before Redis. */
async function openInput(file: string): Promise<Readable> {
  if (file === '-') return process.stdin;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new Error('not a regular file');
  } catch (err) {
    const reason =
      (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new CliError(`cannot read ${file}: ${reason}`, ExitCode.USAGE, err);
  }
  return createReadStream(file);
}

/** Days refused whole (see ImportReport.partsRefused), named so an operator can tell what is missing. */
function closedDaysLine(days: string[]): string {
  const listed =
    days.length > 10
      ? `${days.slice(0, 10).join(', ')} and ${days.length - 10} more`
      : days.join(', ');
  return `sau-cli: import: ${days.length} day(s) not written (${listed}): each already holds a frozen exact user count whose user set has expired, so new users could not be told from counted ones`;
}

/** Why an import counted no session, in the words of its report. */
function whyNothing(report: ImportReport): string {
  const { notSession, noUser, badJson, badDate, duplicate, expired } = report.skipped;
  const reasons = [
    [badJson, 'not a JSON object'],
    [badDate, 'without a readable date or session id'],
    [noUser, 'without a user (never logged in)'],
    [notSession, 'aggregates, not sessions'],
    [expired, 'older than --retention-days'],
    [duplicate, 'duplicates'],
  ]
    .filter(([count]) => (count as number) > 0)
    .map(([count, what]) => `${(count as number).toLocaleString('en-US')} ${what}`);
  if (reasons.length === 0) return 'no document found (an empty input?)';
  return `${reasons.join(', ')}. Expected mongoexport output of rocketchat_sessions (README, "import")`;
}

function progressLine(p: ImportProgress): string {
  if (p.phase === 'reading') {
    return `sau-cli: import: ${p.lines.toLocaleString('en-US')} lines read, ${p.imported.toLocaleString('en-US')} sessions`;
  }
  return `sau-cli: import: writing day parts ${p.partsDone}/${p.partsTotal}`;
}
