/**
 * What SauReader says a namespace holds (Truth), and judge(), which holds one panel target's reply
 * against it: the dashboard check's verdict on each query, kept apart from how queries are run.
 */
import { GAUGE_FIELDS, type GaugeField } from '../../src/reader/gauges';
import type { Keys } from '../../src/keys';
import type { Stats } from '../../src/reader/stats-types';
import type { BreakdownDimension, LiveBreakdownRow } from '../../src/reader/breakdown-types';
import type { FrameField, PluginResult } from './grafana-redis-query';
import type { Panel } from './grafana-dashboard';
import { breakdownView } from './grafana-panel-transformations';

/** What SauReader says the namespace holds: what each key a panel reads must show. */
export interface Truth {
  keys: Keys;
  stats: Stats;
  /** The gauges as the contract derives them from stats({ window: 'all' }), updatedAt aside. */
  gauges: Omit<Record<GaugeField, number>, 'updatedAt'>;
  /** Redis time just before and just after the last sample. */
  sampledBetween: [number, number];
  samples: number;
  live: Record<BreakdownDimension, LiveBreakdownRow[]>;
}

/** A column's single value, when the frame is one row. */
function single(field: FrameField): number | string {
  return field.values[field.values.length - 1];
}

/**
 * Compares what a panel target returned with what SauReader says the key holds. Returns the
 * problems; a key this function does not know is a problem, so a new panel cannot go unchecked.
 */
export function judge(key: string, result: PluginResult, truth: Truth, panel: Panel): string[] {
  const { keys } = truth;
  const problems: string[] = [];
  const byName = new Map(result.fields.map((f) => [f.name, f]));
  const expectGauge = (name: string, value: number | string, what: string) => {
    if (!(GAUGE_FIELDS as readonly string[]).includes(name)) {
      problems.push(`${what}: ${JSON.stringify(name)} is not a gauges field`);
    } else if (typeof value !== 'number') {
      problems.push(`${what}: ${name} is ${JSON.stringify(value)}, not a number (missing field?)`);
    } else if (name === 'updatedAt') {
      const [from, to] = truth.sampledBetween;
      if (value < from || value > to) {
        problems.push(`${what}: updatedAt ${value} is not the last sample's time (${from}..${to})`);
      }
    } else if (value !== truth.gauges[name as Exclude<GaugeField, 'updatedAt'>]) {
      problems.push(
        `${what}: ${name} = ${value}, SauReader says ${truth.gauges[name as Exclude<GaugeField, 'updatedAt'>]}`,
      );
    }
  };

  if (key === keys.gauges()) {
    if (result.command === 'hgetall') {
      for (const name of GAUGE_FIELDS) {
        if (!byName.has(name)) problems.push(`gauges hash lacks ${name}`);
      }
    }
    if (!['hget', 'hmget', 'hgetall'].includes(result.command)) {
      problems.push(`${result.command} of the gauges hash is not checked`);
    }
    // A CLI `HGET key field` frames its reply as `Value`: that value is the field's.
    for (const field of result.fields) {
      const name =
        field.name === 'Value' && result.command === 'hget' ? result.argv[2] : field.name;
      expectGauge(name, single(field), 'gauges');
    }
    return problems;
  }

  if (key === keys.timeline()) {
    if (!['xrange', 'xrevrange'].includes(result.command)) {
      return [`${result.command} of the timeline is not checked`];
    }
    const times = byName.get('$time')?.values as number[] | undefined;
    if (!times || times.length !== truth.samples) {
      return [
        `timeline: ${times?.length ?? 0} entries in the time range, ${truth.samples} sampled`,
      ];
    }
    const last = times.indexOf(Math.max(...times));
    expectGauge('updatedAt', times[last], 'timeline entry id');
    for (const name of GAUGE_FIELDS) {
      const field = byName.get(name);
      if (!field) problems.push(`timeline entry lacks ${name}`);
      else expectGauge(name, field.values[last], 'timeline');
    }
    return problems;
  }

  const view = breakdownView(panel);
  if (key === keys.live() && view && result.command === 'hgetall') {
    const expected = Object.fromEntries(
      truth.live[view.by]
        .map((row) => [row.value, view.loggedIn ? row.loggedInSessions : row.sessions] as const)
        .filter(([, n]) => n > 0),
    );
    const actual = Object.fromEntries(result.fields.map((f) => [f.name, single(f)]));
    return JSON.stringify(sortKeys(actual)) === JSON.stringify(sortKeys(expected))
      ? []
      : [
          `live ${view.by}${view.loggedIn ? ' (logged in)' : ''}: ${JSON.stringify(actual)}, SauReader says ${JSON.stringify(expected)}`,
        ];
  }

  if (key === keys.live()) {
    if (result.command !== 'hget' || result.argv[2] !== 'users')
      return [
        `${result.command} ${result.argv.slice(2).join(' ')} of the live totals is not checked`,
      ];
    const value = single(result.fields[0]);
    return value === truth.stats.now.users
      ? []
      : [`live users: ${value}, SauReader says SAU ${truth.stats.now.users}`];
  }

  return [`nothing here knows what ${key} should hold: teach judge() before adding the panel`];
}

function sortKeys(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
