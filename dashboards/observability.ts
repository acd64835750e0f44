/**
 * Observability health: whether the stack itself works. Scrape health of every component, then each component's
 * own metrics: Prometheus, Alertmanager, Loki, Promtail, the OpenTelemetry Collector and Jaeger. Ratios draw the
 * thresholds of the meta alerts.
 */
import { Counter, EXPORTER_JOBS, M, count } from "../telemetry/catalog";
import { SELF_JOBS } from "../components/prometheus-config";
import {
  COLLECTOR_LOSS_RATIO,
  COLLECTOR_QUEUE_FULL_RATIO,
  JAEGER_READ_ERROR_RATIO,
  LOKI_ERROR_RATIO,
  NOTIFICATION_ERROR_RATIO,
  PROMTAIL_ERROR_RATIO,
} from "../rules/thresholds";
import { FULL, HALF, THIRD, buildDashboard, critAt, graph, promql, singleStat, warnAt } from "./kit";
import { agg, quantile, re, selector, series, sumRate } from "./promql";

export const OBSERVABILITY_UID = "ai-platform-observability";

const job = (name: (typeof SELF_JOBS)[number]) => ({ job: name });
const rate = (s: string) => `rate(${s}[$__rate_interval])`;

/** Failed / all per label set, as the meta alerts compute it. */
function failureRatio(failed: string, all: string, by: string): string {
  return `sum by (${by}) (${rate(failed)}) / sum by (${by}) (${rate(all)})`;
}

/** The collector's counters come in one family per signal. */
const SIGNALS: readonly { signal: string; accepted: Counter; refused: Counter; sent: Counter; failed: Counter }[] = [
  { signal: "spans", accepted: M.otelcolReceiverAcceptedSpansTotal, refused: M.otelcolReceiverRefusedSpansTotal, sent: M.otelcolExporterSentSpansTotal, failed: M.otelcolExporterSendFailedSpansTotal },
  {
    signal: "log records",
    accepted: M.otelcolReceiverAcceptedLogRecordsTotal,
    refused: M.otelcolReceiverRefusedLogRecordsTotal,
    sent: M.otelcolExporterSentLogRecordsTotal,
    failed: M.otelcolExporterSendFailedLogRecordsTotal,
  },
  {
    signal: "metric points",
    accepted: M.otelcolReceiverAcceptedMetricPointsTotal,
    refused: M.otelcolReceiverRefusedMetricPointsTotal,
    sent: M.otelcolExporterSentMetricPointsTotal,
    failed: M.otelcolExporterSendFailedMetricPointsTotal,
  },
];
const collector = job("otel-collector");

/** `bad / (good + bad)`, as the trace-pipeline alerts compute a loss: the bad ones never reach the good counter. */
function lossRatio(good: Counter, bad: Counter, by: "receiver" | "exporter", matchers: { job: string }): string {
  const badRate = sumRate(bad, [by], matchers);
  return `${badRate} / (${sumRate(good, [by], matchers)} + ${badRate})`;
}

const lokiRequests = count(M.lokiRequestDurationSeconds);
const promtailPushes = count(M.promtailRequestDurationSeconds);

