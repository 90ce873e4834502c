import type { GaugeField, Gauges } from '../reader/gauges';

/** One Prometheus gauge of a namespace, and how it is computed from the gauges hash. */
export interface SauMetricDefinition {
  readonly name: string;
  readonly help: string;
  /** The value exported for one sample. */
  value(gauges: Gauges): number;
}

/** The one label every sau_ metric carries: the namespace the numbers are of. */
export const NAMESPACE_LABEL = 'namespace';

function field(name: string, gaugeField: GaugeField, help: string): SauMetricDefinition {
  return { name, help, value: (gauges) => gauges[gaugeField] };
}

/**
 * Every metric `sau-cli metrics` and `registerSauMetrics` export, one per meaning, all gauges (so
 * none ends in `_total`). The names are a public contract: dashboards and alerts use them, and the
 * README lists them.
 */
export const SAU_METRICS: readonly SauMetricDefinition[] = [
  field(
    'sau_users',
    'users',
    'Simultaneously active users (SAU): distinct logged-in users with at least one live session.',
  ),
  field('sau_sessions', 'sessions', 'Live sessions, logged in or not.'),
  field('sau_anonymous_sessions', 'anonymousSessions', 'Live sessions without a logged-in user.'),
  field('sau_instances', 'instances', 'Server instances holding a live lease.'),
  field(
    'sau_daily_active_users',
    'dau',
    'Distinct users active today (DAU), in the monitors\u2019 time zone.',
  ),
  field(
    'sau_weekly_active_users',
    'wau',
    'Distinct users active in the 7 days ending today (WAU).',
  ),
  field(
    'sau_monthly_active_users',
    'mau',
    'Distinct users active in the current calendar month (MAU).',
  ),
  field(
    'sau_rolling30_active_users',
    'rolling30',
    'Distinct users active in the 30 days ending today.',
  ),
  field('sau_peak_users_today', 'peakUsersToday', 'Highest SAU seen today.'),
  field('sau_stickiness_ratio', 'stickiness', 'DAU divided by MAU (0 to 1).'),
  {
    name: 'sau_gauges_updated_timestamp_seconds',
    help: 'Redis time of the sample the other sau_ values come from, in seconds since the epoch; alert when it stops advancing.',
    value: (gauges) => gauges.updatedAt / 1000,
  },
];
