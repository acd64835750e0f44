/**
 * MCP through MCPJungle: operations by MCP server and operation, their errors and latency.
 */
import { M } from "../telemetry/catalog";
import { MCP_ERRORS } from "../rules/errors";
import { RECORDED } from "../rules/recording";
import { ERROR_RATIO, LATENCY_P95_SECONDS, LATENCY_QUANTILE } from "../rules/thresholds";
import { FULL, QUARTER, buildDashboard, critAt, graph, promVariable, promql, singleStat, errorRatioStat, p95LatencyStat } from "./kit";
import { NS_SVC, byVar, errorRatio, quantile, selector, series, sumRate, topk } from "./promql";

export const MCP_UID = "ai-platform-mcp";

const requests = M.mcpRequestsTotal;
const duration = M.mcpOperationDurationSeconds;
const svc = { service: byVar("service") };
const scope = { ...NS_SVC, server: byVar("server"), operation: byVar("operation") };

export function mcpDashboard(): Record<string, unknown> {
  return buildDashboard({
    uid: MCP_UID,
    title: "AI Platform / MCP",
    description: "MCP requests through MCPJungle by MCP server and operation: rate, errors and latency.",
    tags: ["mcp", "mcpjungle"],
    variables: [
      promVariable("namespace", "Namespace", series(requests), "namespace"),
      promVariable("service", "Service", series(requests, { namespace: byVar("namespace") }), "service"),
      promVariable("server", "MCP server", series(requests, NS_SVC), "server"),
      promVariable("operation", "Operation", series(requests, { ...NS_SVC, server: byVar("server") }), "operation"),
    ],
    sections: [
      {
        panels: [
          singleStat({ title: "Requests/s", queries: [promql(sumRate(requests, [], scope))], unit: "reqps", sparkline: true, width: QUARTER }),
          errorRatioStat(errorRatio(requests, MCP_ERRORS, [], scope), QUARTER),
          p95LatencyStat(quantile(LATENCY_QUANTILE, duration, [], scope), QUARTER),
          singleStat({
            title: "Failing operations",
            description: "Server and operation pairs with any failed request in the rate window.",
            queries: [promql(`count(${sumRate(requests, ["server", "operation"], { ...scope, ...MCP_ERRORS })} > 0) or vector(0)`)],
            unit: "short",
            thresholds: [critAt(1)],
            width: QUARTER,
          }),
        ],
      },
      {
        row: "Operations",
        panels: [
          graph({ title: "Requests/s by MCP server", queries: [promql(sumRate(requests, ["server"], scope), "{{server}}")], unit: "reqps", min: 0, stack: true }),
          graph({ title: "Requests/s by status", queries: [promql(sumRate(requests, ["status"], scope), "{{status}}")], unit: "reqps", min: 0, stack: true }),
          graph({
            title: "Requests/s by server and operation",
            description: "The fifteen busiest server and operation pairs.",
            queries: [promql(topk(15, sumRate(requests, ["server", "operation"], scope)), "{{server}} {{operation}}")],
            unit: "reqps",
            min: 0,
            width: FULL,
            legendTable: true,
          }),
        ],
      },
      {
        row: "Errors",
        panels: [
          graph({
            title: "Error ratio by service",
            description: `The recorded ratio the HighMCPErrorRate alert compares with ${ERROR_RATIO * 100}% (all namespaces).`,
            queries: [promql(selector(RECORDED.mcpErrorRatio, svc), "{{service}}")],
            unit: "percentunit",
            min: 0,
            thresholds: [critAt(ERROR_RATIO)],
          }),
          graph({
            title: "Error ratio by server and operation",
            queries: [promql(topk(10, errorRatio(requests, MCP_ERRORS, ["server", "operation"], scope)), "{{server}} {{operation}}")],
            unit: "percentunit",
            min: 0,
            thresholds: [critAt(ERROR_RATIO)],
            legendTable: true,
          }),
          graph({
            title: "Errors/s by server and status",
            queries: [promql(sumRate(requests, ["server", "status"], { ...scope, ...MCP_ERRORS }), "{{server}} {{status}}")],
            unit: "reqps",
            min: 0,
            width: FULL,
            legendTable: true,
          }),
        ],
      },
      {
        row: "Latency",
        panels: [
          graph({
            title: "P95 latency by service",
            description: `The recorded P95 the HighMCPJungleLatency alert compares with ${LATENCY_P95_SECONDS}s (all namespaces).`,
            queries: [promql(selector(RECORDED.mcpP95, svc), "{{service}}")],
            unit: "s",
            min: 0,
            thresholds: [critAt(LATENCY_P95_SECONDS)],
          }),
          graph({
            title: "Latency P50 / P95 / P99 by MCP server",
            queries: [
              promql(quantile(0.5, duration, ["server"], scope), "{{server}} p50"),
              promql(quantile(LATENCY_QUANTILE, duration, ["server"], scope), "{{server}} p95"),
              promql(quantile(0.99, duration, ["server"], scope), "{{server}} p99"),
            ],
            unit: "s",
            min: 0,
            thresholds: [critAt(LATENCY_P95_SECONDS)],
            legendTable: true,
          }),
          graph({
            title: "Slowest operations (P95)",
            queries: [promql(topk(10, quantile(LATENCY_QUANTILE, duration, ["server", "operation"], scope)), "{{server}} {{operation}}")],
            unit: "s",
            min: 0,
            thresholds: [critAt(LATENCY_P95_SECONDS)],
            width: FULL,
            legendTable: true,
          }),
        ],
      },
    ],
  });
}
