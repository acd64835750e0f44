/**
 * The DCGM exporter's counters file (`-f`): which DCGM fields it exports. Every DCGM field in the metric catalog (the
 * ones the recording rules, alerts and dashboards read) is always in it; the profiling fields (`DCGM_FI_PROF_*`) only
 * when profiling is enabled, since reading them needs SYS_ADMIN.
 */
import { ALL_METRICS, MetricFamily } from "../telemetry/catalog";

export type DcgmMetricType = "gauge" | "counter";

export interface DcgmCounter {
  /** DCGM field name, which is also the exported metric name. */
  readonly field: string;
  readonly type: DcgmMetricType;
  readonly help: string;
}

/** Fields worth having on a dashboard or in an investigation besides the catalog's. Units as DCGM reports them. */
export const EXTRA_COUNTERS: readonly DcgmCounter[] = [
  { field: "DCGM_FI_DEV_SM_CLOCK", type: "gauge", help: "SM clock frequency (in MHz)." },
  { field: "DCGM_FI_DEV_MEM_CLOCK", type: "gauge", help: "Memory clock frequency (in MHz)." },
  { field: "DCGM_FI_DEV_MEMORY_TEMP", type: "gauge", help: "Memory temperature (in C)." },
  { field: "DCGM_FI_DEV_POWER_USAGE", type: "gauge", help: "Power draw (in W)." },
  { field: "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", type: "counter", help: "Total energy consumption since boot (in mJ)." },
  { field: "DCGM_FI_DEV_PCIE_REPLAY_COUNTER", type: "counter", help: "Total number of PCIe retries." },
  { field: "DCGM_FI_DEV_MEM_COPY_UTIL", type: "gauge", help: "Memory utilization (in %)." },
  { field: "DCGM_FI_DEV_ENC_UTIL", type: "gauge", help: "Encoder utilization (in %)." },
  { field: "DCGM_FI_DEV_DEC_UTIL", type: "gauge", help: "Decoder utilization (in %)." },
  { field: "DCGM_FI_DEV_XID_ERRORS", type: "gauge", help: "Value of the last XID error encountered." },
  { field: "DCGM_FI_DEV_FB_RESERVED", type: "gauge", help: "Framebuffer memory reserved by the driver (in MiB)." },
];

/** Profiling fields: per-engine activity ratios, better than GPU_UTIL on shared or MIG GPUs. Need SYS_ADMIN. */
export const PROFILING_COUNTERS: readonly DcgmCounter[] = [
  { field: "DCGM_FI_PROF_GR_ENGINE_ACTIVE", type: "gauge", help: "Ratio of time the graphics engine is active." },
  { field: "DCGM_FI_PROF_SM_ACTIVE", type: "gauge", help: "Ratio of cycles an SM has at least 1 warp assigned." },
  { field: "DCGM_FI_PROF_SM_OCCUPANCY", type: "gauge", help: "Ratio of resident warps to the maximum per SM." },
  { field: "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE", type: "gauge", help: "Ratio of cycles the tensor (HMMA) pipe is active." },
  { field: "DCGM_FI_PROF_DRAM_ACTIVE", type: "gauge", help: "Ratio of cycles the device memory interface is active." },
  { field: "DCGM_FI_PROF_PCIE_TX_BYTES", type: "counter", help: "Bytes of active PCIe tx data including header and payload." },
  { field: "DCGM_FI_PROF_PCIE_RX_BYTES", type: "counter", help: "Bytes of active PCIe rx data including header and payload." },
];

const FIELD = /^DCGM_FI_[A-Z0-9_]+$/;

function fromCatalog(m: MetricFamily): DcgmCounter {
  if (m.type !== "gauge" && m.type !== "counter") throw new Error(`dcgm metric ${m.name} has type ${m.type}; the exporter only emits gauges and counters`);
  return { field: m.name, type: m.type, help: `${m.help.charAt(0).toUpperCase()}${m.help.slice(1)} (in ${m.unit}).` };
}

export interface DcgmCountersArgs {
  /** Include the DCGM_FI_PROF_* fields (the exporter then needs SYS_ADMIN). */
  readonly profiling: boolean;
  /** The catalog to take the required fields from. Default: the whole metric catalog. */
  readonly catalog?: readonly MetricFamily[];
}

/** The counters in file order: catalog fields first, then the extras, then profiling; each field once. */
export function buildDcgmCounters(args: DcgmCountersArgs): DcgmCounter[] {
  const required = (args.catalog ?? ALL_METRICS).filter((m) => m.origin === "dcgm-exporter").map(fromCatalog);
  const all = [...required, ...EXTRA_COUNTERS, ...(args.profiling ? PROFILING_COUNTERS : [])];
  const seen = new Set<string>();
  const out: DcgmCounter[] = [];
  for (const c of all) {
    if (!FIELD.test(c.field)) throw new Error(`dcgm field ${JSON.stringify(c.field)} must look like DCGM_FI_<NAME>`);
    if (!args.profiling && c.field.startsWith("DCGM_FI_PROF_")) {
      throw new Error(`dcgm field ${c.field} is a profiling field; it needs gpu.profilingMetrics true`);
    }
    if (seen.has(c.field)) continue;
    seen.add(c.field);
    out.push(c);
  }
  return out;
}

/** The CSV the exporter reads: `field, type, help` per line; commas in help text would split it. */
export function dcgmCountersCsv(counters: readonly DcgmCounter[]): string {
  const lines = counters.map((c) => {
    if (c.help.includes(",") || /[\r\n]/.test(c.help)) throw new Error(`dcgm field ${c.field}: help ${JSON.stringify(c.help)} must be one line without commas`);
    return `${c.field}, ${c.type}, ${c.help}`;
  });
  return ["# Format: DCGM field, Prometheus metric type, help message", ...lines, ""].join("\n");
}
