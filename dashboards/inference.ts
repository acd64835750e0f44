/**
 * Inference on MAX Serve: requests, errors, latency percentiles, tokens, batching and the request queue, by model.
 */
import { M } from "../telemetry/catalog";
import { INFERENCE_ERRORS } from "../rules/errors";
import { RECORDED } from "../rules/recording";
import { ERROR_RATIO, LATENCY_P95_SECONDS, LATENCY_QUANTILE, QUEUE_DEPTH } from "../rules/thresholds";
import { FULL, SIXTH, buildDashboard, critAt, graph, promVariable, promql, singleStat, warnAt, errorRatioStat, p95LatencyStat } from "./kit";
import { NS_SVC, agg, byVar, errorRatio, mean, observationRate, quantile, selector, series, sumRate } from "./promql";

export const INFERENCE_UID = "ai-platform-inference";

const requests = M.inferenceRequestsTotal;
const duration = M.inferenceDurationSeconds;
const tokens = M.inferenceTokensTotal;
const batch = M.inferenceBatchSize;
const svc = { service: byVar("service") };
const byModel = { ...NS_SVC, model: byVar("model") };

export function inferenceDashboard(): Record<string, unknown> {
  return buildDashboard({
    uid: INFERENCE_UID,
    title: "AI Platform / Inference (MAX Serve)",
    description: "Inference requests, errors, latency, tokens per second, batch sizes and the request queue, by model.",
    tags: ["inference", "max-serve"],
    variables: [
      promVariable("namespace", "Namespace", series(requests), "namespace"),
      promVariable("service", "Service", series(requests, { namespace: byVar("namespace") }), "service"),
      promVariable("model", "Model", series(requests, NS_SVC), "model"),
    ],
    sections: [
      {
        panels: [
          singleStat({ title: "Requests/s", queries: [promql(sumRate(requests, [], byModel))], unit: "reqps", sparkline: true, width: SIXTH }),
          errorRatioStat(errorRatio(requests, INFERENCE_ERRORS, [], byModel), SIXTH),
          p95LatencyStat(quantile(LATENCY_QUANTILE, duration, [], byModel), SIXTH),
          singleStat({ title: "Tokens/s", queries: [promql(sumRate(tokens, [], byModel))], unit: "short", sparkline: true, width: SIXTH }),
          singleStat({ title: "Mean batch size", queries: [promql(mean(batch, [], byModel))], unit: "short", decimals: 1, sparkline: true, width: SIXTH }),
          singleStat({
            title: "Queue depth",
            description: "Deepest request queue among the selected services.",
            queries: [promql(agg("max", M.requestQueueDepth, [], NS_SVC))],
            unit: "short",
            thresholds: [warnAt(QUEUE_DEPTH)],
            sparkline: true,
            width: SIXTH,
          }),
        ],
      },
      {
        row: "Requests and errors",
        panels: [
          graph({ title: "Requests/s by model", queries: [promql(sumRate(requests, ["model"], byModel), "{{model}}")], unit: "reqps", min: 0 }),
          graph({ title: "Requests/s by status", queries: [promql(sumRate(requests, ["status"], byModel), "{{status}}")], unit: "reqps", min: 0, stack: true }),
          graph({
            title: "Error ratio by model",
            description: `Every status other than success counts as an error, as in the HighMaxServeErrorRate alert (${ERROR_RATIO * 100}%).`,
            queries: [promql(errorRatio(requests, INFERENCE_ERRORS, ["model"], byModel), "{{model}}")],
            unit: "percentunit",
            min: 0,
            thresholds: [critAt(ERROR_RATIO)],
          }),
          graph({
            title: "Error ratio by service",
            description: "The recorded ratio the alert evaluates (all namespaces).",
            queries: [promql(selector(RECORDED.inferenceErrorRatio, svc), "{{service}}")],
            unit: "percentunit",
            min: 0,
            thresholds: [critAt(ERROR_RATIO)],
          }),
          graph({
            title: "Errors/s by model and status",
            queries: [promql(sumRate(requests, ["model", "status"], { ...byModel, ...INFERENCE_ERRORS }), "{{model}} {{status}}")],
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
            title: "Latency P50 / P95 / P99 by model",
            queries: [
              promql(quantile(0.5, duration, ["model"], byModel), "{{model}} p50"),
              promql(quantile(LATENCY_QUANTILE, duration, ["model"], byModel), "{{model}} p95"),
              promql(quantile(0.99, duration, ["model"], byModel), "{{model}} p99"),
            ],
            unit: "s",
            min: 0,
            thresholds: [critAt(LATENCY_P95_SECONDS)],
            legendTable: true,
          }),
          graph({
            title: "P95 latency by service",
            description: `The recorded P95 the HighMaxServeLatency alert compares with ${LATENCY_P95_SECONDS}s (all namespaces).`,
            queries: [promql(selector(RECORDED.inferenceP95, svc), "{{service}}")],
            unit: "s",
            min: 0,
            thresholds: [critAt(LATENCY_P95_SECONDS)],
          }),
        ],
      },
      {
        row: "Tokens and batching",
        panels: [
          graph({ title: "Tokens/s by type", queries: [promql(sumRate(tokens, ["type"], byModel), "{{type}}")], unit: "short", min: 0, stack: true }),
          graph({ title: "Tokens/s by model and type", queries: [promql(sumRate(tokens, ["model", "type"], byModel), "{{model}} {{type}}")], unit: "short", min: 0, legendTable: true }),
          graph({
            title: "Batch size by model",
            queries: [
              promql(mean(batch, ["model"], byModel), "{{model}} mean"),
              promql(quantile(LATENCY_QUANTILE, batch, ["model"], byModel), "{{model}} p95"),
            ],
            unit: "short",
            min: 0,
          }),
          graph({ title: "Batches/s by model", queries: [promql(observationRate(batch, ["model"], byModel), "{{model}}")], unit: "short", min: 0 }),
        ],
      },
      {
        row: "Queue",
        panels: [
          graph({
            title: "Queue depth by service",
            description: `Deepest queue per service; HighRequestQueueDepth fires above ${QUEUE_DEPTH}.`,
            queries: [promql(agg("max", M.requestQueueDepth, ["service"], NS_SVC), "{{service}}")],
            unit: "short",
            min: 0,
            thresholds: [warnAt(QUEUE_DEPTH)],
          }),
          graph({
            title: "Queue wait by service",
            description: "P95 from the recording rule (all namespaces), P50 and P99 for the selection.",
            queries: [
              promql(quantile(0.5, M.requestQueueWaitSeconds, ["service"], NS_SVC), "{{service}} p50"),
              promql(selector(RECORDED.queueWaitP95, svc), "{{service}} p95"),
              promql(quantile(0.99, M.requestQueueWaitSeconds, ["service"], NS_SVC), "{{service}} p99"),
            ],
            unit: "s",
            min: 0,
          }),
        ],
      },
    ],
  });
}
