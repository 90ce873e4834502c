/**
 * checkDashboard(), which runs every panel query of the dashboard as the Redis data source would
 * and compares the answer with what SauReader says the namespace holds (grafana-panel-judge.ts).
 */
import type { Redis } from 'ioredis';
import { redisNowMs } from './monitor-harness';
import {
  grafanaTime,
  interpolate,
  runAsPlugin,
  shellSplit,
  type PluginResult,
  type RedisTarget,
} from './grafana-redis-query';
import { allPanels, type Dashboard } from './grafana-dashboard';
import { breakdownView, shownColumns, transformed } from './grafana-panel-transformations';
import { judge, type Truth } from './grafana-panel-judge';

/** Panel types the checks below know how to judge; any other fails the test. */
const PANEL_TYPES = new Set(['stat', 'timeseries', 'bargauge', 'piechart', 'text']);
/** Columns the plugin adds to every XRANGE frame. */
const STREAM_COLUMNS = new Set(['$streamId', '$time']);

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
