import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Redis } from 'ioredis';
import { useRedis } from '../support/use-redis';
import { uniqueNamespace } from '../support/redis-server';
import { redisNowMs, useMonitors, type WatchedMonitor } from '../support/monitor-harness';
import {
  grafanaTime,
  interpolate,
  runAsPlugin,
  shellSplit,
  type FrameField,
  type PluginResult,
  type RedisTarget,
} from '../support/grafana-redis-query';
import { Keys } from '../../src/keys';
import { GAUGE_FIELDS, type GaugeField } from '../../src/reader/gauges';
import type { Stats } from '../../src/reader/stats-types';
import type { BreakdownDimension, LiveBreakdownRow } from '../../src/reader/breakdown-types';
import { CRAWLER, USER_AGENTS } from '../../src/demo/user-agents';
import { importRocketChatSessions } from '../../src/import/import-sessions';

const ROOT = join(__dirname, '..', '..');
const GRAFANA = join(ROOT, 'grafana');
const DASHBOARD_FILE = join(GRAFANA, 'dashboards', 'sau-monitor.json');
const DIMENSIONS: readonly BreakdownDimension[] = ['device', 'os', 'browser'];
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

interface Panel {
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

interface Dashboard {
  uid: string;
  time: { from: string; to: string };
  templating: { list: TemplateVariable[] };
  panels: Panel[];
}

function loadDashboard(): Dashboard {
  return JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Dashboard;
}

/** Every panel, rows' nested panels included. */
function allPanels(dashboard: Dashboard): Panel[] {
  return dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
}

const userAgent = (label: string): string => {
  const profile = USER_AGENTS.find((p) => p.label === label);
  if (!profile) throw new Error(`no user agent labelled ${label} in src/demo/user-agents.ts`);
  return profile.userAgent;
};

/** What SauReader says the namespace holds: what each key a panel reads must show. */
interface Truth {
  keys: Keys;
  stats: Stats;
  /** The gauges as the contract derives them from stats({ window: 'all' }), updatedAt aside. */
  gauges: Omit<Record<GaugeField, number>, 'updatedAt'>;
  /** Redis time just before and just after the last sample. */
  sampledBetween: [number, number];
  samples: number;
  live: Record<BreakdownDimension, LiveBreakdownRow[]>;
}

function gaugesOf(stats: Stats): Truth['gauges'] {
  const { now, day, week, month } = stats;
  if (!day || !week || !month) throw new Error('stats({ window: "all" }) lacks a section');
  return {
    users: now.users,
    sessions: now.sessions,
    anonymousSessions: now.anonymousSessions,
    instances: now.instances,
    dau: day.activeUsers,
    wau: week.activeUsers,
    mau: month.activeUsers,
    rolling30: month.rolling30,
    peakUsersToday: day.peakUsers,
    stickiness: month.stickiness,
  };
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
async function checkDashboard(
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

/**
 * A tiny YAML reader for the provisioning files: block mappings, block sequences of mappings and
 * plain or quoted scalars, which is all Grafana's provisioning examples use. Anything else throws,
 * so a file it cannot read fails the test instead of passing unread.
 */
type Yaml = string | number | boolean | null | Yaml[] | { [key: string]: Yaml };

function parseYaml(text: string): Yaml {
  if (text.includes('\t')) throw new Error('tabs are not allowed in YAML indentation');
  const lines = text
    .split('\n')
    .map((raw, i) => {
      const body = raw.replace(/(^|\s)#.*$/, '').trimEnd();
      return { n: i + 1, indent: body.search(/\S/), text: body.trim() };
    })
    .filter((line) => line.text !== '');
  let pos = 0;
  const scalar = (text: string, n: number): Yaml => {
    if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
    if (text === 'true' || text === 'false') return text === 'true';
    if (text === 'null' || text === '~') return null;
    const quoted = /^"(.*)"$|^'(.*)'$/.exec(text);
    if (quoted) return quoted[1] ?? quoted[2];
    if (/^[[{&*!|>%@`]|:\s|\s#/.test(text))
      throw new Error(`line ${n}: unsupported scalar ${text}`);
    return text;
  };
  const block = (): Yaml =>
    lines[pos].text.startsWith('- ') ? sequence(lines[pos].indent) : mapping(lines[pos].indent);
  const mapping = (indent: number): Yaml => {
    const out: { [key: string]: Yaml } = {};
    while (
      pos < lines.length &&
      lines[pos].indent === indent &&
      !lines[pos].text.startsWith('- ')
    ) {
      const line = lines[pos++];
      const match = /^([\w.-]+):(?:\s+(.+))?$/.exec(line.text);
      if (!match) throw new Error(`line ${line.n}: expected "key: value", got ${line.text}`);
      if (match[1] in out) throw new Error(`line ${line.n}: duplicate key ${match[1]}`);
      if (match[2] !== undefined) out[match[1]] = scalar(match[2], line.n);
      else if (pos < lines.length && lines[pos].indent > indent) out[match[1]] = block();
      else out[match[1]] = null;
    }
    if (pos < lines.length && lines[pos].indent > indent) {
      throw new Error(`line ${lines[pos].n}: unexpected indentation`);
    }
    return out;
  };
  const sequence = (indent: number): Yaml => {
    const out: Yaml[] = [];
    while (pos < lines.length && lines[pos].indent === indent && lines[pos].text.startsWith('- ')) {
      const line = lines[pos];
      const rest = line.text.slice(2).trim();
      if (/^[\w.-]+:(\s|$)/.test(rest)) {
        // "- key: value" opens a mapping whose other keys line up under "key".
        lines[pos] = { ...line, indent: indent + 2, text: rest };
        out.push(mapping(indent + 2));
      } else {
        out.push(scalar(rest, line.n));
        pos++;
      }
    }
    return out;
  };
  const result = block();
  if (pos < lines.length) throw new Error(`line ${lines[pos].n}: unexpected ${lines[pos].text}`);
  return result;
}

function readYaml(...path: string[]): Record<string, Yaml> {
  const parsed = parseYaml(readFileSync(join(GRAFANA, ...path), 'utf8'));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${path.join('/')} is not a mapping`);
  }
  return parsed;
}

describe('Grafana dashboard and provisioning (grafana/)', () => {
  const redis = useRedis();
  const monitors = useMonitors(() => redis.server().url);

  /**
   * Two users of earlier days (so that DAU, WAU and rolling 30 days differ), then two instances,
   * six users on assorted devices (one left, one logged out) and two anonymous visitors; one gauges
   * sample. Returns the monitors and what SauReader says afterwards.
   */
  async function feed(): Promise<{ truth: Truth; web1: WatchedMonitor; web2: WatchedMonitor }> {
    const client = redis.client();
    const namespace = uniqueNamespace('grafana');
    const nowMs = await redisNowMs(client);
    const history = [
      ['h1', 'yann', 3],
      ['h2', 'zoe', 20],
    ].map(([sessionId, userId, days]) => {
      const loginAt = new Date(nowMs - Number(days) * 86_400_000);
      const closedAt = new Date(loginAt.getTime() + 600_000);
      return JSON.stringify({
        type: 'session',
        sessionId,
        userId,
        loginAt: { $date: loginAt.toISOString() },
        closedAt: { $date: closedAt.toISOString() },
      });
    });
    await importRocketChatSessions(Readable.from(history.map((line) => `${line}\n`)), {
      redis: client,
      namespace,
      strict: true,
    });
    // gaugeIntervalMs 0: no sampler timer, so the only samples are the test's own.
    const options = { namespace, gaugeIntervalMs: 0 };
    const web1 = await monitors.start({ ...options, instanceId: 'web-1' });
    const web2 = await monitors.start({ ...options, instanceId: 'web-2' });
    const session = (m: WatchedMonitor, id: string, agent: string, userId?: string) => {
      m.monitor.open({ id, userAgent: agent });
      if (userId) m.monitor.login(id, userId);
    };
    session(web1, 'a1', userAgent('Chrome on Windows'), 'alice');
    session(web1, 'a2', userAgent('Rocket.Chat desktop on Windows'), 'alice');
    session(web1, 'b1', userAgent('Safari on macOS'), 'bob');
    session(web1, 'x1', CRAWLER.userAgent);
    session(web1, 'c1', userAgent('Safari on iPhone'), 'carol');
    session(web2, 'd1', userAgent('Rocket.Chat mobile on Android'), 'dave');
    session(web2, 'e1', userAgent('Rocket.Chat mobile on iOS'), 'erin');
    session(web2, 'x2', userAgent('Firefox on Linux'));
    session(web2, 'f1', userAgent('Chrome on Android'), 'frank');
    session(web2, 'b2', userAgent('Chrome on macOS'), 'bob');
    await Promise.all([web1.monitor.flush(), web2.monitor.flush()]);
    web1.monitor.close('c1');
    web2.monitor.logout('f1');
    await Promise.all([web1.monitor.flush(), web2.monitor.flush()]);
    const truth = await sample(client, namespace, web1, 0);
    // The workload is what the checks rely on: numbers that differ from each other and from 0.
    expect(truth.stats.now).toEqual({ users: 4, sessions: 9, anonymousSessions: 3, instances: 2 });
    expect(truth.gauges).toMatchObject({ dau: 6, wau: 7, rolling30: 8 });
    // The month holds the history users whose days fall in it: 6 to 8 users, depending on today.
    expect(truth.gauges.stickiness).toBeCloseTo(6 / truth.gauges.mau, 4);
    return { truth, web1, web2 };
  }

  /** Samples the gauges through `sampler` and reads what SauReader says right after. */
  async function sample(
    client: Redis,
    namespace: string,
    sampler: WatchedMonitor,
    samplesBefore: number,
  ): Promise<Truth> {
    const before = await redisNowMs(client);
    expect(await sampler.monitor.sampleGauges()).toBe(true);
    const after = await redisNowMs(client);
    const reader = monitors.reader({ namespace });
    const stats = await reader.stats({ window: 'all' });
    const live = {} as Truth['live'];
    for (const by of DIMENSIONS) live[by] = (await reader.breakdown({ by })).rows;
    return {
      keys: new Keys(namespace),
      stats,
      gauges: gaugesOf(stats),
      sampledBetween: [before, after],
      samples: samplesBefore + 1,
      live,
    };
  }

  it('every panel query returns the numbers SauReader returns, sample after sample', async () => {
    const client = redis.client();
    const dashboard = loadDashboard();
    const { truth, web1, web2 } = await feed();
    const first = await checkDashboard(client, dashboard, truth);
    expect(first.problems).toEqual([]);

    // What the issue asks the dashboard to show, each from the key that holds it.
    for (const field of ['users', 'sessions', 'dau', 'mau', 'stickiness', 'updatedAt']) {
      expect(first.shown).toContain(`stat gauges ${field}`);
    }
    for (const field of ['users', 'sessions', 'dau']) {
      expect(first.shown).toContain(`timeseries timeline ${field}`);
    }
    const breakdownPanels = [...first.shown].filter((s) => /^(bargauge|piechart) /.test(s));
    expect(breakdownPanels.some((s) => s.includes(' live breakdown device '))).toBe(true);
    expect(breakdownPanels.some((s) => s.includes(' live breakdown os '))).toBe(true);

    // Things change and a second sample lands: the time series now has two points, the last one
    // the new numbers, and every stat follows.
    web2.monitor.close('d1');
    web2.monitor.close('e1');
    web1.monitor.open({ id: 'g1', userAgent: userAgent('Edge on Windows') });
    web1.monitor.login('g1', 'grace');
    await Promise.all([web1.monitor.flush(), web2.monitor.flush()]);
    const second = await sample(client, truth.keys.namespace, web1, truth.samples);
    expect(second.stats.now).toEqual({ users: 3, sessions: 8, anonymousSessions: 3, instances: 2 });
    expect(second.gauges.dau).toBe(7);
    expect((await checkDashboard(client, dashboard, second)).problems).toEqual([]);
  });

  it('fails a panel whose key, field, command, column or type it cannot vouch for', async () => {
    const client = redis.client();
    const { truth } = await feed();
    const broken = (change: (panels: Panel[]) => void): Dashboard => {
      const dashboard = loadDashboard();
      change(allPanels(dashboard));
      return dashboard;
    };
    const byTitle = (panels: Panel[], title: string): Panel => {
      const panel = panels.find((p) => p.title === title);
      if (!panel) throw new Error(`the dashboard has no panel ${title}`);
      return panel;
    };
    const cases: Array<[string, (panels: Panel[]) => void, RegExp]> = [
      [
        'a key that does not exist',
        (p) => (byTitle(p, 'SAU').targets![0].keyName = 'sau:{$namespace}:gauge'),
        /"SAU" target A: key sau:\{grafana-.*\}:gauge does not exist/,
      ],
      [
        'a field the hash lacks',
        (p) => (byTitle(p, 'DAU').targets![0].field = 'daily'),
        /"DAU" target A: gauges: "daily" is not a gauges field/,
      ],
      [
        'a command the test does not emulate',
        (p) => (byTitle(p, 'MAU').targets![0].command = 'hkeys'),
        /"MAU" target A: command "hkeys" is not emulated/,
      ],
      [
        'a time series column the stream lacks',
        (p) =>
          byTitle(p, 'SAU and sessions').transformations![0].options.include!.names!.push(
            'sesions',
          ),
        /"SAU and sessions" target A: transformation filterFieldsByName names sesions/,
      ],
      [
        'a panel type the test does not judge',
        (p) => (byTitle(p, 'Live sessions by OS').type = 'heatmap'),
        /"Live sessions by OS": panel type heatmap is not checked/,
      ],
    ];
    for (const [what, change, expected] of cases) {
      const { problems } = await checkDashboard(client, broken(change), truth);
      expect({ what, problems }).toEqual({ what, problems: [expect.stringMatching(expected)] });
    }
    // A gauges hash that disagrees with SauReader fails every panel that reads the field.
    await client.hset(truth.keys.gauges(), 'users', String(truth.gauges.users + 1));
    const { problems } = await checkDashboard(client, loadDashboard(), truth);
    expect(problems).toEqual([
      expect.stringMatching(/"SAU" target A: gauges: users = 5, SauReader says 4/),
    ]);
  });

  it('draws a gap in the timeline charts where no monitor sampled', () => {
    // Grafana joins consecutive points however far apart unless a field sets insertNulls: the
    // largest spacing still drawn as a line. A sampler takeover leaves up to 40 s (4 intervals of
    // the default 10 s) without a sample; longer than that is a real gap.
    const defaultIntervalMs = 10_000;
    const timeline = allPanels(loadDashboard()).filter((p) =>
      p.targets?.some((t) => (t.keyName ?? t.query ?? '').includes(':timeline')),
    );
    expect(timeline.map((p) => p.title)).toEqual(['SAU and sessions', 'DAU, WAU, MAU']);
    for (const panel of timeline) {
      const custom = panel.fieldConfig?.defaults?.custom ?? {};
      expect({ panel: panel.title, spanNulls: custom.spanNulls }).toEqual({
        panel: panel.title,
        spanNulls: false,
      });
      expect(custom.insertNulls).toBeGreaterThan(4 * defaultIntervalMs);
      expect(custom.insertNulls).toBeLessThanOrEqual(10 * defaultIntervalMs);
      expect(panel.description).toMatch(/gap/i);
    }
  });

  it('provisions a redis-datasource the dashboard finds, and the dashboard from its folder', () => {
    const dashboard = loadDashboard();
    const datasourceVar = dashboard.templating.list.find((v) => v.type === 'datasource');
    const namespaceVar = dashboard.templating.list.find((v) => v.name === 'namespace');
    expect(datasourceVar).toMatchObject({ name: 'datasource', query: 'redis-datasource' });
    expect(namespaceVar).toMatchObject({ type: 'textbox', query: 'default' });
    expect(namespaceVar?.current.value).toBe('default');

    for (const file of [
      ['provisioning', 'datasources', 'sau-redis.yaml'],
      ['examples', 'sau-redis-cluster.yaml'],
      ['examples', 'sau-redis-tls.yaml'],
    ]) {
      const yaml = readYaml(...file);
      expect(yaml.apiVersion).toBe(1);
      const [source] = yaml.datasources as Array<Record<string, Yaml>>;
      const jsonData = source.jsonData as Record<string, Yaml>;
      expect(source).toMatchObject({ type: 'redis-datasource', access: 'proxy' });
      // The dashboard's data source variable defaults to the provisioned uid.
      expect(source.uid).toBe(datasourceVar?.current.value);
      expect(jsonData).toMatchObject({ acl: true, user: 'sau-reader' });
      expect(['standalone', 'cluster']).toContain(jsonData.client);
      const urls = String(source.url).split(',');
      expect(urls.length).toBe(jsonData.client === 'cluster' ? 3 : 1);
      for (const url of urls) expect(url).toMatch(/^(redis:\/\/)?[\w.-]+:\d+$/);
      // The password comes from Grafana's environment, never from the file.
      const secure = source.secureJsonData as Record<string, Yaml>;
      expect(secure.password).toMatch(/^\$\{?[A-Z_]+\}?$/);
      if (jsonData.tlsAuth !== undefined) {
        // The plugin knows no rediss://: TLS is tlsAuth, with PEM text in secureJsonData.
        expect(jsonData).toMatchObject({ tlsAuth: true, tlsSkipVerify: false });
        for (const pem of ['tlsCACert', 'tlsClientCert', 'tlsClientKey']) {
          expect(secure[pem]).toMatch(/^\$__file\{\/[\w/.-]+\}$/);
        }
      }
    }

    const providers = readYaml('provisioning', 'dashboards', 'sau-monitor.yaml').providers as Array<
      Record<string, Yaml>
    >;
    expect(providers).toHaveLength(1);
    expect(providers[0]).toMatchObject({ type: 'file', orgId: 1 });
    const path = (providers[0].options as Record<string, Yaml>).path as string;
    expect(path).toMatch(/^\/[\w/.-]+$/);
    // The README's steps put the dashboard file where the provider looks.
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = /\n## Grafana\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? '';
    expect(section).toContain('grafana-cli plugins install redis-datasource');
    expect(section).toContain(`grafana/dashboards/sau-monitor.json ${path}/`);
    expect(section).toContain(`uid \`${dashboard.uid}\``);
    for (const setting of ['jsonData.tlsAuth', 'secureJsonData.tlsCACert', 'sau-redis-tls.yaml']) {
      expect(section).toContain(setting);
    }

    // Every query goes to that data source and to a key of the chosen namespace, with a command
    // the README lists for the read-only user's rights.
    for (const panel of allPanels(dashboard)) {
      for (const target of panel.targets ?? []) {
        const command = target.query ? shellSplit(target.query)[0] : (target.command ?? '');
        expect(section).toContain(`\`${command.toUpperCase()}\``);
        expect({ panel: panel.title, uid: target.datasource?.uid }).toEqual({
          panel: panel.title,
          uid: '${datasource}',
        });
        expect(target.query || target.keyName).toMatch(/^(\w+ )?sau:\{\$namespace\}:/);
      }
    }
  });
});
