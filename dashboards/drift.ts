/**
 * Drift and learning: the drift score of each model against the DriftDetected and HighDriftScore thresholds, the
 * drift checks and how long they take, and whether the drift monitor and the learning engine are scraped at all.
 */
import { M } from "../telemetry/catalog";
import { DRIFT_CRITICAL, DRIFT_WARNING } from "../rules/thresholds";
import { FULL, HALF, QUARTER, bars, buildDashboard, critAt, graph, promVariable, promql, promqlInstant, singleStat, warnAt } from "./kit";
import { NS_SVC, agg, byVar, mean, quantile, re, selector, series, sumRate } from "./promql";

export const DRIFT_UID = "ai-platform-drift";

const score = M.driftScore;
const checks = M.driftChecksTotal;
const detection = M.driftDetectionDurationSeconds;
const byModel = { ...NS_SVC, model: byVar("model") };
/** The same two lines the alerts fire on: DriftDetected (warning) and HighDriftScore (critical). */
const driftLines = [warnAt(DRIFT_WARNING), critAt(DRIFT_CRITICAL)];
const DRIFT_JOBS = ["drift-monitor", "learning-engine"] as const;

export function driftDashboard(): Record<string, unknown> {
  return buildDashboard({
    uid: DRIFT_UID,
    title: "AI Platform / Drift and learning",
    description: `Drift score per model with the alert thresholds (${DRIFT_WARNING} warning, ${DRIFT_CRITICAL} critical), drift checks and detection time.`,
    tags: ["drift", "learning-engine"],
    variables: [
      promVariable("namespace", "Namespace", series(score), "namespace"),
      promVariable("service", "Service", series(score, { namespace: byVar("namespace") }), "service"),
      promVariable("model", "Model", series(score, NS_SVC), "model"),
    ],
    sections: [
      {
        panels: [
          singleStat({ title: "Models monitored", queries: [promql(`count(${series(score, byModel)})`)], unit: "short", width: QUARTER }),
          singleStat({
            title: "Highest drift score",
            queries: [promql(agg("max", score, [], byModel))],
            unit: "short",
            decimals: 3,
            thresholds: driftLines,
            sparkline: true,
            width: QUARTER,
          }),
          singleStat({
            title: "Models over the warning threshold",
            queries: [promql(`count(${series(score, byModel)} > ${DRIFT_WARNING}) or vector(0)`)],
            unit: "short",
            thresholds: [warnAt(1)],
            width: QUARTER,
          }),
          singleStat({ title: "Drift checks/s", queries: [promql(sumRate(checks, [], byModel))], unit: "short", sparkline: true, width: QUARTER }),
        ],
      },
      {
        row: "Drift score",
        panels: [
          graph({
            title: "Drift score by model",
            description: `DriftDetected fires above ${DRIFT_WARNING}, HighDriftScore (critical) above ${DRIFT_CRITICAL}.`,
            queries: [promql(agg("max", score, ["model"], byModel), "{{model}}")],
            unit: "short",
            decimals: 3,
            min: 0,
            thresholds: driftLines,
            width: FULL,
            height: 10,
          }),
          bars({
            title: "Current drift score by model",
            queries: [promqlInstant(agg("max", score, ["model"], byModel), "{{model}}")],
            unit: "short",
            decimals: 3,
            min: 0,
            max: 1,
            thresholds: driftLines,
            width: FULL,
          }),
        ],
      },
      {
        row: "Checks",
        panels: [
          graph({ title: "Drift checks/s by status", queries: [promql(sumRate(checks, ["status"], byModel), "{{status}}")], unit: "short", min: 0, stack: true }),
          graph({ title: "Drift checks/s by model and status", queries: [promql(sumRate(checks, ["model", "status"], byModel), "{{model}} {{status}}")], unit: "short", min: 0, legendTable: true }),
          graph({
            title: "Detection duration",
            queries: [
              promql(mean(detection, ["service"], NS_SVC), "{{service}} mean"),
              promql(quantile(0.5, detection, ["service"], NS_SVC), "{{service}} p50"),
              promql(quantile(0.95, detection, ["service"], NS_SVC), "{{service}} p95"),
              promql(quantile(0.99, detection, ["service"], NS_SVC), "{{service}} p99"),
            ],
            unit: "s",
            min: 0,
            width: HALF,
          }),
          singleStat({
            title: "Drift monitor and learning engine",
            description: "Scrape health of the services that publish drift and learning metrics.",
            queries: [promql(`min by (job) (${selector(M.up.name, { job: re(DRIFT_JOBS.join("|")), namespace: byVar("namespace") })})`, "{{job}}")],
            upDown: true,
            width: HALF,
            height: 8,
          }),
        ],
      },
    ],
  });
}
