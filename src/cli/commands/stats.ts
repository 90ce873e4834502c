import { Option, type Command } from 'commander';
import type { SauReader } from '../../reader/sau-reader';
import { STATS_WINDOWS, type StatsWindow } from '../../reader/stats-types';
import { maskConnectionString } from '../../redis/mask-url';
import { describeRedisTrouble } from '../../redis/redis-trouble';
import { isRedisUnavailable } from '../connect';
import { durationAtLeast, parseDateOption } from '../option-parsers';
import type { Output } from '../output';
import { redact } from '../redact';
import { shutdownSignal, sleep, untilAborted } from '../shutdown-signal';
import { withTimeout } from '../../monitor/with-timeout';
import { withReader } from '../with-reader';

interface StatsOptions {
  window: StatsWindow;
  date?: string;
  watch?: boolean;
  interval: number;
}

/** `sau-cli stats`: the object of SauReader.stats(), once or every --interval. */
export function registerStatsCommand(program: Command): Command {
  return program
    .command('stats')
    .description('live SAU, plus DAU, week or month numbers for a window')
    .addOption(
      new Option('--window <window>', 'period reported besides now')
        .choices(STATS_WINDOWS)
        .default('now'),
    )
    .addOption(
      new Option(
        '--date <YYYY-MM-DD>',
        'day the window ends on (default: today in --timezone)',
      ).argParser(parseDateOption),
    )
    .option('--watch', 'read again every --interval until Ctrl-C')
    .addOption(
      new Option('--interval <duration>', 'time between readings with --watch (500ms, 5s, 2m)')
        .argParser(durationAtLeast(100))
        .default(5000, '5s'),
    )
    .action(async (options: StatsOptions, command: Command) => {
      await runStats(options, command);
    });
}

async function runStats(options: StatsOptions, command: Command): Promise<void> {
  await withReader(command, async ({ reader, output, globals }) => {
    const query = { window: options.window, date: options.date };
    if (!options.watch) {
      output.document(await reader.stats(query));
      return;
    }
    await watch(reader, query, options.interval, output, globals.redisUrl);
  });
}

/** Shortest a reading of --watch waits for Redis before saying it is away. */
const MIN_READING_WAIT_MS = 5000;

/** A reading Redis did not answer in time. */
class NoAnswer extends Error {
  constructor(ms: number) {
    super(`Redis did not answer within ${ms / 1000} s (paused, stopped, or cut off)`);
  }
}

/**
 * Re-reads every `intervalMs` until Ctrl-C; Redis going away is said once (and its return once)
 * on stderr, and retried, not fatal.
 */
async function watch(
  reader: SauReader,
  query: { window: StatsWindow; date?: string },
  intervalMs: number,
  output: Output,
  redisUrl: string,
): Promise<void> {
  const shutdown = shutdownSignal();
  // Ctrl-C, or the reader of stdout going away (`| head`), ends the watch the same way.
  const stop = AbortSignal.any([shutdown.signal, output.stdoutGone]);
  const where = maskConnectionString(redisUrl);
  let failing = false;
  try {
    while (!stop.aborted) {
      const started = Date.now();
      try {
        // A Redis that holds the connection but answers nothing (paused, stopped, cut off) is
        // away as much as a closed one, and Ctrl-C does not wait for it.
        const waitMs = Math.max(intervalMs, MIN_READING_WAIT_MS);
        const reading = withTimeout(reader.stats(query), waitMs, () => new NoAnswer(waitMs));
        const stats = await untilAborted(reading, stop);
        if (stats === undefined) break;
        output.document(stats, { refresh: true });
        if (failing) output.note(`sau-cli: Redis at ${where} answers again`);
        failing = false;
      } catch (err) {
        if (!(err instanceof NoAnswer) && !isRedisUnavailable(err)) throw err;
        if (!failing) {
          const trouble =
            err instanceof NoAnswer ? err.message : describeRedisTrouble(err as Error);
          output.note(
            redact(
              `sau-cli: cannot read Redis at ${where}: ${trouble}; trying again every ${intervalMs / 1000} s`,
              [redisUrl],
            ),
          );
        }
        failing = true;
      }
      await sleep(Math.max(0, intervalMs - (Date.now() - started)), stop);
    }
  } finally {
    shutdown.dispose();
  }
}
