/**
 * Grafana's side of a dashboard's Prometheus queries, so that they can run against a live Prometheus as a browser
 * would send them: the interval macros for a time range and panel width, the dashboard's template variables resolved
 * from Prometheus as a query variable's refresh resolves them, their interpolation with the Prometheus datasource's
 * escaping of regex selections, and the HTTP API requests themselves.
 *
 * Written from Grafana's documented behaviour (variable syntax, `$__interval`, `$__rate_interval`, multi-value
 * formatting), not from its source; only what the dashboards of this stack use is supported, and anything else
 * throws, so a dashboard that starts using a new variable kind fails here instead of being checked wrongly.
 */
import type { Json } from "../../dashboards/support";

// ---- Time range and interval macros --------------------------------------------------------------------------------

export interface PanelTime {
  readonly fromMs: number;
  readonly toMs: number;
  /** Points the panel asks for: Grafana uses the panel's width in pixels unless "Max data points" is set. */
  readonly maxDataPoints: number;
  /** The datasource's "Scrape interval" (`jsonData.timeInterval`), the lower bound of `$__interval`. */
  readonly scrapeIntervalMs: number;
}

export interface Macros {
  readonly intervalMs: number;
  readonly rateIntervalMs: number;
  readonly rangeMs: number;
}

/**
 * Grafana rounds the raw interval (range / data points) to a nearby "nice" value; each row is the upper bound of the
 * raw interval (exclusive) and the value it rounds to, in ms.
 */
const NICE_INTERVALS: readonly (readonly [number, number])[] = [
  [15, 10],
  [35, 20],
  [75, 50],
  [150, 100],
  [350, 200],
  [750, 500],
  [1_500, 1_000],
  [3_500, 2_000],
  [7_500, 5_000],
  [12_500, 10_000],
  [17_500, 15_000],
  [25_000, 20_000],
  [45_000, 30_000],
  [90_000, 60_000],
  [210_000, 120_000],
  [450_000, 300_000],
  [780_000, 600_000],
  [1_350_000, 900_000],
  [2_700_000, 1_800_000],
  [5_400_000, 3_600_000],
  [9_000_000, 7_200_000],
  [16_200_000, 10_800_000],
  [32_400_000, 21_600_000],
  [86_400_000, 43_200_000],
  [604_800_000, 86_400_000],
  [1_814_400_000, 604_800_000],
  [3_628_800_000, 2_592_000_000],
];

export function roundInterval(rawMs: number): number {
  for (const [below, nice] of NICE_INTERVALS) if (rawMs < below) return nice;
  return 31_536_000_000;
}

/**
 * `$__interval` is the rounded range / data points, never below the scrape interval; `$__rate_interval` is the larger
 * of `$__interval` + one scrape interval and four scrape intervals, so a rate window always holds several samples.
 */
export function panelMacros(t: PanelTime): Macros {
  const rangeMs = t.toMs - t.fromMs;
  const intervalMs = Math.max(roundInterval(rangeMs / t.maxDataPoints), t.scrapeIntervalMs);
  return { intervalMs, rateIntervalMs: Math.max(intervalMs + t.scrapeIntervalMs, 4 * t.scrapeIntervalMs), rangeMs };
}

/** A PromQL duration in the largest unit that divides it: 4000 -> `4s`, 60000 -> `1m`, 500 -> `500ms`. */
export function promDuration(ms: number): string {
  const whole = Math.round(ms);
  for (const [unit, size] of [["h", 3_600_000], ["m", 60_000], ["s", 1_000]] as const) if (whole >= size && whole % size === 0) return `${whole / size}${unit}`;
  return `${whole}ms`;
}

/** Grafana's global macros, by name. `$__range` is in whole seconds, as Grafana writes it. */
export function macroValues(m: Macros): Readonly<Record<string, string>> {
  const rangeS = Math.round(m.rangeMs / 1000);
  return {
    __interval: promDuration(m.intervalMs),
    __interval_ms: String(m.intervalMs),
    __rate_interval: promDuration(m.rateIntervalMs),
    __rate_interval_ms: String(m.rateIntervalMs),
    __range: `${rangeS}s`,
    __range_s: String(rangeS),
    __range_ms: String(m.rangeMs),
  };
}

