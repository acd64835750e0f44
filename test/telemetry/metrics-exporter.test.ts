/**
 * The metrics exporter: what it serves parses as the text format, holds exactly the samples recorded (values from the
 * specification's usage section), has the specification's families, types and labels, lints with promtool, and bad
 * arguments are rejected with the value named.
 */
import { spawnSync } from "node:child_process";
import { AddressInfo } from "node:net";
import * as http from "node:http";
import { M, SEED_METRICS } from "../../telemetry/catalog";
import { MetricsExporter, createMetricsExporter, getMetricsExporter } from "../../telemetry/metrics-exporter";
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

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

interface Exposition {
  readonly help: Record<string, string>;
  readonly type: Record<string, string>;
  readonly samples: Sample[];
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL_PAIR = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/;

function parseValue(v: string, line: string): number {
  if (v === "+Inf") return Infinity;
  if (v === "-Inf") return -Infinity;
  if (v === "NaN") return NaN;
  if (!/^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(v)) throw new Error(`not a sample value: ${JSON.stringify(line)}`);
  return Number(v);
}

/**
 * A strict reader of the text format 0.0.4, independent of prom-client: a line it cannot read, or a sample of a
 * family with no TYPE line before it, fails the test instead of being skipped.
 */
function parseExposition(text: string): Exposition {
  const help: Record<string, string> = {};
  const type: Record<string, string> = {};
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta) {
      (meta[1] === "HELP" ? help : type)[meta[2]] = meta[3];
      continue;
    }
    const m = SAMPLE_LINE.exec(line);
    if (!m) throw new Error(`not a sample line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    let rest = m[2] ?? "";
    while (rest !== "") {
      const pair = LABEL_PAIR.exec(rest);
      if (!pair) throw new Error(`bad labels in ${JSON.stringify(line)}`);
      if (pair[1] in labels) throw new Error(`label ${pair[1]} twice in ${JSON.stringify(line)}`);
      labels[pair[1]] = pair[2].replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
      rest = rest.slice(pair[0].length);
    }
    const family = [m[1], m[1].replace(/_(bucket|sum|count)$/, "")].find((f) => f in type);
    if (family === undefined) throw new Error(`sample ${m[1]} has no TYPE line`);
    if (family !== m[1] && type[family] !== "histogram" && type[family] !== "summary") throw new Error(`${m[1]} is not a series of ${type[family]} ${family}`);
    samples.push({ name: m[1], labels, value: parseValue(m[3], line) });
  }
  return { help, type, samples };
}

/** `name{a="1",b="2"}` with the labels sorted, `le` left out when asked: one key per series. */
function seriesKey(name: string, labels: Record<string, string>, without: readonly string[] = []): string {
  const pairs = Object.keys(labels)
    .filter((k) => !without.includes(k))
    .sort()
    .map((k) => `${k}="${labels[k]}"`);
  return pairs.length ? `${name}{${pairs.join(",")}}` : name;
}

/** The specification's "Custom Metrics": each family's type and labels, as a scrape must find them. */
const SEED_FAMILIES: Record<string, [string, string[]]> = {
  http_requests_total: ["counter", ["method", "endpoint", "status"]],
  http_request_duration_seconds: ["histogram", ["method", "endpoint"]],
  inference_requests_total: ["counter", ["model", "status"]],
  inference_duration_seconds: ["histogram", ["model"]],
  inference_tokens_total: ["counter", ["model", "type"]],
  inference_batch_size: ["histogram", ["model"]],
  mcp_requests_total: ["counter", ["server", "operation", "status"]],
  mcp_operation_duration_seconds: ["histogram", ["server", "operation"]],
  memory_operations_total: ["counter", ["operation", "status"]],
  memory_operation_duration_seconds: ["histogram", ["operation"]],
  // Items a user holds now: it falls when items are deleted, so a gauge despite the seed's suffix.
  memory_items_total: ["gauge", ["user_id"]],
  memory_search_results: ["histogram", []],
  memory_budget_total_bytes: ["gauge", ["session_id"]],
  memory_budget_used_bytes: ["gauge", ["session_id"]],
  memory_budget_utilization: ["gauge", ["session_id"]],
  drift_score: ["gauge", ["model"]],
  drift_checks_total: ["counter", ["model", "status"]],
  drift_detection_duration_seconds: ["histogram", []],
  gpu_utilization_percent: ["gauge", ["gpu_id"]],
  gpu_memory_used_bytes: ["gauge", ["gpu_id"]],
  gpu_memory_total_bytes: ["gauge", ["gpu_id"]],
  gpu_temperature_celsius: ["gauge", ["gpu_id"]],
  router_decisions_total: ["counter", ["model", "reason"]],
  router_decision_duration_seconds: ["histogram", []],
  request_queue_depth: ["gauge", ["service"]],
  request_queue_wait_seconds: ["histogram", ["service"]],
  cache_hits_total: ["counter", ["cache_type"]],
  cache_misses_total: ["counter", ["cache_type"]],
};

/** The specification's usage section, call for call. */
function recordUsageExample(m: MetricsExporter): void {
  m.recordHttpRequest("POST", "/v1/chat", 200, 0.125);
  m.recordInference("llama-3.3-8b", "success", 0.25, { promptTokens: 100, completionTokens: 50 });
  m.recordMcpOperation("github", "search", "success", 0.05);
  m.updateDriftScore("llama-3.3-8b", 0.18, "warning", 5.0);
  m.updateBudget("session123", 1_000_000, 750_000);
}

/** What a scrape must read after `recordUsageExample`, every series but the buckets. */
const USAGE_SAMPLES: Record<string, number> = {
  'http_requests_total{endpoint="/v1/chat",method="POST",status="200"}': 1,
  'http_request_duration_seconds_sum{endpoint="/v1/chat",method="POST"}': 0.125,
  'http_request_duration_seconds_count{endpoint="/v1/chat",method="POST"}': 1,
  'inference_requests_total{model="llama-3.3-8b",status="success"}': 1,
  'inference_duration_seconds_sum{model="llama-3.3-8b"}': 0.25,
  'inference_duration_seconds_count{model="llama-3.3-8b"}': 1,
  'inference_tokens_total{model="llama-3.3-8b",type="prompt"}': 100,
  'inference_tokens_total{model="llama-3.3-8b",type="completion"}': 50,
  'mcp_requests_total{operation="search",server="github",status="success"}': 1,
  'mcp_operation_duration_seconds_sum{operation="search",server="github"}': 0.05,
  'mcp_operation_duration_seconds_count{operation="search",server="github"}': 1,
  'drift_score{model="llama-3.3-8b"}': 0.18,
  'drift_checks_total{model="llama-3.3-8b",status="warning"}': 1,
  drift_detection_duration_seconds_sum: 5,
  drift_detection_duration_seconds_count: 1,
  'memory_budget_total_bytes{session_id="session123"}': 1_000_000,
  'memory_budget_used_bytes{session_id="session123"}': 750_000,
  'memory_budget_utilization{session_id="session123"}': 0.75,
  // Histograms without labels exist from the start, so rate() over them has a series before the first observation.
  memory_search_results_sum: 0,
  memory_search_results_count: 0,
  router_decision_duration_seconds_sum: 0,
  router_decision_duration_seconds_count: 0,
};

/** Observations behind each histogram series of `recordUsageExample`, to derive every bucket's count. */
const USAGE_OBSERVATIONS: Record<string, number[]> = {
  'http_request_duration_seconds{endpoint="/v1/chat",method="POST"}': [0.125],
  'inference_duration_seconds{model="llama-3.3-8b"}': [0.25],
  'mcp_operation_duration_seconds{operation="search",server="github"}': [0.05],
  drift_detection_duration_seconds: [5],
  memory_search_results: [],
  router_decision_duration_seconds: [],
};

/** Checks a scrape of `recordUsageExample` sample by sample; split out so a planted body can be fed to it. */
function expectUsageExample(body: string): void {
  const { samples } = parseExposition(body);
  const plain = samples.filter((s) => !s.name.endsWith("_bucket"));
  expect(Object.fromEntries(plain.map((s) => [seriesKey(s.name, s.labels), s.value]))).toEqual(USAGE_SAMPLES);
  expect(plain).toHaveLength(Object.keys(USAGE_SAMPLES).length);

  const buckets = new Map<string, { le: number; value: number }[]>();
  for (const s of samples.filter((x) => x.name.endsWith("_bucket"))) {
    const key = seriesKey(s.name.replace(/_bucket$/, ""), s.labels, ["le"]);
    expect({ key, le: s.labels.le }).toEqual({ key, le: expect.any(String) });
    buckets.set(key, [...(buckets.get(key) ?? []), { le: parseValue(s.labels.le, s.labels.le), value: s.value }]);
  }
  expect([...buckets.keys()].sort()).toEqual(Object.keys(USAGE_OBSERVATIONS).sort());
  for (const [key, observed] of Object.entries(USAGE_OBSERVATIONS)) {
    const series = buckets.get(key)!;
    const les = series.map((b) => b.le);
    expect({ key, ascending: les.every((le, i) => i === 0 || le > les[i - 1]), last: les[les.length - 1] }).toEqual({ key, ascending: true, last: Infinity });
    // Cumulative buckets: each counts the observations at or below its bound.
    expect({ key, counts: series.map((b) => b.value) }).toEqual({ key, counts: les.map((le) => observed.filter((v) => v <= le).length) });
    // The seed's latency alerts decide at 2s: a bucket bound there makes the P95 estimate exact where it matters.
    if (key.includes("_seconds")) expect({ key, has2s: les.includes(2) }).toEqual({ key, has2s: true });
  }
}

/** Serves an exporter's handler on a loopback port for the duration of a describe block. */
function serve(m: MetricsExporter): { url: () => string } {
  let server: http.Server;
  let base = "";
  beforeAll(async () => {
    server = http.createServer(m.metricsHandler());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: () => `${base}/metrics` };
}

describe("a scrape of the specification's usage example", () => {
  const m = createMetricsExporter("gateway");
  recordUsageExample(m);
  const endpoint = serve(m);

  it("serves exactly the recorded samples, with cumulative buckets", async () => {
    const res = await fetch(endpoint.url());
    expect(res.status).toBe(200);
    expectUsageExample(await res.text());
  });

  it("serves text that promtool check metrics passes without findings", async () => {
    // promtool lints families that have samples only; this example sets no memory_items_total (see below).
    const r = promtoolCheck(await (await fetch(endpoint.url())).text());
    expect(r.output).toBe("");
    expect(r.status).toBe(0);
  });
});

describe("exposition", () => {
  const m = createMetricsExporter("gateway");
  exerciseAll(m);
  let text: string;
  beforeAll(async () => {
    text = await m.metrics();
  });

  it("exposes the specification's families with its types, and nothing else", () => {
    expect(parseExposition(text).type).toEqual(Object.fromEntries(Object.entries(SEED_FAMILIES).map(([name, [type]]) => [name, type])));
  });

  it("documents every family with the catalog's help text", () => {
    const { help } = parseExposition(text);
    expect(Object.keys(help).sort()).toEqual(Object.keys(SEED_FAMILIES).sort());
    for (const f of Object.values(SEED_METRICS)) expect({ name: f.name, help: help[f.name] }).toEqual({ name: f.name, help: f.help });
  });

  it("labels every series with exactly the specification's label names", () => {
    const { samples } = parseExposition(text);
    const seen = new Set<string>();
    for (const s of samples) {
      const family = s.name in SEED_FAMILIES ? s.name : s.name.replace(/_(bucket|sum|count)$/, "");
      seen.add(family);
      const expected = [...(SEED_FAMILIES[family]?.[1] ?? ["<not a seed family>"]), ...(s.name.endsWith("_bucket") ? ["le"] : [])].sort();
      expect({ series: s.name, labels: Object.keys(s.labels).sort() }).toEqual({ series: s.name, labels: expected });
    }
    // exerciseAll gives every family a series, so none is checked vacuously.
    expect([...seen].sort()).toEqual(Object.keys(SEED_FAMILIES).sort());
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

  it("counts cache hits and misses apart, and the memory items as set", () => {
    const values = Object.fromEntries(parseExposition(text).samples.map((s) => [seriesKey(s.name, s.labels), s.value]));
    expect(values).toMatchObject({
      'cache_hits_total{cache_type="semantic"}': 1,
      'cache_misses_total{cache_type="semantic"}': 1,
      'memory_items_total{user_id="user123"}': 42,
      'inference_batch_size_count{model="llama-3.3-8b"}': 1,
      'inference_batch_size_sum{model="llama-3.3-8b"}': 4,
      'gpu_memory_total_bytes{gpu_id="0"}': 8e10,
    });
  });
});

describe("latency buckets", () => {
  it("bound a bucket at the seed's 2s latency threshold, counting a request of exactly 2s in it", async () => {
    // The seed: "Latency Alerts (threshold: 2s)".
    expect(LATENCY_P95_SECONDS).toBe(2);
    const e = createMetricsExporter("gateway");
    e.recordHttpRequest("GET", "/v1/models", 200, 2);
    e.recordHttpRequest("GET", "/v1/models", 200, 2.001);
    const buckets = parseExposition(await e.metrics()).samples.filter((s) => s.name === "http_request_duration_seconds_bucket");
    const at = (le: string) => buckets.find((b) => b.labels.le === le)?.value;
    expect([at("2"), at("+Inf")]).toEqual([1, 2]);
  });
});

describe("budget series", () => {
  it("reports utilization above 1 for an exceeded budget", async () => {
    const e = createMetricsExporter("memory-engine");
    e.updateBudget("s1", 1000, 1500);
    expect(await e.metrics()).toContain('memory_budget_utilization{session_id="s1"} 1.5\n');
  });

  it("drops a finished session's series under the helper's first name too (removeBudget)", async () => {
    const e = createMetricsExporter("memory-engine");
    e.updateBudget("s1", 100, 10);
    e.updateBudget("s2", 100, 20);
    e.removeBudget("s1");
    const series = parseExposition(await e.metrics()).samples.map((s) => seriesKey(s.name, s.labels));
    expect(series.filter((k) => k.startsWith("memory_budget_"))).toEqual([
      'memory_budget_total_bytes{session_id="s2"}',
      'memory_budget_used_bytes{session_id="s2"}',
      'memory_budget_utilization{session_id="s2"}',
    ]);
  });
});

describe("removing an ended session's or a deleted user's series", () => {
  const e = createMetricsExporter("memory-engine");
  const endpoint = serve(e);
  /** The per-user and per-session series of one scrape, and the memory engine's own. */
  const scrape = async () => {
    const samples = parseExposition(await (await fetch(endpoint.url())).text()).samples;
    const keys = (prefix: string) => samples.filter((s) => s.name.startsWith(prefix)).map((s) => `${seriesKey(s.name, s.labels)} ${s.value}`).sort();
    return { items: keys(M.memoryItemsTotal.name), budgets: keys("memory_budget_"), operations: keys(M.memoryOperationsTotal.name) };
  };

  beforeEach(() => {
    e.registry.resetMetrics();
    e.recordMemoryOperation("search", "success", 0.01);
    e.setMemoryItems("user1", 5);
    e.setMemoryItems("user2", 7);
    e.updateBudget("s1", 100, 10);
    e.updateBudget("s2", 100, 90);
  });

  it("removeSession takes exactly that session's three budget gauges out of the exposition", async () => {
    e.removeSession("s1");
    expect(await scrape()).toEqual({
      items: ['memory_items_total{user_id="user1"} 5', 'memory_items_total{user_id="user2"} 7'],
      budgets: ['memory_budget_total_bytes{session_id="s2"} 100', 'memory_budget_used_bytes{session_id="s2"} 90', 'memory_budget_utilization{session_id="s2"} 0.9'],
      operations: ['memory_operations_total{operation="search",status="success"} 1'],
    });
  });

  it("removeUser takes exactly that user's memory_items_total out of the exposition", async () => {
    e.removeUser("user2");
    const after = await scrape();
    expect(after.items).toEqual(['memory_items_total{user_id="user1"} 5']);
    expect(after.budgets).toHaveLength(6);
    expect(after.operations).toEqual(['memory_operations_total{operation="search",status="success"} 1']);
  });

  it("is a no-op for an id with no series, and a removed id comes back when it is set again", async () => {
    const before = await scrape();
    e.removeUser("nobody");
    e.removeSession("no-session");
    expect(await scrape()).toEqual(before);
    e.removeUser("user1");
    e.removeSession("s2");
    e.setMemoryItems("user1", 1);
    e.updateBudget("s2", 100, 50);
    const again = await scrape();
    expect(again.items).toContain('memory_items_total{user_id="user1"} 1');
    expect(again.budgets).toContain('memory_budget_utilization{session_id="s2"} 0.5');
  });

  it("rejects an id that could not be a label value, naming the helper", () => {
    expect(() => e.removeUser("")).toThrow('removeUser: userId must be a non-empty string');
    expect(() => e.removeSession(42 as never)).toThrow("removeSession: sessionId must be a non-empty string");
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
  const endpoint = serve(m);

  it("serves the exposition in the text format on GET", async () => {
    const res = await fetch(endpoint.url());
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(await res.text()).toContain('http_requests_total{method="GET",endpoint="/v1/models",status="200"} 1');
  });

  it("answers HEAD with the headers of GET and no body", async () => {
    const body = await (await fetch(endpoint.url())).text();
    const res = await fetch(endpoint.url(), { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe(String(Buffer.byteLength(body)));
    expect(await res.text()).toBe("");
  });

  it("rejects other methods with 405", async () => {
    const res = await fetch(endpoint.url(), { method: "POST" });
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

  it("records none of an inference whose last argument is rejected", async () => {
    const e = createMetricsExporter("max-serve");
    expect(() => e.recordInference("llama-3.3-8b", "success", 0.25, { promptTokens: 100, batchSize: 0 })).toThrow();
    expect(await e.metrics()).not.toContain('model="llama-3.3-8b"');
  });
});
