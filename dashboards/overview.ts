/**
 * Platform overview: traffic, errors and latency of every service on one page, from the recorded per-service series,
 * i.e. exactly the values the latency and error-rate alerts compare with their thresholds.
 */
import { M, SOURCE_NAMES } from "../telemetry/catalog";
import { RECORDED } from "../rules/recording";
import { ERROR_RATIO, LATENCY_P95_SECONDS, QUEUE_DEPTH } from "../rules/thresholds";
import { FULL, HALF, SIXTH, buildDashboard, critAt, graph, promVariable, promql, singleStat, warnAt } from "./kit";
import { agg, byVar, re, selector } from "./promql";

export const OVERVIEW_UID = "ai-platform-overview";

const svc = { service: byVar("service") };
const sources = re(SOURCE_NAMES.join("|"));

/** Recorded families side by side: one query per signal, legend naming the service and the signal. */
const signals = (names: { http: string; inference: string; mcp: string; memory: string }) => [
  promql(selector(names.http, svc), "{{service}} http"),
  promql(selector(names.inference, svc), "{{service}} inference"),
  promql(selector(names.mcp, svc), "{{service}} mcp"),
  promql(selector(names.memory, svc), "{{service}} memory"),
];

export function overviewDashboard(): Record<string, unknown> {
  return buildDashboard({
    uid: OVERVIEW_UID,
    title: "AI Platform / Overview",
    description:
      "Rate, errors and duration per service. Series are the recording rules the alerts evaluate, aggregated per service across namespaces.",
    tags: ["overview"],
    variables: [promVariable("service", "Service", selector(M.up.name, { job: sources }), "service")],
    sections: [
      {
        panels: [
          singleStat({
            title: "Targets up",
            description: "Scrape targets of the platform's services that answered their last scrape.",
            queries: [promql(`sum(${selector(M.up.name, { job: sources, service: byVar("service") })})`)],
            unit: "short",
            width: SIXTH,
          }),
          singleStat({
            title: "Targets down",
            description: "Scrape targets of the platform's services that failed their last scrape (ServiceDown fires after a while).",
            queries: [promql(`count(${selector(M.up.name, { job: sources, service: byVar("service") })} == 0) or vector(0)`)],
            unit: "short",
            thresholds: [critAt(1)],
            width: SIXTH,
          }),
          singleStat({
            title: "Requests/s (HTTP)",
            queries: [promql(`sum(${selector(RECORDED.httpRate, svc)})`)],
            unit: "reqps",
            sparkline: true,
            width: SIXTH,
          }),
          singleStat({
            title: "Inference requests/s",
            queries: [promql(`sum(${selector(RECORDED.inferenceRate, svc)})`)],
            unit: "reqps",
            sparkline: true,
            width: SIXTH,
          }),
          singleStat({
            title: "Worst HTTP error ratio",
            queries: [promql(`max(${selector(RECORDED.httpErrorRatio, svc)})`)],
            unit: "percentunit",
            thresholds: [critAt(ERROR_RATIO)],
            width: SIXTH,
          }),
          singleStat({
            title: "Worst HTTP P95",
            queries: [promql(`max(${selector(RECORDED.httpP95, svc)})`)],
            unit: "s",
            thresholds: [critAt(LATENCY_P95_SECONDS)],
            width: SIXTH,
          }),
        ],
      },
      {
        row: "Rate",
        panels: [
          graph({
            title: "Requests per second by service",
            description: "HTTP requests, inference requests, MCP requests and memory operations per second.",
            queries: signals({ http: RECORDED.httpRate, inference: RECORDED.inferenceRate, mcp: RECORDED.mcpRate, memory: RECORDED.memoryRate }),
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
            description: `HTTP 5xx, and every non-success inference, MCP and memory outcome, as a share of requests. The line is the alert threshold (${ERROR_RATIO * 100}%).`,
            queries: signals({ http: RECORDED.httpErrorRatio, inference: RECORDED.inferenceErrorRatio, mcp: RECORDED.mcpErrorRatio, memory: RECORDED.memoryErrorRatio }),
            unit: "percentunit",
            min: 0,
            thresholds: [critAt(ERROR_RATIO)],
            width: FULL,
            legendTable: true,
          }),
        ],
      },
      {
        row: "Duration",
        panels: [
          graph({
            title: "P95 latency by service",
            description: `P95 over 5 minutes, as the latency alerts compute it. The line is the alert threshold (${LATENCY_P95_SECONDS}s).`,
            queries: signals({ http: RECORDED.httpP95, inference: RECORDED.inferenceP95, mcp: RECORDED.mcpP95, memory: RECORDED.memoryP95 }),
            unit: "s",
            min: 0,
            thresholds: [critAt(LATENCY_P95_SECONDS)],
            width: HALF,
            legendTable: true,
          }),
          graph({
            title: "Queue depth by service",
            description: `Deepest request queue of each service (the alert fires above ${QUEUE_DEPTH}).`,
            queries: [promql(agg("max", M.requestQueueDepth, ["service"], { service: byVar("service") }), "{{service}} depth")],
            unit: "short",
            min: 0,
            thresholds: [warnAt(QUEUE_DEPTH)],
            width: HALF,
          }),
        ],
      },
    ],
  });
}
