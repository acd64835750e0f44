/**
 * The contract between the platform's services and this stack: every metric family of the seed, the exporter and
 * self-monitoring series the rules read, the JSON log fields, and the scrape jobs. Rules, recording rules and
 * dashboards refer to these entries, so a renamed metric fails to compile instead of silently matching nothing.
 *
 * `name` is the series name as scraped: counters carry their `_total` suffix, histograms are named by their family
 * (read the `_bucket`, `_sum` and `_count` series through `bucket`, `sum` and `count`).
 */
import { SOURCE_NAMES, SourceName } from "../config/schema";

export type MetricType = "counter" | "gauge" | "histogram" | "summary";

/** Base unit of the value; `count` is a dimensionless number of things (requests, tokens, items, connections). */
export type MetricUnit = "seconds" | "bytes" | "mebibytes" | "percent" | "ratio" | "celsius" | "score" | "boolean" | "count";

/** Who produces the series. `recorded` families are published by this stack's recording rules. */
export type MetricOrigin = "platform" | "recorded" | "dcgm-exporter" | "redis-exporter" | "postgres-exporter" | "qdrant" | "prometheus" | "alertmanager" | "loki" | "promtail" | "otel-collector" | "jaeger" | "thanos";

export interface MetricFamily<N extends string = string, T extends MetricType = MetricType, L extends string = string> {
  readonly name: N;
  readonly type: T;
  readonly unit: MetricUnit;
  readonly help: string;
  /** Labels set by the producer; the scrape adds the target labels (`TARGET_LABELS`) to every series. */
  readonly labels: readonly L[];
  readonly origin: MetricOrigin;
}

export type Histogram = MetricFamily<string, "histogram">;
export type Counter = MetricFamily<string, "counter">;
export type Gauge = MetricFamily<string, "gauge">;
/** The producer labels of a family, for typed matchers and groupings. */
export type LabelOf<F> = F extends MetricFamily<string, MetricType, infer L> ? L : never;

/** Labels the scrape attaches to every series (docs/architecture.md "Contracts": `service` equals the job name). */
export const TARGET_LABELS = ["job", "service", "namespace", "instance"] as const;
export type TargetLabel = (typeof TARGET_LABELS)[number];

function metric<const N extends string, const T extends MetricType, const L extends string = never>(def: {
  name: N;
  type: T;
  unit: MetricUnit;
  help: string;
  labels?: readonly L[];
  origin: MetricOrigin;
}): MetricFamily<N, T, L> {
  return { ...def, labels: def.labels ?? [] };
}

const platform = "platform" as const;

