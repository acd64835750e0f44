/**
 * The small vocabulary every dashboard is written in: queries, panels, template variables and the dashboard frame,
 * on top of the Grafana foundation SDK. Dashboards describe what to show; sizes, ids, datasources, refIds and the
 * shared settings come from here, so all dashboards look and behave alike.
 */
import * as cog from "@grafana/grafana-foundation-sdk/cog";
import * as common from "@grafana/grafana-foundation-sdk/common";
import * as dash from "@grafana/grafana-foundation-sdk/dashboard";
import * as bargauge from "@grafana/grafana-foundation-sdk/bargauge";
import * as logs from "@grafana/grafana-foundation-sdk/logs";
import * as loki from "@grafana/grafana-foundation-sdk/loki";
import * as prometheus from "@grafana/grafana-foundation-sdk/prometheus";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import * as table from "@grafana/grafana-foundation-sdk/table";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import { ERROR_RATIO, LATENCY_P95_SECONDS } from "../rules/thresholds";
import { DatasourceKey, datasourceRef } from "./datasources";

/** Tag on every dashboard of the stack; the dashboards link to each other through it. */
export const PLATFORM_TAG = "ai-platform";

/**
 * The rate window of panel queries. Grafana sizes it to the step and the scrape interval, so a zoomed-out panel
 * neither skips samples nor reads a single scrape.
 */
export const RATE_WINDOW = "$__rate_interval";

/** A Grafana template variable reference, as used inside a label matcher. */
export const v = (name: string): string => `$${name}`;

// ---- Queries -----------------------------------------------------------------------------------------------------

export interface Query {
  readonly ds: Extract<DatasourceKey, "prometheus" | "loki">;
  readonly expr: string;
  /** Series name template (`{{service}}`). */
  readonly legend?: string;
  /** One value per series at the end of the range (tables, stats, bar gauges), not a time series. */
  readonly instant?: boolean;
}

export const promql = (expr: string, legend?: string): Query => ({ ds: "prometheus", expr, legend });
export const promqlInstant = (expr: string, legend?: string): Query => ({ ds: "prometheus", expr, legend, instant: true });
export const logql = (expr: string, legend?: string): Query => ({ ds: "loki", expr, legend });
export const logqlInstant = (expr: string, legend?: string): Query => ({ ds: "loki", expr, legend, instant: true });

const refId = (i: number): string => String.fromCharCode("A".charCodeAt(0) + i);

function target(q: Query, i: number, table: boolean): cog.Builder<cog.Dataquery> {
  if (q.ds === "prometheus") {
    const b = new prometheus.DataqueryBuilder().datasource(datasourceRef("prometheus")).expr(q.expr).refId(refId(i));
    if (q.legend !== undefined) b.legendFormat(q.legend);
    if (q.instant) b.instant();
    else b.range();
    if (table) b.format(prometheus.PromQueryFormat.Table);
    return b;
  }
  const b = new loki.DataqueryBuilder().datasource(datasourceRef("loki")).expr(q.expr).refId(refId(i));
  if (q.legend !== undefined) b.legendFormat(q.legend);
  b.queryType(q.instant ? loki.LokiQueryType.Instant : loki.LokiQueryType.Range);
  return b;
}

// ---- Thresholds ----------------------------------------------------------------------------------------------------

/** A value where a panel changes colour and, on graphs, draws a line: an alert threshold. */
export interface Threshold {
  readonly value: number;
  readonly color: "orange" | "red";
}

export const warnAt = (value: number): Threshold => ({ value, color: "orange" });
export const critAt = (value: number): Threshold => ({ value, color: "red" });

function thresholdsConfig(lines: readonly Threshold[]): dash.ThresholdsConfigBuilder {
  const steps: dash.Threshold[] = [{ value: null, color: "green" }, ...[...lines].sort((a, b) => a.value - b.value).map((t) => ({ value: t.value, color: t.color }))];
  return new dash.ThresholdsConfigBuilder().mode(dash.ThresholdsMode.Absolute).steps(steps);
}

/** Value mapping for 0/1 health series such as `up`. */
const UP_DOWN: dash.ValueMapping[] = [
  {
    type: dash.MappingType.ValueToText,
    options: { "0": { text: "DOWN", color: "red", index: 0 }, "1": { text: "UP", color: "green", index: 1 } },
  },
];

// ---- Panels ------------------------------------------------------------------------------------------------------

