/**
 * Every Prometheus query of every dashboard panel, run on the pinned Prometheus 3 of the time-compressed pipeline
 * (dev stack, factor 60) in the middle of the seed incident, as Grafana would send it: macros and template variables
 * substituted, query variables resolved by asking Prometheus, range targets through `/api/v1/query_range` and instant
 * targets also through `/api/v1/query`. Each query must run without error, and return data unless it is listed in
 * NO_DATA_HERE with the reason this pipeline cannot give it any. queries.test.ts only parses the queries; this catches
 * what a parser cannot: a function Prometheus 3 no longer accepts, a label the producers do not set, a recorded name
 * no rule writes, a matcher that selects nothing.
 *
 * The panels are asked as Grafana asks them with the time picker at "Last 15 minutes" on a panel about 1000 px wide
 * (maxDataPoints 1000), on a datasource whose scrape interval is the compressed run's 1s (the stack provisions the
 * datasource's timeInterval from Prometheus' scrape interval):
 *   $__interval       = max(round(900s / 1000) = 1s, 1s)       = 1s (also the range query's step)
 *   $__rate_interval  = max($__interval + 1s, 4 x 1s)           = 4s
 *   $__range          = 900s
 * The dashboards open on the last 6 hours, but this run has well under a minute of data: at 6h Grafana would step by
 * 20s with 21s rate windows, and most steps would fall before the first scrape. 15 minutes is the range an incident
 * is looked at with, and gives the shortest windows Grafana would use on this datasource.
 * The rules keep their 5m windows (compression leaves expressions alone), so recorded series are as deployed; only
 * the panels' own rate windows shrink with the scrape interval, as they would on a datasource scraped every second.
 *
 * Each dashboard is checked twice: as it opens (every variable at its saved "All", sent as the custom all value
 * `.+`), and with every option of every multi-value variable picked one by one, which sends Grafana's escaped
 * alternation `(a|b)` (model names have dots: `llama-3\\.3-8b`).
 *
 * Prometheus scrapes itself here (as the rendered `prometheus` job does in a cluster), so its self-monitoring panels
 * run on real series.
 */
import { buildDashboards } from "../../dashboards";
import { DATASOURCE_UIDS } from "../../dashboards/datasources";
import { Json, promqlMetricNames, queriesOf, recordedNames } from "../dashboards/support";
import { SEED_METRICS } from "../../telemetry/catalog";
import { SEED_ALERTS } from "./harness/contract";
import {
  ALL,
  PromResult,
  ResolvedVariable,
  ResolvedVariables,
  Selection,
  describeResult,
  formatForPrometheus,
  hasData,
  instantQuery,
  interpolate,
  macroValues,
  panelMacros,
  rangeQuery,
  resolveVariables,
} from "./harness/grafana-variables";
import { startIncident } from "./harness/incident";
import { Pipeline } from "./harness/pipeline";
import { waitFor } from "./harness/processes";
import { componentEndpoint } from "./harness/simulated-cluster";
import { COMPRESSED_INTERVAL, durationMs, renderStack } from "./harness/stack-files";

const F = 60;
const RANGE_MS = 15 * 60_000;
const MAX_DATA_POINTS = 1000;
const SCRAPE_INTERVAL_MS = durationMs(COMPRESSED_INTERVAL);
const MACROS = panelMacros({ fromMs: 0, toMs: RANGE_MS, maxDataPoints: MAX_DATA_POINTS, scrapeIntervalMs: SCRAPE_INTERVAL_MS });
const MACRO_VALUES = macroValues(MACROS);
const SELECTIONS: readonly Selection[] = ["saved", "every-option"];
/** Few enough not to starve the daemons (and the scrapes) on a 2-core machine. */
const PARALLEL = 4;

// ---- What this pipeline cannot show --------------------------------------------------------------------------------

const QDRANT = "Qdrant's stand-in serves no Qdrant metric (only its target is up), so qdrant_* has no series";
const NOT_STARTED = "Loki, Promtail, the OpenTelemetry Collector and Jaeger are not part of this pipeline (the collector and Jaeger run in traces.test.ts, unscraped), so their jobs have no targets";
const FAKE_REDIS = "the fake redis_exporter serves only the families the alert rules read (redis_up, redis_memory_used_bytes, redis_memory_max_bytes)";
const FAKE_POSTGRES = "the fake postgres_exporter serves only the families the alert rules read (pg_up, pg_stat_activity_count, pg_settings_max_connections)";
const NO_4XX = "the demo services answer 200, or 500 in the incident, never a 4xx, and a status's counter series only exists once it is counted";
const NO_MEMORY_ERRORS =
  "the incident slows the memory engine but fails none of its operations (the seed has no memory error-rate alert), and a status's counter series only exists once counted: the ratio's numerator is an empty vector";

