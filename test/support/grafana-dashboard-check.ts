/**
 * The dashboard in grafana/dashboards/sau-monitor.json as the tests read it, and checkDashboard(),
 * which runs every panel query as the Redis data source would and compares the answer with what
 * SauReader says the namespace holds.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { redisNowMs } from './monitor-harness';
import {
  grafanaTime,
  interpolate,
  runAsPlugin,
  shellSplit,
  type FrameField,
  type PluginResult,
  type RedisTarget,
} from './grafana-redis-query';
import type { Keys } from '../../src/keys';
import { GAUGE_FIELDS, type GaugeField } from '../../src/reader/gauges';
import type { Stats } from '../../src/reader/stats-types';
import type { BreakdownDimension, LiveBreakdownRow } from '../../src/reader/breakdown-types';

export const ROOT = join(__dirname, '..', '..');
export const GRAFANA = join(ROOT, 'grafana');
const DASHBOARD_FILE = join(GRAFANA, 'dashboards', 'sau-monitor.json');
/** Panel types the checks below know how to judge; any other fails the test. */
const PANEL_TYPES = new Set(['stat', 'timeseries', 'bargauge', 'piechart', 'text']);
/** Columns the plugin adds to every XRANGE frame. */
const STREAM_COLUMNS = new Set(['$streamId', '$time']);

interface Transformation {
  id: string;
  options: {
    include?: { names?: string[]; pattern?: string };
    renameByName?: Record<string, string>;
    regex?: string;
    renamePattern?: string;
  };
}

/** The live breakdown a panel shows of the live totals hash: its fields `d:` (device) and so on. */
const BREAKDOWN_VIEWS: Record<string, { by: 'device' | 'os' | 'browser'; loggedIn: boolean }> = {
  '^d:': { by: 'device', loggedIn: false },
  '^o:': { by: 'os', loggedIn: false },
  '^b:': { by: 'browser', loggedIn: false },
  '^D:': { by: 'device', loggedIn: true },
  '^O:': { by: 'os', loggedIn: true },
  '^B:': { by: 'browser', loggedIn: true },
};

/** Which live breakdown a panel's filterFieldsByName pattern picks, if any. */
function breakdownView(panel: Panel) {
  const pattern = panel.transformations?.find((t) => t.id === 'filterFieldsByName')?.options.include
    ?.pattern;
  return pattern === undefined ? undefined : BREAKDOWN_VIEWS[pattern];
}

/** The fields after the panel's filterFieldsByName pattern and renameByRegex, as Grafana does. */
function transformed(panel: Panel, result: PluginResult): PluginResult {
  let fields = result.fields;
  for (const t of panel.transformations ?? []) {
    if (t.id === 'filterFieldsByName' && t.options.include?.pattern) {
      const re = new RegExp(t.options.include.pattern);
      fields = fields.filter((f) => re.test(f.name));
    } else if (t.id === 'renameByRegex' && t.options.regex) {
      const re = new RegExp(t.options.regex);
      fields = fields.map((f) => ({
        ...f,
        name: f.name.replace(re, t.options.renamePattern ?? ''),
      }));
    }
  }
  return { ...result, fields };
}

export interface Panel {
  id: number;
  type: string;
  title: string;
  description?: string;
  fieldConfig?: { defaults?: { custom?: { insertNulls?: number | false; spanNulls?: unknown } } };
  datasource?: { type?: string; uid?: string };
  targets?: RedisTarget[];
  transformations?: Transformation[];
  panels?: Panel[];
}

interface TemplateVariable {
  name: string;
  type: string;
  query: string;
  current: { value: string };
}

export interface Dashboard {
  uid: string;
  time: { from: string; to: string };
  templating: { list: TemplateVariable[] };
  panels: Panel[];
}

export function loadDashboard(): Dashboard {
  return JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Dashboard;
}