/** The seed's custom metrics, instrumented by the platform's services (the GPU four are recorded, see below). */
export const SEED_METRICS = {
  // HTTP
  httpRequestsTotal: metric({ name: "http_requests_total", type: "counter", unit: "count", help: "HTTP requests handled", labels: ["method", "endpoint", "status"], origin: platform }),
  httpRequestDurationSeconds: metric({ name: "http_request_duration_seconds", type: "histogram", unit: "seconds", help: "HTTP request latency", labels: ["method", "endpoint"], origin: platform }),
  // Inference
  inferenceRequestsTotal: metric({ name: "inference_requests_total", type: "counter", unit: "count", help: "inference requests by outcome (`success` or an error kind)", labels: ["model", "status"], origin: platform }),
  inferenceDurationSeconds: metric({ name: "inference_duration_seconds", type: "histogram", unit: "seconds", help: "inference latency", labels: ["model"], origin: platform }),
  inferenceTokensTotal: metric({ name: "inference_tokens_total", type: "counter", unit: "count", help: "tokens processed, `type` prompt or completion", labels: ["model", "type"], origin: platform }),
  inferenceBatchSize: metric({ name: "inference_batch_size", type: "histogram", unit: "count", help: "requests per inference batch", labels: ["model"], origin: platform }),
  // MCP
  mcpRequestsTotal: metric({ name: "mcp_requests_total", type: "counter", unit: "count", help: "MCP requests by outcome (`success` or an error kind)", labels: ["server", "operation", "status"], origin: platform }),
  mcpOperationDurationSeconds: metric({ name: "mcp_operation_duration_seconds", type: "histogram", unit: "seconds", help: "MCP operation latency", labels: ["server", "operation"], origin: platform }),
  // Memory
  memoryOperationsTotal: metric({ name: "memory_operations_total", type: "counter", unit: "count", help: "memory engine operations by outcome", labels: ["operation", "status"], origin: platform }),
  memoryOperationDurationSeconds: metric({ name: "memory_operation_duration_seconds", type: "histogram", unit: "seconds", help: "memory engine operation latency", labels: ["operation"], origin: platform }),
  // A gauge despite the `_total` suffix: it is the number of items a user holds now, and it falls when items are
  // deleted; rate() over it would be wrong. The name is the seed's and stays.
  memoryItemsTotal: metric({ name: "memory_items_total", type: "gauge", unit: "count", help: "memory items currently stored per user", labels: ["user_id"], origin: platform }),
  memorySearchResults: metric({ name: "memory_search_results", type: "histogram", unit: "count", help: "results returned per memory search", origin: platform }),
  // Budget
  memoryBudgetTotalBytes: metric({ name: "memory_budget_total_bytes", type: "gauge", unit: "bytes", help: "memory budget of a session", labels: ["session_id"], origin: platform }),
  memoryBudgetUsedBytes: metric({ name: "memory_budget_used_bytes", type: "gauge", unit: "bytes", help: "memory budget used by a session", labels: ["session_id"], origin: platform }),
  memoryBudgetUtilization: metric({ name: "memory_budget_utilization", type: "gauge", unit: "ratio", help: "used / total budget of a session (0-1, above 1 when exceeded)", labels: ["session_id"], origin: platform }),
  // Drift
  driftScore: metric({ name: "drift_score", type: "gauge", unit: "score", help: "latest drift score of a model (0-1)", labels: ["model"], origin: platform }),
  driftChecksTotal: metric({ name: "drift_checks_total", type: "counter", unit: "count", help: "drift checks by outcome", labels: ["model", "status"], origin: platform }),
  driftDetectionDurationSeconds: metric({ name: "drift_detection_duration_seconds", type: "histogram", unit: "seconds", help: "time to run a drift check", origin: platform }),
  // GPU: the seed's names, published by recording rules from the DCGM exporter (docs/architecture.md "Contracts" (GPU metrics)).
  gpuUtilizationPercent: metric({ name: "gpu_utilization_percent", type: "gauge", unit: "percent", help: "GPU utilization (0-100)", labels: ["gpu_id"], origin: "recorded" }),
  gpuMemoryUsedBytes: metric({ name: "gpu_memory_used_bytes", type: "gauge", unit: "bytes", help: "GPU framebuffer memory in use", labels: ["gpu_id"], origin: "recorded" }),
  gpuMemoryTotalBytes: metric({ name: "gpu_memory_total_bytes", type: "gauge", unit: "bytes", help: "GPU framebuffer memory allocatable (used + free)", labels: ["gpu_id"], origin: "recorded" }),
  gpuTemperatureCelsius: metric({ name: "gpu_temperature_celsius", type: "gauge", unit: "celsius", help: "GPU temperature", labels: ["gpu_id"], origin: "recorded" }),
  // Router
  routerDecisionsTotal: metric({ name: "router_decisions_total", type: "counter", unit: "count", help: "routing decisions by chosen model and reason", labels: ["model", "reason"], origin: platform }),
  routerDecisionDurationSeconds: metric({ name: "router_decision_duration_seconds", type: "histogram", unit: "seconds", help: "time to take a routing decision", origin: platform }),
  // Queue. Their `service` label collides with the target label of the same name: with honor_labels off, Prometheus
  // keeps the target's value and renames the exposed one to `exported_service`.
  requestQueueDepth: metric({ name: "request_queue_depth", type: "gauge", unit: "count", help: "requests waiting in a service's queue", labels: ["service"], origin: platform }),
  requestQueueWaitSeconds: metric({ name: "request_queue_wait_seconds", type: "histogram", unit: "seconds", help: "time a request waited in the queue", labels: ["service"], origin: platform }),
  // Cache
  cacheHitsTotal: metric({ name: "cache_hits_total", type: "counter", unit: "count", help: "cache hits", labels: ["cache_type"], origin: platform }),
  cacheMissesTotal: metric({ name: "cache_misses_total", type: "counter", unit: "count", help: "cache misses", labels: ["cache_type"], origin: platform }),
} as const;

