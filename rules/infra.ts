/**
 * The seed's service-health and database alerts (category `infra`).
 */
import { M, SESSION_SERIES_JOB, WATCHED_JOBS } from "../telemetry/catalog";
import { re, series } from "./promql";
import {
  POSTGRES_CONNECTIONS,
  POSTGRES_FOR,
  QUEUE_DEPTH,
  QUEUE_DEPTH_FOR,
  REDIS_FOR,
  REDIS_MEMORY_RATIO,
  SERVICE_DEGRADED_SHARE,
  SERVICE_DOWN_FOR,
  SESSION_SERIES_FOR,
  SESSION_SERIES_LIMIT_SHARE,
} from "./thresholds";
import { AlertRule, RuleGroup } from "./types";

const WATCHED = re(WATCHED_JOBS.join("|"));
const SERVICE = "namespace, job, service";

/**
 * A target whose scrape fails, or an exporter that is scraped fine but cannot reach its database: both mean the
 * instance is unavailable. `or on (job, instance)` keeps one series per target when both happen at once.
 */
const instanceDownExpr = [
  `(${series(M.up, { job: WATCHED })} == 0)`,
  `(${M.redisUp.name} == 0)`,
  `(${M.pgUp.name} == 0)`,
].join(" or on (job, instance) ");
const downTargets = `count by (${SERVICE}) (${instanceDownExpr})`;
const allTargets = `count by (${SERVICE}) (${series(M.up, { job: WATCHED })})`;

/**
 * Jobs this Prometheus is configured to scrape that have no target at all: a Deployment scaled to zero or a selector
 * that matches nothing leaves no `up` series, so no `up == 0` alert can fire. Prometheus' own discovery metric names
 * every configured job (a disabled source has none). The GPU exporter is left out: a GPU pool scaled to zero is normal.
 */
const noTargetsExpr =
  `label_replace(label_replace(max by (config) (${series(M.prometheusSdDiscoveredTargets, { job: "prometheus", name: "scrape", config: re(WATCHED_JOBS.filter((j) => j !== "dcgm-exporter").join("|")) })}),` +
  ` "job", "$1", "config", "(.+)"), "service", "$1", "config", "(.+)")` +
  ` unless on (job) count by (job) (${series(M.up, { job: WATCHED })})`;

/**
 * A target of the per-session job whose scrape fails (over its limit, or whatever else), or whose kept samples pass a
 * share of its limit. Both scrape series of a target carry the same target labels, so they match on all of them. A
 * limit of 0 means none and would divide to +Inf: such targets drop out.
 */
const sessionJob = { job: SESSION_SERIES_JOB };
const sessionSeriesFailingExpr =
  `(${series(M.up, sessionJob)} == 0)` +
  ` or on (job, instance) ` +
  `(${series(M.scrapeSamplesPostMetricRelabeling, sessionJob)} / (${series(M.scrapeSampleLimit, sessionJob)} > 0) > ${SESSION_SERIES_LIMIT_SHARE})`;