/** Every panel, rows' nested panels included. */
export function allPanels(dashboard: Dashboard): Panel[] {
  return dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
}

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
function judge(key: string, result: PluginResult, truth: Truth, panel: Panel): string[] {
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

/** Columns a panel shows after its filterFieldsByName transformation. */
function shownColumns(panel: Panel, fields: FrameField[]): string[] {
  const include = panel.transformations?.find((t) => t.id === 'filterFieldsByName')?.options.include
    ?.names;
  const names = fields.map((f) => f.name);
  return include ? names.filter((n) => include.includes(n)) : names;
}

/**
 * Runs every target of every panel as the Redis data source would and checks each against
 * SauReader. Returns the problems and what each panel type shows (`<type> <key part> <column>`).
 */
export async function checkDashboard(
  client: Redis,
  dashboard: Dashboard,
  truth: Truth,
): Promise<{ problems: string[]; shown: Set<string> }> {
  const problems: string[] = [];
  const shown = new Set<string>();
  const variables = { namespace: truth.keys.namespace };
  const nowMs = await redisNowMs(client);
  const range = {
    fromMs: grafanaTime(dashboard.time.from, nowMs),
    toMs: grafanaTime(dashboard.time.to, nowMs),
  };
  for (const panel of allPanels(dashboard)) {
    const where = `panel ${JSON.stringify(panel.title)}`;
    if (panel.type === 'row') continue;
    if (!PANEL_TYPES.has(panel.type)) {
      problems.push(`${where}: panel type ${panel.type} is not checked by this test`);
      continue;
    }
    const targets = panel.targets ?? [];
    if (panel.type === 'text') {
      if (targets.length > 0) problems.push(`${where}: a text panel with queries`);
      continue;
    }
    if (targets.length === 0) problems.push(`${where}: no query`);
    for (const raw of targets) {
      const target: RedisTarget = {
        ...raw,
        keyName: raw.keyName && interpolate(raw.keyName, variables),
        field: raw.field && interpolate(raw.field, variables),
        query: raw.query && interpolate(raw.query, variables),
      };
      const at = `${where} target ${target.refId}`;
      if (target.datasource?.type !== 'redis-datasource') {
        problems.push(`${at}: data source is not redis-datasource`);
        continue;
      }
      if (target.streaming) {
        problems.push(`${at}: streaming queries are not checked`);
        continue;
      }
      const key = target.query ? shellSplit(target.query)[1] : target.keyName;
      if (!key) {
        problems.push(`${at}: no key`);
        continue;
      }
      if ((await client.exists(key)) === 0) {
        problems.push(`${at}: key ${key} does not exist`);
        continue;
      }
      let result: PluginResult;
      try {
        result = await runAsPlugin(client, target, range);
      } catch (err) {
        problems.push(`${at}: ${(err as Error).message}`);
        continue;
      }
      result = transformed(panel, result);
      problems.push(...judge(key, result, truth, panel).map((p) => `${at}: ${p}`));
      const columns = new Set(result.fields.map((f) => f.name));
      for (const t of panel.transformations ?? []) {
        const named = [
          ...(t.options.include?.names ?? []),
          ...Object.keys(t.options.renameByName ?? {}),
        ];
        for (const name of named) {
          if (!columns.has(name) && !STREAM_COLUMNS.has(name)) {
            problems.push(`${at}: transformation ${t.id} names ${name}, which the reply lacks`);
          }
        }
      }
      const view = breakdownView(panel);
      // A live breakdown is named after what it shows of the live totals hash.
      const part = view ? `live breakdown ${view.by}` : key.slice(truth.keys.prefix.length);
      for (const column of shownColumns(panel, result.fields)) {
        if (STREAM_COLUMNS.has(column)) continue;
        const name = column === 'Value' && result.command === 'hget' ? result.argv[2] : column;
        shown.add(`${panel.type} ${part} ${name}`);
      }
    }
  }
  return { problems, shown };
}