/** DCGM exporter labels (`Hostname` becomes `hostname` after exporter 4.8.2, so rules accept both). */
const DCGM_LABELS = ["gpu", "UUID", "pci_bus_id", "device", "modelName", "Hostname", "hostname", "DCGM_FI_DRIVER_VERSION", "GPU_I_PROFILE", "GPU_I_ID", "pod", "namespace", "container"] as const;

/** Series of the exporters, of Qdrant and of the stack's own components that the rules and dashboards read. */
export const EXPORTER_METRICS = {
  up: metric({ name: "up", type: "gauge", unit: "boolean", help: "1 when the last scrape of the target succeeded (synthesized by Prometheus)", origin: "prometheus" }),
  // Synthesized per target beside `up`. sample_limit is checked against the post-relabelling count, and
  // scrape_sample_limit exists only for jobs that set extra_scrape_metrics.
  scrapeSamplesPostMetricRelabeling: metric({ name: "scrape_samples_post_metric_relabeling", type: "gauge", unit: "count", help: "samples of the target's last scrape left after metric relabelling (synthesized by Prometheus)", origin: "prometheus" }),
  scrapeSampleLimit: metric({ name: "scrape_sample_limit", type: "gauge", unit: "count", help: "the target's sample_limit (synthesized by Prometheus for jobs with extra_scrape_metrics)", origin: "prometheus" }),
  // DCGM exporter (default counters)
  dcgmGpuUtil: metric({ name: "DCGM_FI_DEV_GPU_UTIL", type: "gauge", unit: "percent", help: "GPU utilization (0-100)", labels: DCGM_LABELS, origin: "dcgm-exporter" }),
  dcgmFbUsed: metric({ name: "DCGM_FI_DEV_FB_USED", type: "gauge", unit: "mebibytes", help: "framebuffer memory used", labels: DCGM_LABELS, origin: "dcgm-exporter" }),
  dcgmFbFree: metric({ name: "DCGM_FI_DEV_FB_FREE", type: "gauge", unit: "mebibytes", help: "framebuffer memory free", labels: DCGM_LABELS, origin: "dcgm-exporter" }),
  dcgmGpuTemp: metric({ name: "DCGM_FI_DEV_GPU_TEMP", type: "gauge", unit: "celsius", help: "GPU temperature", labels: DCGM_LABELS, origin: "dcgm-exporter" }),
  // redis_exporter
  redisUp: metric({ name: "redis_up", type: "gauge", unit: "boolean", help: "1 when the exporter reached Redis", origin: "redis-exporter" }),
  redisMemoryUsedBytes: metric({ name: "redis_memory_used_bytes", type: "gauge", unit: "bytes", help: "INFO used_memory", origin: "redis-exporter" }),
  // 0 when maxmemory is unset, which is Redis' default: ratios must drop those instances.
  redisMemoryMaxBytes: metric({ name: "redis_memory_max_bytes", type: "gauge", unit: "bytes", help: "INFO maxmemory (0 when unset)", origin: "redis-exporter" }),
  // postgres_exporter
  pgUp: metric({ name: "pg_up", type: "gauge", unit: "boolean", help: "1 when the exporter reached PostgreSQL", origin: "postgres-exporter" }),
  pgStatActivityCount: metric({
    name: "pg_stat_activity_count",
    type: "gauge",
    unit: "count",
    help: "backends per database, state and user (always sum it)",
    labels: ["datname", "state", "usename", "application_name", "backend_type", "wait_event_type", "wait_event"],
    origin: "postgres-exporter",
  }),
  pgSettingsMaxConnections: metric({ name: "pg_settings_max_connections", type: "gauge", unit: "count", help: "max_connections setting", origin: "postgres-exporter" }),
  // Prometheus self-monitoring
  prometheusSdDiscoveredTargets: metric({ name: "prometheus_sd_discovered_targets", type: "gauge", unit: "count", help: "targets discovered per scrape job (`config`), before relabelling", labels: ["config", "name"], origin: "prometheus" }),
  prometheusConfigLastReloadSuccessful: metric({ name: "prometheus_config_last_reload_successful", type: "gauge", unit: "boolean", help: "whether the last configuration reload succeeded", origin: "prometheus" }),
  prometheusRuleEvaluationFailuresTotal: metric({ name: "prometheus_rule_evaluation_failures_total", type: "counter", unit: "count", help: "rule evaluations that failed", labels: ["rule_group"], origin: "prometheus" }),
  prometheusNotificationsErrorsTotal: metric({ name: "prometheus_notifications_errors_total", type: "counter", unit: "count", help: "errors sending alerts to an Alertmanager", labels: ["alertmanager"], origin: "prometheus" }),
  prometheusNotificationsSentTotal: metric({ name: "prometheus_notifications_sent_total", type: "counter", unit: "count", help: "alerts sent to an Alertmanager", labels: ["alertmanager"], origin: "prometheus" }),
  prometheusNotificationsDroppedTotal: metric({ name: "prometheus_notifications_dropped_total", type: "counter", unit: "count", help: "alerts dropped before reaching any Alertmanager", origin: "prometheus" }),
  prometheusTargetScrapesExceededSampleLimitTotal: metric({ name: "prometheus_target_scrapes_exceeded_sample_limit_total", type: "counter", unit: "count", help: "scrapes rejected for exceeding sample_limit", origin: "prometheus" }),
  // Alertmanager self-monitoring (`reason` on failures since Alertmanager 0.27)
  alertmanagerNotificationsTotal: metric({ name: "alertmanager_notifications_total", type: "counter", unit: "count", help: "notification attempts per integration", labels: ["integration"], origin: "alertmanager" }),
  alertmanagerNotificationsFailedTotal: metric({ name: "alertmanager_notifications_failed_total", type: "counter", unit: "count", help: "failed notifications per integration", labels: ["integration", "reason"], origin: "alertmanager" }),
  alertmanagerConfigLastReloadSuccessful: metric({ name: "alertmanager_config_last_reload_successful", type: "gauge", unit: "boolean", help: "whether the last configuration reload succeeded", origin: "alertmanager" }),
  // Loki self-monitoring
  // Thanos self-monitoring (with objectStorage.buckets.metrics)
  thanosShipperUploadFailuresTotal: metric({ name: "thanos_shipper_upload_failures_total", type: "counter", unit: "count", help: "blocks the sidecar failed to upload to the bucket", origin: "thanos" }),
  thanosCompactHalted: metric({ name: "thanos_compact_halted", type: "gauge", unit: "boolean", help: "whether the Compactor halted on an error it cannot pass (it then compacts, downsamples and deletes nothing)", origin: "thanos" }),
  lokiRequestDurationSeconds: metric({ name: "loki_request_duration_seconds", type: "histogram", unit: "seconds", help: "HTTP and gRPC requests served by Loki", labels: ["route", "method", "status_code", "ws"], origin: "loki" }),
  lokiDiscardedSamplesTotal: metric({ name: "loki_discarded_samples_total", type: "counter", unit: "count", help: "log lines Loki refused (rate limits, stream limits, too old, too long)", labels: ["reason", "tenant"], origin: "loki" }),
  // Promtail self-monitoring
  promtailRequestDurationSeconds: metric({ name: "promtail_request_duration_seconds", type: "histogram", unit: "seconds", help: "pushes from Promtail to Loki", labels: ["host", "status_code"], origin: "promtail" }),
  promtailDroppedEntriesTotal: metric({ name: "promtail_dropped_entries_total", type: "counter", unit: "count", help: "log entries dropped after the retries ran out", labels: ["host", "reason"], origin: "promtail" }),
  // ---- Read by dashboards only ----
  redisConnectedClients: metric({ name: "redis_connected_clients", type: "gauge", unit: "count", help: "client connections", origin: "redis-exporter" }),
  redisCommandsProcessedTotal: metric({ name: "redis_commands_processed_total", type: "counter", unit: "count", help: "commands processed", origin: "redis-exporter" }),
  redisKeyspaceHitsTotal: metric({ name: "redis_keyspace_hits_total", type: "counter", unit: "count", help: "successful key lookups", origin: "redis-exporter" }),
  redisKeyspaceMissesTotal: metric({ name: "redis_keyspace_misses_total", type: "counter", unit: "count", help: "failed key lookups", origin: "redis-exporter" }),
  // postgres_exporter's pg_stat_database counters keep PostgreSQL's column names: no `_total`.
  pgStatDatabaseXactCommit: metric({ name: "pg_stat_database_xact_commit", type: "counter", unit: "count", help: "transactions committed", labels: ["datid", "datname"], origin: "postgres-exporter" }),
  pgStatDatabaseXactRollback: metric({ name: "pg_stat_database_xact_rollback", type: "counter", unit: "count", help: "transactions rolled back", labels: ["datid", "datname"], origin: "postgres-exporter" }),
  pgDatabaseSizeBytes: metric({ name: "pg_database_size_bytes", type: "gauge", unit: "bytes", help: "disk space used by a database", labels: ["datname"], origin: "postgres-exporter" }),
  // Qdrant's own /metrics. `collections_total` is a gauge despite its suffix (Qdrant's name).
  qdrantCollectionsTotal: metric({ name: "collections_total", type: "gauge", unit: "count", help: "collections in Qdrant", origin: "qdrant" }),
  qdrantCollectionsVectorTotal: metric({ name: "collections_vector_total", type: "gauge", unit: "count", help: "vectors in all collections", origin: "qdrant" }),
  qdrantRestResponsesTotal: metric({ name: "rest_responses_total", type: "counter", unit: "count", help: "Qdrant REST responses", labels: ["method", "endpoint", "status"], origin: "qdrant" }),
  // Qdrant records timings of status 200 responses only.
  qdrantRestResponsesDurationSeconds: metric({ name: "rest_responses_duration_seconds", type: "histogram", unit: "seconds", help: "Qdrant REST response time", labels: ["method", "endpoint", "status"], origin: "qdrant" }),
  qdrantGrpcResponsesTotal: metric({ name: "grpc_responses_total", type: "counter", unit: "count", help: "Qdrant gRPC responses", labels: ["endpoint", "status"], origin: "qdrant" }),
  prometheusTsdbHeadSeries: metric({ name: "prometheus_tsdb_head_series", type: "gauge", unit: "count", help: "series in the TSDB head block", origin: "prometheus" }),
  alertmanagerAlerts: metric({ name: "alertmanager_alerts", type: "gauge", unit: "count", help: "alerts by state", labels: ["state"], origin: "alertmanager" }),
  lokiDistributorLinesReceivedTotal: metric({ name: "loki_distributor_lines_received_total", type: "counter", unit: "count", help: "log lines received by the distributor", labels: ["tenant"], origin: "loki" }),
  promtailSentEntriesTotal: metric({ name: "promtail_sent_entries_total", type: "counter", unit: "count", help: "log entries sent to Loki", labels: ["host"], origin: "promtail" }),
  // Collector internal telemetry; Jaeger v2 is built on the collector and exposes the same families.
  otelcolReceiverAcceptedSpansTotal: metric({ name: "otelcol_receiver_accepted_spans_total", type: "counter", unit: "count", help: "spans pushed into the pipeline", labels: ["receiver", "transport"], origin: "otel-collector" }),
  otelcolReceiverRefusedSpansTotal: metric({ name: "otelcol_receiver_refused_spans_total", type: "counter", unit: "count", help: "spans that could not be pushed into the pipeline", labels: ["receiver", "transport"], origin: "otel-collector" }),
  otelcolReceiverAcceptedLogRecordsTotal: metric({ name: "otelcol_receiver_accepted_log_records_total", type: "counter", unit: "count", help: "log records pushed into the pipeline", labels: ["receiver", "transport"], origin: "otel-collector" }),
  otelcolReceiverAcceptedMetricPointsTotal: metric({ name: "otelcol_receiver_accepted_metric_points_total", type: "counter", unit: "count", help: "metric points pushed into the pipeline", labels: ["receiver", "transport"], origin: "otel-collector" }),
  otelcolExporterSentSpansTotal: metric({ name: "otelcol_exporter_sent_spans_total", type: "counter", unit: "count", help: "spans sent to the destination", labels: ["exporter"], origin: "otel-collector" }),
  otelcolExporterSendFailedSpansTotal: metric({ name: "otelcol_exporter_send_failed_spans_total", type: "counter", unit: "count", help: "spans the exporter failed to send", labels: ["exporter"], origin: "otel-collector" }),
  otelcolExporterQueueSize: metric({ name: "otelcol_exporter_queue_size", type: "gauge", unit: "count", help: "batches in the sending queue", labels: ["exporter", "data_type"], origin: "otel-collector" }),
  otelcolProcessUptimeSecondsTotal: metric({ name: "otelcol_process_uptime_seconds_total", type: "counter", unit: "seconds", help: "seconds since the collector process started", origin: "otel-collector" }),
  otelcolExporterQueueCapacity: metric({ name: "otelcol_exporter_queue_capacity", type: "gauge", unit: "count", help: "capacity of the sending queue", labels: ["exporter", "data_type"], origin: "otel-collector" }),
  // Collector internal telemetry read by the trace-pipeline alerts, as the collector's Prometheus reader names them
  // (components/otel-collector-config.ts `prometheusReader`: counters with `_total`, no unit suffixes).
  otelcolReceiverRefusedLogRecordsTotal: metric({ name: "otelcol_receiver_refused_log_records_total", type: "counter", unit: "count", help: "log records that could not be pushed into the pipeline", labels: ["receiver", "transport"], origin: "otel-collector" }),
  otelcolReceiverRefusedMetricPointsTotal: metric({ name: "otelcol_receiver_refused_metric_points_total", type: "counter", unit: "count", help: "metric points that could not be pushed into the pipeline", labels: ["receiver", "transport"], origin: "otel-collector" }),
  otelcolExporterSentLogRecordsTotal: metric({ name: "otelcol_exporter_sent_log_records_total", type: "counter", unit: "count", help: "log records sent to the destination", labels: ["exporter"], origin: "otel-collector" }),
  otelcolExporterSentMetricPointsTotal: metric({ name: "otelcol_exporter_sent_metric_points_total", type: "counter", unit: "count", help: "metric points sent to the destination", labels: ["exporter"], origin: "otel-collector" }),
  otelcolExporterSendFailedLogRecordsTotal: metric({ name: "otelcol_exporter_send_failed_log_records_total", type: "counter", unit: "count", help: "log records the exporter failed to send", labels: ["exporter"], origin: "otel-collector" }),
  otelcolExporterSendFailedMetricPointsTotal: metric({ name: "otelcol_exporter_send_failed_metric_points_total", type: "counter", unit: "count", help: "metric points the exporter failed to send", labels: ["exporter"], origin: "otel-collector" }),
  // The memory limiter's own counters, renamed with the `memory_limiter` prefix in collector 0.155.
  otelcolProcessorMemoryLimiterRefusedSpansTotal: metric({ name: "otelcol_processor_memory_limiter_refused_spans_total", type: "counter", unit: "count", help: "spans the memory limiter refused", labels: ["processor"], origin: "otel-collector" }),
  otelcolProcessorMemoryLimiterRefusedLogRecordsTotal: metric({ name: "otelcol_processor_memory_limiter_refused_log_records_total", type: "counter", unit: "count", help: "log records the memory limiter refused", labels: ["processor"], origin: "otel-collector" }),
  otelcolProcessorMemoryLimiterRefusedMetricPointsTotal: metric({ name: "otelcol_processor_memory_limiter_refused_metric_points_total", type: "counter", unit: "count", help: "metric points the memory limiter refused", labels: ["processor"], origin: "otel-collector" }),
  // Jaeger v2: reads of the trace store (query API, UI); writes show as the collector families with
  // exporter="jaeger_storage_exporter".
  jaegerStorageRequestsTotal: metric({ name: "jaeger_storage_requests_total", type: "counter", unit: "count", help: "trace-store reads by operation and result (ok, err)", labels: ["name", "role", "operation", "result"], origin: "jaeger" }),
} as const;

