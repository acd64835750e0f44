/**
 * The seed's GPU alerts, on the seed's metric names. Those series are recorded from the DCGM exporter
 * (recording.ts, group `gpu-seed-names`), so the alerts and the dashboards share one definition of each value.
 */
import { M } from "../telemetry/catalog";
import { GPU_FOR, GPU_MEMORY_PERCENT, GPU_TEMPERATURE_CELSIUS, GPU_UTILIZATION_PERCENT } from "./thresholds";
import { AlertRule, RuleGroup } from "./types";

const where = "GPU {{ $labels.gpu_id }} on {{ $labels.node }}";

export const GPU_ALERTS: readonly AlertRule[] = [
  {
    alert: "HighGPUUtilization",
    expr: `${M.gpuUtilizationPercent.name} > ${GPU_UTILIZATION_PERCENT}`,
    for: GPU_FOR,
    severity: "warning",
    category: "gpu",
    summary: `${where} utilization above ${GPU_UTILIZATION_PERCENT}%`,
    description: `${where} has been {{ $value | printf "%.0f" }}% busy for ${GPU_FOR} (threshold ${GPU_UTILIZATION_PERCENT}%); inference will queue.`,
  },
  {
    alert: "HighGPUMemory",
    // Total 0 would mean no data, not a full GPU: filter it out rather than divide by it.
    expr: `100 * ${M.gpuMemoryUsedBytes.name} / (${M.gpuMemoryTotalBytes.name} > 0) > ${GPU_MEMORY_PERCENT}`,
    for: GPU_FOR,
    severity: "warning",
    category: "gpu",
    summary: `${where} memory above ${GPU_MEMORY_PERCENT}%`,
    description: `${where} has {{ $value | printf "%.0f" }}% of its framebuffer in use for ${GPU_FOR} (threshold ${GPU_MEMORY_PERCENT}%); new models or larger batches will fail to load.`,
  },
  {
    alert: "HighGPUTemperature",
    expr: `${M.gpuTemperatureCelsius.name} > ${GPU_TEMPERATURE_CELSIUS}`,
    for: GPU_FOR,
    severity: "warning",
    category: "gpu",
    summary: `${where} temperature above ${GPU_TEMPERATURE_CELSIUS}°C`,
    description: `${where} has been at {{ $value }}°C for ${GPU_FOR} (threshold ${GPU_TEMPERATURE_CELSIUS}°C); the GPU will throttle its clocks.`,
  },
];

export const gpuGroups = (): RuleGroup[] => [{ name: "gpu", rules: GPU_ALERTS }];
