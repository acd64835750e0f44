/**
 * The dashboards' JSON models: the API the Grafana component consumes, unique uids and titles, datasources by the
 * provisioned uids only, template variables, alert thresholds drawn from the rules' constants, and the links into
 * Jaeger.
 */
import { readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { buildDashboards } from "../../dashboards";
import { DATASOURCE_UIDS, DATASOURCE_TYPES, datasourceRef } from "../../dashboards/datasources";
import { buildDashboard, graph, promql, logql } from "../../dashboards/kit";
import * as T from "../../rules/thresholds";
import { ALL_METRICS, HIGH_CARDINALITY_LABELS } from "../../telemetry/catalog";
import { Json, panelsOf, queriesOf } from "./support";

const dashboards = buildDashboards() as Record<string, Json>;
const entries = Object.entries(dashboards);
const uids = Object.values(DATASOURCE_UIDS) as string[];
const byUid = (uid: string): Json => dashboards[`${uid}.json`];
const panel = (uid: string, title: string): Json => {
  const found = panelsOf(byUid(uid)).filter((p) => p.title === title);
  if (found.length !== 1) throw new Error(`expected one panel ${JSON.stringify(title)} in ${uid}, found ${found.length}`);
  return found[0];
};
const thresholdValues = (p: Json): number[] =>
  ((p.fieldConfig?.defaults?.thresholds?.steps ?? []) as { value: number | null }[]).map((s) => s.value).filter((v): v is number => v !== null);

describe("API", () => {
  test("DATASOURCE_UIDS are the uids the Grafana component provisions", () => {
    expect(DATASOURCE_UIDS).toEqual({ prometheus: "prometheus", loki: "loki", jaeger: "jaeger", postgres: "postgres" });
    expect(DATASOURCE_TYPES.postgres).toBe("grafana-postgresql-datasource");
  });

  test("buildDashboards maps <uid>.json to each dashboard, in a fixed order", () => {
    expect(Object.keys(dashboards)).toEqual([
      "ai-platform-overview.json",
      "ai-platform-http.json",
      "ai-platform-inference.json",
      "ai-platform-mcp.json",
      "ai-platform-memory.json",
      "ai-platform-drift.json",
      "ai-platform-gpu.json",
      "ai-platform-router-cache.json",
      "ai-platform-infrastructure.json",
      "ai-platform-logs-traces.json",
      "ai-platform-observability.json",
    ]);
    for (const [file, d] of entries) expect(file).toBe(`${d.uid}.json`);
  });

  test("is deterministic: two builds serialize byte for byte the same", () => {
    expect(JSON.stringify(buildDashboards())).toBe(JSON.stringify(buildDashboards()));
  });

  test("models are plain JSON (no undefined, functions or class instances)", () => {
    for (const d of Object.values(dashboards)) expect(JSON.parse(JSON.stringify(d))).toEqual(d);
  });
});

describe("identity", () => {
  test("uids and titles are unique", () => {
    const titles = entries.map(([, d]) => d.title);
    expect(new Set(titles).size).toBe(titles.length);
    const ids = entries.map(([, d]) => d.uid);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test.each(entries)("%s: uid fits Grafana's limit, carries the platform tag and a description", (_, d) => {
    expect(d.uid).toMatch(/^[a-z0-9-]{8,40}$/);
    expect(d.tags).toContain("ai-platform");
    expect(d.description).toEqual(expect.any(String));
  });

  test.each(entries)("%s: panel ids and titles are unique and panels fit the 24-column grid", (_, d) => {
    const panels = panelsOf(d);
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const titles = panels.map((p) => p.title);
    expect(titles.filter((t, i) => titles.indexOf(t) !== i)).toEqual([]);
    for (const p of panels) {
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
      expect(p.gridPos.h).toBeGreaterThan(0);
    }
  });

  test("rejects a uid Grafana would not accept", () => {
    expect(() => buildDashboard({ uid: "Bad UID!", title: "x", description: "x", tags: [], variables: [], sections: [] })).toThrow(/uid "Bad UID!"/);
    expect(() => buildDashboard({ uid: "short", title: "x", description: "x", tags: [], variables: [], sections: [] })).toThrow(/uid "short"/);
  });
});

describe("datasources", () => {
  test.each(entries)("%s: every panel and query names a provisioned datasource uid, the same on both", (_, d) => {
    for (const p of panelsOf(d).filter((p) => p.type !== "row")) {
      expect(uids).toContain(p.datasource?.uid);
      for (const t of p.targets ?? []) {
        expect(t.datasource).toEqual(p.datasource);
      }
    }
  });

  test.each(entries)("%s: datasource types match the provisioned plugins", (_, d) => {
    const refs = [
      ...panelsOf(d).filter((p) => p.type !== "row").map((p) => p.datasource),
      ...((d.templating?.list ?? []) as Json[]).filter((v) => v.datasource).map((v) => v.datasource),
    ];
    for (const ref of refs) {
      const key = (Object.keys(DATASOURCE_UIDS) as (keyof typeof DATASOURCE_UIDS)[]).find((k) => DATASOURCE_UIDS[k] === ref.uid);
      expect(key).toBeDefined();
      expect(ref).toEqual(datasourceRef(key!));
    }
  });

  test("rejects a panel that mixes datasources", () => {
    expect(() => graph({ title: "x", queries: [promql("up"), logql('{service="gateway"}')] })).toThrow(/exactly one datasource/);
  });
});

describe("template variables", () => {
  const EXPECTED: Record<string, string[]> = {
    "ai-platform-overview": ["service"],
    "ai-platform-http": ["namespace", "service"],
    "ai-platform-inference": ["namespace", "service", "model"],
    "ai-platform-mcp": ["namespace", "service", "server", "operation"],
    "ai-platform-memory": ["namespace", "service", "operation"],
    "ai-platform-drift": ["namespace", "service", "model"],
    "ai-platform-gpu": ["node", "gpu_id"],
    "ai-platform-router-cache": ["namespace", "service", "model", "cache_type"],
    "ai-platform-infrastructure": [],
    "ai-platform-logs-traces": ["namespace", "service", "level", "search"],
    "ai-platform-observability": [],
  };

  test.each(Object.entries(EXPECTED))("%s has variables %j", (uid, names) => {
    expect(((byUid(uid).templating?.list ?? []) as Json[]).map((v) => v.name)).toEqual(names);
  });

  test.each(entries)("%s: every variable a query or variable uses is defined before use", (_, d) => {
    const list = (d.templating?.list ?? []) as Json[];
    const used = (text: string) => [...text.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]).filter((n) => !n.startsWith("__"));
    const defined = list.map((v) => v.name);
    for (const p of panelsOf(d)) for (const t of p.targets ?? []) for (const n of used(t.expr)) expect(defined).toContain(n);
    list.forEach((v, i) => {
      for (const n of used(String(v.query ?? ""))) expect(defined.slice(0, i)).toContain(n);
    });
  });

  test.each(entries)("%s: multi-value variables default to All, which matches any non-empty value", (_, d) => {
    for (const v of ((d.templating?.list ?? []) as Json[]).filter((v) => v.type === "query")) {
      expect(v).toMatchObject({ multi: true, includeAll: true, allValue: ".+", current: { value: "$__all" } });
    }
  });
});

describe("thresholds come from the alert constants", () => {
  test("the drift score panel draws the seed's 0.15 and 0.25 lines", () => {
    const p = panel("ai-platform-drift", "Drift score by model");
    expect(thresholdValues(p)).toEqual([0.15, 0.25]);
    expect(thresholdValues(p)).toEqual([T.DRIFT_WARNING, T.DRIFT_CRITICAL]);
    expect(p.fieldConfig.defaults.custom.thresholdsStyle.mode).toBe("dashed");
  });

  test.each([
    ["ai-platform-overview", "Error ratio by service", [T.ERROR_RATIO]],
    ["ai-platform-overview", "P95 latency by service", [T.LATENCY_P95_SECONDS]],
    ["ai-platform-overview", "Queue depth by service", [T.QUEUE_DEPTH]],
    ["ai-platform-http", "5xx ratio by service", [T.ERROR_RATIO]],
    ["ai-platform-http", "P95 latency by service", [T.LATENCY_P95_SECONDS]],
    ["ai-platform-inference", "Latency P50 / P95 / P99 by model", [T.LATENCY_P95_SECONDS]],
    ["ai-platform-inference", "Error ratio by model", [T.ERROR_RATIO]],
    ["ai-platform-inference", "Queue depth by service", [T.QUEUE_DEPTH]],
    ["ai-platform-mcp", "Error ratio by service", [T.ERROR_RATIO]],
    ["ai-platform-mcp", "P95 latency by service", [T.LATENCY_P95_SECONDS]],
    ["ai-platform-memory", "P95 latency by service", [T.LATENCY_P95_SECONDS]],
    ["ai-platform-memory", "Top 10 sessions by budget utilization", [T.BUDGET_WARNING_RATIO, T.BUDGET_EXCEEDED_RATIO]],
    ["ai-platform-memory", "Highest session budget utilization by service", [T.BUDGET_WARNING_RATIO, T.BUDGET_EXCEEDED_RATIO]],
    ["ai-platform-drift", "Current drift score by model", [T.DRIFT_WARNING, T.DRIFT_CRITICAL]],
    ["ai-platform-gpu", "Utilization", [T.GPU_UTILIZATION_PERCENT]],
    ["ai-platform-gpu", "Memory used", [T.GPU_MEMORY_PERCENT]],
    ["ai-platform-gpu", "Temperature", [T.GPU_TEMPERATURE_CELSIUS]],
    ["ai-platform-infrastructure", "Redis memory of maxmemory", [T.REDIS_MEMORY_RATIO]],
    ["ai-platform-infrastructure", "Connections per server", [T.POSTGRES_CONNECTIONS]],
    ["ai-platform-observability", "Failed notifications ratio", [T.NOTIFICATION_ERROR_RATIO]],
    ["ai-platform-observability", "5xx ratio by route", [T.LOKI_ERROR_RATIO]],
    ["ai-platform-observability", "Failed push ratio by instance", [T.PROMTAIL_ERROR_RATIO]],
    ["ai-platform-observability", "Refused share by receiver", [T.COLLECTOR_LOSS_RATIO]],
    ["ai-platform-observability", "Export failure share by exporter", [T.COLLECTOR_LOSS_RATIO]],
    ["ai-platform-observability", "Sending queue fill by exporter", [T.COLLECTOR_QUEUE_FULL_RATIO]],
    ["ai-platform-observability", "Trace-store read error ratio", [T.JAEGER_READ_ERROR_RATIO]],
  ] as const)("%s / %s draws %j", (uid, title, values) => {
    expect(thresholdValues(panel(uid, title))).toEqual([...values]);
  });

  test.each(entries)("%s: every threshold is an alert constant (or 1 for 'any at all')", (_, d) => {
    const constants = new Set<number>([...(Object.values(T) as unknown[]).filter((x): x is number => typeof x === "number"), 1]);
    for (const p of panelsOf(d)) for (const v of thresholdValues(p)) expect([p.title, constants.has(v)]).toEqual([p.title, true]);
  });

  test.each(entries)("%s: graphs with thresholds draw them as lines", (_, d) => {
    for (const p of panelsOf(d).filter((p) => p.type === "timeseries" && thresholdValues(p).length > 0)) {
      expect([p.title, p.fieldConfig.defaults.custom?.thresholdsStyle?.mode]).toEqual([p.title, "dashed"]);
    }
  });
});

describe("logs and traces", () => {
  const logs = byUid("ai-platform-logs-traces");

  test("the error trace table links each trace_id into Jaeger", () => {
    const p = panel("ai-platform-logs-traces", "Traces behind recent errors");
    const override = (p.fieldConfig.overrides as Json[]).find((o) => o.matcher.options === "trace_id");
    expect(override).toBeDefined();
    const links = override!.properties.find((x: Json) => x.id === "links").value;
    expect(links).toEqual([expect.objectContaining({ internal: expect.objectContaining({ datasourceUid: DATASOURCE_UIDS.jaeger, query: { query: "${__value.raw}" } }) })]);
    expect(p.targets[0].expr).toMatch(/sum by \(service, trace_id\)/);
  });

  test("the header links to a Jaeger search in Explore", () => {
    const link = (logs.links as Json[]).find((l) => l.type === "link");
    expect(link?.url).toMatch(/^\/explore\?/);
    const panes = JSON.parse(decodeURIComponent(new URL(link!.url, "http://grafana").searchParams.get("panes")!));
    expect(panes.traces.datasource).toBe(DATASOURCE_UIDS.jaeger);
  });

  test("log panels by service and level exist", () => {
    expect(panel("ai-platform-logs-traces", "Log lines/s by service").targets[0].expr).toMatch(/by \(service\)/);
    expect(panel("ai-platform-logs-traces", "Log lines/s by level").targets[0].expr).toMatch(/by \(level\)/);
    expect(panelsOf(logs).filter((p) => p.type === "logs").length).toBeGreaterThan(0);
  });

  test("trace_id is filtered as structured metadata, never put in a stream selector", () => {
    for (const q of queriesOf({ logs })) expect(q.target.expr).not.toMatch(/\{[^}]*trace_id/);
  });
});

test("no PromQL query groups by a per-user or per-session label", () => {
  for (const q of queriesOf(dashboards).filter((q) => q.target.datasource.uid === DATASOURCE_UIDS.prometheus)) {
    for (const m of (q.target.expr as string).matchAll(/\bby\s*\(([^)]*)\)/g)) {
      const grouped = m[1].split(",").map((s) => s.trim());
      expect(grouped.filter((l) => (HIGH_CARDINALITY_LABELS as readonly string[]).includes(l))).toEqual([]);
    }
  }
});

test("dashboards/*.ts name metrics only through the catalog", () => {
  const dir = path.join(__dirname, "../../dashboards");
  const strip = (src: string) => src.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
  const names = ALL_METRICS.map((m) => m.name).filter((n) => n.length > 2);
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
    const code = strip(readFileSync(path.join(dir, file), "utf8"));
    expect([file, names.filter((n) => new RegExp(`(?<![A-Za-z0-9_.])${n}(?![A-Za-z0-9_])`).test(code))]).toEqual([file, []]);
  }
});
