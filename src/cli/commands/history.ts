import { Option, type Command } from 'commander';
import { MAX_HISTORY_DAYS, type History } from '../../reader/history';
import { CliError } from '../cli-error';
import { toCsv } from '../csv';
import { ExitCode } from '../exit-code';
import { humanDuration } from '../human-duration';
import { integerUpTo, parseDateOption } from '../option-parsers';
import type { Output } from '../output';
import type { Column } from '../table';
import { barChart, sparkline } from '../terminal-chart';
import { withReader } from '../with-reader';

interface HistoryOptions {
  days: number;
  date?: string;
  csv?: boolean;
}

/** Up to this many days the chart has a bar row a day; beyond, one sparkline per series. */
const BAR_CHART_DAYS = 60;
/** Sparkline characters per line. */
const SPARK_WIDTH = 100;

/** The human table; the CSV and JSON carry the seconds as numbers (sessionSeconds, …). */
const COLUMNS: Column[] = [
  { key: 'date', label: 'date' },
  { key: 'activeUsers', label: 'DAU' },
  { key: 'exact', label: 'exact' },
  { key: 'sessions', label: 'sessions' },
  { key: 'logins', label: 'logins' },
  { key: 'sessionTime', label: 'session time', align: 'right' },
  { key: 'averageSession', label: 'avg session', align: 'right' },
  { key: 'peakUsers', label: 'peak SAU' },
  { key: 'peakAt', label: 'peak at' },
];

const CSV_COLUMNS = [
  'date',
  'activeUsers',
  'exact',
  'sessions',
  'logins',
  'sessionSeconds',
  'averageSessionSeconds',
  'peakUsers',
  'peakAt',
] as const;

/** `sau-cli history`: one row a day (DAU, sessions, logins, session time, peak SAU) and a chart. */
export function registerHistoryCommand(program: Command): Command {
  return program
    .command('history')
    .description('one row a day: DAU, sessions, logins, session time, peak SAU; a terminal chart')
    .addOption(
      new Option('--days <n>', `number of days, 1 to ${MAX_HISTORY_DAYS}`)
        .argParser(integerUpTo(MAX_HISTORY_DAYS))
        .default(30),
    )
    .addOption(
      new Option('--date <YYYY-MM-DD>', 'last day shown (default: today in --timezone)').argParser(
        parseDateOption,
      ),
    )
    .option('--csv', 'print RFC 4180 CSV with a header instead of a table')
    .action(async (options: HistoryOptions, command: Command) => {
      await withReader(command, async ({ reader, output }) => {
        if (options.csv && output.json) {
          throw new CliError('--csv and --json cannot be used together', ExitCode.USAGE);
        }
        const history = await reader.history({ days: options.days, to: options.date });
        if (output.json) output.document(history);
        else if (options.csv) output.text(toCsv(CSV_COLUMNS, history.days));
        else printTable(history, output);
      });
    });
}

function printTable(history: History, output: Output): void {
  output.table(
    COLUMNS,
    history.days.map((day) => ({
      ...day,
      sessionTime: humanDuration(day.sessionSeconds),
      averageSession: humanDuration(day.averageSessionSeconds),
    })),
  );
  // A chart is for people: only on a terminal, never in a pipe or a file.
  if (!output.stdoutIsTTY) return;
  const dates = history.days.map((d) => d.date);
  const series = [
    { name: 'DAU', values: history.days.map((d) => d.activeUsers) },
    { name: 'peak SAU', values: history.days.map((d) => d.peakUsers) },
  ];
  output.text('\n');
  if (dates.length <= BAR_CHART_DAYS) {
    output.text(barChart(dates, series));
    return;
  }
  // One scale for the whole chart, so a series half the other's height draws half as high.
  const max = Math.max(0, ...series.flatMap((s) => s.values));
  output.text(`one scale for both: a full block is ${max.toLocaleString('en-US')}\n`);
  for (const s of series) {
    output.text(`${s.name} (max ${Math.max(0, ...s.values).toLocaleString('en-US')})\n`);
    // Each line is a slice of the one scale.
    const line = sparkline(s.values, max);
    for (let i = 0; i < dates.length; i += SPARK_WIDTH) {
      output.text(`  ${dates[i]}  ${line.slice(i, i + SPARK_WIDTH)}\n`);
    }
  }
}
