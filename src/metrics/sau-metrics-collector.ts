import { Gauge, type Registry } from 'prom-client';
import type { Gauges } from '../reader/gauges';
import { NAMESPACE_LABEL, SAU_METRICS } from './sau-metric-definitions';
import { describeRedisTrouble } from '../redis/redis-trouble';
import { readWithTimeout } from './read-with-timeout';

/** Where one namespace's gauges hash is read from at scrape time. */
export interface NamespaceGaugesSource {
  readonly namespace: string;
  /** One HGETALL of the gauges hash; null when no monitor has sampled the namespace yet. */
  read(): Promise<Gauges | null>;
}

/** What one scrape found: the samples of the namespaces that answered, and why the others did not. */
export interface SauScrape {
  /** namespace → its last sample; a namespace never sampled is absent (and not a failure). */
  readonly samples: ReadonlyMap<string, Gauges>;
  /** namespace → the error (or timeout) of its read. */
  readonly failures: ReadonlyMap<string, Error>;
}

/** Where the collector reports a namespace that stops (or starts again) answering. */
export interface MetricsLogger {
  warn(message: string): void;
}

/**
 * What a scrape does when a namespace cannot be read: `omit` leaves its series out of an
 * otherwise normal answer (an app's endpoint with other metrics must still be served); `fail`
 * makes `registry.metrics()` reject, so the endpoint answers an error and Prometheus records the
 * scrape as failed (`up` = 0) rather than a partial picture (`sau-cli metrics` answers 503).
 */
export type UnreadablePolicy = 'omit' | 'fail';

export interface SauMetricsCollectorOptions {
  /** Longest a scrape waits for Redis before giving the namespace up. */
  timeoutMs: number;
  logger: MetricsLogger;
  onUnreadable: UnreadablePolicy;
}

/** The error `registry.metrics()` rejects with under the `fail` policy. */
export class UnreadableGaugesError extends Error {
  constructor(readonly failures: ReadonlyMap<string, Error>) {
    super(
      `cannot read the sau gauges: ${[...failures]
        .map(([ns, err]) => `namespace ${ns}: ${describeRedisTrouble(err)}`)
        .join('; ')}`,
    );
    this.name = 'UnreadableGaugesError';
  }
}

/**
 * The sau_ gauges of one prom-client Registry, for every namespace added to it. A scrape reads
 * each namespace's gauges hash once (one HGETALL; all namespaces in parallel, since a Cluster cannot
 * pipeline across slots), and every gauge of that scrape is set from that one reading.
 */
export class SauMetricsCollector {
  private readonly sources = new Map<string, NamespaceGaugesSource>();
  private readonly gauges: Gauge<typeof NAMESPACE_LABEL>[];
  private readonly failing = new Set<string>();
  private inFlight: Promise<SauScrape> | undefined;

  constructor(
    private readonly registry: Registry,
    private readonly options: SauMetricsCollectorOptions,
  ) {
    // prom-client calls every metric's collect() synchronously within one registry.metrics()
    // call, so the gauges of a scrape all join the same in-flight reading.
    const scrape = (): Promise<SauScrape> => this.scrape();
    const failScrape = options.onUnreadable === 'fail';
    this.gauges = SAU_METRICS.map(
      (definition) =>
        new Gauge({
          name: definition.name,
          help: definition.help,
          labelNames: [NAMESPACE_LABEL],
          registers: [registry],
          async collect() {
            const { samples, failures } = await scrape();
            // A namespace that failed or was removed must not keep its last values.
            this.reset();
            if (failScrape && failures.size > 0) throw new UnreadableGaugesError(failures);
            for (const [namespace, sample] of samples) {
              const value = definition.value(sample);
              if (Number.isFinite(value)) this.set({ [NAMESPACE_LABEL]: namespace }, value);
            }
          },
        }),
    );
  }

  /** The namespaces this collector reads, in the order they were added. */
  get namespaces(): string[] {
    return [...this.sources.keys()];
  }

  /**
   * Adds (or replaces) the source of a namespace. Returns a function that removes it again, unless
   * another source has replaced it since.
   */
  add(source: NamespaceGaugesSource): () => void {
    this.sources.set(source.namespace, source);
    return () => {
      if (this.sources.get(source.namespace) === source) {
        this.sources.delete(source.namespace);
        this.failing.delete(source.namespace);
      }
    };
  }

  /** Takes the gauges off the registry (when the last namespace is gone). */
  detach(): void {
    SAU_METRICS.forEach(({ name }, i) => {
      if (this.registry.getSingleMetric(name) === this.gauges[i]) {
        this.registry.removeSingleMetric(name);
      }
    });
  }

  /** Reads every namespace now, or joins the reading already under way. Never rejects. */
  scrape(): Promise<SauScrape> {
    if (!this.inFlight) {
      const reading = this.readAll();
      this.inFlight = reading;
      void reading.finally(() => {
        if (this.inFlight === reading) this.inFlight = undefined;
      });
    }
    return this.inFlight;
  }

  private async readAll(): Promise<SauScrape> {
    const samples = new Map<string, Gauges>();
    const failures = new Map<string, Error>();
    await Promise.all(
      [...this.sources.values()].map(async (source) => {
        try {
          const sample = await readWithTimeout(() => source.read(), this.options.timeoutMs);
          if (sample) samples.set(source.namespace, sample);
          this.recovered(source.namespace);
        } catch (err) {
          failures.set(source.namespace, err as Error);
          this.failed(source.namespace, err as Error);
        }
      }),
    );
    return { samples, failures };
  }

  /** Logs the first failure of an outage only: Prometheus scrapes every few seconds. */
  private failed(namespace: string, err: Error): void {
    if (this.failing.has(namespace)) return;
    this.failing.add(namespace);
    const effect =
      this.options.onUnreadable === 'fail'
        ? 'every scrape fails (sau-cli metrics: 503) until it can be read'
        : 'its sau_ metrics are left out of every scrape until it can be read';
    this.options.logger.warn(
      `sau-monitor metrics: cannot read the gauges of namespace ${JSON.stringify(namespace)}: ${describeRedisTrouble(err)}; ${effect}`,
    );
  }

  private recovered(namespace: string): void {
    if (!this.failing.delete(namespace)) return;
    this.options.logger.warn(
      `sau-monitor metrics: the gauges of namespace ${JSON.stringify(namespace)} can be read again`,
    );
  }
}
