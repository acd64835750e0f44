/**
 * GPUs: utilization, memory and temperature per GPU (`gpu_id`) and node, on the seed's names that the recording
 * rules publish from the DCGM exporter, against the GPU alerts' thresholds.
 */
import { M } from "../telemetry/catalog";
import { GPU_MEMORY_PERCENT, GPU_TEMPERATURE_CELSIUS, GPU_UTILIZATION_PERCENT } from "../rules/thresholds";
import { FULL, HALF, QUARTER, bars, buildDashboard, critAt, graph, grid, promVariable, promql, promqlInstant, singleStat } from "./kit";
import { byVar, selector } from "./promql";
import { ne } from "../rules/promql";

export const GPU_UID = "ai-platform-gpu";

/** `node` and `gpu_id` are set by the recording rules, so they are not producer labels the typed matchers know. */
const scope = { node: byVar("node"), gpu_id: byVar("gpu_id") };
const util = selector(M.gpuUtilizationPercent.name, scope);
const used = selector(M.gpuMemoryUsedBytes.name, scope);
const total = selector(M.gpuMemoryTotalBytes.name, scope);
const temp = selector(M.gpuTemperatureCelsius.name, scope);
/** As HighGPUMemory computes it: a total of 0 means no data, not a full GPU. */
const memoryPercent = `100 * ${used} / (${total} > 0)`;
const perGpu = "{{node}} GPU {{gpu_id}}";
/**
 * GPUs a workload holds: the exporter names the pod, namespace and container using a GPU (scraped with honor_labels),
 * and sets `container` only then; an idle GPU carries the exporter's own pod.
 */
const inUse = selector(M.gpuUtilizationPercent.name, { ...scope, container: ne("") });

export function gpuDashboard(): Record<string, unknown> {
  return buildDashboard({
    uid: GPU_UID,
    title: "AI Platform / GPU",
    description: `GPU utilization, memory and temperature per GPU and node. Alerts: utilization above ${GPU_UTILIZATION_PERCENT}%, memory above ${GPU_MEMORY_PERCENT}%, temperature above ${GPU_TEMPERATURE_CELSIUS}°C.`,
    tags: ["gpu"],
    variables: [
      promVariable("node", "Node", M.gpuUtilizationPercent.name, "node"),
      promVariable("gpu_id", "GPU", selector(M.gpuUtilizationPercent.name, { node: byVar("node") }), "gpu_id"),
    ],
    sections: [
      {
        panels: [
          singleStat({ title: "GPUs", queries: [promql(`count(${util})`)], unit: "short", width: QUARTER }),
          singleStat({
            title: "Busiest GPU utilization",
            queries: [promql(`max(${util})`)],
            unit: "percent",
            max: 100,
            thresholds: [critAt(GPU_UTILIZATION_PERCENT)],
            sparkline: true,
            width: QUARTER,
          }),
          singleStat({
            title: "Fullest GPU memory",
            queries: [promql(`max(${memoryPercent})`)],
            unit: "percent",
            max: 100,
            thresholds: [critAt(GPU_MEMORY_PERCENT)],
            sparkline: true,
            width: QUARTER,
          }),
          singleStat({
            title: "Hottest GPU",
            queries: [promql(`max(${temp})`)],
            unit: "celsius",
            thresholds: [critAt(GPU_TEMPERATURE_CELSIUS)],
            sparkline: true,
            width: QUARTER,
          }),
        ],
      },
      {
        row: "Per GPU",
        panels: [
          graph({
            title: "Utilization",
            description: `HighGPUUtilization fires above ${GPU_UTILIZATION_PERCENT}% for 5 minutes.`,
            queries: [promql(util, perGpu)],
            unit: "percent",
            min: 0,
            max: 100,
            thresholds: [critAt(GPU_UTILIZATION_PERCENT)],
            legendTable: true,
          }),
          graph({
            title: "Memory used",
            description: `Share of the allocatable framebuffer in use; HighGPUMemory fires above ${GPU_MEMORY_PERCENT}%.`,
            queries: [promql(memoryPercent, perGpu)],
            unit: "percent",
            min: 0,
            max: 100,
            thresholds: [critAt(GPU_MEMORY_PERCENT)],
            legendTable: true,
          }),
          graph({
            title: "Temperature",
            description: `HighGPUTemperature fires above ${GPU_TEMPERATURE_CELSIUS}°C; the GPU throttles its clocks when hot.`,
            queries: [promql(temp, perGpu)],
            unit: "celsius",
            min: 0,
            thresholds: [critAt(GPU_TEMPERATURE_CELSIUS)],
            legendTable: true,
          }),
          graph({
            title: "Memory used and allocatable",
            queries: [promql(used, `${perGpu} used`), promql(total, `${perGpu} allocatable`)],
            unit: "bytes",
            min: 0,
            legendTable: true,
          }),
        ],
      },
      {
        row: "Now",
        panels: [
          bars({ title: "Utilization now", queries: [promqlInstant(util, perGpu)], unit: "percent", min: 0, max: 100, thresholds: [critAt(GPU_UTILIZATION_PERCENT)], width: HALF }),
          bars({ title: "Memory used now", queries: [promqlInstant(memoryPercent, perGpu)], unit: "percent", min: 0, max: 100, thresholds: [critAt(GPU_MEMORY_PERCENT)], width: HALF }),
          grid({
            title: "GPUs in use by pod",
            description: "Which pod uses each GPU, as the DCGM exporter attributes it, and its utilization now. Idle GPUs are not listed.",
            queries: [promqlInstant(`max by (node, gpu_id, namespace, pod, container) (${inUse})`)],
            unit: "percent",
            hide: ["Time"],
            width: FULL,
          }),
        ],
      },
    ],
  });
}
