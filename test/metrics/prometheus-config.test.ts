import { durationSeconds } from "../../config/fields";
import { parseStackConfig } from "../../config/parse";
import { SOURCE_NAMES } from "../../config/schema";
import {
  ANNOTATED_PODS_JOB,
  COLLECTOR_METRICS_JOB,
  FOR_GRACE_PERIOD,
  PrometheusConfigArgs,
  SELF_JOBS,
  buildPrometheusConfig,
  prometheusArgs,
  restrictedLabelsFrom,
  retentionSizeFor,
} from "../../components/prometheus-config";
import { scrapeLimitsFor } from "../../rules/cardinality";
import { allAlerts } from "../../rules/rule-files";
import { HIGH_CARDINALITY_ALLOWED, HIGH_CARDINALITY_LABELS } from "../../telemetry/catalog";

const settings = parseStackConfig({ "observability:slackWebhookUrl": "https://hooks.slack.com/x" }).settings;

function args(overrides: Partial<PrometheusConfigArgs> = {}): PrometheusConfigArgs {
  return {
    clusterName: "ai-platform",
    environment: "dev",
    scrapeInterval: "15s",
    evaluationInterval: "15s",
    namespaces: { servers: "observability", agents: "observability-agents" },
    sources: settings.sources,
    exporters: { redis: true, postgres: true },
    limits: scrapeLimitsFor,
    restrictedLabels: restrictedLabelsFrom(HIGH_CARDINALITY_LABELS, HIGH_CARDINALITY_ALLOWED),
    rulesDir: "/etc/prometheus/rules",
    ...overrides,
  };
}

const jobNames = (c: ReturnType<typeof buildPrometheusConfig>) => c.scrape_configs.map((j) => j.job_name);

