/**
 * Memory Engine and session budgets. Items and budgets are per user and per session in the raw series; panels read
 * the recorded per-service aggregates, and only the top-sessions ranking touches the per-session series, bounded by
 * topk.
 */
import { M } from "../telemetry/catalog";
import { MEMORY_ERRORS } from "../rules/errors";
import { RECORDED } from "../rules/recording";
import { BUDGET_EXCEEDED_RATIO, BUDGET_WARNING_RATIO, ERROR_RATIO, LATENCY_P95_SECONDS, LATENCY_QUANTILE } from "../rules/thresholds";
import { SIXTH, bars, buildDashboard, critAt, graph, promVariable, promql, promqlInstant, singleStat, warnAt, errorRatioStat, p95LatencyStat } from "./kit";
import { NS_SVC, byVar, errorRatio, mean, quantile, selector, series, sumRate, topk } from "./promql";

export const MEMORY_UID = "ai-platform-memory";

const ops = M.memoryOperationsTotal;
const duration = M.memoryOperationDurationSeconds;
const svc = { service: byVar("service") };
const scope = { ...NS_SVC, operation: byVar("operation") };
const budgetLines = [warnAt(BUDGET_WARNING_RATIO), critAt(BUDGET_EXCEEDED_RATIO)];

/** Sessions shown in the ranking: enough to see who is near the limit, few enough to stay cheap. */
const TOP_SESSIONS = 10;