/** Grid units: the dashboard is 24 wide. */
export const FULL = 24;
export const HALF = 12;
export const THIRD = 8;
export const QUARTER = 6;
export const SIXTH = 4;

interface PanelCommon {
  readonly title: string;
  readonly description?: string;
  readonly queries: readonly Query[];
  /** Grafana unit id: `s`, `reqps`, `percentunit`, `percent`, `bytes`, `celsius`, `short`... */
  readonly unit?: string;
  readonly min?: number;
  readonly max?: number;
  readonly decimals?: number;
  readonly thresholds?: readonly Threshold[];
  /** Grid width, default half the dashboard. */
  readonly width?: number;
  readonly height?: number;
}

/** What the panel builders of the SDK have in common (each panel plugin has its own builder class). */
interface AnyPanelBuilder extends cog.Builder<dash.Panel> {
  title(t: string): this;
  description(d: string): this;
  datasource(d: common.DataSourceRef): this;
  withTarget(t: cog.Builder<cog.Dataquery>): this;
  unit(u: string): this;
  min(n: number): this;
  max(n: number): this;
  decimals(n: number): this;
  thresholds(t: cog.Builder<dash.ThresholdsConfig>): this;
  span(w: number): this;
  height(h: number): this;
}

function panelDatasource(queries: readonly Query[]): common.DataSourceRef {
  const kinds = new Set(queries.map((q) => q.ds));
  if (kinds.size !== 1) throw new Error(`a panel queries exactly one datasource, got ${[...kinds].join(", ") || "none"}`);
  return datasourceRef([...kinds][0]);
}

function applyCommon<B extends AnyPanelBuilder>(b: B, p: PanelCommon, opts: { table?: boolean; height: number; width?: number }): B {
  b.title(p.title).datasource(panelDatasource(p.queries)).span(p.width ?? opts.width ?? HALF).height(p.height ?? opts.height);
  if (p.description) b.description(p.description);
  p.queries.forEach((q, i) => b.withTarget(target(q, i, opts.table ?? false)));
  if (p.unit) b.unit(p.unit);
  if (p.min !== undefined) b.min(p.min);
  if (p.max !== undefined) b.max(p.max);
  if (p.decimals !== undefined) b.decimals(p.decimals);
  b.thresholds(thresholdsConfig(p.thresholds ?? []));
  return b;
}

export interface TimeseriesPanel extends PanelCommon {
  /** Stack the series (shares of a whole, such as requests by status). */
  readonly stack?: boolean;
  /** Legend as a table with mean and max, for panels with many series. */
  readonly legendTable?: boolean;
}

/** A time series graph; thresholds are drawn as dashed lines at the alert values. */
export function graph(p: TimeseriesPanel): cog.Builder<dash.Panel> {
  const b = applyCommon(new timeseries.PanelBuilder(), p, { height: 8 });
  b.lineWidth(1).fillOpacity(p.stack ? 30 : 8).showPoints(common.VisibilityMode.Never).spanNulls(false);
  if (p.thresholds && p.thresholds.length > 0) {
    b.thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed));
  }
  if (p.stack) b.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal));
  const legend = new common.VizLegendOptionsBuilder().showLegend(true).placement(common.LegendPlacement.Bottom);
  if (p.legendTable) legend.displayMode(common.LegendDisplayMode.Table).calcs(["mean", "max", "lastNotNull"]).sortBy("Max").sortDesc(true);
  else legend.displayMode(common.LegendDisplayMode.List);
  b.legend(legend).tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending));
  return b;
}

export interface StatPanel extends PanelCommon {
  /** Show 0/1 as DOWN/UP. */
  readonly upDown?: boolean;
  /** Sparkline under the value. */
  readonly sparkline?: boolean;
}

/** One big number per series: the latest value, coloured by the thresholds. */
export function singleStat(p: StatPanel): cog.Builder<dash.Panel> {
  const b = applyCommon(new stat.PanelBuilder(), p, { height: 4, width: SIXTH });
  b.reduceOptions(new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false))
    .colorMode(common.BigValueColorMode.Value)
    .graphMode(p.sparkline ? common.BigValueGraphMode.Area : common.BigValueGraphMode.None)
    .textMode(common.BigValueTextMode.Auto)
    .justifyMode(common.BigValueJustifyMode.Auto)
    .orientation(common.VizOrientation.Auto);
  if (p.upDown) b.mappings(UP_DOWN);
  return b;
}

