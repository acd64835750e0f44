/**
 * The metrics exporter: what it exposes is what the catalog says (names, types, labels, help), the exposition parses
 * and lints with promtool, the /metrics handler serves it, and bad arguments are rejected with the value named.
 */
import { spawnSync } from "node:child_process";
import { AddressInfo } from "node:net";
import * as http from "node:http";
import { M, SEED_METRICS } from "../../telemetry/catalog";
import { MetricsExporter, SECONDS_BUCKETS, createMetricsExporter, getMetricsExporter } from "../../telemetry/metrics-exporter";
import { LATENCY_P95_SECONDS } from "../../rules/thresholds";
import { requireTool } from "../support/tools";

/** Every helper called once, as the specification's usage section does, so every family has a series. */
function exerciseAll(m: MetricsExporter): void {
  m.recordHttpRequest("POST", "/v1/chat", 200, 0.125);
  m.recordInference("llama-3.3-8b", "success", 0.25, { promptTokens: 100, completionTokens: 50, batchSize: 4 });
  m.recordMcpOperation("github", "search", "success", 0.05);
  m.recordMemoryOperation("search", "success", 0.01, { searchResults: 7 });
  m.setMemoryItems("user123", 42);
  m.updateDriftScore("llama-3.3-8b", 0.18, "warning", 5.0);
  m.updateBudget("session123", 1_000_000, 750_000);
  m.updateGpu("0", { utilizationPercent: 50, memoryUsedBytes: 1e9, memoryTotalBytes: 8e10, temperatureCelsius: 60 });
  m.recordRouterDecision("llama-3.3-8b", "cost", 0.001);
  m.setQueueDepth(3);
  m.recordQueueWait(0.2);
  m.recordCacheLookup("semantic", true);
  m.recordCacheLookup("semantic", false);
}

function promtoolCheck(text: string): { status: number; output: string } {
  const r = spawnSync(requireTool("promtool"), ["check", "metrics"], { input: text, encoding: "utf8", timeout: 60_000 });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

/** `# TYPE name type` lines of an exposition. */
function types(text: string): Record<string, string> {
  return Object.fromEntries([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]));
}

describe("exposition", () => {
  const m = createMetricsExporter("gateway");
  exerciseAll(m);
  let text: string;
  beforeAll(async () => {
    text = await m.metrics();
  });

  it("has every seed family under its catalog name, type and help", () => {
    const exposed = types(text);
    for (const f of Object.values(SEED_METRICS)) {
      expect({ name: f.name, type: exposed[f.name] }).toEqual({ name: f.name, type: f.type });
      expect(text).toContain(`# HELP ${f.name} ${f.help}\n`);
    }
    expect(Object.keys(exposed).sort()).toEqual(Object.values(SEED_METRICS).map((f) => f.name).sort());
  });

  it("labels every series with exactly the catalog's label names", () => {
    for (const f of Object.values(SEED_METRICS)) {
      const series = text.split("\n").filter((l) => l.startsWith(`${f.name}{`) || l.startsWith(`${f.name} `) || l.startsWith(`${f.name}_`));
      expect(series.length).toBeGreaterThan(0);
      for (const line of series) {
        const labels = [...(line.match(/\{(.*)\}/)?.[1] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)].map((x) => x[1]).filter((l) => l !== "le");
        expect({ line, labels: labels.sort() }).toEqual({ line, labels: [...f.labels].sort() });
      }
    }
  });

  it("passes promtool check metrics, but for the seed's gauge named memory_items_total", () => {
    const r = promtoolCheck(text);
    // promtool exits 3 for lint findings and 1 when it cannot parse; the seed names a gauge with a counter's suffix.
    expect(r.output.trim().split("\n")).toEqual([`${M.memoryItemsTotal.name} non-counter metrics should not have "_total" suffix`]);
    expect(r.status).toBe(3);
  });

  it("passes promtool check metrics cleanly without that one family", async () => {
    const other = createMetricsExporter("gateway");
    exerciseAll(other);
    other.registry.removeSingleMetric(M.memoryItemsTotal.name);
    const r = promtoolCheck(await other.metrics());
    expect(r.output).toBe("");
    expect(r.status).toBe(0);
  });

  it("derives the budget utilization and labels the queue with the service", () => {
    expect(text).toContain(`${M.memoryBudgetUtilization.name}{session_id="session123"} 0.75\n`);
    expect(text).toContain(`${M.requestQueueDepth.name}{service="gateway"} 3\n`);
    expect(text).toContain(`${M.inferenceTokensTotal.name}{model="llama-3.3-8b",type="prompt"} 100\n`);
    expect(text).toContain(`${M.inferenceTokensTotal.name}{model="llama-3.3-8b",type="completion"} 50\n`);
  });

  it("puts the latency alerts' threshold on a bucket boundary", () => {
    expect(SECONDS_BUCKETS).toContain(LATENCY_P95_SECONDS);
    expect(text).toContain(`${M.httpRequestDurationSeconds.name}_bucket{le="${LATENCY_P95_SECONDS}",method="POST",endpoint="/v1/chat"} 1\n`);
  });

  it("drops a finished session's budget series", async () => {
    const e = createMetricsExporter("memory-engine");
    e.updateBudget("s1", 100, 10);
    e.removeBudget("s1");
    expect(await e.metrics()).not.toContain('session_id="s1"');
  });
});