/** Every family, by a camelCase key: `M.httpRequestDurationSeconds.name`. */
export const M = { ...SEED_METRICS, ...EXPORTER_METRICS } as const;
export type MetricKey = keyof typeof M;

export const ALL_METRICS: readonly MetricFamily[] = Object.values(M);

/** The `_bucket` series of a histogram. */
export function bucket(h: Histogram): string {
  return `${h.name}_bucket`;
}

/** The `_sum` series of a histogram or summary. */
export function sum(h: MetricFamily<string, "histogram" | "summary">): string {
  return `${h.name}_sum`;
}

/** The `_count` series of a histogram or summary. */
export function count(h: MetricFamily<string, "histogram" | "summary">): string {
  return `${h.name}_count`;
}

/** A counter's name without `_total`, the stem recording rules use (`service:http_requests:error_ratio_5m`). */
export function stem(c: Counter): string {
  return c.name.replace(/_total$/, "");
}

// ---- Cardinality guard -------------------------------------------------------------------------------------------

/** Labels whose values grow with users and sessions; one series per value. */
export const HIGH_CARDINALITY_LABELS = ["user_id", "session_id"] as const;

/** The only families allowed to carry a high-cardinality label: exactly where the seed puts them. */
export const HIGH_CARDINALITY_ALLOWED: Readonly<Record<string, readonly string[]>> = {
  [SEED_METRICS.memoryItemsTotal.name]: ["user_id"],
  [SEED_METRICS.memoryBudgetTotalBytes.name]: ["session_id"],
  [SEED_METRICS.memoryBudgetUsedBytes.name]: ["session_id"],
  [SEED_METRICS.memoryBudgetUtilization.name]: ["session_id"],
};

