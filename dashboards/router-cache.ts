/**
 * The model router and the caches: routing decisions by reason and chosen model, decision time, and hit ratios by
 * cache type.
 */
import { M, SOURCE_NAMES } from "../telemetry/catalog";
import { LATENCY_QUANTILE } from "../rules/thresholds";
import { FULL, HALF, THIRD, buildDashboard, graph, promVariable, promql, singleStat } from "./kit";
import { NS_SVC, byVar, mean, quantile, re, selector, series, sumRate } from "./promql";

export const ROUTER_CACHE_UID = "ai-platform-router-cache";

const decisions = M.routerDecisionsTotal;
const decisionTime = M.routerDecisionDurationSeconds;
const routed = { ...NS_SVC, model: byVar("model") };
const cached = { ...NS_SVC, cache_type: byVar("cache_type") };

/** Hits / (hits + misses) per the given labels; no lookups gives 0/0, a gap rather than a misleading 0%. */
function hitRatio(by: readonly ("cache_type" | "service")[]): string {
  const hits = sumRate(M.cacheHitsTotal, by, cached);
  const misses = sumRate(M.cacheMissesTotal, by, cached);
  return `${hits} / (${hits} + ${misses})`;
}

export function routerCacheDashboard(): Record<string, unknown> {
  return buildDashboard({
    uid: ROUTER_CACHE_UID,
    title: "AI Platform / Router and cache",
    description: "Routing decisions by reason and chosen model, the time a decision takes, and cache hit ratios by cache type.",
    tags: ["router", "cache"],
    variables: [
      promVariable("namespace", "Namespace", selector(M.up.name, { job: re(SOURCE_NAMES.join("|")) }), "namespace"),
      // Decisions and cache lookups come from different services, so the list is every platform service.
      promVariable("service", "Service", selector(M.up.name, { job: re(SOURCE_NAMES.join("|")), namespace: byVar("namespace") }), "service"),
      promVariable("model", "Model", series(decisions, NS_SVC), "model"),
      promVariable("cache_type", "Cache", series(M.cacheHitsTotal, NS_SVC), "cache_type"),
    ],
    sections: [
      {
        panels: [
          singleStat({ title: "Routing decisions/s", queries: [promql(sumRate(decisions, [], routed))], unit: "short", sparkline: true, width: THIRD }),
          singleStat({ title: "Decision time P95", queries: [promql(quantile(LATENCY_QUANTILE, decisionTime, [], NS_SVC))], unit: "s", sparkline: true, width: THIRD }),
          singleStat({ title: "Cache hit ratio", queries: [promql(hitRatio([]))], unit: "percentunit", min: 0, max: 1, sparkline: true, width: THIRD }),
        ],
      },
      {
        row: "Router",
        panels: [
          graph({ title: "Decisions/s by reason", queries: [promql(sumRate(decisions, ["reason"], routed), "{{reason}}")], unit: "short", min: 0, stack: true }),
          graph({ title: "Decisions/s by chosen model", queries: [promql(sumRate(decisions, ["model"], routed), "{{model}}")], unit: "short", min: 0, stack: true }),
          graph({
            title: "Decisions/s by model and reason",
            queries: [promql(sumRate(decisions, ["model", "reason"], routed), "{{model}} {{reason}}")],
            unit: "short",
            min: 0,
            width: FULL,
            legendTable: true,
          }),
          graph({
            title: "Decision time",
            queries: [
              promql(mean(decisionTime, ["service"], NS_SVC), "{{service}} mean"),
              promql(quantile(0.5, decisionTime, ["service"], NS_SVC), "{{service}} p50"),
              promql(quantile(LATENCY_QUANTILE, decisionTime, ["service"], NS_SVC), "{{service}} p95"),
              promql(quantile(0.99, decisionTime, ["service"], NS_SVC), "{{service}} p99"),
            ],
            unit: "s",
            min: 0,
            width: FULL,
          }),
        ],
      },
      {
        row: "Cache",
        panels: [
          graph({ title: "Hit ratio by cache type", queries: [promql(hitRatio(["cache_type"]), "{{cache_type}}")], unit: "percentunit", min: 0, max: 1, width: HALF }),
          graph({
            title: "Hits and misses/s by cache type",
            queries: [promql(sumRate(M.cacheHitsTotal, ["cache_type"], cached), "{{cache_type}} hits"), promql(sumRate(M.cacheMissesTotal, ["cache_type"], cached), "{{cache_type}} misses")],
            unit: "short",
            min: 0,
            width: HALF,
          }),
        ],
      },
    ],
  });
}
