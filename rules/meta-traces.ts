/**
 * Self-monitoring of the trace pipeline: the collector refusing data or failing to export it (spans to Jaeger, logs to
 * Loki, metrics to its Prometheus endpoint), its memory limiter refusing data, its sending queues filling up, Jaeger
 * failing to write or read Badger, and either of them unreachable.
 *
 * The collector's counters come in one family per signal; each alert covers the three and says which through a
 * `signal` label (`spans`, `log_records`, `metric_points`, the families' own suffixes).
 */
import { SERVICES } from "../components/services";
import { Counter, M } from "../telemetry/catalog";
import { RATE_WINDOW, series } from "./promql";
import {
  COLLECTOR_IDLE_UPTIME_SECONDS,
  COLLECTOR_LOSS_RATIO,
  COLLECTOR_NOT_RECEIVING_FOR,
  COLLECTOR_MEMORY_FOR,
  COLLECTOR_QUEUE_FOR,
  COLLECTOR_QUEUE_FULL_RATIO,
  JAEGER_READ_ERROR_RATIO,
  JAEGER_STORAGE_FOR,
  META_FOR,
  TRACE_TARGET_DOWN_FOR,
} from "./thresholds";
import { AlertRule } from "./types";

const BY = "service, namespace, instance";
const COLLECTOR_JOB = SERVICES.otelCollector.name;
const JAEGER_JOB = SERVICES.jaeger.name;
/** The component ID of Jaeger's storage exporter, the `exporter` label of its write counters. */
const JAEGER_STORAGE_EXPORTER = "jaeger_storage_exporter";

interface SignalFamilies {
  readonly signal: "spans" | "log_records" | "metric_points";
  readonly accepted: Counter;
  readonly refused: Counter;
  readonly sent: Counter;
  readonly failed: Counter;
  readonly limiterRefused: Counter;
}

const SIGNALS: readonly SignalFamilies[] = [
  {
    signal: "spans",
    accepted: M.otelcolReceiverAcceptedSpansTotal,
    refused: M.otelcolReceiverRefusedSpansTotal,
    sent: M.otelcolExporterSentSpansTotal,
    failed: M.otelcolExporterSendFailedSpansTotal,
    limiterRefused: M.otelcolProcessorMemoryLimiterRefusedSpansTotal,
  },
  {
    signal: "log_records",
    accepted: M.otelcolReceiverAcceptedLogRecordsTotal,
    refused: M.otelcolReceiverRefusedLogRecordsTotal,
    sent: M.otelcolExporterSentLogRecordsTotal,
    failed: M.otelcolExporterSendFailedLogRecordsTotal,
    limiterRefused: M.otelcolProcessorMemoryLimiterRefusedLogRecordsTotal,
  },
  {
    signal: "metric_points",
    accepted: M.otelcolReceiverAcceptedMetricPointsTotal,
    refused: M.otelcolReceiverRefusedMetricPointsTotal,
    sent: M.otelcolExporterSentMetricPointsTotal,
    failed: M.otelcolExporterSendFailedMetricPointsTotal,
    limiterRefused: M.otelcolProcessorMemoryLimiterRefusedMetricPointsTotal,
  },
];

const collector = (c: Counter) => series(c, { job: COLLECTOR_JOB });
const rateOf = (by: string, s: string) => `sum by (${by}) (rate(${s}[${RATE_WINDOW}]))`;
const increaseOf = (by: string, s: string) => `sum by (${by}) (increase(${s}[${RATE_WINDOW}]))`;
/** Adds the constant label `signal` (an empty regex on an empty source label always matches). */
const withSignal = (expr: string, signal: string) => `label_replace(${expr}, "signal", "${signal}", "", "")`;
/** One comparison per signal, joined with `or`: the three results differ in `signal`, so none hides another. */
const perSignal = (build: (s: SignalFamilies) => string, comparison: string) =>
  SIGNALS.map((s) => `(${withSignal(build(s), s.signal)} ${comparison})`).join(" or ");

/** `bad / (good + bad)` by the given labels. */
function lossRatio(by: string, good: string, bad: string): string {
  return `${rateOf(by, bad)} / (${rateOf(by, good)} + ${rateOf(by, bad)})`;
}

