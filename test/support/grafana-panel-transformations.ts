/**
 * What Grafana does to a panel's frames before it draws them (filterFieldsByName, renameByRegex),
 * done again here so the checks see the columns a reader of the dashboard sees, and which live
 * breakdown of the live totals hash a panel's field filter picks.
 */
import type { FrameField, PluginResult } from './grafana-redis-query';
import type { Panel } from './grafana-dashboard';

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
export function breakdownView(panel: Panel) {
  const pattern = panel.transformations?.find((t) => t.id === 'filterFieldsByName')?.options.include
    ?.pattern;
  return pattern === undefined ? undefined : BREAKDOWN_VIEWS[pattern];
}

/** The fields after the panel's filterFieldsByName pattern and renameByRegex, as Grafana does. */
export function transformed(panel: Panel, result: PluginResult): PluginResult {
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

/** Columns a panel shows after its filterFieldsByName transformation. */
export function shownColumns(panel: Panel, fields: FrameField[]): string[] {
  const include = panel.transformations?.find((t) => t.id === 'filterFieldsByName')?.options.include
    ?.names;
  const names = fields.map((f) => f.name);
  return include ? names.filter((n) => include.includes(n)) : names;
}
