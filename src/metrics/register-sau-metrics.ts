import type { Registry } from 'prom-client';
import { ConfigError } from '../errors/config-error';
import { assertTimerDelay } from '../config/timer-delay';
import { Keys } from '../keys';
import { readGauges, type Gauges } from '../reader/gauges';
import type { SauReader } from '../reader/sau-reader';
import type { RedisClient } from '../redis/redis-client';
import {
  SauMetricsCollector,
  type MetricsLogger,
  type NamespaceGaugesSource,
  type SauScrape,
  type UnreadablePolicy,
} from './sau-metrics-collector';
import { SAU_METRICS } from './sau-metric-definitions';

/** Longest a scrape waits for Redis by default, well inside Prometheus' default 10 s timeout. */
export const DEFAULT_METRICS_TIMEOUT_MS = 3000;

/**
 * Which namespace to export and how to read its gauges hash: a SauReader, a Redis client (yours:
 * it is not closed) and a namespace, or a function that reads it (what `monitor.registerMetrics`
 * passes).
 */
export type SauMetricsTarget =
  | { reader: SauReader }
  | { redis: RedisClient; namespace: string }
  | { namespace: string; readGauges: () => Promise<Gauges | null> };

export type SauMetricsOptions = SauMetricsTarget & {
  /**
   * Longest a scrape waits for Redis before leaving the namespace out (default 3000 ms). Set by
   * the first registration on a registry; later ones share it.
   */
  timeoutMs?: number;
  /** Gets one line when a namespace stops being readable and one when it is again (default console). */
  logger?: MetricsLogger;
  /**
   * When a namespace cannot be read: `omit` (default) leaves its series out of the scrape; `fail`
   * makes `registry.metrics()` reject, for an endpoint that serves nothing but these gauges and
   * should answer an error rather than a partial picture. Set by the first registration.
   */
  onUnreadable?: UnreadablePolicy;
};

/** A namespace registered on a registry. */
export interface SauMetricsRegistration {
  readonly namespace: string;
  /** Reads every namespace of the registry now, as the next scrape will (it joins this reading). */
  scrape(): Promise<SauScrape>;
  /** Stops exporting this namespace; the gauges leave the registry with its last namespace. */
  unregister(): void;
}

const collectors = new WeakMap<Registry, SauMetricsCollector>();

/**
 * Registers the sau_ gauges (sau_users, sau_sessions, sau_daily_active_users, …, each with a
 * `namespace` label) on a prom-client `registry`, read from the namespace's gauges hash at scrape
 * time: one HGETALL per namespace per scrape, whatever the number of users. Several namespaces may
 * share one registry; registering a namespace again replaces its source. A namespace no monitor has
 * sampled yet exports nothing. Throws a ConfigError when the registry already holds a metric of the
 * same name that was not registered this way.
 */
export function registerSauMetrics(
  registry: Registry,
  options: SauMetricsOptions,
): SauMetricsRegistration {
  const source = sourceOf(options);
  let collector = collectors.get(registry);
  if (!collector) {
    const taken = SAU_METRICS.find((m) => registry.getSingleMetric(m.name) !== undefined);
    if (taken) {
      throw new ConfigError(
        `this registry already has a metric named ${taken.name} that registerSauMetrics did not create (a metric of yours, or a second copy of sau-monitor); remove it or use another Registry`,
        'METRIC_NAME_TAKEN',
      );
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_METRICS_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new ConfigError(
        `timeoutMs must be a positive number of milliseconds, not ${timeoutMs}`,
      );
    }
    assertTimerDelay('timeoutMs', timeoutMs);
    collector = new SauMetricsCollector(registry, {
      timeoutMs,
      logger: options.logger ?? console,
      onUnreadable: options.onUnreadable ?? 'omit',
    });
    collectors.set(registry, collector);
  }
  const owner = collector;
  const remove = owner.add(source);
  return {
    namespace: source.namespace,
    scrape: () => owner.scrape(),
    unregister() {
      remove();
      if (owner.namespaces.length === 0 && collectors.get(registry) === owner) {
        owner.detach();
        collectors.delete(registry);
      }
    },
  };
}

function sourceOf(target: SauMetricsTarget): NamespaceGaugesSource {
  if ('reader' in target) {
    const reader = target.reader;
    return { namespace: reader.keys.namespace, read: () => reader.gauges() };
  }
  if ('redis' in target) {
    const keys = new Keys(target.namespace);
    const client = target.redis;
    return { namespace: keys.namespace, read: () => readGauges(client, keys) };
  }
  // Validates the namespace the same way the other forms do.
  const keys = new Keys(target.namespace);
  return { namespace: keys.namespace, read: target.readGauges };
}
