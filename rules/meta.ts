/**
 * Self-monitoring: the alerting path watches itself, because a broken Prometheus or Alertmanager fails silently.
 * Watchdog always fires so that an external dead-man's switch notices when alerts stop arriving at all.
 */
import { M } from "../telemetry/catalog";
import { LOG_META_ALERTS } from "./meta-logs";
import { TRACE_META_ALERTS } from "./meta-traces";
import { THANOS_META_ALERTS } from "./meta-thanos";
import { RATE_WINDOW } from "./promql";
import { META_FOR, NOTIFICATION_ERROR_RATIO, SCRAPE_LIMIT_FOR } from "./thresholds";
import { AlertRule, RuleGroup } from "./types";

const increase = (name: string) => `increase(${name}[${RATE_WINDOW}])`;

export const META_ALERTS: readonly AlertRule[] = [
  {
    alert: "Watchdog",
    expr: "vector(1)",
    severity: "info",
    category: "meta",
    summary: "Alerting pipeline heartbeat",
    description: "Always firing. If the heartbeat receiver stops getting this alert, Prometheus, Alertmanager or the path between them is broken.",
  },
  {
    alert: "PrometheusConfigReloadFailed",
    expr: `${M.prometheusConfigLastReloadSuccessful.name} == 0`,
    for: META_FOR,
    severity: "warning",
    category: "meta",
    summary: "Prometheus {{ $labels.instance }} failed to reload its configuration",
    description: "The last configuration reload of {{ $labels.instance }} failed; it keeps running the previous scrape and rule configuration.",
  },
  {
    alert: "PrometheusRuleEvaluationFailures",
    expr: `${increase(M.prometheusRuleEvaluationFailuresTotal.name)} > 0`,
    for: META_FOR,
    severity: "warning",
    category: "meta",
    summary: "Prometheus {{ $labels.instance }} fails to evaluate rules",
    description: "{{ $value | printf \"%.0f\" }} rule evaluations of group {{ $labels.rule_group }} failed in 5m; alerts of that group may not fire.",
  },
  {
    alert: "PrometheusNotificationsFailing",
    // Errors per Alertmanager, or alerts dropped before any Alertmanager got them (queue full, none discovered).
    expr:
      `(rate(${M.prometheusNotificationsErrorsTotal.name}[${RATE_WINDOW}]) / rate(${M.prometheusNotificationsSentTotal.name}[${RATE_WINDOW}]) > ${NOTIFICATION_ERROR_RATIO})` +
      ` or (${increase(M.prometheusNotificationsDroppedTotal.name)} > 0)`,
    for: META_FOR,
    severity: "warning",
    category: "meta",
    summary: "Prometheus {{ $labels.instance }} cannot deliver alerts to Alertmanager",
    description: "Prometheus {{ $labels.instance }} fails to send or drops alerts{{ with $labels.alertmanager }} to {{ . }}{{ end }}; alerts are not reaching Slack.",
  },
  {
    alert: "AlertmanagerNotificationsFailing",
    // `reason` exists only on the failure counter: sum it away so the two sides match.
    expr:
      `sum without (reason) (rate(${M.alertmanagerNotificationsFailedTotal.name}[${RATE_WINDOW}])) / sum without (reason) (rate(${M.alertmanagerNotificationsTotal.name}[${RATE_WINDOW}]))` +
      ` > ${NOTIFICATION_ERROR_RATIO}`,
    for: META_FOR,
    severity: "warning",
    category: "meta",
    summary: "Alertmanager {{ $labels.instance }} fails to notify {{ $labels.integration }}",
    description: "{{ $value | humanizePercentage }} of {{ $labels.integration }} notifications from {{ $labels.instance }} failed over 5m; check the webhook and network egress.",
  },
  {
    alert: "AlertmanagerConfigReloadFailed",
    expr: `${M.alertmanagerConfigLastReloadSuccessful.name} == 0`,
    for: META_FOR,
    severity: "warning",
    category: "meta",
    summary: "Alertmanager {{ $labels.instance }} failed to reload its configuration",
    description: "The last configuration reload of Alertmanager {{ $labels.instance }} failed; it keeps routing with the previous configuration.",
  },
  {
    alert: "PrometheusScrapeSampleLimitHit",
    expr: `${increase(M.prometheusTargetScrapesExceededSampleLimitTotal.name)} > 0`,
    for: SCRAPE_LIMIT_FOR,
    severity: "warning",
    category: "meta",
    summary: "Prometheus {{ $labels.instance }} rejects scrapes over their sample limit",
    description: "{{ $value | printf \"%.0f\" }} scrapes exceeded their sample_limit in 5m; those targets are recorded as down and lose all their samples. A cardinality explosion is the usual cause.",
  },
];

export const metaGroups = (): RuleGroup[] => [
  { name: "meta", rules: META_ALERTS },
  { name: "meta-logs", rules: LOG_META_ALERTS },
  { name: "meta-traces", rules: TRACE_META_ALERTS },
  { name: "meta-thanos", rules: THANOS_META_ALERTS },
];
