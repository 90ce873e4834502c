/**
 * The dashboard in grafana/dashboards/sau-monitor.json as the tests read it: its panels, their
 * Redis targets and transformations, and where the grafana/ folder is.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RedisTarget } from './grafana-redis-query';

export const ROOT = join(__dirname, '..', '..');
export const GRAFANA = join(ROOT, 'grafana');
const DASHBOARD_FILE = join(GRAFANA, 'dashboards', 'sau-monitor.json');

/** A Grafana transformation, with only the options the dashboard uses. */
interface Transformation {
  id: string;
  options: {
    include?: { names?: string[]; pattern?: string };
    renameByName?: Record<string, string>;
    regex?: string;
    renamePattern?: string;
  };
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
