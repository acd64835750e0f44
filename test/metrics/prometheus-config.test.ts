import { durationSeconds } from "../../config/fields";
import { parseStackConfig } from "../../config/parse";
import {
  FOR_GRACE_PERIOD,
  PrometheusConfigArgs,
  RelabelConfig,
  ScrapeConfig,
  buildPrometheusConfig,
  prometheusArgs,
  prometheusYaml,
  restrictedLabelRelabels,
  restrictedLabelsFrom,
  retentionSizeFor,
} from "../../components/prometheus-config";
import { DEFAULT_SCRAPE_LIMITS, ScrapeLimits, scrapeLimitsFor } from "../../rules/cardinality";
import { allAlerts } from "../../rules/rule-files";
import { HIGH_CARDINALITY_ALLOWED, HIGH_CARDINALITY_LABELS, SESSION_SERIES_JOB } from "../../telemetry/catalog";
import { createMetricsExporter } from "../../telemetry/metrics-exporter";

type Labels = Record<string, string>;

/** Go's regexp.Expand: `$1`, `${1}`, `$name`, `$$`; an unknown group expands to nothing, a malformed `$` stays. */
function expand(template: string, match: RegExpExecArray): string {
  return template.replace(/\$(?:\$|\{(\w+)\}|(\w+))?/g, (whole, braced?: string, bare?: string) => {
    if (whole === "$$") return "$";
    const name = braced ?? bare;
    if (name === undefined) return "$";
    return (/^\d+$/.test(name) ? match[Number(name)] : match.groups?.[name]) ?? "";
  });
}

/**
 * Prometheus' relabelling (model/relabel/relabel.go, `relabel`) for the actions the builder writes: the regex anchored
 * and dot-all, source values joined by `;`, an empty replacement deleting the target. An action it does not know fails
 * the test rather than passing through. `select: false` skips keep and drop, to look at labelling alone.
 */
function relabel(input: Labels, rules: readonly RelabelConfig[], opts: { select?: boolean } = {}): Labels | undefined {
  const lb: Labels = { ...input };
  for (const r of rules) {
    const re = new RegExp(`^(?:${r.regex ?? "(.*)"})$`, "s");
    const value = (r.source_labels ?? []).map((l) => lb[l] ?? "").join(r.separator ?? ";");
    switch (r.action ?? "replace") {
      case "keep":
        if (opts.select !== false && !re.test(value)) return undefined;
        break;
      case "drop":
        if (opts.select !== false && re.test(value)) return undefined;
        break;
      case "replace": {
        const m = re.exec(value);
        if (!m) break;
        const target = expand(r.target_label ?? "", m);
        const result = expand(r.replacement ?? "$1", m);
        if (result === "") delete lb[target];
        else lb[target] = result;
        break;
      }
      case "labeldrop":
        for (const name of Object.keys(lb)) if (re.test(name)) delete lb[name];
        break;
      default:
        throw new Error(`relabel action ${r.action} is not simulated here`);
    }
  }
  return lb;
}

/**
 * A discovered target through a job's relabel_configs, as Prometheus' scrape.PopulateLabels does it: the job's own
 * labels (job, path, scheme) where discovery did not set them, `__meta_*` removed afterwards, `instance` defaulting to
 * the address. Undefined when the job drops the target.
 */
function targetLabels(job: ScrapeConfig, discovered: Labels, opts: { select?: boolean } = {}): Labels | undefined {
  const initial: Labels = { job: job.job_name, __metrics_path__: job.metrics_path ?? "/metrics", __scheme__: job.scheme ?? "http", ...discovered };
  const out = relabel(initial, job.relabel_configs ?? [], opts);
  if (!out) return undefined;
  for (const name of Object.keys(out)) if (name.startsWith("__meta_")) delete out[name];
  out.instance ||= out.__address__;
  return out;
}

/** The labels a series keeps: the internal `__` ones are not stored. */
const stored = (labels: Labels | undefined) => labels && Object.fromEntries(Object.entries(labels).filter(([k]) => !k.startsWith("__")));