/** The error-ratio stat of a service row, red at the alert threshold. */
export function errorRatioStat(query: string, width: number): cog.Builder<dash.Panel> {
  return singleStat({ title: "Error ratio", queries: [promql(query)], unit: "percentunit", thresholds: [critAt(ERROR_RATIO)], sparkline: true, width });
}

/** The P95-latency stat of a service row, red at the alert threshold. */
export function p95LatencyStat(query: string, width: number): cog.Builder<dash.Panel> {
  return singleStat({ title: "P95 latency", queries: [promql(query)], unit: "s", thresholds: [critAt(LATENCY_P95_SECONDS)], sparkline: true, width });
}

/** Horizontal bars, one per series, for rankings (top sessions, top endpoints). */
export function bars(p: PanelCommon): cog.Builder<dash.Panel> {
  const b = applyCommon(new bargauge.PanelBuilder(), p, { height: 8 });
  b.reduceOptions(new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false))
    .displayMode(common.BarGaugeDisplayMode.Gradient)
    .orientation(common.VizOrientation.Horizontal)
    .showUnfilled(true);
  return b;
}

export interface FieldLink {
  /** Field (column) the link sits on. */
  readonly field: string;
  readonly title: string;
  /** Query of the linked datasource; `${__value.raw}` is the clicked value. */
  readonly query: Readonly<Record<string, string>>;
  readonly datasource: DatasourceKey;
}

export interface TablePanel extends PanelCommon {
  /** Links from a column into another datasource (Explore), such as a trace id into Jaeger. */
  readonly links?: readonly FieldLink[];
  /** Columns to hide, such as the constant `Time` of an instant query. */
  readonly hide?: readonly string[];
}

/** A table of instant values, one row per series. */
export function grid(p: TablePanel): cog.Builder<dash.Panel> {
  const b = applyCommon(new table.PanelBuilder(), p, { height: 8, table: true });
  b.cellHeight(common.TableCellHeight.Sm).showHeader(true);
  // Prometheus answers a table-format query with one frame; Loki answers with a frame per series, whose labels
  // must become columns and the frames one table.
  if (p.queries.some((q) => q.ds === "loki")) {
    b.withTransformation({ id: "labelsToFields", options: { mode: "columns" } }).withTransformation({ id: "merge", options: {} });
  }
  for (const column of p.hide ?? []) b.overrideByName(column, [{ id: "custom.hidden", value: true }]);
  for (const link of p.links ?? []) {
    const ref = datasourceRef(link.datasource);
    b.overrideByName(link.field, [
      { id: "links", value: [{ title: link.title, url: "", internal: { datasourceUid: ref.uid, datasourceName: link.datasource, query: { ...link.query } } }] },
    ]);
  }
  return b;
}

/** Log lines, newest first, with their details (the Loki datasource adds the trace link to each line). */
export function logLines(p: Omit<PanelCommon, "unit" | "min" | "max" | "decimals" | "thresholds">): cog.Builder<dash.Panel> {
  const b = new logs.PanelBuilder()
    .title(p.title)
    .datasource(panelDatasource(p.queries))
    .span(p.width ?? FULL)
    .height(p.height ?? 12)
    .showTime(true)
    .showLabels(false)
    .showCommonLabels(false)
    .wrapLogMessage(true)
    .prettifyLogMessage(false)
    .enableLogDetails(true)
    .sortOrder(common.LogsSortOrder.Descending)
    .dedupStrategy(common.LogsDedupStrategy.None);
  if (p.description) b.description(p.description);
  p.queries.forEach((q, i) => b.withTarget(target(q, i, false)));
  return b;
}

// ---- Template variables --------------------------------------------------------------------------------------------

export interface VariableOptions {
  /** Allow several values; default true. */
  readonly multi?: boolean;
  /** Offer "All"; default true. */
  readonly includeAll?: boolean;
}

/**
 * `All` expands to `.+`, not to a list of every value: the query stays short, and Loki refuses a stream selector whose
 * matchers all accept the empty string.
 */
const ALL_VALUE = ".+";

/**
 * A builder whose output lacks the given keys. The SDK's variable model carries the interval variable's `auto*` keys
 * on every variable, and its links default to the controls menu; neither belongs in the JSON we provision.
 */
function without<T extends object>(b: cog.Builder<T>, keys: readonly string[]): cog.Builder<T> {
  return {
    build: () => {
      const out = { ...b.build() } as Record<string, unknown>;
      for (const k of keys) delete out[k];
      return out as unknown as T;
    },
  };
}