export function observabilityDashboard(): Record<string, unknown> {
  const watched = [...SELF_JOBS, ...EXPORTER_JOBS];
  return buildDashboard({
    uid: OBSERVABILITY_UID,
    title: "AI Platform / Observability health",
    description: "Is the observability stack itself healthy: scrape targets, Prometheus, Alertmanager, Loki, Promtail, the OpenTelemetry Collector and Jaeger.",
    tags: ["observability", "meta"],
    variables: [],
    sections: [
      {
        panels: [
          singleStat({
            title: "Components and exporters",
            description: "Each job is UP when every one of its targets answered its last scrape.",
            queries: [promql(`min by (job) (${selector(M.up.name, { job: re(watched.join("|")) })})`, "{{job}}")],
            upDown: true,
            width: FULL,
          }),
        ],
      },
      {
        row: "Prometheus",
        panels: [
          singleStat({ title: "Prometheus config reloaded", queries: [promql(`min(${series(M.prometheusConfigLastReloadSuccessful, job("prometheus"))})`)], upDown: true, width: THIRD }),
          singleStat({ title: "Series in head", queries: [promql(agg("sum", M.prometheusTsdbHeadSeries, [], job("prometheus")))], unit: "short", sparkline: true, width: THIRD }),
          singleStat({
            title: "Scrapes over sample limit",
            queries: [promql(`sum(increase(${series(M.prometheusTargetScrapesExceededSampleLimitTotal, job("prometheus"))}[$__range]))`)],
            unit: "short",
            thresholds: [critAt(1)],
            width: THIRD,
          }),
          graph({
            title: "Alerts sent to Alertmanager",
            queries: [
              promql(sumRate(M.prometheusNotificationsSentTotal, ["alertmanager"], job("prometheus")), "sent {{alertmanager}}"),
              promql(sumRate(M.prometheusNotificationsErrorsTotal, ["alertmanager"], job("prometheus")), "errors {{alertmanager}}"),
              promql(sumRate(M.prometheusNotificationsDroppedTotal, [], job("prometheus")), "dropped"),
            ],
            unit: "short",
            min: 0,
          }),
          graph({
            title: "Rule evaluation failures/s by group",
            queries: [promql(sumRate(M.prometheusRuleEvaluationFailuresTotal, ["rule_group"], job("prometheus")), "{{rule_group}}")],
            unit: "short",
            min: 0,
          }),
        ],
      },
      {
        row: "Alertmanager",
        panels: [
          singleStat({ title: "Alertmanager config reloaded", queries: [promql(`min(${series(M.alertmanagerConfigLastReloadSuccessful, job("alertmanager"))})`)], upDown: true, width: HALF, height: 8 }),
          graph({ title: "Active alerts", queries: [promql(agg("max", M.alertmanagerAlerts, ["state"], job("alertmanager")), "{{state}}")], unit: "short", min: 0 }),
          graph({
            title: "Notifications/s by integration",
            queries: [
              promql(sumRate(M.alertmanagerNotificationsTotal, ["integration"], job("alertmanager")), "{{integration}}"),
              promql(sumRate(M.alertmanagerNotificationsFailedTotal, ["integration"], job("alertmanager")), "{{integration}} failed"),
            ],
            unit: "short",
            min: 0,
          }),
          graph({
            title: "Failed notifications ratio",
            description: `AlertmanagerNotificationsFailing fires above ${NOTIFICATION_ERROR_RATIO * 100}%.`,
            queries: [promql(failureRatio(series(M.alertmanagerNotificationsFailedTotal, job("alertmanager")), series(M.alertmanagerNotificationsTotal, job("alertmanager")), "integration"), "{{integration}}")],
            unit: "percentunit",
            min: 0,
            thresholds: [critAt(NOTIFICATION_ERROR_RATIO)],
          }),
        ],
      },
      {
        row: "Loki",
        panels: [
          graph({ title: "Requests/s by route", queries: [promql(`sum by (route) (${rate(selector(lokiRequests, job("loki")))})`, "{{route}}")], unit: "reqps", min: 0, legendTable: true }),
          graph({
            title: "5xx ratio by route",
            description: `LokiRequestErrors fires above ${LOKI_ERROR_RATIO * 100}%.`,
            queries: [promql(failureRatio(selector(lokiRequests, { ...job("loki"), status_code: re("5..") }), selector(lokiRequests, job("loki")), "route"), "{{route}}")],
            unit: "percentunit",
            min: 0,
            thresholds: [critAt(LOKI_ERROR_RATIO)],
          }),
          graph({
            title: "P99 latency by route",
            queries: [promql(quantile(0.99, M.lokiRequestDurationSeconds, ["route"], job("loki")), "{{route}}")],
            unit: "s",
            min: 0,
            legendTable: true,
          }),
          graph({
            title: "Lines received and discarded/s",
            queries: [
              promql(sumRate(M.lokiDistributorLinesReceivedTotal, [], job("loki")), "received"),
              promql(sumRate(M.lokiDiscardedSamplesTotal, ["reason"], job("loki")), "discarded {{reason}}"),
            ],
            unit: "short",
            min: 0,
          }),
        ],
      },
      {
        row: "Promtail",
        panels: [
          graph({
            title: "Pushes/s by status",
            queries: [promql(`sum by (status_code) (${rate(selector(promtailPushes, job("promtail")))})`, "{{status_code}}")],
            unit: "reqps",
            min: 0,
            stack: true,
          }),
          graph({
            title: "Failed push ratio by instance",
            description: `PromtailRequestErrors fires above ${PROMTAIL_ERROR_RATIO * 100}%.`,
            queries: [promql(failureRatio(selector(promtailPushes, { ...job("promtail"), status_code: { op: "!~", value: "2.." } }), selector(promtailPushes, job("promtail")), "instance"), "{{instance}}")],
            unit: "percentunit",
            min: 0,
            thresholds: [critAt(PROMTAIL_ERROR_RATIO)],
          }),
          graph({
            title: "Entries sent and dropped/s",
            queries: [
              promql(sumRate(M.promtailSentEntriesTotal, [], job("promtail")), "sent"),
              promql(sumRate(M.promtailDroppedEntriesTotal, ["reason"], job("promtail")), "dropped {{reason}}"),
            ],
            unit: "short",
            min: 0,
            width: FULL,
          }),
        ],
      },
      {
        row: "OpenTelemetry Collector",
        panels: [
          graph({
            title: "Received/s by receiver",
            queries: SIGNALS.map((x) => promql(sumRate(x.accepted, ["receiver"], collector), `{{receiver}} ${x.signal}`)),
            unit: "short",
            min: 0,
            legendTable: true,
          }),
          graph({
            title: "Exported/s by exporter",
            queries: SIGNALS.map((x) => promql(sumRate(x.sent, ["exporter"], collector), `{{exporter}} ${x.signal}`)),
            unit: "short",
            min: 0,
            legendTable: true,
          }),
          graph({
            title: "Refused share by receiver",
            description: `OtelCollectorRefusingData fires above ${COLLECTOR_LOSS_RATIO * 100}%.`,
            queries: SIGNALS.map((x) => promql(lossRatio(x.accepted, x.refused, "receiver", collector), `{{receiver}} ${x.signal}`)),
            unit: "percentunit",
            min: 0,
            thresholds: [critAt(COLLECTOR_LOSS_RATIO)],
          }),
          graph({
            title: "Export failure share by exporter",
            description: `OtelCollectorExportFailures fires above ${COLLECTOR_LOSS_RATIO * 100}%.`,
            queries: SIGNALS.map((x) => promql(lossRatio(x.sent, x.failed, "exporter", collector), `{{exporter}} ${x.signal}`)),
            unit: "percentunit",
            min: 0,
            thresholds: [critAt(COLLECTOR_LOSS_RATIO)],
          }),
          graph({
            title: "Sending queue fill by exporter",
            description: `OtelCollectorExportQueueNearFull fires above ${COLLECTOR_QUEUE_FULL_RATIO * 100}%; a full queue drops new data.`,
            queries: [
              promql(`max by (exporter, data_type) (${series(M.otelcolExporterQueueSize, collector)} / ${series(M.otelcolExporterQueueCapacity, collector)})`, "{{exporter}} {{data_type}}"),
            ],
            unit: "percentunit",
            min: 0,
            max: 1,
            thresholds: [warnAt(COLLECTOR_QUEUE_FULL_RATIO)],
            width: FULL,
          }),
        ],
      },
      {
        row: "Jaeger",
        panels: [
          singleStat({ title: "Jaeger up", queries: [promql(`min(${series(M.up, job("jaeger"))})`)], upDown: true, width: THIRD, height: 8 }),
          graph({
            title: "Spans received and written/s",
            description: "Jaeger v2 runs on the collector framework: receivers take spans in, its storage exporter writes them to Badger.",
            queries: [
              promql(sumRate(M.otelcolReceiverAcceptedSpansTotal, [], job("jaeger")), "received"),
              promql(sumRate(M.otelcolReceiverRefusedSpansTotal, [], job("jaeger")), "refused"),
              promql(sumRate(M.otelcolExporterSentSpansTotal, [], job("jaeger")), "written"),
              promql(sumRate(M.otelcolExporterSendFailedSpansTotal, [], job("jaeger")), "write failed"),
            ],
            unit: "short",
            min: 0,
            width: THIRD * 2,
          }),
          graph({
            title: "Trace-store reads/s by operation",
            description: "Reads serve the query API, the UI and Grafana's Jaeger datasource.",
            queries: [promql(sumRate(M.jaegerStorageRequestsTotal, ["operation", "result"], job("jaeger")), "{{operation}} {{result}}")],
            unit: "short",
            min: 0,
            legendTable: true,
          }),
          graph({
            title: "Trace-store read error ratio",
            description: `JaegerStorageReadErrors fires above ${JAEGER_READ_ERROR_RATIO * 100}%.`,
            queries: [
              promql(
                `${sumRate(M.jaegerStorageRequestsTotal, ["operation"], { ...job("jaeger"), result: "err" })} / ${sumRate(M.jaegerStorageRequestsTotal, ["operation"], job("jaeger"))}`,
                "{{operation}}",
              ),
            ],
            unit: "percentunit",
            min: 0,
            thresholds: [critAt(JAEGER_READ_ERROR_RATIO)],
          }),
        ],
      },
    ],
  });
}
