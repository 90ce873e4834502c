import { Option, type Command } from 'commander';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** Options every command accepts, before or after its name. */
export interface GlobalOptions {
  redisUrl: string;
  namespace: string;
  timezone: string;
  json: boolean;
}

/** Adds the global options to the program; each falls back to its environment variable. */
export function addGlobalOptions(program: Command): Command {
  return program
    .addOption(
      new Option('--redis-url <url>', 'Redis to read (password is never printed)')
        .env('REDIS_URL')
        .default(DEFAULT_REDIS_URL),
    )
    .addOption(
      new Option('--namespace <ns>', 'key namespace (one per app or tenant)')
        .env('SAU_NAMESPACE')
        .default('default'),
    )
    .addOption(
      new Option('--timezone <tz>', 'IANA zone of day and month boundaries')
        .env('SAU_TIMEZONE')
        .default('UTC'),
    )
    .addOption(new Option('--json', 'print nothing but JSON on stdout, one value per line'));
}

/** The global options as seen from a subcommand's action. */
export function globalOptions(command: Command): GlobalOptions {
  const all = command.optsWithGlobals<Partial<GlobalOptions>>();
  return {
    redisUrl: all.redisUrl ?? DEFAULT_REDIS_URL,
    namespace: all.namespace ?? 'default',
    timezone: all.timezone ?? 'UTC',
    json: all.json === true,
  };
}

/** True when the user chose the option (flag or environment), not commander's default. */
export function explicitlySet(command: Command, name: keyof GlobalOptions): boolean {
  for (let c: Command | null = command; c; c = c.parent) {
    const source = c.getOptionValueSource(name);
    if (source === 'cli' || source === 'env') return true;
  }
  return false;
}
