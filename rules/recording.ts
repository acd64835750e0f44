/**
 * Recording rules: the per-service latency and error series the dashboards read (computed exactly as the alerts
 * compute them), aggregations of the per-user and per-session memory series that drop `user_id` and `session_id`
 * so dashboards never fan out over them, and the seed's GPU names recorded from the DCGM exporter.
 */
import { Counter, Histogram, M, stem } from "../telemetry/catalog";
import { HTTP_ERRORS, INFERENCE_ERRORS, MCP_ERRORS, MEMORY_ERRORS, errorRatioByService } from "./errors";
import { p95ByService } from "./latency";
import { Matchers, SeriesLabel, aggregate, rateBy } from "./promql";
import { BUDGET_WARNING_RATIO } from "./thresholds";
import { RecordingRule, RuleGroup } from "./types";

const p95Name = <N extends string>(h: { name: N }) => `service:${h.name}:p95_5m` as const;
const errorRatioName = (c: Counter) => `service:${stem(c)}:error_ratio_5m`;
const rateName = (c: Counter) => `service:${stem(c)}:rate5m`;

/** Names of the recorded series, for dashboards. */
export const RECORDED = {
  httpP95: p95Name(M.httpRequestDurationSeconds),
  inferenceP95: p95Name(M.inferenceDurationSeconds),
  mcpP95: p95Name(M.mcpOperationDurationSeconds),
  memoryP95: p95Name(M.memoryOperationDurationSeconds),
  queueWaitP95: p95Name(M.requestQueueWaitSeconds),
  httpErrorRatio: errorRatioName(M.httpRequestsTotal),
  inferenceErrorRatio: errorRatioName(M.inferenceRequestsTotal),
  mcpErrorRatio: errorRatioName(M.mcpRequestsTotal),
  memoryErrorRatio: errorRatioName(M.memoryOperationsTotal),
  httpRate: rateName(M.httpRequestsTotal),
  inferenceRate: rateName(M.inferenceRequestsTotal),
  mcpRate: rateName(M.mcpRequestsTotal),
  memoryRate: rateName(M.memoryOperationsTotal),
  memoryItems: `service:${M.memoryItemsTotal.name}:sum`,
  budgetUtilizationMax: `service:${M.memoryBudgetUtilization.name}:max`,
  budgetUsedBytes: `service:${M.memoryBudgetUsedBytes.name}:sum`,
  budgetTotalBytes: `service:${M.memoryBudgetTotalBytes.name}:sum`,
  budgetSessions: `service:memory_budget_sessions:count`,
  budgetSessionsOverWarning: `service:memory_budget_sessions_over_warning:count`,
  gpuUtilizationPercent: M.gpuUtilizationPercent.name,
  gpuMemoryUsedBytes: M.gpuMemoryUsedBytes.name,
  gpuMemoryTotalBytes: M.gpuMemoryTotalBytes.name,
  gpuTemperatureCelsius: M.gpuTemperatureCelsius.name,
} as const;

const p95 = (record: string, h: Histogram): RecordingRule => ({ record, expr: p95ByService(h) });
const ratio = <F extends Counter>(record: string, c: F, errors: Matchers<F>): RecordingRule => ({ record, expr: errorRatioByService(c, errors) });
const rate = (record: string, c: Counter): RecordingRule => ({ record, expr: rateBy(c, ["service"]) });

const LATENCY: readonly RecordingRule[] = [
  p95(RECORDED.httpP95, M.httpRequestDurationSeconds),
  p95(RECORDED.inferenceP95, M.inferenceDurationSeconds),
  p95(RECORDED.mcpP95, M.mcpOperationDurationSeconds),
  p95(RECORDED.memoryP95, M.memoryOperationDurationSeconds),
  p95(RECORDED.queueWaitP95, M.requestQueueWaitSeconds),
];

