/**
 * Self-monitoring of the log pipeline: Loki failing or refusing lines, Promtail unable to push or dropping entries,
 * and either of them unreachable. Lost logs are silent, so these say so.
 */
import { M, count } from "../telemetry/catalog";
import { RATE_WINDOW, selector } from "./promql";
import { LOG_TARGET_DOWN_FOR, LOKI_ERROR_RATIO, META_FOR, PROMTAIL_ERROR_RATIO } from "./thresholds";
import { AlertRule } from "./types";

const BY = "service, namespace, instance";
const rate = (s: string) => `rate(${s}[${RATE_WINDOW}])`;

export const LOG_META_ALERTS: readonly AlertRule[] = [
  {
    alert: "LokiRequestErrors",
    expr:
      `sum by (${BY}, route) (${rate(selector(count(M.lokiRequestDurationSeconds), { status_code: { op: "=~", value: "5.." } }))})` +
      ` / sum by (${BY}, route) (${rate(count(M.lokiRequestDurationSeconds))}) > ${LOKI_ERROR_RATIO}`,
    for: META_FOR,
    severity: "warning",
    category: "meta",
    summary: "Loki {{ $labels.instance }} fails {{ $value | humanizePercentage }} of {{ $labels.route }} requests",
    description: "More than 5% of requests to {{ $labels.route }} on {{ $labels.instance }} end in a 5xx over 5m; pushes may be lost or queries fail.",
  },
  {
    alert: "LokiDiscardingSamples",
    expr: `sum by (${BY}, reason) (increase(${M.lokiDiscardedSamplesTotal.name}[${RATE_WINDOW}])) > 0`,
    for: META_FOR,
    severity: "warning",
    category: "meta",
    summary: "Loki {{ $labels.instance }} discards log lines ({{ $labels.reason }})",
    description: "Loki refused {{ $value | printf \"%.0f\" }} lines in 5m for {{ $labels.reason }}; those lines are lost. Rate and stream limits are the usual cause.",
  },
  {
    alert: "PromtailRequestErrors",
    expr:
      `sum by (${BY}) (${rate(selector(count(M.promtailRequestDurationSeconds), { status_code: { op: "!~", value: "2.." } }))})` +
      ` / sum by (${BY}) (${rate(count(M.promtailRequestDurationSeconds))}) > ${PROMTAIL_ERROR_RATIO}`,
    for: META_FOR,
    severity: "warning",
    category: "meta",
    summary: "Promtail {{ $labels.instance }} fails to push to Loki",
    description: "{{ $value | humanizePercentage }} of pushes from {{ $labels.instance }} failed over 5m; entries are retried and dropped when retries run out.",
  },
  {
    alert: "PromtailDroppingEntries",
    expr: `sum by (${BY}) (increase(${M.promtailDroppedEntriesTotal.name}[${RATE_WINDOW}])) > 0`,
    for: LOG_TARGET_DOWN_FOR,
    severity: "warning",
    category: "meta",
    summary: "Promtail {{ $labels.instance }} drops log entries",
    description: "Promtail on {{ $labels.instance }} dropped {{ $value | printf \"%.0f\" }} entries in 5m after exhausting its retries; those logs are lost.",
  },
  {
    alert: "LogPipelineTargetDown",
    expr: `${selector(M.up.name, { job: { op: "=~", value: "loki|promtail" } })} == 0`,
    for: LOG_TARGET_DOWN_FOR,
    severity: "warning",
    category: "meta",
    summary: "{{ $labels.job }} target {{ $labels.instance }} is down",
    description: "Prometheus cannot scrape {{ $labels.job }} at {{ $labels.instance }} for 5m; logs of its node (Promtail) or all logs (Loki) may not be collected.",
  },
];
