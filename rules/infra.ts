/**
 * The seed's service-health and database alerts (category `infra`).
 */
import { M, WATCHED_JOBS } from "../telemetry/catalog";
import { re, series } from "./promql";
import {
  POSTGRES_CONNECTIONS,
  POSTGRES_FOR,
  QUEUE_DEPTH,
  QUEUE_DEPTH_FOR,
  REDIS_FOR,
  REDIS_MEMORY_RATIO,
  SERVICE_DOWN_FOR,
} from "./thresholds";
import { AlertRule, RuleGroup } from "./types";

/**
 * A target whose scrape fails, or an exporter that is scraped fine but cannot reach its database: both mean the
 * service is unavailable. `or on (job, instance)` keeps one alert per target when both happen at once.
 */
const serviceDownExpr = [
  `(${series(M.up, { job: re(WATCHED_JOBS.join("|")) })} == 0)`,
  `(${M.redisUp.name} == 0)`,
  `(${M.pgUp.name} == 0)`,
].join(" or on (job, instance) ");

export const SERVICE_HEALTH_ALERTS: readonly AlertRule[] = [
  {
    alert: "ServiceDown",
    expr: serviceDownExpr,
    for: SERVICE_DOWN_FOR,
    severity: "critical",
    category: "infra",
    summary: "{{ $labels.job }} is down on {{ $labels.instance }}",
    description: `Prometheus cannot scrape {{ $labels.job }} at {{ $labels.instance }}, or that exporter cannot reach its database, for ${SERVICE_DOWN_FOR}.`,
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