export function memoryDashboard(): Record<string, unknown> {
  return buildDashboard({
    uid: MEMORY_UID,
    title: "AI Platform / Memory Engine and budgets",
    description: "Memory Engine operations, latency, stored items and search results, and the memory budgets of sessions.",
    tags: ["memory-engine", "budget"],
    variables: [
      promVariable("namespace", "Namespace", series(ops), "namespace"),
      promVariable("service", "Service", series(ops, { namespace: byVar("namespace") }), "service"),
      promVariable("operation", "Operation", series(ops, NS_SVC), "operation"),
    ],
    sections: [
      {
        panels: [
          singleStat({ title: "Operations/s", queries: [promql(sumRate(ops, [], scope))], unit: "ops", sparkline: true, width: SIXTH }),
          errorRatioStat(errorRatio(ops, MEMORY_ERRORS, [], scope), SIXTH),
          p95LatencyStat(quantile(LATENCY_QUANTILE, duration, [], scope), SIXTH),
          singleStat({ title: "Items stored", queries: [promql(`sum(${selector(RECORDED.memoryItems, svc)})`)], unit: "short", sparkline: true, width: SIXTH }),
          singleStat({
            title: "Highest budget use",
            description: "The fullest session's budget utilization.",
            queries: [promql(`max(${selector(RECORDED.budgetUtilizationMax, svc)})`)],
            unit: "percentunit",
            thresholds: budgetLines,
            width: SIXTH,
          }),
          singleStat({
            title: "Sessions over warning",
            description: `Sessions using more than ${BUDGET_WARNING_RATIO * 100}% of their budget.`,
            queries: [promql(`sum(${selector(RECORDED.budgetSessionsOverWarning, svc)}) or vector(0)`)],
            unit: "short",
            thresholds: [warnAt(1)],
            width: SIXTH,
          }),
        ],
      },
      {
        row: "Operations",
        panels: [
          graph({ title: "Operations/s by operation", queries: [promql(sumRate(ops, ["operation"], scope), "{{operation}}")], unit: "ops", min: 0, stack: true }),
          graph({
            title: "Failed operations/s by operation and status",
            queries: [promql(sumRate(ops, ["operation", "status"], { ...scope, ...MEMORY_ERRORS }), "{{operation}} {{status}}")],
            unit: "ops",
            min: 0,
          }),
          graph({
            title: "Error ratio by service",
            description: "The recorded ratio (all namespaces).",
            queries: [promql(selector(RECORDED.memoryErrorRatio, svc), "{{service}}")],
            unit: "percentunit",
            min: 0,
            thresholds: [critAt(ERROR_RATIO)],
          }),
          graph({
            title: "Error ratio by operation",
            queries: [promql(errorRatio(ops, MEMORY_ERRORS, ["operation"], scope), "{{operation}}")],
            unit: "percentunit",
            min: 0,
            thresholds: [critAt(ERROR_RATIO)],
          }),
        ],
      },
      {
        row: "Latency",
        panels: [
          graph({
            title: "P95 latency by service",
            description: `The recorded P95 the HighMemoryEngineLatency alert compares with ${LATENCY_P95_SECONDS}s (all namespaces).`,
            queries: [promql(selector(RECORDED.memoryP95, svc), "{{service}}")],
            unit: "s",
            min: 0,
            thresholds: [critAt(LATENCY_P95_SECONDS)],
          }),
          graph({
            title: "Latency P50 / P95 / P99 by operation",
            queries: [
              promql(quantile(0.5, duration, ["operation"], scope), "{{operation}} p50"),
              promql(quantile(LATENCY_QUANTILE, duration, ["operation"], scope), "{{operation}} p95"),
              promql(quantile(0.99, duration, ["operation"], scope), "{{operation}} p99"),
            ],
            unit: "s",
            min: 0,
            thresholds: [critAt(LATENCY_P95_SECONDS)],
            legendTable: true,
          }),
        ],
      },
      {
        row: "Items and search",
        panels: [
          graph({
            title: "Items stored by service",
            description: "Sum over users of the items each holds (recorded; the per-user series are never graphed).",
            queries: [promql(selector(RECORDED.memoryItems, svc), "{{service}}")],
            unit: "short",
            min: 0,
          }),
          graph({
            title: "Search results per search",
            queries: [
              promql(mean(M.memorySearchResults, ["service"], NS_SVC), "{{service}} mean"),
              promql(quantile(0.5, M.memorySearchResults, ["service"], NS_SVC), "{{service}} p50"),
              promql(quantile(LATENCY_QUANTILE, M.memorySearchResults, ["service"], NS_SVC), "{{service}} p95"),
            ],
            unit: "short",
            min: 0,
          }),
        ],
      },
      {
        row: "Budgets",
        panels: [
          bars({
            title: `Top ${TOP_SESSIONS} sessions by budget utilization`,
            description: `Used / total budget of the fullest sessions now. BudgetWarning fires above ${BUDGET_WARNING_RATIO * 100}%, BudgetExceeded at ${BUDGET_EXCEEDED_RATIO * 100}%.`,
            queries: [promqlInstant(topk(TOP_SESSIONS, series(M.memoryBudgetUtilization, NS_SVC)), "{{session_id}}")],
            unit: "percentunit",
            min: 0,
            max: BUDGET_EXCEEDED_RATIO,
            thresholds: budgetLines,
            height: 10,
          }),
          graph({
            title: "Highest session budget utilization by service",
            queries: [promql(selector(RECORDED.budgetUtilizationMax, svc), "{{service}}")],
            unit: "percentunit",
            min: 0,
            thresholds: budgetLines,
            height: 10,
          }),
          graph({
            title: "Budget used and allocated",
            description: "Sum over sessions of the bytes used and of the budgets.",
            queries: [promql(selector(RECORDED.budgetUsedBytes, svc), "{{service}} used"), promql(selector(RECORDED.budgetTotalBytes, svc), "{{service}} budget")],
            unit: "bytes",
            min: 0,
          }),
          graph({
            title: "Sessions with a budget",
            queries: [
              promql(selector(RECORDED.budgetSessions, svc), "{{service}} sessions"),
              promql(selector(RECORDED.budgetSessionsOverWarning, svc), "{{service}} over warning"),
            ],
            unit: "short",
            min: 0,
          }),
        ],
      },
    ],
  });
}
