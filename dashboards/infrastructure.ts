/**
 * The platform's data stores: Redis and PostgreSQL through their exporters, Qdrant on its own metrics endpoint.
 * Memory and connection panels draw the RedisMemoryHigh and PostgreSQLPoolExhausted thresholds.
 */
import { M } from "../telemetry/catalog";
import { POSTGRES_CONNECTIONS, REDIS_MEMORY_RATIO } from "../rules/thresholds";
import { HALF, QUARTER, SIXTH, THIRD, buildDashboard, critAt, graph, promql, singleStat } from "./kit";
import { agg, quantile, series, sumRate } from "./promql";

export const INFRASTRUCTURE_UID = "ai-platform-infrastructure";

/** Qdrant's metric names are generic (`rest_responses_total`): only its own scrape job's series are Qdrant's. */
const qdrant = { job: "qdrant" };
/** As RedisMemoryHigh computes it: without maxmemory (0) there is no ratio, rather than an infinite one. */
const redisMemoryRatio = `${M.redisMemoryUsedBytes.name} / (${M.redisMemoryMaxBytes.name} > 0)`;
/** pg_stat_activity_count is split by database, state and user: only the sum per server counts connections. */
const pgConnections = agg("sum", M.pgStatActivityCount, ["instance"]);

export function infrastructureDashboard(): Record<string, unknown> {
  return buildDashboard({
    uid: INFRASTRUCTURE_UID,
    title: "AI Platform / Infrastructure",
    description: `Redis, PostgreSQL and Qdrant. Alerts: Redis memory above ${REDIS_MEMORY_RATIO * 100}% of maxmemory, more than ${POSTGRES_CONNECTIONS} PostgreSQL connections.`,
    tags: ["infrastructure", "redis", "postgresql", "qdrant"],
    variables: [],
    sections: [
      {
        row: "Redis",
        panels: [
          singleStat({ title: "Redis reachable", queries: [promql(`min(${M.redisUp.name})`)], upDown: true, width: SIXTH }),
          singleStat({
            title: "Redis memory now",
            description: "Empty when maxmemory is not set (Redis' default): then Redis grows until the node runs out.",
            queries: [promql(`max(${redisMemoryRatio})`)],
            unit: "percentunit",
            thresholds: [critAt(REDIS_MEMORY_RATIO)],
            sparkline: true,
            width: SIXTH,
          }),
          singleStat({ title: "Redis clients", queries: [promql(`sum(${M.redisConnectedClients.name})`)], unit: "short", sparkline: true, width: SIXTH }),
          singleStat({ title: "Redis commands/s", queries: [promql(sumRate(M.redisCommandsProcessedTotal, []))], unit: "ops", sparkline: true, width: SIXTH }),
          singleStat({
            title: "Redis keyspace hit ratio",
            queries: [promql(`${sumRate(M.redisKeyspaceHitsTotal, [])} / (${sumRate(M.redisKeyspaceHitsTotal, [])} + ${sumRate(M.redisKeyspaceMissesTotal, [])})`)],
            unit: "percentunit",
            sparkline: true,
            width: THIRD,
          }),
          graph({
            title: "Redis memory of maxmemory",
            description: `RedisMemoryHigh fires above ${REDIS_MEMORY_RATIO * 100}%.`,
            queries: [promql(redisMemoryRatio, "{{instance}}")],
            unit: "percentunit",
            min: 0,
            max: 1,
            thresholds: [critAt(REDIS_MEMORY_RATIO)],
          }),
          graph({
            title: "Redis memory",
            queries: [promql(series(M.redisMemoryUsedBytes), "{{instance}} used"), promql(`${M.redisMemoryMaxBytes.name} > 0`, "{{instance}} maxmemory")],
            unit: "bytes",
            min: 0,
          }),
        ],
      },
      {
        row: "PostgreSQL",
        panels: [
          singleStat({ title: "PostgreSQL reachable", queries: [promql(`min(${M.pgUp.name})`)], upDown: true, width: QUARTER }),
          singleStat({
            title: "Connections",
            description: "Connections of the busiest server.",
            queries: [promql(`max(${pgConnections})`)],
            unit: "short",
            thresholds: [critAt(POSTGRES_CONNECTIONS)],
            sparkline: true,
            width: QUARTER,
          }),
          singleStat({ title: "max_connections", queries: [promql(`min(${M.pgSettingsMaxConnections.name})`)], unit: "short", width: QUARTER }),
          singleStat({
            title: "Transactions/s",
            queries: [promql(`${sumRate(M.pgStatDatabaseXactCommit, [])} + ${sumRate(M.pgStatDatabaseXactRollback, [])}`)],
            unit: "short",
            sparkline: true,
            width: QUARTER,
          }),
          graph({
            title: "Connections per server",
            description: `PostgreSQLPoolExhausted fires above ${POSTGRES_CONNECTIONS} connections.`,
            queries: [promql(pgConnections, "{{instance}}"), promql(agg("max", M.pgSettingsMaxConnections, ["instance"]), "{{instance}} max_connections")],
            unit: "short",
            min: 0,
            thresholds: [critAt(POSTGRES_CONNECTIONS)],
          }),
          graph({ title: "Connections by state", queries: [promql(agg("sum", M.pgStatActivityCount, ["state"]), "{{state}}")], unit: "short", min: 0, stack: true }),
          graph({
            title: "Transactions/s by database",
            queries: [promql(sumRate(M.pgStatDatabaseXactCommit, ["datname"]), "{{datname}} commit"), promql(sumRate(M.pgStatDatabaseXactRollback, ["datname"]), "{{datname}} rollback")],
            unit: "short",
            min: 0,
          }),
          graph({ title: "Database size", queries: [promql(agg("max", M.pgDatabaseSizeBytes, ["datname"]), "{{datname}}")], unit: "bytes", min: 0 }),
        ],
      },
      {
        row: "Qdrant",
        panels: [
          singleStat({ title: "Qdrant up", queries: [promql(`min(${series(M.up, qdrant)})`)], upDown: true, width: THIRD }),
          singleStat({ title: "Collections", queries: [promql(agg("max", M.qdrantCollectionsTotal, [], qdrant))], unit: "short", width: THIRD }),
          singleStat({ title: "Vectors", queries: [promql(agg("max", M.qdrantCollectionsVectorTotal, [], qdrant))], unit: "short", sparkline: true, width: THIRD }),
          graph({ title: "REST responses/s by status", queries: [promql(sumRate(M.qdrantRestResponsesTotal, ["status"], qdrant), "{{status}}")], unit: "reqps", min: 0, stack: true }),
          graph({
            title: "REST P95 latency by endpoint",
            description: "Qdrant times successful (200) responses only.",
            queries: [promql(quantile(0.95, M.qdrantRestResponsesDurationSeconds, ["method", "endpoint"], qdrant), "{{method}} {{endpoint}}")],
            unit: "s",
            min: 0,
            legendTable: true,
          }),
          graph({ title: "gRPC responses/s by status", queries: [promql(sumRate(M.qdrantGrpcResponsesTotal, ["status"], qdrant), "{{status}}")], unit: "reqps", min: 0, stack: true, width: HALF }),
          graph({ title: "Vectors stored", queries: [promql(agg("max", M.qdrantCollectionsVectorTotal, ["instance"], qdrant), "{{instance}}")], unit: "short", min: 0, width: HALF }),
        ],
      },
    ],
  });
}