export const TRACE_META_ALERTS: readonly AlertRule[] = [
  {
    alert: "OtelCollectorRefusingData",
    expr: perSignal((s) => lossRatio(`${BY}, receiver`, collector(s.accepted), collector(s.refused)), `> ${COLLECTOR_LOSS_RATIO}`),
    for: META_FOR,
    severity: "warning",
    category: "meta",
    summary: "Collector {{ $labels.instance }} refuses {{ $value | humanizePercentage }} of {{ $labels.signal }} on {{ $labels.receiver }}",
    description:
      "The collector refused more than 1% of the {{ $labels.signal }} arriving on {{ $labels.receiver }} over 5m; senders get errors and, unless they retry, the data is lost. The memory limiter or a failing exporter downstream is the usual cause.",
  },
  {
    alert: "OtelCollectorExportFailures",
    expr: perSignal((s) => lossRatio(`${BY}, exporter`, collector(s.sent), collector(s.failed)), `> ${COLLECTOR_LOSS_RATIO}`),
    for: META_FOR,
    severity: "warning",
    category: "meta",
    summary: "Collector {{ $labels.instance }} fails to export {{ $labels.signal }} through {{ $labels.exporter }}",
    description:
      "{{ $value | humanizePercentage }} of the {{ $labels.signal }} sent through {{ $labels.exporter }} from {{ $labels.instance }} failed over 5m, after retries; those are lost (spans to Jaeger, log records to Loki, metric points to the Prometheus endpoint).",
  },
  {
    alert: "OtelCollectorMemoryLimiterRefusing",
    expr: perSignal((s) => increaseOf(BY, collector(s.limiterRefused)), "> 0"),
    for: COLLECTOR_MEMORY_FOR,
    severity: "warning",
    category: "meta",
    summary: "Collector {{ $labels.instance }} is at its memory limit and refuses {{ $labels.signal }}",
    description:
      "The memory limiter of {{ $labels.instance }} refused {{ $value | printf \"%.0f\" }} {{ $labels.signal }} in 5m; the collector's heap is above its soft limit. More replicas or a higher otelCollector.memoryLimitMiB (and container memory limit) are needed.",
  },
  {
    alert: "OtelCollectorExportQueueNearFull",
    expr:
      `max by (${BY}, exporter, data_type) (${series(M.otelcolExporterQueueSize, { job: COLLECTOR_JOB })} / ${series(M.otelcolExporterQueueCapacity, { job: COLLECTOR_JOB })})` +
      ` > ${COLLECTOR_QUEUE_FULL_RATIO}`,
    for: COLLECTOR_QUEUE_FOR,
    severity: "warning",
    category: "meta",
    summary: "Collector {{ $labels.instance }} queue of {{ $labels.exporter }} is {{ $value | humanizePercentage }} full",
    description:
      "The sending queue of {{ $labels.exporter }} ({{ $labels.data_type }}) on {{ $labels.instance }} has been over 80% full for 5m; the destination is slower than the input or unreachable, and a full queue drops new data.",
  },
  {
    // The collector starts its receivers only after every processor has started, and k8s_attributes does not start
    // without the API server: the pod then serves its own metrics but accepts nothing (health 503, no endpoints).
    alert: "OtelCollectorNotReceiving",
    expr:
      `max by (${BY}) (${collector(M.otelcolProcessUptimeSecondsTotal)}) > ${COLLECTOR_IDLE_UPTIME_SECONDS}` +
      ` unless on (instance) (${SIGNALS.flatMap((s) => [collector(s.accepted), collector(s.refused)]).join(" or ")})`,
    for: COLLECTOR_NOT_RECEIVING_FOR,
    severity: "warning",
    category: "meta",
    summary: "Collector {{ $labels.instance }} has accepted nothing since it started",
    description:
      "{{ $labels.instance }} has run for over 10m without any receiver accepting or refusing data: its receivers are not open. The usual cause is the k8s_attributes processor failing to reach the API server (RBAC, NetworkPolicy, API server down), which stops every receiver from starting.",
  },
  {
    alert: "JaegerStorageWriteFailures",
    expr: `${increaseOf(BY, series(M.otelcolExporterSendFailedSpansTotal, { job: JAEGER_JOB, exporter: JAEGER_STORAGE_EXPORTER }))} > 0`,
    for: JAEGER_STORAGE_FOR,
    severity: "warning",
    category: "meta",
    summary: "Jaeger {{ $labels.instance }} fails to write spans to Badger",
    description: "Jaeger failed to store {{ $value | printf \"%.0f\" }} spans in 5m; they are lost. A full volume or a Badger error is the usual cause.",
  },
  {
    alert: "JaegerStorageReadErrors",
    expr:
      `${rateOf(`${BY}, operation`, series(M.jaegerStorageRequestsTotal, { job: JAEGER_JOB, result: "err" }))}` +
      ` / ${rateOf(`${BY}, operation`, series(M.jaegerStorageRequestsTotal, { job: JAEGER_JOB }))} > ${JAEGER_READ_ERROR_RATIO}`,
    for: META_FOR,
    severity: "warning",
    category: "meta",
    summary: "Jaeger {{ $labels.instance }} fails {{ $value | humanizePercentage }} of {{ $labels.operation }} reads",
    description: "More than 5% of {{ $labels.operation }} reads from Badger on {{ $labels.instance }} failed over 5m; trace searches in the UI and in Grafana fail or come back incomplete.",
  },
  {
    alert: "TracePipelineTargetDown",
    expr: `${series(M.up, { job: { op: "=~", value: `${COLLECTOR_JOB}|${JAEGER_JOB}` } })} == 0`,
    for: TRACE_TARGET_DOWN_FOR,
    severity: "warning",
    category: "meta",
    summary: "{{ $labels.job }} target {{ $labels.instance }} is down",
    description:
      "Prometheus cannot scrape {{ $labels.job }} at {{ $labels.instance }} for 5m; the other trace-pipeline alerts are blind to it, and traces (and OTLP logs and metrics) may not be collected or stored.",
  },
];