describe("prometheus.yml builder", () => {
  const config = buildPrometheusConfig(args());

  it("uses the configured intervals and labels the cluster", () => {
    expect(config.global).toEqual({
      scrape_interval: "15s",
      scrape_timeout: "10s",
      evaluation_interval: "15s",
      external_labels: { cluster: "ai-platform", environment: "dev" },
    });
    const fast = buildPrometheusConfig(args({ scrapeInterval: "5s", evaluationInterval: "5s" }));
    expect(fast.global.scrape_timeout).toBe("5s");
  });

  it("has a job per seed source, exporter and stack component, named per docs/architecture.md", () => {
    expect(jobNames(config)).toEqual(
      expect.arrayContaining([...SOURCE_NAMES, "redis-exporter", "postgres-exporter", "dcgm-exporter", ...SELF_JOBS, COLLECTOR_METRICS_JOB, ANNOTATED_PODS_JOB]),
    );
    expect(new Set(jobNames(config)).size).toBe(config.scrape_configs.length);
  });

  it("discovers each source as its Service's endpoints in the source's namespace", () => {
    const sources = { ...settings.sources, "max-serve": { ...settings.sources["max-serve"], namespace: "inference", service: "max", port: 8000, path: "/v1/metrics" } };
    const job = buildPrometheusConfig(args({ sources })).scrape_configs.find((j) => j.job_name === "max-serve")!;
    expect(job.kubernetes_sd_configs).toEqual([{ role: "endpointslice", namespaces: { names: ["inference"] } }]);
    expect(job.metrics_path).toBe("/v1/metrics");
    expect(job.relabel_configs).toEqual(
      expect.arrayContaining([
        { source_labels: ["__meta_kubernetes_service_name"], regex: "max", action: "keep" },
        { source_labels: ["__meta_kubernetes_endpointslice_port"], regex: "8000", action: "keep" },
      ]),
    );
  });

  it("sets service (= job), namespace and pod on every discovered job", () => {
    for (const job of config.scrape_configs) {
      expect(job.relabel_configs).toEqual(
        expect.arrayContaining([
          { source_labels: ["job"], target_label: "service" },
          { source_labels: ["__meta_kubernetes_namespace"], target_label: "namespace" },
        ]),
      );
      // `service` is copied from `job` after any rule that renames the job.
      const rules = job.relabel_configs!;
      const serviceRule = rules.findIndex((r) => r.target_label === "service");
      expect(rules.slice(serviceRule + 1).some((r) => r.target_label === "job")).toBe(false);
    }
  });

  it("leaves out disabled sources and exporters not deployed", () => {
    const sources = { ...settings.sources, qdrant: { ...settings.sources.qdrant, enabled: false } };
    const names = jobNames(buildPrometheusConfig(args({ sources, exporters: { redis: false, postgres: true } })));
    expect(names).not.toContain("qdrant");
    expect(names).not.toContain("redis-exporter");
    expect(names).toContain("postgres-exporter");
    expect(names).toContain("dcgm-exporter");
  });

  it("applies the per-job scrape limits", () => {
    for (const job of config.scrape_configs) {
      const l = scrapeLimitsFor(job.job_name);
      expect([job.sample_limit, job.label_limit, job.target_limit]).toEqual([l.sampleLimit, l.labelLimit, l.targetLimit]);
    }
    expect(config.scrape_configs.find((j) => j.job_name === "memory-engine")!.sample_limit).toBeGreaterThan(
      config.scrape_configs.find((j) => j.job_name === "gateway")!.sample_limit,
    );
  });

  it("drops user_id and session_id except on the families the seed gives them", () => {
    const rules = config.scrape_configs.find((j) => j.job_name === "memory-engine")!.metric_relabel_configs!;
    expect(rules).toContainEqual({ source_labels: ["__name__", "user_id"], regex: "(memory_items_total);(.+)", target_label: "__tmp_keep_user_id", replacement: "$2" });
    expect(rules).toContainEqual({ regex: "session_id", action: "labeldrop" });
  });

  it("sends alerts to every Alertmanager pod rather than a Service", () => {
    const am = config.alerting.alertmanagers[0];
    expect(am.kubernetes_sd_configs).toEqual([{ role: "pod", namespaces: { names: ["observability"] } }]);
    expect(am.relabel_configs![0]).toEqual({ source_labels: ["__meta_kubernetes_pod_label_app_kubernetes_io_name"], regex: "alertmanager", action: "keep" });
  });

  it("keeps the DCGM job whether this stack or the GPU Operator runs the exporter", () => {
    const job = config.scrape_configs.find((j) => j.job_name === "dcgm-exporter")!;
    expect(job.kubernetes_sd_configs).toEqual([{ role: "pod" }]);
    expect(job.relabel_configs![0].regex).toContain("nvidia-dcgm-exporter");
    // The GPU's user pod and namespace, as the exporter labels them, win over the exporter's own pod's.
    expect(job.honor_labels).toBe(true);
  });
});

describe("prometheus flags", () => {
  it("bounds the TSDB by time and by 85% of the volume", () => {
    expect(retentionSizeFor("100Gi")).toBe("85GB");
    expect(retentionSizeFor("500Gi")).toBe("425GB");
    expect(retentionSizeFor("1Gi")).toBe("870MB");
    expect(() => retentionSizeFor("10Mi")).toThrow(/too small/);
    expect(prometheusArgs({ retention: "90d", storageSize: "100Gi", configFile: "/c/p.yml", dataDir: "/prometheus", port: 9090 })).toEqual([
      "--config.file=/c/p.yml",
      "--storage.tsdb.path=/prometheus",
      "--storage.tsdb.retention.time=90d",
      "--storage.tsdb.retention.size=85GB",
      "--rules.alert.for-grace-period=1m",
      "--rules.alert.resend-delay=1m",
      "--web.listen-address=:9090",
    ]);
  });

  it("restores the pending time of every alert with a `for` after a restart", () => {
    const fors = allAlerts().flatMap((a) => (a.for === undefined ? [] : [durationSeconds(a.for)]));
    expect(durationSeconds(FOR_GRACE_PERIOD)).toBeLessThanOrEqual(Math.min(...fors));
  });
});