const settings = parseStackConfig({ "observability:slackBotToken": "xoxb-1-2-test" }).settings;

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
    webAuth: { username: "observability", passwordFile: "/etc/prometheus/web-auth/password" },
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
    expect([...jobNames(config)].sort()).toEqual(
      [
        // docs/architecture.md "Contracts" (Scrape jobs): the specification's sources and the exporters,
        "gateway", "mcpjungle", "api-server", "max-serve", "memory-engine", "learning-engine", "drift-monitor", "qdrant",
        "redis-exporter", "postgres-exporter", "dcgm-exporter",
        // the stack's own components ("What runs where"),
        "prometheus", "alertmanager", "loki", "promtail", "otel-collector", "jaeger", "grafana",
        // metrics the platform sends over OTLP, and pods annotated prometheus.io/scrape ("Data flow"),
        "otel-collector-metrics", "kubernetes-pods",
        // and the memory engine's per-user and per-session series, under a limit of their own.
        "memory-engine-sessions",
      ].sort(),
    );
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
    const endpoint = (service: string, port: string) => ({
      __address__: "10.1.2.3:8000",
      __meta_kubernetes_namespace: "inference",
      __meta_kubernetes_service_name: service,
      __meta_kubernetes_endpointslice_port: port,
      __meta_kubernetes_pod_name: "max-0",
    });
    expect(stored(targetLabels(job, endpoint("max", "8000")))).toEqual({ job: "max-serve", service: "max-serve", namespace: "inference", pod: "max-0", instance: "10.1.2.3:8000" });
    // Anchored matches: a Service whose name starts with the configured one, or another port, is not scraped.
    expect(targetLabels(job, endpoint("max-canary", "8000"))).toBeUndefined();
    expect(targetLabels(job, endpoint("max", "80001"))).toBeUndefined();
  });

  it("gives every job's series job, service (= job, but the memory engine's on its session job), namespace, instance and pod", () => {
    // Every job's labelling on one discovered pod; which targets each job selects is checked job by job.
    const discovered = {
      __address__: "10.0.0.7:8080",
      __meta_kubernetes_namespace: "ns-a",
      __meta_kubernetes_pod_name: "pod-a",
      __meta_kubernetes_pod_node_name: "node-a",
      __meta_kubernetes_pod_phase: "Running",
      __meta_kubernetes_pod_label_app_kubernetes_io_name: "app-a",
    };
    const labelled = Object.fromEntries(config.scrape_configs.map((job) => [job.job_name, stored(targetLabels(job, discovered, { select: false }))]));
    const expected = (job: string) => ({ job, service: job, namespace: "ns-a", instance: "10.0.0.7:8080", pod: "pod-a" });
    expect(labelled).toEqual(
      Object.fromEntries(
        config.scrape_configs.map((j) => [
          j.job_name,
          // Annotated pods are named after their application, and `service` follows the renamed job; the session
          // series are the memory engine's.
          j.job_name === SESSION_SERIES_JOB
            ? expect.objectContaining({ ...expected(SESSION_SERIES_JOB), service: "memory-engine" })
            : expect.objectContaining(expected(j.job_name === "kubernetes-pods" ? "app-a" : j.job_name)),
        ]),
      ),
    );
  });

  it("names an annotated pod's job by its prometheus.io/job annotation, service following", () => {
    const job = config.scrape_configs.find((j) => j.job_name === "kubernetes-pods")!;
    const pod = (annotations: Labels) => ({
      __address__: "10.0.0.9:8080",
      __meta_kubernetes_namespace: "team-a",
      __meta_kubernetes_pod_name: "worker-1",
      __meta_kubernetes_pod_phase: "Running",
      __meta_kubernetes_pod_label_app_kubernetes_io_name: "worker",
      ...Object.fromEntries(Object.entries(annotations).map(([k, v]) => [`__meta_kubernetes_pod_annotation_prometheus_io_${k}`, v])),
    });
    expect(targetLabels(job, pod({ scrape: "true", job: "batch-worker", port: "9100", path: "/stats" }))).toMatchObject({
      job: "batch-worker",
      service: "batch-worker",
      __address__: "10.0.0.9:9100",
      __metrics_path__: "/stats",
      instance: "10.0.0.9:9100",
    });
    expect(targetLabels(job, pod({ scrape: "true" }))).toMatchObject({ job: "worker", service: "worker", __address__: "10.0.0.9:8080", __metrics_path__: "/metrics" });
    expect(targetLabels(job, pod({ scrape: "false" }))).toBeUndefined();
    expect(targetLabels(job, pod({}))).toBeUndefined();
  });

  it("scrapes the stack's own pods only while they run", () => {
    const job = config.scrape_configs.find((j) => j.job_name === "prometheus")!;
    const pod = (phase: string) => ({
      __address__: "10.0.0.5:9090",
      __meta_kubernetes_namespace: "observability",
      __meta_kubernetes_pod_name: "prometheus-0",
      __meta_kubernetes_pod_phase: phase,
      __meta_kubernetes_pod_label_app_kubernetes_io_name: "prometheus",
      __meta_kubernetes_pod_container_port_name: "http",
    });
    expect(stored(targetLabels(job, pod("Running")))).toEqual({ job: "prometheus", service: "prometheus", namespace: "observability", pod: "prometheus-0", instance: "10.0.0.5:9090" });
    for (const phase of ["Pending", "Succeeded", "Failed"]) expect({ phase, kept: targetLabels(job, pod(phase)) !== undefined }).toEqual({ phase, kept: false });
  });

  it("leaves out disabled sources and exporters not deployed", () => {
    const sources = { ...settings.sources, qdrant: { ...settings.sources.qdrant, enabled: false } };
    const names = jobNames(buildPrometheusConfig(args({ sources, exporters: { redis: false, postgres: true } })));
    expect(names).not.toContain("qdrant");
    expect(names).not.toContain("redis-exporter");
    expect(names).toContain("postgres-exporter");
    expect(names).toContain("dcgm-exporter");
  });

  it("gives each job the limits it is given for that job, all five of them", () => {
    // Distinct numbers per job, handed out as the builder asks: applying one job's limits to another shows.
    const given = new Map<string, ScrapeLimits>();
    const limits = (job: string): ScrapeLimits => {
      const n = given.size + 1;
      if (!given.has(job)) given.set(job, { sampleLimit: 1000 * n, labelLimit: 10 + n, labelNameLengthLimit: 100 + n, labelValueLengthLimit: 1000 + n, targetLimit: 50 + n });
      return given.get(job)!;
    };
    const jobs = buildPrometheusConfig(args({ limits })).scrape_configs;
    const fields = (l: ScrapeLimits | undefined) => [l?.sampleLimit, l?.labelLimit, l?.labelNameLengthLimit, l?.labelValueLengthLimit, l?.targetLimit];
    expect(Object.fromEntries(jobs.map((j) => [j.job_name, [j.sample_limit, j.label_limit, j.label_name_length_limit, j.label_value_length_limit, j.target_limit]]))).toEqual(
      Object.fromEntries(jobs.map((j) => [j.job_name, fields(given.get(j.job_name))])),
    );
    expect([...given.keys()].sort()).toEqual(jobs.map((j) => j.job_name).sort());
  });


  it("restricts user_id and session_id to the families the seed gives them", () => {
    expect(restrictedLabelsFrom(HIGH_CARDINALITY_LABELS, HIGH_CARDINALITY_ALLOWED)).toEqual({
      user_id: ["memory_items_total"],
      session_id: ["memory_budget_total_bytes", "memory_budget_used_bytes", "memory_budget_utilization"],
    });
  });

  it("drops user_id and session_id except on the families the seed gives them", () => {
    const rules = config.scrape_configs.find((j) => j.job_name === "memory-engine")!.metric_relabel_configs!;
    expect(rules).toContainEqual({ source_labels: ["__name__", "user_id"], regex: "(memory_items_total);(.+)", target_label: "__tmp_keep_user_id", replacement: "$2" });
    expect(rules).toContainEqual({ regex: "session_id", action: "labeldrop" });
  });

  describe("at scrape time, on every job the platform's series arrive through", () => {
    // memory-engine's series arrive through two jobs; they are checked together below.
    const platformJobs = ["gateway", "mcpjungle", "api-server", "max-serve", "learning-engine", "drift-monitor", "qdrant", "otel-collector-metrics", "kubernetes-pods"];
    const ids = { user_id: "user123", session_id: "session456" };
    // Input sample -> the labels it is stored with, from the seed's "Custom Metrics".
    const samples: [Labels, Labels][] = [
      [{ __name__: "memory_items_total", ...ids }, { __name__: "memory_items_total", user_id: "user123" }],
      [{ __name__: "memory_budget_total_bytes", ...ids }, { __name__: "memory_budget_total_bytes", session_id: "session456" }],
      [{ __name__: "memory_budget_used_bytes", ...ids }, { __name__: "memory_budget_used_bytes", session_id: "session456" }],
      [{ __name__: "memory_budget_utilization", ...ids }, { __name__: "memory_budget_utilization", session_id: "session456" }],
      [{ __name__: "http_requests_total", method: "POST", endpoint: "/v1/chat", status: "200", ...ids }, { __name__: "http_requests_total", method: "POST", endpoint: "/v1/chat", status: "200" }],
      [{ __name__: "memory_operations_total", operation: "search", status: "success", ...ids }, { __name__: "memory_operations_total", operation: "search", status: "success" }],
      // A name that merely starts with an allowed one is not allowed.
      [{ __name__: "memory_items_total_by_user", ...ids }, { __name__: "memory_items_total_by_user" }],
      [{ __name__: "drift_score", model: "llama-3.3-8b" }, { __name__: "drift_score", model: "llama-3.3-8b" }],
    ];

    it.each(platformJobs)("%s drops them from every other family", (name) => {
      const job = config.scrape_configs.find((j) => j.job_name === name)!;
      expect(samples.map(([input]) => relabel(input, job.metric_relabel_configs ?? []))).toEqual(samples.map(([, output]) => output));
    });

    it("memory-engine and its session job store each sample once, through one of them, and drop them from every other family", () => {
      const through = (name: string, input: Labels) => relabel(input, config.scrape_configs.find((j) => j.job_name === name)!.metric_relabel_configs ?? []);
      const stored = samples.map(([input]) => [through("memory-engine", input), through(SESSION_SERIES_JOB, input)].filter((l) => l !== undefined));
      expect(stored).toEqual(samples.map(([, output]) => [output]));
    });
  });

  describe("the memory engine's per-user and per-session series, scraped apart", () => {
    const job = (name: string) => config.scrape_configs.find((j) => j.job_name === name)!;
    const service = job("memory-engine");
    const sessions = job(SESSION_SERIES_JOB);
    const families = Object.keys(HIGH_CARDINALITY_ALLOWED).sort();
    const familiesRegex = `(${families.join("|")})`;

    it("scrapes the same targets from the same path in both jobs", () => {
      expect(sessions.kubernetes_sd_configs).toEqual(service.kubernetes_sd_configs);
      expect(sessions.metrics_path).toBe(service.metrics_path);
      // Identical target selection and labels but for `service`, which stays the memory engine's.
      expect(sessions.relabel_configs!.slice(0, -1)).toEqual(service.relabel_configs!.slice(0, -1));
      expect(sessions.relabel_configs!.at(-1)).toEqual({ target_label: "service", replacement: "memory-engine" });
      const discovered = {
        __address__: "10.2.0.4:8080",
        __meta_kubernetes_namespace: "ai-platform",
        __meta_kubernetes_service_name: "memory-engine",
        __meta_kubernetes_endpointslice_port_name: "metrics",
        __meta_kubernetes_pod_name: "memory-engine-0",
      };
      expect(stored(targetLabels(sessions, discovered))).toEqual({ job: SESSION_SERIES_JOB, service: "memory-engine", namespace: "ai-platform", pod: "memory-engine-0", instance: "10.2.0.4:8080" });
      expect(stored(targetLabels(service, discovered))).toEqual({ job: "memory-engine", service: "memory-engine", namespace: "ai-platform", pod: "memory-engine-0", instance: "10.2.0.4:8080" });
      expect(targetLabels(sessions, { ...discovered, __meta_kubernetes_service_name: "memory-engine-canary" })).toBeUndefined();
    });

    it("drops the families first in memory-engine and keeps only them first in the session job, then restricts the labels as every job does", () => {
      const restricted = restrictedLabelRelabels(restrictedLabelsFrom(HIGH_CARDINALITY_LABELS, HIGH_CARDINALITY_ALLOWED));
      expect(service.metric_relabel_configs).toEqual([{ source_labels: ["__name__"], regex: familiesRegex, action: "drop" }, ...restricted]);
      expect(sessions.metric_relabel_configs).toEqual([{ source_labels: ["__name__"], regex: familiesRegex, action: "keep" }, ...restricted]);
    });

    it("gives memory-engine the default limits and the session job its larger sample_limit, with scrape_sample_limit exposed", () => {
      expect(service.sample_limit).toBe(DEFAULT_SCRAPE_LIMITS.sampleLimit);
      expect(sessions.sample_limit).toBe(scrapeLimitsFor(SESSION_SERIES_JOB).sampleLimit);
      expect(sessions.sample_limit).toBeGreaterThan(10 * service.sample_limit);
      expect(sessions.extra_scrape_metrics).toBe(true);
      expect(service.extra_scrape_metrics).toBeUndefined();
    });

    it("keeps memory-engine under its sample_limit, as Prometheus counts it after metric relabelling, with more users than the limit", async () => {
      // The exporter's own exposition of a memory engine with one and a half limits' worth of users and some sessions.
      const engine = createMetricsExporter("memory-engine");
      for (const op of ["search", "store", "delete"]) engine.recordMemoryOperation(op, "success", 0.01, { searchResults: 3 });
      const users = Math.ceil(service.sample_limit * 1.5);
      for (let u = 0; u < users; u++) engine.setMemoryItems(`user-${u}`, 1);
      for (let x = 0; x < 100; x++) engine.updateBudget(`session-${x}`, 100, 10);
      // Samples per series name: the relabelling here reads the name only.
      const exposed = new Map<string, number>();
      for (const line of (await engine.metrics()).split("\n")) {
        if (line === "" || line.startsWith("#")) continue;
        const name = /^[^{ ]+/.exec(line)![0];
        exposed.set(name, (exposed.get(name) ?? 0) + 1);
      }
      const kept = (j: ScrapeConfig) => [...exposed].filter(([name]) => relabel({ __name__: name }, j.metric_relabel_configs ?? []) !== undefined);
      const count = (entries: [string, number][]) => entries.reduce((n, [, c]) => n + c, 0);
      const core = kept(service);
      expect(core.map(([name]) => name)).toContain("memory_operations_total");
      expect(count(core)).toBeLessThanOrEqual(service.sample_limit);
      expect(count(kept(sessions))).toBe(users + 3 * 100);
      expect(count(kept(sessions)) + count(core)).toBe(count([...exposed]));
    });

    it("leaves memory-engine whole when no family may carry a high-cardinality label, and has no session job without the source", () => {
      const unsplit = buildPrometheusConfig(args({ restrictedLabels: {} }));
      expect(jobNames(unsplit)).not.toContain(SESSION_SERIES_JOB);
      expect(unsplit.scrape_configs.find((j) => j.job_name === "memory-engine")!.metric_relabel_configs).toEqual([]);
      const sources = { ...settings.sources, "memory-engine": { ...settings.sources["memory-engine"], enabled: false } };
      expect(jobNames(buildPrometheusConfig(args({ sources })))).not.toContain("memory-engine");
      expect(jobNames(buildPrometheusConfig(args({ sources })))).not.toContain(SESSION_SERIES_JOB);
    });
  });

  it("sends alerts to every Alertmanager pod rather than a Service", () => {
    const am = config.alerting.alertmanagers[0];
    expect(am.kubernetes_sd_configs).toEqual([{ role: "pod", namespaces: { names: ["observability"] } }]);
    expect(am.relabel_configs![0]).toEqual({ source_labels: ["__meta_kubernetes_pod_label_app_kubernetes_io_name"], regex: "alertmanager", action: "keep" });
    // Pod discovery yields a target per container port: only the API port of an Alertmanager pod receives alerts.
    const port = (app: string, portName: string) => ({ __address__: "10.0.0.3:9093", __meta_kubernetes_pod_label_app_kubernetes_io_name: app, __meta_kubernetes_pod_container_port_name: portName });
    const kept = (t: Labels) => relabel(t, am.relabel_configs!) !== undefined;
    expect([kept(port("alertmanager", "http")), kept(port("alertmanager", "cluster-tcp")), kept(port("grafana", "http"))]).toEqual([true, false, false]);
  });

  it("logs in to Alertmanager and to the servers behind basic auth with the password from the mounted file", () => {
    const basicAuth = { username: "observability", password_file: "/etc/prometheus/web-auth/password" };
    expect(config.alerting.alertmanagers.map((a) => a.basic_auth)).toEqual([basicAuth]);
    const authenticated = config.scrape_configs.filter((j) => j.basic_auth !== undefined);
    expect(authenticated.map((j) => [j.job_name, j.basic_auth])).toEqual([
      ["prometheus", basicAuth],
      ["alertmanager", basicAuth],
    ]);
    // The YAML names the file, never a password.
    const text = prometheusYaml(config);
    expect(text).toContain("password_file: /etc/prometheus/web-auth/password");
    expect(text).not.toMatch(/^\s*password:/m);
  });

  it("keeps the DCGM job whether this stack or the GPU Operator runs the exporter", () => {
    const job = config.scrape_configs.find((j) => j.job_name === "dcgm-exporter")!;
    expect(job.kubernetes_sd_configs).toEqual([{ role: "pod" }]);
    expect(job.relabel_configs![0].regex).toContain("nvidia-dcgm-exporter");
    // The GPU's user pod and namespace, as the exporter labels them, win over the exporter's own pod's.
    expect(job.honor_labels).toBe(true);
    // Ours is labelled app.kubernetes.io/name=dcgm-exporter, the GPU Operator's app=nvidia-dcgm-exporter; both serve on 9400.
    const pod = (labels: Labels, port = "9400") => ({
      __address__: `10.0.0.4:${port}`,
      __meta_kubernetes_namespace: "gpu-operator",
      __meta_kubernetes_pod_name: "dcgm-1",
      __meta_kubernetes_pod_phase: "Running",
      __meta_kubernetes_pod_container_port_number: port,
      ...Object.fromEntries(Object.entries(labels).map(([k, v]) => [`__meta_kubernetes_pod_label_${k}`, v])),
    });
    expect(targetLabels(job, pod({ app_kubernetes_io_name: "dcgm-exporter" }))).toMatchObject({ job: "dcgm-exporter", service: "dcgm-exporter" });
    expect(targetLabels(job, pod({ app: "nvidia-dcgm-exporter" }))).toMatchObject({ job: "dcgm-exporter", namespace: "gpu-operator" });
    expect(targetLabels(job, pod({ app: "node-exporter" }))).toBeUndefined();
    expect(targetLabels(job, pod({ app: "nvidia-dcgm-exporter" }, "9401"))).toBeUndefined();
  });
});

describe("prometheus flags", () => {
  it("bounds the TSDB by time and by 85% of the volume", () => {
    expect(retentionSizeFor("100Gi")).toBe("85GB");
    expect(retentionSizeFor("500Gi")).toBe("425GB");
    expect(retentionSizeFor("1Gi")).toBe("870MB");
    expect(() => retentionSizeFor("10Mi")).toThrow(/too small/);
    expect(prometheusArgs({ retention: "90d", storageSize: "100Gi", configFile: "/c/p.yml", webConfigFile: "/w/web.yml", dataDir: "/prometheus", port: 9090 })).toEqual([
      "--config.file=/c/p.yml",
      "--web.config.file=/w/web.yml",
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
    // Math.min() of nothing is Infinity, which any grace period would pass.
    expect(fors.length).toBeGreaterThan(0);
    expect(durationSeconds(FOR_GRACE_PERIOD)).toBeLessThanOrEqual(Math.min(...fors));
  });
});