/**
 * Panels (`dashboard / panel`) or single queries (`dashboard / panel / refId`) with no data in this incident, and why.
 * Each entry must name an existing query and must really be empty: a listed query that gains data fails, so the list
 * cannot go stale.
 */
const NO_DATA_HERE: Readonly<Record<string, string>> = {
  "ai-platform-overview.json / Error ratio by service / D": NO_MEMORY_ERRORS,
  "ai-platform-http.json / 4xx ratio": NO_4XX,
  "ai-platform-memory.json / Error ratio": NO_MEMORY_ERRORS,
  "ai-platform-memory.json / Failed operations/s by operation and status": NO_MEMORY_ERRORS,
  "ai-platform-memory.json / Error ratio by service": NO_MEMORY_ERRORS,
  "ai-platform-memory.json / Error ratio by operation": NO_MEMORY_ERRORS,
  "ai-platform-infrastructure.json / Redis clients": FAKE_REDIS,
  "ai-platform-infrastructure.json / Redis commands/s": FAKE_REDIS,
  "ai-platform-infrastructure.json / Redis keyspace hit ratio": FAKE_REDIS,
  "ai-platform-infrastructure.json / Transactions/s": FAKE_POSTGRES,
  "ai-platform-infrastructure.json / Transactions/s by database": FAKE_POSTGRES,
  "ai-platform-infrastructure.json / Database size": FAKE_POSTGRES,
  "ai-platform-infrastructure.json / Collections": QDRANT,
  "ai-platform-infrastructure.json / Vectors": QDRANT,
  "ai-platform-infrastructure.json / REST responses/s by status": QDRANT,
  "ai-platform-infrastructure.json / REST P95 latency by endpoint": QDRANT,
  "ai-platform-infrastructure.json / gRPC responses/s by status": QDRANT,
  "ai-platform-infrastructure.json / Vectors stored": QDRANT,
  "ai-platform-observability.json / Requests/s by route": NOT_STARTED,
  "ai-platform-observability.json / 5xx ratio by route": NOT_STARTED,
  "ai-platform-observability.json / P99 latency by route": NOT_STARTED,
  "ai-platform-observability.json / Lines received and discarded/s": NOT_STARTED,
  "ai-platform-observability.json / Pushes/s by status": NOT_STARTED,
  "ai-platform-observability.json / Failed push ratio by instance": NOT_STARTED,
  "ai-platform-observability.json / Entries sent and dropped/s": NOT_STARTED,
  "ai-platform-observability.json / Received/s by receiver": NOT_STARTED,
  "ai-platform-observability.json / Exported/s by exporter": NOT_STARTED,
  "ai-platform-observability.json / Refused share by receiver": NOT_STARTED,
  "ai-platform-observability.json / Export failure share by exporter": NOT_STARTED,
  "ai-platform-observability.json / Sending queue fill by exporter": NOT_STARTED,
  "ai-platform-observability.json / Jaeger up": NOT_STARTED,
  "ai-platform-observability.json / Spans received and written/s": NOT_STARTED,
  "ai-platform-observability.json / Trace-store reads/s by operation": NOT_STARTED,
  "ai-platform-observability.json / Trace-store read error ratio": NOT_STARTED,
};

// ---- The queries -------------------------------------------------------------------------------------------------

interface Case {
  readonly name: string;
  readonly dashboard: string;
  readonly expr: string;
  readonly instant: boolean;
  /** Why it has no data here, when listed in NO_DATA_HERE. */
  readonly noData?: string;
  /** It reads a seed family or a recorded series (the specification's metrics). */
  readonly seed: boolean;
}

const dashboards = buildDashboards() as Record<string, Json>;
const recorded = recordedNames();
const seedNames = new Set(Object.values(SEED_METRICS).flatMap((m) => (m.type === "histogram" ? ["_bucket", "_sum", "_count"].map((s) => m.name + s) : [m.name])));