// ---- Variable values and their formatting --------------------------------------------------------------------------

/** Grafana's marker for the "All" option in a variable's `current.value`. */
export const ALL = "$__all";

/** One variable of a dashboard, after its refresh, with what is selected. */
export interface ResolvedVariable {
  readonly name: string;
  readonly type: string;
  readonly multi: boolean;
  readonly includeAll: boolean;
  readonly allValue?: string;
  /** The options the refresh produced (empty for text boxes). */
  readonly options: readonly string[];
  /** The selection: `ALL`, or the selected values. */
  readonly selected: typeof ALL | readonly string[];
}

const REGEX_META = /[\\^$.|?*+()[\]{}]/g;

/** Escapes a value for a double-quoted PromQL string literal. */
const promString = (s: string): string => s.replace(/\\/g, "\\\\").replace(/"/g, '\\"');

/** A literal value as a regex (metacharacters escaped), then written into a PromQL string literal. */
const regexLiteral = (s: string): string => promString(s.replace(REGEX_META, "\\$&"));

/**
 * What the Prometheus datasource writes for `$name` without an explicit format. A variable that can be neither multi
 * nor All is a plain value (string-escaped only); one that can is used in regex matchers, so its values are regex
 * literals and several become an alternation `(a|b)`. "All" with a custom all value is that value verbatim (`.+`);
 * without one, it is every option.
 */
export function formatForPrometheus(v: ResolvedVariable): string {
  if (v.selected === ALL && v.allValue !== undefined) return v.allValue;
  const values = v.selected === ALL ? v.options : v.selected;
  if (!v.multi && !v.includeAll) return promString(values[0] ?? "");
  const escaped = values.map(regexLiteral);
  return escaped.length === 1 ? escaped[0] : `(${escaped.join("|")})`;
}

/** `${name:format}`: the formats this stack's PromQL may use. */
function formatExplicit(v: ResolvedVariable, format: string): string {
  const values = v.selected === ALL ? (v.allValue !== undefined ? [v.allValue] : v.options) : v.selected;
  switch (format) {
    case "raw":
      return values.join(",");
    case "csv":
      return values.join(",");
    case "pipe":
      return values.join("|");
    case "regex": {
      const escaped = values.map((s) => s.replace(REGEX_META, "\\$&"));
      return escaped.length === 1 ? escaped[0] : `(${escaped.join("|")})`;
    }
    default:
      throw new Error(`variable format ${JSON.stringify(format)} of $${v.name} is not supported by this harness`);
  }
}

/**
 * Replaces Grafana's macros and the given variables in `text`, in every syntax Grafana accepts: `$name`, `${name}`,
 * `${name:format}`, `[[name]]` and `[[name:format]]`. A name that is neither a macro nor a variable throws (Grafana
 * would send it on verbatim, where it matches nothing); `$1`-style regex back-references are left alone.
 */
export function interpolate(text: string, variables: ReadonlyMap<string, ResolvedVariable>, macros: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{(\w+)(?::(\w+))?\}|\[\[(\w+)(?::(\w+))?\]\]|\$(\w+)/g, (match, n1?: string, f1?: string, n2?: string, f2?: string, n3?: string) => {
    const name = (n1 ?? n2 ?? n3) as string;
    const format = f1 ?? f2;
    if (/^\d+$/.test(name)) return match;
    if (name in macros) {
      if (format !== undefined) throw new Error(`macro $${name} takes no format, got ${match}`);
      return macros[name];
    }
    const v = variables.get(name);
    if (!v) throw new Error(`${match} is neither a Grafana macro nor a variable of the dashboard (known: ${[...variables.keys()].join(", ") || "none"})`);
    return format === undefined ? formatForPrometheus(v) : formatExplicit(v, format);
  });
}

// ---- Prometheus HTTP API, as the datasource calls it --------------------------------------------------------------

export type PromResult =
  | { readonly ok: true; readonly resultType: string; readonly result: readonly { metric: Record<string, string>; values?: [number, string][]; value?: [number, string] }[]; readonly warnings?: readonly string[] }
  | { readonly ok: false; readonly errorType: string; readonly error: string };

