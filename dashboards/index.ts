/**
 * The platform's Grafana dashboards as JSON models, keyed by file name. Pure: the Grafana component puts them in
 * ConfigMaps and provisions them; which folder they land in is its business.
 */
import { driftDashboard } from "./drift";
import { gpuDashboard } from "./gpu";
import { httpDashboard } from "./http";
import { inferenceDashboard } from "./inference";
import { infrastructureDashboard } from "./infrastructure";
import { logsTracesDashboard } from "./logs-traces";
import { mcpDashboard } from "./mcp";
import { memoryDashboard } from "./memory";
import { observabilityDashboard } from "./observability";
import { overviewDashboard } from "./overview";
import { routerCacheDashboard } from "./router-cache";

export { DATASOURCE_TYPES, DATASOURCE_UIDS } from "./datasources";
export type { DatasourceKey } from "./datasources";

/** In the order they are listed; each builds its own JSON model. */
const DASHBOARDS: readonly (() => Record<string, unknown>)[] = [
  overviewDashboard,
  httpDashboard,
  inferenceDashboard,
  mcpDashboard,
  memoryDashboard,
  driftDashboard,
  gpuDashboard,
  routerCacheDashboard,
  infrastructureDashboard,
  logsTracesDashboard,
  observabilityDashboard,
];

/**
 * Every dashboard, `<uid>.json` to its JSON model, in a fixed order; the same on every call. Throws if two dashboards
 * share a uid or a title.
 */
export function buildDashboards(): Record<string, object> {
  const out: Record<string, object> = {};
  const titles = new Set<string>();
  for (const build of DASHBOARDS) {
    const model = build();
    const uid = String(model.uid);
    const title = String(model.title);
    const file = `${uid}.json`;
    if (file in out) throw new Error(`dashboard uid ${JSON.stringify(uid)} is used twice`);
    if (titles.has(title)) throw new Error(`dashboard title ${JSON.stringify(title)} is used twice`);
    titles.add(title);
    out[file] = model;
  }
  return out;
}