const TRAFFIC: readonly RecordingRule[] = [
  ratio(RECORDED.httpErrorRatio, M.httpRequestsTotal, HTTP_ERRORS),
  ratio(RECORDED.inferenceErrorRatio, M.inferenceRequestsTotal, INFERENCE_ERRORS),
  ratio(RECORDED.mcpErrorRatio, M.mcpRequestsTotal, MCP_ERRORS),
  ratio(RECORDED.memoryErrorRatio, M.memoryOperationsTotal, MEMORY_ERRORS),
  rate(RECORDED.httpRate, M.httpRequestsTotal),
  rate(RECORDED.inferenceRate, M.inferenceRequestsTotal),
  rate(RECORDED.mcpRate, M.mcpRequestsTotal),
  rate(RECORDED.memoryRate, M.memoryOperationsTotal),
];

const MEMORY: readonly RecordingRule[] = [
  { record: RECORDED.memoryItems, expr: aggregate("sum", M.memoryItemsTotal, ["service"]) },
  { record: RECORDED.budgetUtilizationMax, expr: aggregate("max", M.memoryBudgetUtilization, ["service"]) },
  { record: RECORDED.budgetUsedBytes, expr: aggregate("sum", M.memoryBudgetUsedBytes, ["service"]) },
  { record: RECORDED.budgetTotalBytes, expr: aggregate("sum", M.memoryBudgetTotalBytes, ["service"]) },
  { record: RECORDED.budgetSessions, expr: aggregate("count", M.memoryBudgetUtilization, ["service"]) },
  { record: RECORDED.budgetSessionsOverWarning, expr: `count by (service) (${M.memoryBudgetUtilization.name} > ${BUDGET_WARNING_RATIO})` },
];

type DcgmLabel = SeriesLabel<typeof M.dcgmGpuUtil>;
/** Labels replaced by `gpu_id` and `node`, or that only repeat the GPU's identity. */
const DCGM_DROPPED: readonly DcgmLabel[] = ["gpu", "Hostname", "hostname", "device", "pci_bus_id", "DCGM_FI_DRIVER_VERSION"];
const GPU_INDEX: DcgmLabel = "gpu";
/** Exporter 4.8.2 and earlier say `Hostname`, later ones `hostname`: take whichever is present. */
const HOSTNAME_LABELS: readonly DcgmLabel[] = ["Hostname", "hostname"];
const MIB = 1024 * 1024;

/**
 * A DCGM expression under the seed's labels: `gpu_id` from the GPU index, `node` from the host name. `max without`
 * only removes the dropped labels; each GPU is still one series (its UUID and target labels stay).
 */
function fromDcgm(expr: string): string {
  let out = `label_replace(${expr}, "gpu_id", "$1", "${GPU_INDEX}", "(.*)")`;
  // "(.+)" does not match an absent label, so the second replace cannot blank what the first one set.
  for (const host of HOSTNAME_LABELS) out = `label_replace(${out}, "node", "$1", "${host}", "(.+)")`;
  return `max without (${DCGM_DROPPED.join(", ")}) (${out})`;
}

// Allocatable memory is used + free. DCGM_FI_DEV_FB_RESERVED (driver-reserved) is left out: it is never available
// to a model, and older exporters do not export it, which would make the sum vanish.
const GPU: readonly RecordingRule[] = [
  { record: RECORDED.gpuUtilizationPercent, expr: fromDcgm(M.dcgmGpuUtil.name) },
  { record: RECORDED.gpuMemoryUsedBytes, expr: fromDcgm(`${M.dcgmFbUsed.name} * ${MIB}`) },
  { record: RECORDED.gpuMemoryTotalBytes, expr: fromDcgm(`(${M.dcgmFbUsed.name} + ${M.dcgmFbFree.name}) * ${MIB}`) },
  { record: RECORDED.gpuTemperatureCelsius, expr: fromDcgm(M.dcgmGpuTemp.name) },
];

/** Group names, referenced by the rule unit tests' `group_eval_order`. */
export const RECORDING_GROUPS = {
  latency: "recording-latency",
  traffic: "recording-traffic",
  memory: "recording-memory",
  gpu: "gpu-seed-names",
} as const;

export const recordingGroups = (): RuleGroup[] => [
  { name: RECORDING_GROUPS.latency, rules: LATENCY },
  { name: RECORDING_GROUPS.traffic, rules: TRAFFIC },
  { name: RECORDING_GROUPS.memory, rules: MEMORY },
  { name: RECORDING_GROUPS.gpu, rules: GPU },
];