/** Problems with high-cardinality labels on families not allowed to carry them; empty when all is well. */
export function cardinalityViolations(families: readonly MetricFamily[]): string[] {
  const problems: string[] = [];
  for (const f of families) {
    const allowed = HIGH_CARDINALITY_ALLOWED[f.name] ?? [];
    for (const label of f.labels) {
      if ((HIGH_CARDINALITY_LABELS as readonly string[]).includes(label) && !allowed.includes(label)) {
        problems.push(`metric ${f.name} has high-cardinality label "${label}"; allowed only on ${Object.keys(HIGH_CARDINALITY_ALLOWED).join(", ")}`);
      }
    }
  }
  return problems;
}

/** Throws when a family carries a high-cardinality label it is not allowed to. */
export function assertCardinality(families: readonly MetricFamily[]): void {
  const problems = cardinalityViolations(families);
  if (problems.length > 0) throw new Error(problems.join("; "));
}

// ---- Log fields --------------------------------------------------------------------------------------------------

export type LogFieldType = "string" | "number" | "integer" | "timestamp";
/** `common` fields are in every record; the others only in records of that service. */
export type LogFieldScope = "common" | "max-serve" | "mcp" | "memory-engine" | "drift-monitor";

export interface LogField {
  readonly name: string;
  readonly type: LogFieldType;
  readonly scope: LogFieldScope;
  /** Unbounded distinct values: never a Loki stream label, only a parsed field. */
  readonly highCardinality: boolean;
  readonly example: string | number;
}

