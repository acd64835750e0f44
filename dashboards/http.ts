/**
 * Gateway and API server: the HTTP front of the platform. Per-service panels read the recorded series the alerts
 * evaluate; breakdowns by endpoint and status are computed here for the selected namespace and services.
 */
import { M } from "../telemetry/catalog";
import { HTTP_ERRORS } from "../rules/errors";
import { RECORDED } from "../rules/recording";
import { ERROR_RATIO, LATENCY_P95_SECONDS, LATENCY_QUANTILE } from "../rules/thresholds";
import { FULL, QUARTER, buildDashboard, critAt, graph, promVariable, promql, singleStat } from "./kit";
import { NS_SVC, byVar, errorRatio, quantile, re, selector, series, sumRate, topk } from "./promql";

export const HTTP_UID = "ai-platform-http";

const requests = M.httpRequestsTotal;
const duration = M.httpRequestDurationSeconds;
const svc = { service: byVar("service") };

export function httpDashboard(): Record<string, unknown> {
  return buildDashboard({
    uid: HTTP_UID,
    title: "AI Platform / Gateway and API server",
    description: "HTTP traffic, 5xx errors and latency of the gateway, the API server and every other service that serves HTTP.",
    tags: ["http", "gateway", "api-server"],
    variables: [
      promVariable("namespace", "Namespace", series(requests), "namespace"),
      promVariable("service", "Service", series(requests, { namespace: byVar("namespace") }), "service"),
    ],
    sections: [
      {
        panels: [
          singleStat({ title: "Requests/s", queries: [promql(sumRate(requests, [], NS_SVC))], unit: "reqps", sparkline: true, width: QUARTER }),
          singleStat({
            title: "5xx ratio",
            queries: [promql(errorRatio(requests, HTTP_ERRORS, [], NS_SVC))],
            unit: "percentunit",
            thresholds: [critAt(ERROR_RATIO)],
            sparkline: true,
            width: QUARTER,
          }),
          singleStat({
            title: "4xx ratio",
            description: "Client errors: the caller's mistake, so no alert, but a jump means a broken client or route.",
            queries: [promql(errorRatio(requests, { status: re("4..") }, [], NS_SVC))],
            unit: "percentunit",
            sparkline: true,
            width: QUARTER,
          }),
          singleStat({
            title: "P95 latency",
            queries: [promql(quantile(LATENCY_QUANTILE, duration, [], NS_SVC))],
            unit: "s",
            thresholds: [critAt(LATENCY_P95_SECONDS)],
            sparkline: true,
            width: QUARTER,
          }),
        ],
      },
      {
        row: "Traffic",
        panels: [
          graph({ title: "Requests/s by service", queries: [promql(sumRate(requests, ["service"], NS_SVC), "{{service}}")], unit: "reqps", min: 0 }),
          graph({ title: "Requests/s by status", queries: [promql(sumRate(requests, ["status"], NS_SVC), "{{status}}")], unit: "reqps", min: 0, stack: true }),
          graph({
            title: "Busiest endpoints",
            description: "The ten method and endpoint pairs with the most requests.",
            queries: [promql(topk(10, sumRate(requests, ["method", "endpoint"], NS_SVC)), "{{method}} {{endpoint}}")],
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
            title: "5xx ratio by service",
            description: `The recorded error ratio the HighErrorRate alert compares with ${ERROR_RATIO * 100}% (all namespaces).`,
            queries: [promql(selector(RECORDED.httpErrorRatio, svc), "{{service}}")],
            unit: "percentunit",
            min: 0,
            thresholds: [critAt(ERROR_RATIO)],
          }),
          graph({
            title: "5xx/s by endpoint",
            queries: [promql(topk(10, sumRate(requests, ["method", "endpoint", "status"], { ...NS_SVC, ...HTTP_ERRORS })), "{{method}} {{endpoint}} {{status}}")],
            unit: "reqps",
            min: 0,
            legendTable: true,
          }),
        ],
      },
      {
        row: "Latency",
        panels: [
          graph({
            title: "P95 latency by service",
            description: `The recorded P95 the latency alerts compare with ${LATENCY_P95_SECONDS}s (all namespaces).`,
            queries: [promql(selector(RECORDED.httpP95, svc), "{{service}}")],
            unit: "s",
            min: 0,
            thresholds: [critAt(LATENCY_P95_SECONDS)],
          }),
          graph({
            title: "Latency percentiles",
            queries: [
              promql(quantile(0.5, duration, [], NS_SVC), "p50"),
              promql(quantile(LATENCY_QUANTILE, duration, [], NS_SVC), "p95"),
              promql(quantile(0.99, duration, [], NS_SVC), "p99"),
            ],
            unit: "s",
            min: 0,
            thresholds: [critAt(LATENCY_P95_SECONDS)],
          }),
          graph({
            title: "Slowest endpoints (P95)",
            queries: [promql(topk(10, quantile(LATENCY_QUANTILE, duration, ["method", "endpoint"], NS_SVC)), "{{method}} {{endpoint}}")],
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