export const SERVICE_HEALTH_ALERTS: readonly AlertRule[] = [
  {
    // The seed's alert, for the service as a whole: every one of its targets down. One instance of many is
    // ServiceInstanceDown, so a fleet with one bad pod does not page, nor silence the others' alerts.
    alert: "ServiceDown",
    expr: `${downTargets} == ${allTargets}`,
    for: SERVICE_DOWN_FOR,
    severity: "critical",
    category: "infra",
    summary: "{{ $labels.job }} is down: all {{ $value }} of its targets",
    description: `Prometheus cannot scrape any target of {{ $labels.job }} in {{ $labels.namespace }}, or its exporter cannot reach the database, for ${SERVICE_DOWN_FOR}.`,
  },
  {
    alert: "ServiceInstanceDown",
    expr: instanceDownExpr,
    for: SERVICE_DOWN_FOR,
    severity: "warning",
    category: "infra",
    summary: "{{ $labels.job }} is down on {{ $labels.instance }}",
    description: `Prometheus cannot scrape {{ $labels.job }} at {{ $labels.instance }}, or that exporter cannot reach its database, for ${SERVICE_DOWN_FOR}; the service's other targets still answer.`,
  },
  {
    alert: "ServiceDegraded",
    expr: `(${downTargets} / ${allTargets} >= ${SERVICE_DEGRADED_SHARE}) < 1`,
    for: SERVICE_DOWN_FOR,
    severity: "warning",
    category: "infra",
    summary: "{{ $labels.job }} has {{ $value | humanizePercentage }} of its targets down",
    description: `At least ${SERVICE_DEGRADED_SHARE * 100}% (but not all) of the targets of {{ $labels.job }} in {{ $labels.namespace }} have been down for ${SERVICE_DOWN_FOR}; the rest carry its load.`,
  },
  {
    alert: "ServiceNoTargets",
    expr: noTargetsExpr,
    for: SERVICE_DOWN_FOR,
    severity: "critical",
    category: "infra",
    summary: "{{ $labels.job }} has no targets at all",
    description: `Prometheus is configured to scrape {{ $labels.job }} but has found no target for it for ${SERVICE_DOWN_FOR}: the service is scaled to zero, gone, or its Service name, port or namespace in the stack's sources no longer match.`,
  },
  {
    // Not ServiceDown: this job's `up` is left out of the fleet alerts above, since the service's own metrics come
    // through its own job. What is lost is the per-user and per-session series, and with them the budget alerts.
    alert: "SessionSeriesScrapeFailing",
    expr: sessionSeriesFailingExpr,
    for: SESSION_SERIES_FOR,
    severity: "warning",
    category: "infra",
    summary: "Per-session series of {{ $labels.service }} on {{ $labels.instance }} fail to scrape or near their sample limit",
    description:
      `The ${SESSION_SERIES_JOB} scrape of {{ $labels.instance }} has failed, or kept more than ${SESSION_SERIES_LIMIT_SHARE * 100}% of its sample_limit, for ${SESSION_SERIES_FOR}.` +
      ` While it fails, ${M.memoryItemsTotal.name} and the memory budget series of that instance stop updating and BudgetExceeded and BudgetWarning cannot fire for its sessions;` +
      " the service's own metrics come through its own job and are not affected.",
  },
  {
    alert: "HighRequestQueueDepth",
    expr: `${M.requestQueueDepth.name} > ${QUEUE_DEPTH}`,
    for: QUEUE_DEPTH_FOR,
    severity: "warning",
    category: "infra",
    summary: `Request queue of {{ $labels.service }} above ${QUEUE_DEPTH}`,
    description: `{{ $value }} requests are waiting in the queue of {{ $labels.service }} on {{ $labels.instance }} (threshold ${QUEUE_DEPTH}, for ${QUEUE_DEPTH_FOR}).`,
  },
];

export const DATABASE_ALERTS: readonly AlertRule[] = [
  {
    alert: "PostgreSQLPoolExhausted",
    // pg_stat_activity_count is split by database, state and user: only the sum per server means anything.
    expr: `sum by (namespace, job, service, instance) (${M.pgStatActivityCount.name}) > ${POSTGRES_CONNECTIONS}`,
    for: POSTGRES_FOR,
    severity: "warning",
    category: "infra",
    summary: `PostgreSQL connections above ${POSTGRES_CONNECTIONS} on {{ $labels.instance }}`,
    description: `PostgreSQL behind {{ $labels.instance }} holds {{ $value }} connections (threshold ${POSTGRES_CONNECTIONS}, for ${POSTGRES_FOR}); new connections will soon be refused.`,
  },
  {
    alert: "RedisMemoryHigh",
    // maxmemory 0 means "no limit": those instances drop out instead of dividing by zero.
    expr: `${M.redisMemoryUsedBytes.name} / (${M.redisMemoryMaxBytes.name} > 0) > ${REDIS_MEMORY_RATIO}`,
    for: REDIS_FOR,
    severity: "warning",
    category: "infra",
    summary: `Redis memory above ${REDIS_MEMORY_RATIO * 100}% on {{ $labels.instance }}`,
    description: `Redis behind {{ $labels.instance }} uses {{ $value | humanizePercentage }} of maxmemory (threshold ${REDIS_MEMORY_RATIO * 100}%, for ${REDIS_FOR}); it will evict keys or refuse writes.`,
  },
];

export const infraGroups = (): RuleGroup[] => [
  { name: "service-health", rules: SERVICE_HEALTH_ALERTS },
  { name: "database", rules: DATABASE_ALERTS },
];
