import { Option, type Command } from 'commander';
import type { TlsFiles } from '../redis/tls-material';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** Options every command accepts, before or after its name. */
export interface GlobalOptions {
  redisUrl: string;
  namespace: string;
  timezone: string;
  json: boolean;
  /** PEM files for a rediss… URL; empty when none is given. */
  tls: TlsFiles;
}

interface RawGlobalOptions extends Omit<GlobalOptions, 'tls'> {
  tlsCa: string;
  tlsCert: string;
  tlsKey: string;
}

/** Adds the global options to the program; each falls back to its environment variable. */
export function addGlobalOptions(program: Command): Command {
  return program
    .addOption(
      new Option(
        '--redis-url <url>',
        'Redis to read: redis[s]://h:p[/db], redis[s]+cluster://h1:p1,h2:p2 or redis[s]+sentinel://s1:p1,s2:p2/<master> (password is never printed)',
      )
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
    .addOption(new Option('--json', 'print nothing but JSON on stdout, one value per line'))
    .addOption(
      new Option('--tls-ca <file>', 'PEM CA certificate(s) to trust for a rediss… URL').env(
        'SAU_TLS_CA',
      ),
    )
    .addOption(
      new Option('--tls-cert <file>', 'PEM client certificate (mutual TLS; needs --tls-key)').env(
        'SAU_TLS_CERT',
      ),
    )
    .addOption(new Option('--tls-key <file>', 'PEM private key of --tls-cert').env('SAU_TLS_KEY'));
}

/** The global options as seen from a subcommand's action. */
export function globalOptions(command: Command): GlobalOptions {
  const all = command.optsWithGlobals<Partial<RawGlobalOptions>>();
  return {
    redisUrl: all.redisUrl ?? DEFAULT_REDIS_URL,
    namespace: all.namespace ?? 'default',
    timezone: all.timezone ?? 'UTC',
    json: all.json === true,
    tls: { ca: all.tlsCa, cert: all.tlsCert, key: all.tlsKey },
  };
}

/** True when the user chose the option (flag or environment), not commander's default. */
export function explicitlySet(command: Command, name: keyof RawGlobalOptions): boolean {
  for (let c: Command | null = command; c; c = c.parent) {
    const source = c.getOptionValueSource(name);
    if (source === 'cli' || source === 'env') return true;
  }
  return false;
}
