import { Option, type Command } from 'commander';
import { assertNamespace } from '../../keys';
import { SauReader } from '../../reader/sau-reader';
import { ZonedCalendar } from '../../time/zoned-calendar';
import { claimDemoNamespace } from '../../demo/demo-namespace';
import { pickRedis, type DemoRedis } from '../../demo/pick-redis';
import { maskConnectionString } from '../../redis/mask-url';
import { runDemo, type DemoEvent, type DemoStats, type DemoTick } from '../../demo/run-demo';
import { createRedis } from '../connect';
import { DEFAULT_REDIS_URL, explicitlySet, globalOptions } from '../global-options';
import { durationAtLeast, integerUpTo } from '../option-parsers';
import { Output } from '../output';
import type { Column } from '../table';
import { redact } from '../redact';
import { shutdownSignal } from '../shutdown-signal';

interface DemoCommandOptions {
  duration: number;
  instances: number;
  users: number;
  seed?: number;
  crash: boolean;
}

/** Printed a row a second: the widths hold the largest counts a demo of 100,000 users reaches. */
const COLUMNS: readonly Column[] = [
  { key: 'time', label: 'time', width: 5, align: 'right' },
  { key: 'sau', label: 'SAU', width: 7 },
  { key: 'sessions', label: 'sessions', width: 9 },
  { key: 'anonymous', label: 'anonymous', width: 9 },
  { key: 'instances', label: 'instances', width: 9 },
  { key: 'dau', label: 'DAU', width: 7 },
  { key: 'mau', label: 'MAU', width: 7 },
  { key: 'logins', label: 'logins', width: 9 },
  { key: 'peak', label: 'peak SAU', width: 8 },
];

/** `sau-cli demo`: monitors, simulated users and a reader, on this machine, in one command. */
export function registerDemoCommand(program: Command): Command {
  return program
    .command('demo')
    .description(
      'simulate server instances and a few hundred users against Redis (a private redis-server if none runs) and show SAU, DAU and MAU live',
    )
    .addOption(
      new Option('--duration <duration>', 'how long the simulation runs (20s, 2m)')
        .argParser(durationAtLeast(1000))
        .default(20_000, '20s'),
    )
    .addOption(
      new Option('--instances <n>', 'simulated server instances')
        .argParser(integerUpTo(50))
        .default(3),
    )
    .addOption(
      new Option('--users <n>', 'size of the simulated user population')
        .argParser(integerUpTo(100_000))
        .default(300),
    )
    .addOption(
      new Option('--seed <n>', 'random seed, to replay the same run').argParser(
        integerUpTo(2 ** 31),
      ),
    )
    .option('--no-crash', 'keep every instance up (by default one crashes halfway and is reaped)')
    .action(async (options: DemoCommandOptions, command: Command) => {
      await runDemoCommand(options, command);
    });
}

