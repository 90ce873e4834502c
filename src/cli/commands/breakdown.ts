import { Option, type Command } from 'commander';
import {
  BREAKDOWN_DIMENSIONS,
  BREAKDOWN_WINDOWS,
  type BreakdownDimension,
  type BreakdownWindow,
} from '../../reader/breakdown-types';
import { CliError } from '../cli-error';
import { ExitCode } from '../exit-code';
import { parseDateOption } from '../option-parsers';
import { withReader } from '../with-reader';

interface BreakdownOptions {
  by: BreakdownDimension;
  window: BreakdownWindow;
  date?: string;
}

/** `sau-cli breakdown`: sessions, time and users per device type, OS or browser. */
export function registerBreakdownCommand(program: Command): Command {
  return program
    .command('breakdown')
    .description('sessions (and time and users for a day or month) per device, OS or browser')
    .addOption(
      new Option('--by <dimension>', 'what to count by')
        .choices(BREAKDOWN_DIMENSIONS)
        .makeOptionMandatory(),
    )
    .addOption(
      new Option('--window <window>', 'live sessions, one day, or one calendar month')
        .choices(BREAKDOWN_WINDOWS)
        .default('now'),
    )
    .addOption(
      new Option(
        '--date <YYYY-MM-DD>',
        'day (or day of the month) read (default: today in --timezone)',
      ).argParser(parseDateOption),
    )
    .action(async (options: BreakdownOptions, command: Command) => {
      if (options.date !== undefined && options.window === 'now') {
        throw new CliError('--date needs --window day or month', ExitCode.USAGE);
      }
      await withReader(command, async ({ reader, output }) => {
        const breakdown = await reader.breakdown({
          by: options.by,
          window: options.window,
          date: options.date,
        });
        if (output.json || breakdown.window !== 'month') {
          output.document(breakdown);
          return;
        }
        // A month's users per value are estimates: the table says so in the column itself.
        output.document({
          ...breakdown,
          rows: breakdown.rows.map(({ users, usersAtLeast, usersAtMost, ...row }) => ({
            ...row,
            usersEstimate: users,
            usersAtLeast,
            usersAtMost,
          })),
        });
      });
    });
}