function field(name: string, type: LogFieldType, scope: LogFieldScope, highCardinality: boolean, example: string | number): LogField {
  return { name, type, scope, highCardinality, example };
}

/**
 * The seed's structured JSON log fields (examples are the seed's, but for the timestamp: `timestamp` is the event's
 * time and must be recent; Loki refuses lines older than its reject_old_samples_max_age, 7 days).
 */
export const LOG_FIELDS: readonly LogField[] = [
  field("timestamp", "timestamp", "common", true, "2026-12-01T12:00:00.000Z"),
  field("level", "string", "common", false, "INFO"),
  field("logger", "string", "common", false, "gateway_service"),
  field("message", "string", "common", true, "Request processed"),
  field("service", "string", "common", false, "gateway"),
  field("trace_id", "string", "common", true, "abc123"),
  field("span_id", "string", "common", true, "def456"),
  field("method", "string", "common", false, "POST"),
  // A route template such as /v1/chat, not the raw path with ids in it.
  field("endpoint", "string", "common", false, "/v1/chat"),
  field("status_code", "integer", "common", false, 200),
  field("duration_ms", "number", "common", true, 125.5),
  field("model", "string", "max-serve", false, "llama-3.3-8b"),
  // Bounded by the server's maximum batch size.
  field("batch_size", "integer", "max-serve", false, 4),
  field("latency_ms", "number", "max-serve", true, 250.5),
  field("mcp_server", "string", "mcp", false, "github"),
  field("mcp_operation", "string", "mcp", false, "search_repositories"),
  field("user_id", "string", "memory-engine", true, "user123"),
  field("session_id", "string", "memory-engine", true, "session456"),
  field("operation", "string", "memory-engine", false, "search"),
  field("drift_score", "number", "drift-monitor", true, 0.18),
  // A configured value: a handful of distinct values at most.
  field("threshold", "number", "drift-monitor", false, 0.15),
];