function variable(name: string, label: string, ds: Extract<DatasourceKey, "prometheus" | "loki">, query: string, opts: VariableOptions): cog.Builder<dash.VariableModel> {
  const multi = opts.multi ?? true;
  const includeAll = opts.includeAll ?? true;
  const b = new dash.QueryVariableBuilder(name)
    .label(label)
    .datasource(datasourceRef(ds))
    .query(query)
    .refresh(dash.VariableRefresh.OnTimeRangeChanged)
    .sort(dash.VariableSort.AlphabeticalAsc)
    .multi(multi)
    .includeAll(includeAll);
  if (includeAll) b.allValue(ALL_VALUE).current({ text: "All", value: "$__all" });
  return without(b, ["auto", "auto_min", "auto_count"]);
}

/** Values of `label` on the series `selector` selects (Prometheus `label_values`). */
export function promVariable(name: string, label: string, selector: string, labelName: string, opts: VariableOptions = {}): cog.Builder<dash.VariableModel> {
  return variable(name, label, "prometheus", `label_values(${selector}, ${labelName})`, opts);
}

/** Values of a Loki stream label on the streams `selector` selects. */
export function lokiVariable(name: string, label: string, selector: string, labelName: string, opts: VariableOptions = {}): cog.Builder<dash.VariableModel> {
  return variable(name, label, "loki", `label_values(${selector}, ${labelName})`, opts);
}

/** Free text typed by the viewer, empty by default. */
export function textVariable(name: string, label: string, description: string): cog.Builder<dash.VariableModel> {
  return without(new dash.TextBoxVariableBuilder(name).label(label).description(description).defaultValue("").current({ text: "", value: "" }), ["auto", "auto_min", "auto_count"]);
}

// ---- Dashboards --------------------------------------------------------------------------------------------------

export interface Section {
  /** Row title; panels before the first titled section sit above every row. */
  readonly row?: string;
  readonly panels: readonly cog.Builder<dash.Panel>[];
}

export interface DashboardSpec {
  /** Stable across renames: links and bookmarks use it. 8 to 40 characters of [a-z0-9-]. */
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  /** Extra tags besides the platform tag. */
  readonly tags: readonly string[];
  readonly variables: readonly cog.Builder<dash.VariableModel>[];
  readonly sections: readonly Section[];
  readonly links?: readonly cog.Builder<dash.DashboardLink>[];
}

const UID = /^[a-z0-9][a-z0-9-]{6,38}[a-z0-9]$/;

/** Sets a builder's panel id before the dashboard builder places it. */
function withId(panel: cog.Builder<dash.Panel>, id: number): cog.Builder<dash.Panel> {
  return { build: () => ({ ...panel.build(), id }) };
}

/** The dashboard JSON model: plain data, deterministic for the same spec. */
export function buildDashboard(spec: DashboardSpec): Record<string, unknown> {
  if (!UID.test(spec.uid)) throw new Error(`dashboard uid ${JSON.stringify(spec.uid)} is not 8-40 characters of lower-case letters, digits and dashes`);
  const b = new dash.DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags([PLATFORM_TAG, ...spec.tags])
    .editable()
    .tooltip(dash.DashboardCursorSync.Crosshair)
    .time({ from: "now-6h", to: "now" })
    .refresh("1m")
    .timezone("browser")
    .link(
      without(
        new dash.DashboardLinkBuilder("AI Platform").type(dash.DashboardLinkType.Dashboards).tags([PLATFORM_TAG]).asDropdown(true).includeVars(false).keepTime(true).icon("external link").tooltip("").targetBlank(false),
        ["placement"],
      ),
    );
  for (const link of spec.links ?? []) b.link(link);
  for (const variable of spec.variables) b.withVariable(variable);
  let id = 1;
  for (const section of spec.sections) {
    if (section.row !== undefined) b.withRow(new dash.RowBuilder(section.row).id(id++));
    for (const panel of section.panels) b.withPanel(withId(panel, id++));
  }
  // A JSON round trip drops the SDK's undefined fields, so the model compares and serializes exactly.
  return JSON.parse(JSON.stringify(b.build())) as Record<string, unknown>;
}

/** A link in the dashboard header to an external page or an Explore URL. */
export function headerLink(title: string, url: string, tooltip: string): cog.Builder<dash.DashboardLink> {
  return without(
    new dash.DashboardLinkBuilder(title).type(dash.DashboardLinkType.Link).url(url).tooltip(tooltip).icon("external link").asDropdown(false).includeVars(false).keepTime(true).targetBlank(true).tags([]),
    ["placement"],
  );
}