const cases: readonly Case[] = queriesOf(dashboards)
  .filter((q) => q.target.datasource?.uid === DATASOURCE_UIDS.prometheus)
  .map((q) => {
    const name = `${q.dashboard} / ${q.panel.title} / ${q.target.refId}`;
    const expr = q.target.expr as string;
    const metrics = promqlMetricNames(expr);
    return {
      name,
      dashboard: q.dashboard,
      expr,
      instant: q.target.instant === true,
      noData: NO_DATA_HERE[name] ?? NO_DATA_HERE[`${q.dashboard} / ${q.panel.title}`],
      seed: metrics.some((m) => seedNames.has(m) || recorded.has(m)),
    };
  });

const withData = cases.filter((c) => c.noData === undefined);
const withoutData = cases.filter((c) => c.noData !== undefined);

const variableRows = Object.entries(dashboards).flatMap(([file, d]) =>
  ((d.templating?.list ?? []) as Json[]).filter((v) => v.type === "query" && v.datasource?.uid === DATASOURCE_UIDS.prometheus).map((v) => [`${file} / $${v.name}`, file, v.name as string] as const),
);

// ---- The run -----------------------------------------------------------------------------------------------------

interface Outcome {
  /** The query as sent, or the interpolation error. */
  readonly sent: string;
  readonly interpolationError?: string;
  readonly range?: PromResult;
  readonly instant?: PromResult;
}

let pipeline: Pipeline;
let activeAlerts: string[] = [];
let firingAlerts: string[] = [];
let timeRange = { fromMs: 0, toMs: 0 };
const resolved = new Map<string, ResolvedVariables>();
const outcomes = new Map<string, Outcome>();
const key = (selection: Selection, name: string) => `${selection}|${name}`;

async function run(dashboard: string, selection: Selection, expr: string, instant = false): Promise<Outcome> {
  const vars = resolved.get(key(selection, dashboard));
  if (!vars) throw new Error(`variables of ${dashboard} (${selection}) were not resolved`);
  let sent: string;
  try {
    sent = interpolate(expr, vars.variables, MACRO_VALUES);
  } catch (e) {
    return { sent: expr, interpolationError: (e as Error).message };
  }
  // As Grafana's datasource does: with the basic auth Prometheus requires.
  const { url, headers } = pipeline.prometheus;
  const range = await rangeQuery(url, sent, { ...timeRange, stepMs: MACROS.intervalMs }, headers);
  return { sent, range, instant: instant ? await instantQuery(url, sent, timeRange.toMs, headers) : undefined };
}