async function runDemoCommand(options: DemoCommandOptions, command: Command): Promise<void> {
  const globals = globalOptions(command);
  const output = new Output({ json: globals.json });
  const namespace = explicitlySet(command, 'namespace') ? globals.namespace : demoNamespace();
  // Checked before any Redis is picked or started, so a typo costs nothing.
  assertNamespace(namespace);
  new ZonedCalendar(globals.timezone);
  const explicitUrl = explicitlySet(command, 'redisUrl') ? globals.redisUrl : undefined;

  let redis: DemoRedis | undefined;
  const shutdown = shutdownSignal(() => redis?.kill());
  shutdown.signal.addEventListener('abort', () =>
    output.note('demo: stopping every monitor gracefully (Ctrl-C again to force)'),
  );
  try {
    redis = await pickRedis(explicitUrl, DEFAULT_REDIS_URL);
    if (shutdown.signal.aborted) return;
    const connection = createRedis(redis.url, globals.tls);
    try {
      const reader = new SauReader({
        redis: connection.client,
        namespace,
        timezone: globals.timezone,
      });
      await connection.connect();
      await claimDemoNamespace(connection.client, namespace);
      output.note(
        `demo: ${options.users} users on ${options.instances} instance${options.instances === 1 ? '' : 's'} for ${options.duration / 1000}s, ` +
          `namespace ${namespace}, Redis ${describeRedis(redis)}. Ctrl-C stops early.`,
      );
      const row = output.rows(COLUMNS);
      const final = await runDemo({
        // Each instance its own connection, made like the reader's (same URL forms, same TLS).
        connect: () => connection.client.duplicate(),
        namespace,
        timezone: globals.timezone,
        instances: options.instances,
        users: options.users,
        durationMs: options.duration,
        seed: options.seed,
        reader,
        // Ctrl-C, or the reader of stdout going away (`| head`): both stop every monitor gracefully.
        signal: AbortSignal.any([shutdown.signal, output.stdoutGone]),
        onTick: (tick) =>
          row(tableRow(tick), {
            phase: 'running',
            elapsedSeconds: seconds(tick.elapsedMs),
            ...tick.stats,
          }),
        onProblem: (message) => output.note(redact(`demo: ${message}`, [redis?.url ?? ''])),
        crashHalfway: options.crash,
        onEvent: (event) => reportEvent(output, event),
      });
      printFinal(output, final, options.instances);
      if (redis.origin !== 'private') {
        output.note(
          `demo: its day keys expire in two days (its month's two days after the month ends); look again with: sau-cli stats --namespace ${namespace} --window day`,
        );
      }
    } finally {
      await connection.close();
    }
  } finally {
    try {
      await redis?.stop();
    } finally {
      shutdown.dispose();
    }
  }
}

/** A crash or a reap: a line on stderr, and with --json also a JSON line on stdout. */
function reportEvent(output: Output, event: DemoEvent): void {
  const count = (n: number): string => n.toLocaleString('en-US');
  if (event.kind === 'crashed') {
    output.note(
      `demo: instance ${event.instanceId} crashed: ${count(event.sessionsLeft)} sessions left behind; ` +
        'the survivors reap them once its 3 s lease lapses',
    );
  } else {
    output.note(
      `demo: ${event.by === 'reader' ? 'the demo' : event.by} reaped ${event.instances} dead instance${event.instances === 1 ? '' : 's'}: ` +
        `${count(event.sessions)} sessions closed at the last heartbeat`,
    );
  }
  if (!output.json) return;
  const { kind, elapsedMs, ...rest } = event;
  output.document({ phase: kind, elapsedSeconds: seconds(elapsedMs), ...rest });
}

function tableRow({ elapsedMs, stats }: DemoTick): Record<string, unknown> {
  return {
    time: `${seconds(elapsedMs)}s`,
    sau: stats.now.users,
    sessions: stats.now.sessions,
    anonymous: stats.now.anonymousSessions,
    instances: stats.now.instances,
    dau: stats.day.activeUsers,
    mau: stats.month.activeUsers,
    logins: stats.day.logins,
    peak: stats.day.peakUsers,
  };
}

function printFinal(output: Output, stats: DemoStats, instances: number): void {
  const { users, sessions } = stats.now;
  const outcome =
    users === 0 && sessions === 0
      ? `SAU and sessions are back to 0; DAU ${stats.day.activeUsers} and MAU ${stats.month.activeUsers} keep every user who came`
      : `yet Redis still counts ${users} users in ${sessions} sessions`;
  output.document(output.json ? { phase: 'final', ...stats } : stats, {
    title: `\nall ${instances} monitors stopped: ${outcome}`,
  });
}

function describeRedis(redis: DemoRedis): string {
  const where = maskConnectionString(redis.url);
  if (redis.origin === 'private') return `${where} (a private redis-server, stopped at the end)`;
  if (redis.origin === 'default') return `${where} (found running)`;
  return where;
}

function seconds(ms: number): number {
  return Math.round(ms / 1000);
}

/** `demo-20261121-120000`: new at every run, readable, valid in a Redis hash tag. */
function demoNamespace(): string {
  const iso = new Date().toISOString();
  return `demo-${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 23).replace(/[:.]/g, '')}`;
}
