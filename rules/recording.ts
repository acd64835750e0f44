/**
 * Recording rules. First the rates (rated.ts): each platform counter and histogram series rated once per window,
 * replicas summed away, the family's own labels kept. From those alone, the per-service latency and error series the
 * alerts compare with their thresholds and the dashboards draw. Then aggregations of the per-user and per-session
 * memory series that drop `user_id` and `session_id` so dashboards never fan out over them, and the seed's GPU names
 * recorded from the DCGM exporter.
 *
 * One group per rated family: a group evaluates its rules in order at one timestamp, so a family's quantile or ratio
 * reads the rate recorded just before it, and no group holds more than one family's raw series.
 */
import { Counter, Histogram, M } from "../telemetry/catalog";
import { HTTP_ERRORS, INFERENCE_ERRORS, MCP_ERRORS, MEMORY_ERRORS, errorRatioByService } from "./errors";
import { p95ByService } from "./latency";
import { Matchers, SeriesLabel, aggregate, rateBy } from "./promql";
import { RATE_WINDOW, RATED_SERIES, RatedSeries } from "./rated";
import { RECORDED } from "./recorded-names";
import { BUDGET_WARNING_RATIO } from "./thresholds";
import { RecordingRule, RuleGroup } from "./types";

export { RECORDED };

const p95 = (record: string, h: Histogram): RecordingRule => ({ record, expr: p95ByService(h) });
const ratio = <F extends Counter>(record: string, c: F, errors: Matchers<F>): RecordingRule => ({ record, expr: errorRatioByService(c, errors) });
const rate = (record: string, c: Counter): RecordingRule => ({ record, expr: rateBy(c, ["service"]) });

/** The one rule that rates a raw series. */
const rated = (s: RatedSeries): RecordingRule => ({ record: s.recorded, expr: `sum by (${s.labels.join(", ")}) (rate(${s.raw}[${RATE_WINDOW}]))` });

/** What each family's group records from its rates, after them. */
const DERIVED: ReadonlyMap<string, readonly RecordingRule[]> = new Map([
  [M.httpRequestDurationSeconds.name, [p95(RECORDED.httpP95, M.httpRequestDurationSeconds)]],
  [M.inferenceDurationSeconds.name, [p95(RECORDED.inferenceP95, M.inferenceDurationSeconds)]],
  [M.mcpOperationDurationSeconds.name, [p95(RECORDED.mcpP95, M.mcpOperationDurationSeconds)]],
  [M.memoryOperationDurationSeconds.name, [p95(RECORDED.memoryP95, M.memoryOperationDurationSeconds)]],
  [M.requestQueueWaitSeconds.name, [p95(RECORDED.queueWaitP95, M.requestQueueWaitSeconds)]],
  [M.httpRequestsTotal.name, [ratio(RECORDED.httpErrorRatio, M.httpRequestsTotal, HTTP_ERRORS), rate(RECORDED.httpRate, M.httpRequestsTotal)]],
  [M.inferenceRequestsTotal.name, [ratio(RECORDED.inferenceErrorRatio, M.inferenceRequestsTotal, INFERENCE_ERRORS), rate(RECORDED.inferenceRate, M.inferenceRequestsTotal)]],
  [M.mcpRequestsTotal.name, [ratio(RECORDED.mcpErrorRatio, M.mcpRequestsTotal, MCP_ERRORS), rate(RECORDED.mcpRate, M.mcpRequestsTotal)]],
  [M.memoryOperationsTotal.name, [ratio(RECORDED.memoryErrorRatio, M.memoryOperationsTotal, MEMORY_ERRORS), rate(RECORDED.memoryRate, M.memoryOperationsTotal)]],
]);

/** The group that rates a family: `recording-<family>`. */
export const ratedGroupName = (family: { name: string }): string => `recording-${family.name}`;

function ratedGroups(): RuleGroup[] {
  const families = [...new Set(RATED_SERIES.map((s) => s.family))];
  return families.map((f) => ({
    name: ratedGroupName(f),
    rules: [...RATED_SERIES.filter((s) => s.family === f).map(rated), ...(DERIVED.get(f.name) ?? [])],
  }));
}

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

/** Group names of the gauge aggregations, referenced by the rule unit tests' `group_eval_order`. */
export const RECORDING_GROUPS = {
  memory: "recording-memory",
  gpu: "gpu-seed-names",
} as const;

export const recordingGroups = (): RuleGroup[] => [
  ...ratedGroups(),
  { name: RECORDING_GROUPS.memory, rules: MEMORY },
  { name: RECORDING_GROUPS.gpu, rules: GPU },
];
