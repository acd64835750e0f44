import { EXTRA_COUNTERS, PROFILING_COUNTERS, buildDcgmCounters, dcgmCountersCsv } from "../../components/dcgm-exporter-config";
import { buildRuleFiles } from "../../rules/rule-files";
import { ALL_METRICS, MetricFamily } from "../../telemetry/catalog";

const fields = (profiling: boolean) => buildDcgmCounters({ profiling }).map((c) => c.field);

describe("DCGM counters file", () => {
  it("includes every DCGM field of the metric catalog", () => {
    const catalog = ALL_METRICS.filter((m) => m.origin === "dcgm-exporter").map((m) => m.name);
    expect(catalog).toEqual(expect.arrayContaining(["DCGM_FI_DEV_GPU_UTIL", "DCGM_FI_DEV_FB_USED", "DCGM_FI_DEV_FB_FREE", "DCGM_FI_DEV_GPU_TEMP"]));
    for (const profiling of [false, true]) expect(fields(profiling)).toEqual(expect.arrayContaining(catalog));
  });

  it("includes every DCGM field the rendered rule files read", () => {
    const text = Object.values(buildRuleFiles({ runbookBaseUrl: "https://example.com/runbooks.md" })).join("\n");
    // DCGM_FI_DRIVER_VERSION is a label of every DCGM series, not a field.
    const labels = new Set<string>(ALL_METRICS.flatMap((m) => m.labels));
    const used = [...new Set(text.match(/DCGM_FI_[A-Z0-9_]+/g) ?? [])].filter((f) => !labels.has(f));
    expect(used.length).toBeGreaterThanOrEqual(4);
    expect(fields(false)).toEqual(expect.arrayContaining(used));
  });

  it("adds the profiling fields only when profiling is enabled", () => {
    expect(fields(false).filter((f) => f.startsWith("DCGM_FI_PROF_"))).toEqual([]);
    expect(fields(true)).toEqual(expect.arrayContaining(PROFILING_COUNTERS.map((c) => c.field)));
    expect(fields(false)).toEqual(expect.arrayContaining(EXTRA_COUNTERS.map((c) => c.field)));
  });

  it("lists each field once", () => {
    const all = fields(true);
    expect(new Set(all).size).toBe(all.length);
  });

  it("writes one `field, type, help` line per field after a comment", () => {
    const csv = dcgmCountersCsv(buildDcgmCounters({ profiling: false }));
    const lines = csv.trimEnd().split("\n");
    expect(lines[0].startsWith("#")).toBe(true);
    for (const line of lines.slice(1)) expect(line).toMatch(/^DCGM_FI_[A-Z0-9_]+, (gauge|counter), [^,]+$/);
    expect(csv).toContain("DCGM_FI_DEV_GPU_UTIL, gauge, ");
  });

  it("rejects a help text with a comma", () => {
    expect(() => dcgmCountersCsv([{ field: "DCGM_FI_DEV_X", type: "gauge", help: "a, b" }])).toThrow('dcgm field DCGM_FI_DEV_X: help "a, b" must be one line without commas');
  });

  it("rejects a profiling field in the catalog when profiling is off", () => {
    const prof: MetricFamily = { name: "DCGM_FI_PROF_GR_ENGINE_ACTIVE", type: "gauge", unit: "ratio", help: "engine active", labels: [], origin: "dcgm-exporter" };
    expect(() => buildDcgmCounters({ profiling: false, catalog: [prof] })).toThrow("dcgm field DCGM_FI_PROF_GR_ENGINE_ACTIVE is a profiling field; it needs gpu.profilingMetrics true");
  });

  it("rejects a catalog entry that is not a DCGM field", () => {
    const bad: MetricFamily = { name: "gpu_util", type: "gauge", unit: "percent", help: "x", labels: [], origin: "dcgm-exporter" };
    expect(() => buildDcgmCounters({ profiling: false, catalog: [bad] })).toThrow('dcgm field "gpu_util" must look like DCGM_FI_<NAME>');
  });
});
