import { InvalidArgumentError, Option, type Command } from 'commander';
import { Registry } from 'prom-client';
import { Keys } from '../../keys';
import { SauReader } from '../../reader/sau-reader';
import { startMetricsHttpServer, type MetricsHttpServer } from '../../metrics/metrics-http-server';
import {
  DEFAULT_METRICS_TIMEOUT_MS,
  registerSauMetrics,
  type SauMetricsRegistration,
} from '../../metrics/register-sau-metrics';
import { CliError } from '../cli-error';
import { createRedis } from '../connect';
import { ExitCode } from '../exit-code';
import { globalOptions } from '../global-options';
import { warnAboutNamespace } from '../namespace-warnings';
import { durationAtLeast } from '../option-parsers';
import { Output } from '../output';
import { redact } from '../redact';
import { shutdownSignal } from '../shutdown-signal';

/** The default port of OpenTelemetry's Prometheus exporter: where scrape configs already look. */
const DEFAULT_PORT = 9464;

interface MetricsOptions {
  port: number;
  host: string;
  namespaces?: string[];
  timeout: number;
}

/** `sau-cli metrics`: a Prometheus endpoint serving the sau_ gauges of one or more namespaces. */
export function registerMetricsCommand(program: Command): Command {
  return program
    .command('metrics')
    .description('serve the sau_ gauges to Prometheus at http://HOST:PORT/metrics until Ctrl-C')
    .addOption(
      new Option('--port <port>', 'TCP port to listen on (0: any free port)')
        .argParser(parsePort)
        .default(DEFAULT_PORT),
    )
    .addOption(new Option('--host <address>', 'address to listen on').default('127.0.0.1'))
    .addOption(
      new Option(
        '--namespaces <list>',
        'comma-separated namespaces to export (default: the --namespace)',
      ).argParser(parseNamespaces),
    )
    .addOption(
      new Option('--timeout <duration>', 'longest a scrape waits for Redis before answering 503')
        .argParser(durationAtLeast(10))
        .default(DEFAULT_METRICS_TIMEOUT_MS, '3s'),
    )
    .action(async (options: MetricsOptions, command: Command) => {
      await serveMetrics(options, command);
    });
}

async function serveMetrics(options: MetricsOptions, command: Command): Promise<void> {
  const globals = globalOptions(command);
  const output = new Output({ json: globals.json });
  const namespaces = options.namespaces ?? [globals.namespace];
  for (const namespace of namespaces) new Keys(namespace); // a bad --namespace is exit 2
  const redis = createRedis(globals.redisUrl, globals.tls);
  const shutdown = shutdownSignal();
  let server: MetricsHttpServer | undefined;
  try {
    await redis.connect();
    for (const namespace of namespaces) {
      // The gauges are sampled in the monitors' own zone: only a namespace without data matters.
      const reader = new SauReader({ redis: redis.client, namespace });
      await warnAboutNamespace(reader, output, { timezone: false });
    }
    const registry = new Registry();
    const logger = { warn: (message: string) => output.note(redact(message, [globals.redisUrl])) };
    let registration: SauMetricsRegistration | undefined;
    for (const namespace of namespaces) {
      registration = registerSauMetrics(registry, {
        redis: redis.client,
        namespace,
        timeoutMs: options.timeout,
        logger,
        // Prometheus must see a failed scrape (503), not a picture with a namespace missing.
        onUnreadable: 'fail',
      });
    }
    const sau = registration as SauMetricsRegistration;
    server = await listen(() =>
      startMetricsHttpServer({
        registry,
        scrape: () => sau.scrape(),
        host: options.host,
        port: options.port,
      }),
    );
    output.document({ url: server.url, namespaces });
    output.note(`sau-cli: serving ${server.url}; Ctrl-C to stop`);
    await aborted(shutdown.signal);
  } finally {
    shutdown.dispose();
    await server?.close();
    await redis.close();
  }
}

/** Turns the listen errors a user can fix into one actionable line. */
async function listen(start: () => Promise<MetricsHttpServer>): Promise<MetricsHttpServer> {
  try {
    return await start();
  } catch (err) {
    const { code, address, port } = err as { code?: string; address?: string; port?: number };
    const where = `${address}:${port}`;
    if (code === 'EADDRINUSE') {
      throw new CliError(
        `${where} is already in use: stop what listens there or choose another --port`,
        ExitCode.USAGE,
        err,
      );
    }
    if (code === 'EACCES') {
      throw new CliError(
        `not allowed to listen on ${where} (ports below 1024 need privileges): choose another --port`,
        ExitCode.USAGE,
        err,
      );
    }
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
      throw new CliError(
        `cannot listen on ${where}: not an address of this machine; choose another --host`,
        ExitCode.USAGE,
        err,
      );
    }
    throw err;
  }
}

function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) =>
    signal.addEventListener('abort', () => resolve(), { once: true }),
  );
}

function parsePort(value: string): number {
  const port = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isInteger(port) || port > 65535) {
    throw new InvalidArgumentError('expected a TCP port from 0 to 65535.');
  }
  return port;
}

function parseNamespaces(value: string): string[] {
  const namespaces = [
    ...new Set(
      value
        .split(',')
        .map((ns) => ns.trim())
        .filter((ns) => ns !== ''),
    ),
  ];
  if (namespaces.length === 0) throw new InvalidArgumentError('expected at least one namespace.');
  for (const namespace of namespaces) {
    try {
      new Keys(namespace);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  }
  return namespaces;
}
