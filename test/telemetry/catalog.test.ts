/**
 * The catalog holds exactly the seed's metric families, labels and log fields, and the cardinality guard keeps
 * `user_id` and `session_id` where the seed puts them.
 */
import {
  ALL_METRICS,
  EXPORTER_METRICS,
  HIGH_CARDINALITY_ALLOWED,
  LOG_FIELDS,
  M,
  MetricFamily,
  SEED_METRICS,
  SOURCE_NAMES,
  WATCHED_JOBS,
  assertCardinality,
  bucket,
  cardinalityViolations,
  count,
  stem,
  sum,
} from "../../telemetry/catalog";

/** The seed's "Custom Metrics" section, verbatim: name and labels. */
const SEED: Record<string, string[]> = {
  http_requests_total: ["method", "endpoint", "status"],
  http_request_duration_seconds: ["method", "endpoint"],
  inference_requests_total: ["model", "status"],
  inference_duration_seconds: ["model"],
  inference_tokens_total: ["model", "type"],
  inference_batch_size: ["model"],
  mcp_requests_total: ["server", "operation", "status"],
  mcp_operation_duration_seconds: ["server", "operation"],
  memory_operations_total: ["operation", "status"],
  memory_operation_duration_seconds: ["operation"],
  memory_items_total: ["user_id"],
  memory_search_results: [],
  memory_budget_total_bytes: ["session_id"],
  memory_budget_used_bytes: ["session_id"],
  memory_budget_utilization: ["session_id"],
  drift_score: ["model"],
  drift_checks_total: ["model", "status"],
  drift_detection_duration_seconds: [],
  gpu_utilization_percent: ["gpu_id"],
  gpu_memory_used_bytes: ["gpu_id"],
  gpu_memory_total_bytes: ["gpu_id"],
  gpu_temperature_celsius: ["gpu_id"],
  router_decisions_total: ["model", "reason"],
  router_decision_duration_seconds: [],
  request_queue_depth: ["service"],
  request_queue_wait_seconds: ["service"],
  cache_hits_total: ["cache_type"],
  cache_misses_total: ["cache_type"],
};

const seedFamilies: MetricFamily[] = Object.values(SEED_METRICS);

test("holds every seed family with the seed's labels, and nothing else", () => {
  expect(Object.fromEntries(seedFamilies.map((f) => [f.name, [...f.labels]]))).toEqual(SEED);
});

test("`_seconds` families, batch size and search results are histograms", () => {
  const histograms = seedFamilies.filter((f) => f.type === "histogram").map((f) => f.name).sort();
  expect(histograms).toEqual(
    [
      "drift_detection_duration_seconds",
      "http_request_duration_seconds",
      "inference_batch_size",
      "inference_duration_seconds",
      "mcp_operation_duration_seconds",
      "memory_operation_duration_seconds",
      "memory_search_results",
      "request_queue_wait_seconds",
      "router_decision_duration_seconds",
    ].sort(),
  );
});

test("`_total` families are counters, except memory_items_total which is a gauge", () => {
  // Written out from the seed rather than filtered from the catalog, so a family that lost its suffix is caught too.
  const totals = Object.fromEntries(seedFamilies.filter((f) => f.name.endsWith("_total")).map((f) => [f.name, f.type]));
  expect(totals).toEqual({
    http_requests_total: "counter",
    inference_requests_total: "counter",
    inference_tokens_total: "counter",
    mcp_requests_total: "counter",
    memory_operations_total: "counter",
    memory_items_total: "gauge",
    drift_checks_total: "counter",
    router_decisions_total: "counter",
    cache_hits_total: "counter",
    cache_misses_total: "counter",
  });
});

test("memory items, budgets, drift score, GPU readings and queue depth are gauges", () => {
  const gauges = seedFamilies.filter((f) => f.type === "gauge").map((f) => f.name).sort();
  expect(gauges).toEqual(
    [
      "memory_items_total",
      "memory_budget_total_bytes",
      "memory_budget_used_bytes",
      "memory_budget_utilization",
      "drift_score",
      "gpu_utilization_percent",
      "gpu_memory_used_bytes",
      "gpu_memory_total_bytes",
      "gpu_temperature_celsius",
      "request_queue_depth",
    ].sort(),
  );
});

test("metric names are unique and valid", () => {
  const names = ALL_METRICS.map((m) => m.name);
  expect(names.length).toBeGreaterThanOrEqual(Object.keys(SEED).length);
  expect(new Set(names).size).toBe(names.length);
  for (const n of names) expect(n).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/);
});

test("exporter entries cover the series the rules read", () => {
  expect(Object.values(EXPORTER_METRICS).map((m) => m.name)).toEqual(
    expect.arrayContaining([
      "up",
      "DCGM_FI_DEV_GPU_UTIL",
      "DCGM_FI_DEV_FB_USED",
      "DCGM_FI_DEV_FB_FREE",
      "DCGM_FI_DEV_GPU_TEMP",
      "redis_up",
      "redis_memory_used_bytes",
      "redis_memory_max_bytes",
      "pg_up",
      "pg_stat_activity_count",
      "pg_settings_max_connections",
    ]),
  );
  expect(M.dcgmFbUsed.unit).toBe("mebibytes");
});