describe("getMetricsExporter", () => {
  it("returns one exporter per service, each with its own registry", () => {
    const a = getMetricsExporter("gateway");
    expect(getMetricsExporter("gateway")).toBe(a);
    const b = getMetricsExporter("max-serve");
    expect(b).not.toBe(a);
    expect(b.registry).not.toBe(a.registry);
  });

  it("keeps services apart", async () => {
    const a = createMetricsExporter("gateway");
    const b = createMetricsExporter("max-serve");
    a.recordHttpRequest("GET", "/health", 200, 0.001);
    expect(await b.metrics()).not.toContain('endpoint="/health"');
  });

  it("rejects a service name that is not a job name", () => {
    expect(() => createMetricsExporter("Gateway Service")).toThrow('service must be a job name (lower case letters, digits, \'-\' and \'_\', at most 63 characters), got "Gateway Service"');
  });
});

describe("metricsHandler", () => {
  const m = createMetricsExporter("gateway");
  m.recordHttpRequest("GET", "/v1/models", 200, 0.01);
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    server = http.createServer(m.metricsHandler());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("serves the exposition in the text format on GET", async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(await res.text()).toContain('http_requests_total{method="GET",endpoint="/v1/models",status="200"} 1');
  });

  it("rejects other methods with 405", async () => {
    const res = await fetch(`${base}/metrics`, { method: "POST" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, HEAD");
  });
});

describe("rejects bad arguments", () => {
  const m = createMetricsExporter("gateway");
  const cases: [string, () => void, string][] = [
    ["a negative duration", () => m.recordHttpRequest("GET", "/v1/chat", 200, -0.1), "recordHttpRequest: durationSeconds must be a finite number >= 0, got -0.1"],
    ["a NaN duration", () => m.recordMcpOperation("github", "search", "success", NaN), "recordMcpOperation: durationSeconds must be a finite number >= 0, got NaN"],
    ["an infinite duration", () => m.recordInference("m", "success", Infinity), "recordInference: durationSeconds must be a finite number >= 0, got Infinity"],
    ["a lower-case method", () => m.recordHttpRequest("post" as never, "/v1/chat", 200, 0.1), 'recordHttpRequest: method must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, got "post"'],
    ["a status that is not an HTTP status", () => m.recordHttpRequest("GET", "/v1/chat", 42, 0.1), "recordHttpRequest: status must be an integer HTTP status from 100 to 599, got 42"],
    ["a raw path with a query", () => m.recordHttpRequest("GET", "/v1/chat?user=1", 200, 0.1), 'recordHttpRequest: endpoint must be a route template starting with / without query, fragment or spaces (such as /v1/chat), got "/v1/chat?user=1"'],
    ["an unknown inference status", () => m.recordInference("m", "sucess" as never, 0.1), 'recordInference: status must be one of success, error, timeout, cancelled, rejected, got "sucess"'],
    ["an unknown MCP status", () => m.recordMcpOperation("github", "search", "failed" as never, 0.1), 'recordMcpOperation: status must be one of success, error, timeout, cancelled, rejected, got "failed"'],
    ["fractional tokens", () => m.recordInference("m", "success", 0.1, { promptTokens: 1.5 }), "recordInference: promptTokens must be an integer >= 0, got 1.5"],
    ["a batch of zero", () => m.recordInference("m", "success", 0.1, { batchSize: 0 }), "recordInference: batchSize must be an integer >= 1, got 0"],
    ["a drift score above 1", () => m.updateDriftScore("m", 1.5, "warning", 1), "updateDriftScore: score must be a finite number from 0 to 1, got 1.5"],
    ["an unknown drift status", () => m.updateDriftScore("m", 0.2, "bad" as never, 1), 'updateDriftScore: status must be one of ok, warning, critical, error, got "bad"'],
    ["a zero budget", () => m.updateBudget("s", 0, 0), "updateBudget: totalBytes must be > 0 (a budget of nothing has no utilization), got 0"],
    ["negative used bytes", () => m.updateBudget("s", 10, -1), "updateBudget: usedBytes must be a finite number >= 0, got -1"],
    ["an empty model", () => m.recordInference("", "success", 0.1), 'recordInference: model must be a non-empty string of at most 512 characters without control characters, got ""'],
    ["a label value over the scrape limit", () => m.recordMcpOperation("x".repeat(513), "search", "success", 0.1), "recordMcpOperation: server must be a non-empty string of at most 512 characters"],
    ["a GPU over 100%", () => m.updateGpu("0", { utilizationPercent: 120 }), "updateGpu: utilizationPercent must be a finite number from 0 to 100, got 120"],
    ["a negative queue depth", () => m.setQueueDepth(-1), "setQueueDepth: depth must be an integer >= 0, got -1"],
    ["a cache hit that is not a boolean", () => m.recordCacheLookup("semantic", "yes" as never), 'recordCacheLookup: hit must be true or false, got "yes"'],
  ];
  it.each(cases)("rejects %s", (_name, call, message) => {
    expect(call).toThrow(message);
  });

  it("records nothing when an argument is rejected", async () => {
    const e = createMetricsExporter("gateway");
    expect(() => e.recordHttpRequest("GET", "/v1/chat", 200, -1)).toThrow();
    expect(await e.metrics()).not.toContain('endpoint="/v1/chat"');
  });
});
