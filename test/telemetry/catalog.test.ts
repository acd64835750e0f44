/**
 * The catalog holds exactly the seed's metric families, labels and log fields, and the cardinality guard keeps
 * `user_id` and `session_id` where the seed puts them.
 */
import { SOURCE_NAMES as SCHEMA_SOURCES } from "../../config/schema";
import {
  ALL_METRICS,
  EXPORTER_METRICS,
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
  for (const f of seedFamilies.filter((f) => f.name.endsWith("_total"))) {
    expect([f.name, f.type]).toEqual([f.name, f.name === "memory_items_total" ? "gauge" : "counter"]);
  }
});

test("metric names are unique and valid", () => {
  const names = ALL_METRICS.map((m) => m.name);
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
    expect(cardinalityViolations([bad])).toHaveLength(1);
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
  expect(high).not.toContain("level");
  expect(high).not.toContain("service");
});

test("sources are the config schema's table, and watched jobs add the exporters", () => {
  expect(SOURCE_NAMES).toBe(SCHEMA_SOURCES);
  expect(WATCHED_JOBS).toEqual([...SCHEMA_SOURCES, "redis-exporter", "postgres-exporter", "dcgm-exporter"]);
});
