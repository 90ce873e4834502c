import { Option, type Command } from 'commander';
import type { ClosedSession } from '../../reader/closed-sessions';
import { CliError } from '../cli-error';
import { ExitCode } from '../exit-code';
import { parseDateOption } from '../option-parsers';
import { withReader } from '../with-reader';

const FORMATS = ['ndjson', 'csv'] as const;
type Format = (typeof FORMATS)[number];

interface ExportOptions {
  from: string;
  to?: string;
  format: Format;
  csv?: boolean;
}

/** The exported fields, in CSV column order; times as ISO 8601, durations in ms. */
const FIELDS = [
  'sessionId',
  'userId',
  'instanceId',
  'connectedAt',
  'closedAt',
  'durationMs',
  'loginAt',
  'deviceType',
  'osName',
  'osVersion',
  'clientName',
  'clientVersion',
  'clientAddress',
] as const;

type ExportRecord = Record<(typeof FIELDS)[number], string | number | null>;

/** Records are written in chunks of this many lines, waiting for stdout between chunks. */
const CHUNK = 500;

/** `sau-cli export`: the closed-session log of some days, as NDJSON or CSV, streamed. */
export function registerExportCommand(program: Command): Command {
  return program
    .command('export')
    .description('closed-session records logged from --from to --to (days in --timezone)')
    .addOption(
      new Option('--from <YYYY-MM-DD>', 'first day, inclusive')
        .argParser(parseDateOption)
        .makeOptionMandatory(),
    )
    .addOption(
      new Option('--to <YYYY-MM-DD>', 'last day, inclusive (default: --from)').argParser(
        parseDateOption,
      ),
    )
    .addOption(
      new Option('--format <format>', 'one JSON object a line, or CSV with a header')
        .choices(FORMATS)
        .default('ndjson'),
    )
    .option('--csv', 'the same as --format csv (as history --csv)')
    .action(async (options: ExportOptions, command: Command) => {
      const to = options.to ?? options.from;
      if (options.from > to) {
        throw new CliError(`--from ${options.from} is after --to ${to}`, ExitCode.USAGE);
      }
      const format = formatOf(options, command);
      await withReader(command, async ({ reader, output, globals }) => {
        if (globals.json && format === 'csv') {
          throw new CliError('--json prints NDJSON; leave out --csv', ExitCode.USAGE);
        }
        const line = format === 'csv' ? csvLine : jsonLine;
        let chunk = format === 'csv' ? csvRow(FIELDS) : '';
        let lines = 0;
        for await (const session of reader.closedSessions({ from: options.from, to })) {
          chunk += line(recordOf(session));
          if (++lines % CHUNK === 0) {
            output.text(chunk);
            chunk = '';
            await output.drained();
            // `| head`: the rest would be read from Redis for nobody.
            if (output.stdoutGone.aborted) return;
          }
        }
        if (chunk !== '') output.text(chunk);
      });
    });
}

/** `--csv` is `--format csv`; with an explicit `--format ndjson` it is a contradiction. */
function formatOf(options: ExportOptions, command: Command): Format {
  if (!options.csv) return options.format;
  if (command.getOptionValueSource('format') === 'cli' && options.format !== 'csv') {
    throw new CliError(
      `--csv and --format ${options.format} contradict each other`,
      ExitCode.USAGE,
    );
  }
  return 'csv';
}

function recordOf(s: ClosedSession): ExportRecord {
  return {
    sessionId: s.sessionId,
    userId: s.userId,
    instanceId: s.instanceId,
    connectedAt: new Date(s.connectedAt).toISOString(),
    closedAt: new Date(s.closedAt).toISOString(),
    durationMs: s.durationMs,
    loginAt: s.loginAt === null ? null : new Date(s.loginAt).toISOString(),
    deviceType: s.deviceType,
    osName: s.osName,
    osVersion: s.osVersion,
    clientName: s.clientName,
    clientVersion: s.clientVersion,
    clientAddress: s.clientAddress,
  };
}

function jsonLine(record: ExportRecord): string {
  return `${JSON.stringify(record)}\n`;
}

function csvLine(record: ExportRecord): string {
  return csvRow(FIELDS.map((field) => record[field]));
}

/** RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled; null is empty. */
function csvRow(values: readonly (string | number | null)[]): string {
  return `${values
    .map((value) => {
      const text = value === null ? '' : String(value);
      return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
    })
    .join(',')}\r\n`;
}
