import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerDemoCommand } from './commands/demo';
import { registerImportCommand } from './commands/import';
import { registerStatsCommand } from './commands/stats';
import { registerHistoryCommand } from './commands/history';
import { registerBreakdownCommand } from './commands/breakdown';
import { registerSessionsCommand } from './commands/sessions';
import { registerInstancesCommand } from './commands/instances';
import { registerReapCommand } from './commands/reap';
import { registerExportCommand } from './commands/export';
import { registerDoctorCommand } from './commands/doctor';
import { registerMetricsCommand } from './commands/metrics';
import { addGlobalOptions } from './global-options';

/**
 * The `sau-cli` program. Commander never exits the process itself: every problem, including a
 * usage error, is thrown to the caller (main.ts), which prints one line and picks the exit code.
 */
export function buildProgram(): Command {
  const program = new Command('sau-cli')
    .description('Simultaneous, daily and monthly active users, from the Redis of sau-monitor')
    .version(packageVersion(), '-V, --version')
    .exitOverride()
    // Commander's own error text would be a second line; main.ts prints the one line instead.
    .configureOutput({ outputError: () => undefined })
    .showHelpAfterError(false);
  addGlobalOptions(program);
  // Subcommands made with program.command() inherit exitOverride and the output settings.
  registerStatsCommand(program);
  registerHistoryCommand(program);
  registerBreakdownCommand(program);
  registerSessionsCommand(program);
  registerInstancesCommand(program);
  registerReapCommand(program);
  registerExportCommand(program);
  registerDoctorCommand(program);
  registerMetricsCommand(program);
  registerDemoCommand(program);
  registerImportCommand(program);
  return program;
}

/** package.json sits two levels up from both src/cli and dist/cli. */
function packageVersion(): string {
  const file = join(__dirname, '..', '..', 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}