/**
 * A POST to the HTTP API with a form body, as the datasource sends queries (its default HTTP method is POST), with the
 * datasource's headers (its basic auth).
 */
async function promPost(
  baseUrl: string,
  path: string,
  form: Record<string, string | readonly string[]>,
  headers: Readonly<Record<string, string>>,
): Promise<{ status: string; data?: any; errorType?: string; error?: string; warnings?: string[] }> {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) for (const x of typeof v === "string" ? [v] : v) body.append(k, x);
  const res = await fetch(`${baseUrl}${path}`, { method: "POST", body, headers: { ...headers }, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    return { status: "error", errorType: `http ${res.status}`, error: text.slice(0, 500) };
  }
}

function toResult(body: Awaited<ReturnType<typeof promPost>>): PromResult {
  if (body.status !== "success" || !body.data) return { ok: false, errorType: body.errorType ?? "unknown", error: body.error ?? JSON.stringify(body).slice(0, 500) };
  return { ok: true, resultType: body.data.resultType, result: body.data.result, warnings: body.warnings };
}

/** `/api/v1/query_range` over the panel's range, start and end aligned to the step as Grafana aligns them. */
export async function rangeQuery(baseUrl: string, expr: string, t: { fromMs: number; toMs: number; stepMs: number }, headers: Readonly<Record<string, string>> = {}): Promise<PromResult> {
  const start = Math.floor(t.fromMs / t.stepMs) * t.stepMs;
  const end = Math.floor(t.toMs / t.stepMs) * t.stepMs;
  return toResult(await promPost(baseUrl, "/api/v1/query_range", { query: expr, start: String(start / 1000), end: String(end / 1000), step: String(t.stepMs / 1000) }, headers));
}

/** `/api/v1/query` at the end of the panel's range (instant targets: tables, bar gauges). */
export async function instantQuery(baseUrl: string, expr: string, atMs: number, headers: Readonly<Record<string, string>> = {}): Promise<PromResult> {
  return toResult(await promPost(baseUrl, "/api/v1/query", { query: expr, time: String(atMs / 1000) }, headers));
}

/** Whether a result has at least one series with a finite sample: what a panel draws (NaN and ±Inf are gaps). */
export function hasData(r: PromResult): boolean {
  if (!r.ok) return false;
  const finite = (v: string) => Number.isFinite(Number(v));
  return r.result.some((s) => (s.values ?? []).some(([, v]) => finite(v)) || (s.value !== undefined && finite(s.value[1])));
}

/** A short account of a result for failure messages. */
export function describeResult(r: PromResult): string {
  if (!r.ok) return `${r.errorType}: ${r.error}`;
  const withData = r.result.filter((s) => hasData({ ...r, result: [s] })).length;
  return `${r.result.length} series, ${withData} with finite samples${r.warnings?.length ? `; warnings: ${r.warnings.join("; ")}` : ""}`;
}

// ---- Template variables ------------------------------------------------------------------------------------------

/**
 * Which options are selected: the dashboard as it opens (each variable's saved `current`, "All" here), or every
 * option picked one by one, which sends Grafana's regex alternation `(a|b|c)` with each value escaped instead of the
 * all value.
 */
export type Selection = "saved" | "every-option";