test("series helpers derive the scraped names", () => {
  expect(bucket(M.httpRequestDurationSeconds)).toBe("http_request_duration_seconds_bucket");
  expect(count(M.inferenceBatchSize)).toBe("inference_batch_size_count");
  expect(sum(M.memorySearchResults)).toBe("memory_search_results_sum");
  expect(stem(M.httpRequestsTotal)).toBe("http_requests");
});

describe("cardinality guard", () => {
  test("allows user_id and session_id on exactly the families the seed gives them", () => {
    expect(HIGH_CARDINALITY_ALLOWED).toEqual({
      memory_items_total: ["user_id"],
      memory_budget_total_bytes: ["session_id"],
      memory_budget_used_bytes: ["session_id"],
      memory_budget_utilization: ["session_id"],
    });
  });

  test("accepts the catalog", () => {
    expect(cardinalityViolations(ALL_METRICS)).toEqual([]);
    expect(() => assertCardinality(ALL_METRICS)).not.toThrow();
  });

  test("rejects user_id on a family the seed does not give it", () => {
    const bad: MetricFamily = { ...M.httpRequestsTotal, labels: ["method", "user_id"] };
    expect(cardinalityViolations([bad])).toEqual([expect.stringContaining('metric http_requests_total has high-cardinality label "user_id"')]);
    expect(() => assertCardinality([bad])).toThrow('metric http_requests_total has high-cardinality label "user_id"');
  });

  test("rejects session_id on memory_items_total, which may only carry user_id", () => {
    const bad: MetricFamily = { ...M.memoryItemsTotal, labels: ["user_id", "session_id"] };
    expect(cardinalityViolations([bad])).toEqual([expect.stringContaining('memory_items_total has high-cardinality label "session_id"')]);
  });

  test("rejects user_id on a budget family, which may only carry session_id", () => {
    const bad: MetricFamily = { ...M.memoryBudgetUsedBytes, labels: ["session_id", "user_id"] };
    expect(cardinalityViolations([bad])).toEqual([expect.stringContaining('metric memory_budget_used_bytes has high-cardinality label "user_id"')]);
  });
});

test("log fields are the seed's, with identifiers marked high-cardinality", () => {
  expect(LOG_FIELDS.map((f) => f.name)).toEqual([
    "timestamp",
    "level",
    "logger",
    "message",
    "service",
    "trace_id",
    "span_id",
    "method",
    "endpoint",
    "status_code",
    "duration_ms",
    "model",
    "batch_size",
    "latency_ms",
    "mcp_server",
    "mcp_operation",
    "user_id",
    "session_id",
    "operation",
    "drift_score",
    "threshold",
  ]);
  const high = LOG_FIELDS.filter((f) => f.highCardinality).map((f) => f.name);
  expect(high).toEqual(expect.arrayContaining(["trace_id", "span_id", "user_id", "session_id", "message", "timestamp"]));
  // Promtail's stream labels (docs/architecture.md "Contracts" (Log labels)) must stay bounded.
  expect(high).not.toContain("level");
  expect(high).not.toContain("logger");
  expect(high).not.toContain("service");
});

test("log fields carry the seed's example values, types and service scopes", () => {
  // The seed's "Structured Logging" section: the JSON example and the service-specific blocks, verbatim. The
  // timestamp is left out: the catalog's example is deliberately recent (Loki rejects lines older than 7 days).
  const common = { level: "INFO", logger: "gateway_service", message: "Request processed", service: "gateway", trace_id: "abc123", span_id: "def456", method: "POST", endpoint: "/v1/chat", status_code: 200, duration_ms: 125.5 };
  const byScope = {
    common,
    "max-serve": { model: "llama-3.3-8b", batch_size: 4, latency_ms: 250.5 },
    mcp: { mcp_server: "github", mcp_operation: "search_repositories" },
    "memory-engine": { user_id: "user123", session_id: "session456", operation: "search" },
    "drift-monitor": { drift_score: 0.18, threshold: 0.15 },
  };
  const fields = LOG_FIELDS.filter((f) => f.name !== "timestamp");
  const scopes = [...new Set(fields.map((f) => f.scope))];
  expect(Object.fromEntries(scopes.map((scope) => [scope, Object.fromEntries(fields.filter((f) => f.scope === scope).map((f) => [f.name, f.example]))]))).toEqual(byScope);
  // JSON has one number type; the seed's integers (200, 4) are counts and codes, its decimals measurements.
  expect(Object.fromEntries(fields.filter((f) => f.type !== "string").map((f) => [f.name, f.type]))).toEqual({
    status_code: "integer",
    duration_ms: "number",
    batch_size: "integer",
    latency_ms: "number",
    drift_score: "number",
    threshold: "number",
  });
  expect(LOG_FIELDS.find((f) => f.name === "timestamp")).toMatchObject({ type: "timestamp", scope: "common" });
});

test("sources are the specification's services, and watched jobs add the exporters", () => {
  const seedSources = ["gateway", "mcpjungle", "api-server", "max-serve", "memory-engine", "learning-engine", "drift-monitor", "qdrant"];
  expect(SOURCE_NAMES).toEqual(seedSources);
  expect(WATCHED_JOBS).toEqual([...seedSources, "redis-exporter", "postgres-exporter", "dcgm-exporter"]);
});
