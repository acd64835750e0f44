/**
 * Names of the series this stack's recording rules publish from the rated series (rated.ts), for the alerts and the
 * dashboards that read them. A leaf module: the rules that compute them (recording.ts) and the alerts that read
 * them both import it.
 */
import { Counter, M, stem } from "../telemetry/catalog";

const p95Name = <N extends string>(h: { name: N }) => `service:${h.name}:p95_5m` as const;
const errorRatioName = (c: Counter) => `service:${stem(c)}:error_ratio_5m`;
const rateName = (c: Counter) => `service:${stem(c)}:rate5m`;

/** Names of the recorded series, for alerts and dashboards. */
export const RECORDED = {
  httpP95: p95Name(M.httpRequestDurationSeconds),
  inferenceP95: p95Name(M.inferenceDurationSeconds),
  mcpP95: p95Name(M.mcpOperationDurationSeconds),
  memoryP95: p95Name(M.memoryOperationDurationSeconds),
  queueWaitP95: p95Name(M.requestQueueWaitSeconds),
  httpErrorRatio: errorRatioName(M.httpRequestsTotal),
  inferenceErrorRatio: errorRatioName(M.inferenceRequestsTotal),
  mcpErrorRatio: errorRatioName(M.mcpRequestsTotal),
  memoryErrorRatio: errorRatioName(M.memoryOperationsTotal),
  httpRate: rateName(M.httpRequestsTotal),
  inferenceRate: rateName(M.inferenceRequestsTotal),
  mcpRate: rateName(M.mcpRequestsTotal),
  memoryRate: rateName(M.memoryOperationsTotal),
  memoryItems: `service:${M.memoryItemsTotal.name}:sum`,
  budgetUtilizationMax: `service:${M.memoryBudgetUtilization.name}:max`,
  budgetUsedBytes: `service:${M.memoryBudgetUsedBytes.name}:sum`,
  budgetTotalBytes: `service:${M.memoryBudgetTotalBytes.name}:sum`,
  budgetSessions: `service:memory_budget_sessions:count`,
  budgetSessionsOverWarning: `service:memory_budget_sessions_over_warning:count`,
  gpuUtilizationPercent: M.gpuUtilizationPercent.name,
  gpuMemoryUsedBytes: M.gpuMemoryUsedBytes.name,
  gpuMemoryTotalBytes: M.gpuMemoryTotalBytes.name,
  gpuTemperatureCelsius: M.gpuTemperatureCelsius.name,
} as const;
