import type { Stats } from '../../src/reader/stats-types';

// A tiny parser of the Prometheus text format (0.0.4): what a scraper sees.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
export interface Exposition {
  help: Map<string, string>;
  type: Map<string, string>;
  samples: Sample[];
}

export function parseExposition(text: string): Exposition {
  const exposition: Exposition = { help: new Map(), type: new Map(), samples: [] };
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const comment = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (comment) {
      (comment[1] === 'HELP' ? exposition.help : exposition.type).set(comment[2], comment[3]);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) throw new Error(`not a line of the Prometheus text format: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, name, value] of (sample[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[name] = value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    exposition.samples.push({ name: sample[1], labels, value: Number(sample[3]) });
  }
  return exposition;
}

/** namespace → metric name → value, of the sau_ samples. */
export function sauValues(exposition: Exposition): Map<string, Map<string, number>> {
  const byNamespace = new Map<string, Map<string, number>>();
  for (const s of exposition.samples.filter((x) => x.name.startsWith('sau_'))) {
    const values = byNamespace.get(s.labels.namespace) ?? new Map<string, number>();
    expect(values.has(s.name)).toBe(false); // one series per metric and namespace
    values.set(s.name, s.value);
    byNamespace.set(s.labels.namespace, values);
  }
  return byNamespace;
}

/** What each metric must equal, from SauReader.stats({ window: 'all' }) (the sampler's source). */
export function expectedFrom(stats: Stats): Record<string, number> {
  const { now, day, week, month } = stats;
  if (!day || !week || !month) throw new Error('stats without day, week or month');
  return {
    sau_users: now.users,
    sau_sessions: now.sessions,
    sau_anonymous_sessions: now.anonymousSessions,
    sau_instances: now.instances,
    sau_daily_active_users: day.activeUsers,
    sau_weekly_active_users: week.activeUsers,
    sau_monthly_active_users: month.activeUsers,
    sau_rolling30_active_users: month.rolling30,
    sau_peak_users_today: day.peakUsers,
    sau_stickiness_ratio: month.stickiness,
  };
}