/** `label_values(label)` or `label_values(selector, label)`. */
function parseLabelValues(query: string): { selector?: string; label: string } {
  const m = /^\s*label_values\(\s*(?:(.+?)\s*,\s*)?([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$/.exec(query);
  if (!m) throw new Error(`query variable ${JSON.stringify(query)} is not label_values(...), the only kind this harness resolves`);
  return { selector: m[1], label: m[2] };
}

/** Grafana's option sorts (the variable's `sort`): 0 none, 1/2 alphabetical, 3/4 numerical, 5/6 case-insensitive. */
function sortOptions(values: string[], sort: number): string[] {
  const out = [...values];
  const alpha = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  switch (sort) {
    case 0:
      return out;
    case 1:
      return out.sort(alpha);
    case 2:
      return out.sort(alpha).reverse();
    case 3:
      return out.sort((a, b) => Number(a) - Number(b));
    case 4:
      return out.sort((a, b) => Number(b) - Number(a));
    case 5:
      return out.sort((a, b) => alpha(a.toLowerCase(), b.toLowerCase()));
    case 6:
      return out.sort((a, b) => alpha(b.toLowerCase(), a.toLowerCase()));
    default:
      throw new Error(`variable sort ${sort} is not supported by this harness`);
  }
}

function chooseSelection(v: Json, options: readonly string[], selection: Selection): typeof ALL | readonly string[] {
  const multi = Boolean(v.multi);
  const includeAll = Boolean(v.includeAll);
  if (selection === "every-option" && multi && options.length > 0) return options;
  const current = v.current?.value as string | string[] | undefined;
  const saved = current === undefined ? [] : typeof current === "string" ? [current] : current;
  if (saved.includes(ALL) && includeAll) return ALL;
  const kept = saved.filter((x) => options.includes(x));
  if (kept.length > 0) return multi ? kept : [kept[0]];
  // A saved value the refresh no longer offers: Grafana falls back to All if offered, else the first option.
  if (includeAll) return ALL;
  return options.length > 0 ? [options[0]] : [];
}

export interface ResolvedVariables {
  readonly variables: ReadonlyMap<string, ResolvedVariable>;
  /** The label_values request each Prometheus query variable made, after interpolation, for failure messages. */
  readonly requests: ReadonlyMap<string, string>;
  /** Variables not resolved here, with why (another datasource's variables). */
  readonly skipped: ReadonlyMap<string, string>;
}

/**
 * A dashboard's variables in order, each refreshed as Grafana refreshes a query variable on time-range change: the
 * query interpolated with the variables before it, `label_values` answered by `/api/v1/label/<label>/values` over
 * the time range (with `match[]` when it has a selector), the options sorted, then the selection applied.
 */
export async function resolveVariables(
  dashboard: Json,
  opts: {
    prometheusUrl: string;
    /** What the datasource sends with each request (its basic auth). Default none. */
    prometheusHeaders?: Readonly<Record<string, string>>;
    prometheusUid: string;
    fromMs: number;
    toMs: number;
    macros: Readonly<Record<string, string>>;
    selection: Selection;
  },
): Promise<ResolvedVariables> {
  const variables = new Map<string, ResolvedVariable>();
  const requests = new Map<string, string>();
  const skipped = new Map<string, string>();
  for (const v of (dashboard.templating?.list ?? []) as Json[]) {
    const base = { name: v.name as string, type: v.type as string, multi: Boolean(v.multi), includeAll: Boolean(v.includeAll), allValue: v.allValue as string | undefined };
    if (v.type === "textbox") {
      const value = (v.current?.value ?? v.query ?? "") as string;
      variables.set(base.name, { ...base, options: [], selected: [value] });
      continue;
    }
    if (v.type !== "query") throw new Error(`variable $${base.name} is of type ${JSON.stringify(v.type)}, which this harness does not resolve`);
    if (v.datasource?.uid !== opts.prometheusUid) {
      skipped.set(base.name, `query variable of datasource ${JSON.stringify(v.datasource?.uid)}`);
      continue;
    }
    if (v.regex) throw new Error(`variable $${base.name} has a regex filter, which this harness does not apply`);
    const query = interpolate(String(v.query), variables, opts.macros);
    const { selector, label } = parseLabelValues(query);
    requests.set(base.name, query);
    const form: Record<string, string | string[]> = { start: String(opts.fromMs / 1000), end: String(opts.toMs / 1000) };
    if (selector) form["match[]"] = [selector];
    const params = new URLSearchParams();
    for (const [k, x] of Object.entries(form)) for (const y of typeof x === "string" ? [x] : x) params.append(k, y);
    const res = await fetch(`${opts.prometheusUrl}/api/v1/label/${encodeURIComponent(label)}/values?${params}`, { headers: { ...opts.prometheusHeaders }, signal: AbortSignal.timeout(30_000) });
    const body = (await res.json()) as { status: string; data?: string[]; error?: string };
    if (body.status !== "success" || !body.data) throw new Error(`variable $${base.name}: ${query} failed: ${body.error ?? res.status}`);
    const options = sortOptions(body.data, Number(v.sort ?? 0));
    variables.set(base.name, { ...base, options, selected: chooseSelection(v, options, opts.selection) });
  }
  return { variables, requests, skipped };
}
