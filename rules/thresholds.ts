/**
 * The seed's alert thresholds and durations, in one place so dashboards draw the same lines the alerts fire on.
 * Units are in the names; durations are Prometheus duration strings.
 */

/** Latency alerts: P95 above 2s. The seed gives no duration; 5m rides out a single slow burst. */
export const LATENCY_P95_SECONDS = 2;
export const LATENCY_QUANTILE = 0.95;
export const LATENCY_FOR = "5m";

/** Error-rate alerts: more than 1% of requests failing; no seed duration, 5m as for latency. */
export const ERROR_RATIO = 0.01;
export const ERROR_FOR = "5m";

export const GPU_UTILIZATION_PERCENT = 90;
export const GPU_MEMORY_PERCENT = 90;
export const GPU_TEMPERATURE_CELSIUS = 85;
export const GPU_FOR = "5m";

export const DRIFT_WARNING = 0.15;
export const DRIFT_CRITICAL = 0.25;
export const DRIFT_FOR = "1m";

/** A budget is exceeded once everything is used: the next allocation cannot fit. */
export const BUDGET_EXCEEDED_RATIO = 1;
export const BUDGET_EXCEEDED_FOR = "1m";
export const BUDGET_WARNING_RATIO = 0.8;
export const BUDGET_WARNING_FOR = "5m";

export const SERVICE_DOWN_FOR = "2m";
/** Share of a service's targets down at which the service counts as degraded (below all of them). */
export const SERVICE_DEGRADED_SHARE = 0.5;
/**
 * The memory engine's per-session series job failing, or past this share of its sample_limit (the next growth fails
 * it); 5m rides out a rollout. Meanwhile the budget alerts are blind, so it warns before the limit is reached.
 */
export const SESSION_SERIES_LIMIT_SHARE = 0.8;
export const SESSION_SERIES_FOR = "5m";
export const QUEUE_DEPTH = 100;
export const QUEUE_DEPTH_FOR = "5m";

export const POSTGRES_CONNECTIONS = 90;
export const POSTGRES_FOR = "5m";
export const REDIS_MEMORY_RATIO = 0.9;
export const REDIS_FOR = "5m";

/** Self-monitoring: long enough that a restart or one failed reload does not page. */
export const META_FOR = "10m";
/** Share of notifications that may fail before the notification path counts as broken. */
export const NOTIFICATION_ERROR_RATIO = 0.01;
/** A target over its sample limit is already down (ServiceDown); this says why. */
export const SCRAPE_LIMIT_FOR = "5m";

/** Share of Loki requests answered with a 5xx before the log store counts as failing. */
export const LOKI_ERROR_RATIO = 0.05;
/** Share of Promtail pushes that fail (any non-2xx) before the agent counts as unable to send. */
export const PROMTAIL_ERROR_RATIO = 0.1;
/** A log-pipeline target down this long: longer than a rolling restart of one pod. */
export const LOG_TARGET_DOWN_FOR = "5m";

/** Share of a signal the collector may refuse or fail to export before the trace pipeline counts as losing data. */
export const COLLECTOR_LOSS_RATIO = 0.01;
/** Sustained memory-limiter refusals: past a burst, the collector is too small for its load. */
export const COLLECTOR_MEMORY_FOR = "5m";
/** An exporter's sending queue this full drops new data on the next burst. */
export const COLLECTOR_QUEUE_FULL_RATIO = 0.8;
export const COLLECTOR_QUEUE_FOR = "5m";
/** Share of Jaeger trace-store reads that may fail before queries count as broken. */
export const JAEGER_READ_ERROR_RATIO = 0.05;
/** A trace-pipeline target down this long: longer than a rollout of one pod. */
export const TRACE_TARGET_DOWN_FOR = "5m";
/**
 * A collector process up this long (seconds) without one receiver series: its receivers never opened. The platform
 * sends telemetry all the time, so a healthy collector has accepted something long before.
 */
export const COLLECTOR_IDLE_UPTIME_SECONDS = 600;
export const COLLECTOR_NOT_RECEIVING_FOR = "5m";
/** Jaeger failing to write spans to Badger: the spans are gone, so this fires sooner than other meta alerts. */
export const JAEGER_STORAGE_FOR = "5m";