/** `n` queries in flight at once: all at once would measure the machine, one at a time would take minutes. */
async function pool<T>(items: readonly T[], n: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

beforeAll(async () => {
  const rendered = renderStack("dev");
  pipeline = await Pipeline.start({
    name: "dashboards-live",
    rendered,
    compression: F,
    extraEndpoints: (self) => [componentEndpoint(rendered.settings, "prometheus", self.prometheus)],
  });
  const p = pipeline;
  const number = async (expr: string) => Number((await p.query(expr))[0]?.value[1] ?? NaN);
  await waitFor("every discovered target up", async () => {
    const [all, up] = [await number("count(up)"), await number("sum(up)")];
    // Seven demo services, three fake exporters, Alertmanager and Prometheus: fewer means discovery is not done.
    return all >= 12 && up === all ? true : undefined;
  }, { timeoutMs: 30_000 });
  // A baseline: the traffic recording rule has a value once two scrapes and an evaluation are in.
  await waitFor("a recorded baseline", async () => ((await p.query('service:http_requests:rate5m{service="gateway"}')).length > 0 ? true : undefined), { timeoutMs: 20_000 });

  startIncident(p);
  const alertNames = async (states: readonly string[]) => [...new Set((await p.alerts()).filter((a) => states.includes(a.state)).map((a) => a.labels.alertname))];
  // Bounded rather than required: a slow alert is reported by the first test, and the panels are checked anyway.
  await waitFor("every seed alert firing", async () => {
    const firing = await alertNames(["firing"]);
    return SEED_ALERTS.every((a) => firing.includes(a)) ? true : undefined;
  }, { timeoutMs: 45_000, intervalMs: 500 }).catch(() => undefined);
  // Every recorded series a panel expects data from has been written at least once (they are what the alerts read
  // through, so they lag the raw series by an evaluation).
  const expectedRecorded = [...new Set(withData.flatMap((c) => promqlMetricNames(c.expr)).filter((m) => recorded.has(m)))];
  await waitFor("the recorded series the panels read", async () => {
    const present = new Set((await p.query(`count by (__name__) ({__name__=~"${expectedRecorded.join("|")}"})`)).map((s) => s.metric.__name__));
    return expectedRecorded.every((m) => present.has(m)) ? true : undefined;
  }, { timeoutMs: 20_000, intervalMs: 500 }).catch(() => undefined);
  activeAlerts = await alertNames(["pending", "firing"]);
  firingAlerts = await alertNames(["firing"]);

  const toMs = Date.now();
  timeRange = { fromMs: toMs - RANGE_MS, toMs };
  for (const selection of SELECTIONS) {
    for (const [file, d] of Object.entries(dashboards)) {
      resolved.set(key(selection, file), await resolveVariables(d, { prometheusUrl: p.prometheus.url, prometheusHeaders: p.prometheus.headers, prometheusUid: DATASOURCE_UIDS.prometheus, ...timeRange, macros: MACRO_VALUES, selection }));
    }
  }
  const jobs = SELECTIONS.flatMap((selection) => cases.map((c) => ({ selection, c })));
  await pool(jobs, PARALLEL, async ({ selection, c }) => {
    outcomes.set(key(selection, c.name), await run(c.dashboard, selection, c.expr, c.instant));
  });
}, 240_000);

afterAll(async () => {
  await pipeline?.close();
});

function outcome(selection: Selection, name: string): Outcome {
  const o = outcomes.get(key(selection, name));
  if (!o) throw new Error(`${name} (${selection}) did not run`);
  return o;
}

/** Errors of one query under one selection, empty when it ran: what a failing assertion prints. */
function errorsOf(o: Outcome): string[] {
  if (o.interpolationError) return [`interpolation: ${o.interpolationError}`];
  return [o.range, o.instant].flatMap((r, i) => (r && !r.ok ? [`${i === 0 ? "query_range" : "query"}: ${r.errorType}: ${r.error}`] : []));
}

describe("the run", () => {
  test("the incident is under way: every seed alert is pending or firing in Prometheus, nearly all firing", () => {
    expect(SEED_ALERTS.filter((a) => !activeAlerts.includes(a))).toEqual([]);
    const notFiring = SEED_ALERTS.filter((a) => !firingAlerts.includes(a));
    expect({ notFiring, few: notFiring.length <= 3 }).toMatchObject({ few: true });
  });

  test("every Prometheus query of every dashboard is checked, under a unique name", () => {
    expect(cases.length).toBeGreaterThan(100);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
    expect(withData.filter((c) => c.seed).length).toBeGreaterThan(80);
  });

  test("every entry of NO_DATA_HERE names a panel or query that exists", () => {
    const names = new Set(cases.flatMap((c) => [c.name, c.name.replace(/ \/ [A-Z]$/, "")]));
    expect(Object.keys(NO_DATA_HERE).filter((k) => !names.has(k))).toEqual([]);
  });

  test.each(variableRows)("variable %s resolves to at least one option", (variable, file, name) => {
    for (const selection of SELECTIONS) {
      const vars = resolved.get(key(selection, file));
      const options = vars?.variables.get(name)?.options ?? [];
      expect({ variable, selection, request: vars?.requests.get(name), options, some: options.length > 0 }).toMatchObject({ some: true });
    }
  });
});

describe("every Prometheus panel query during the incident", () => {
  test.each(cases.map((c) => [c.name]))("%s runs without error", (name) => {
    for (const selection of SELECTIONS) {
      const o = outcome(selection, name);
      expect({ name, selection, sent: o.sent, errors: errorsOf(o) }).toEqual({ name, selection, sent: o.sent, errors: [] });
    }
  });

  test.each(withData.map((c) => [c.name]))("%s returns data", (name) => {
    for (const selection of SELECTIONS) {
      const o = outcome(selection, name);
      const results = [o.range, o.instant].filter((r): r is PromResult => r !== undefined);
      expect({ name, selection, sent: o.sent, results: results.map(describeResult), data: results.length > 0 && results.every(hasData) }).toMatchObject({ data: true });
    }
  });

  test.each(withoutData.map((c) => [c.name, c.noData as string]))("%s has no data here, as listed: %s", (name) => {
    for (const selection of SELECTIONS) {
      const o = outcome(selection, name);
      expect({ name, selection, errors: errorsOf(o) }).toEqual({ name, selection, errors: [] });
      const results = [o.range, o.instant].filter((r): r is PromResult => r !== undefined);
      expect({ name, selection, sent: o.sent, results: results.map(describeResult), data: results.some(hasData) }).toMatchObject({ data: false });
    }
  });
});

describe("the check catches broken queries", () => {
  const dashboard = "ai-platform-http.json";

  test("a misspelled function is reported as an error", async () => {
    const o = await run(dashboard, "saved", 'sum(rat(http_requests_total{service=~"$service"}[$__rate_interval]))');
    expect(errorsOf(o).join("\n")).toMatch(/unknown function with name "rat"/);
  });

  test("a metric that does not exist returns no data", async () => {
    const o = await run(dashboard, "saved", 'sum(rate(http_requests_totl{service=~"$service"}[$__rate_interval]))');
    expect(errorsOf(o)).toEqual([]);
    expect(o.range && hasData(o.range)).toBe(false);
    // The same query on the real name does: the planted one is empty for its name alone.
    const real = await run(dashboard, "saved", 'sum(rate(http_requests_total{service=~"$service"}[$__rate_interval]))');
    expect(real.range && hasData(real.range)).toBe(true);
  });

  test("a misspelled variable is reported rather than sent verbatim", async () => {
    const o = await run(dashboard, "saved", 'sum(rate(http_requests_total{service=~"$sevice"}[$__rate_interval]))');
    expect(errorsOf(o).join("\n")).toMatch(/\$sevice is neither a Grafana macro nor a variable/);
  });
});

describe("Grafana's substitution, as the harness does it", () => {
  const variable = (patch: Partial<ResolvedVariable>): ResolvedVariable => ({
    name: "model",
    type: "query",
    multi: true,
    includeAll: true,
    allValue: ".+",
    options: ["llama-3.3-70b", "llama-3.3-8b"],
    selected: ALL,
    ...patch,
  });

  test("the macros for the last 15 minutes on a 1000 px panel, scraped every second", () => {
    expect(MACRO_VALUES).toMatchObject({ __interval: "1s", __rate_interval: "4s", __range: "900s" });
    // With the deployed 15s scrape interval the same panel would read 1m windows.
    expect(macroValues(panelMacros({ fromMs: 0, toMs: RANGE_MS, maxDataPoints: MAX_DATA_POINTS, scrapeIntervalMs: 15_000 }))).toMatchObject({ __interval: "15s", __rate_interval: "1m" });
  });

  test("All with a custom all value is that value; picked options are an escaped alternation", () => {
    expect(formatForPrometheus(variable({}))).toBe(".+");
    expect(formatForPrometheus(variable({ selected: ["llama-3.3-8b"] }))).toBe("llama-3\\\\.3-8b");
    expect(formatForPrometheus(variable({ selected: ["llama-3.3-70b", "llama-3.3-8b"] }))).toBe("(llama-3\\\\.3-70b|llama-3\\\\.3-8b)");
    expect(formatForPrometheus(variable({ allValue: undefined }))).toBe("(llama-3\\\\.3-70b|llama-3\\\\.3-8b)");
    expect(formatForPrometheus(variable({ multi: false, includeAll: false, selected: ['say "hi"'] }))).toBe('say \\"hi\\"');
  });

  test("every variable syntax is replaced, and unknown names are refused", () => {
    const vars = new Map([["model", variable({ selected: ["a", "b"] })]]);
    expect(interpolate('x{m=~"$model", n=~"${model}", o=~"[[model]]", p=~"${model:pipe}"}[$__rate_interval] $__range', vars, MACRO_VALUES)).toBe('x{m=~"(a|b)", n=~"(a|b)", o=~"(a|b)", p=~"a|b"}[4s] 900s');
    expect(interpolate('label_replace(up, "x", "$1", "job", "(.*)")', vars, MACRO_VALUES)).toBe('label_replace(up, "x", "$1", "job", "(.*)")');
    expect(() => interpolate("up{a=~\"$nope\"}", vars, MACRO_VALUES)).toThrow(/\$nope/);
  });
});