export const LOG_FIELD_NAMES: readonly string[] = LOG_FIELDS.map((f) => f.name);

// ---- Sources -----------------------------------------------------------------------------------------------------

/** The seed's platform services, which are also their scrape job names (one table, in config/schema.ts). */
export { SOURCE_NAMES };
export type { SourceName };

/** Scrape jobs of the exporters this stack deploys or scrapes. */
export const EXPORTER_JOBS = ["redis-exporter", "postgres-exporter", "dcgm-exporter"] as const;
export type ExporterJob = (typeof EXPORTER_JOBS)[number];

/**
 * The job that scrapes the memory engine's per-user and per-session series (the families in HIGH_CARDINALITY_ALLOWED)
 * from the same targets as the source's own job, which drops them. They grow with users and sessions; under one
 * sample_limit their growth would fail the whole scrape, and with it every metric of the service and ServiceDown. Its
 * series keep `service` = the source: they are that service's, and the budget alerts and dashboards select by service.
 */
export const SESSION_SERIES_JOB = "memory-engine-sessions";
/** The source whose targets SESSION_SERIES_JOB scrapes. */
export const SESSION_SERIES_SOURCE: SourceName = "memory-engine";

/**
 * Every job whose targets must be up: the seed's sources and the exporters. SESSION_SERIES_JOB is not one: its
 * failure loses the per-session series, not the service (SessionSeriesScrapeFailing).
 */
export const WATCHED_JOBS: readonly (SourceName | ExporterJob)[] = [...SOURCE_NAMES, ...EXPORTER_JOBS];
