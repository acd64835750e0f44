/**
 * prometheus.yml as a pure function of typed input. Scrape jobs follow docs/architecture.md: one per seed source (Kubernetes
 * service discovery in the source's namespace), the exporters, pods annotated `prometheus.io/scrape`, and the stack's
 * own components. Every series gets `job`, `service` (= job, except on the session-series job: its source's name),
 * `namespace` and `instance`.
 */
import { dump } from "js-yaml";
import { durationSeconds, quantityValue } from "../config/fields";
import { SOURCE_NAMES, SourceName, StackSettings } from "../config/schema";
import { ScrapeLimits, scrapeLimitFields } from "../rules/cardinality";
import { SESSION_SERIES_JOB, SESSION_SERIES_SOURCE } from "../telemetry/catalog";
import { REPLICA_LABEL, SERVICES, ServiceSpec } from "./services";

export interface RelabelConfig {
  source_labels?: string[];
  separator?: string;
  regex?: string;
  target_label?: string;
  replacement?: string;
  action?: "replace" | "keep" | "drop" | "labelmap" | "labeldrop" | "labelkeep";
}

export interface KubernetesSdConfig {
  role: "pod" | "endpointslice";
  namespaces?: { names: string[] };
}

/** Static targets; the stack discovers its targets, but the type documents the shape tests may use. */
export interface StaticConfig {
  targets: string[];
  labels?: Record<string, string>;
}

/** HTTP basic authentication of a client, the password read from a file at each request. */
export interface BasicAuth {
  username: string;
  password_file: string;
}

/** A client's verification of a server's certificate. */
export interface TlsConfig {
  ca_file: string;
  server_name?: string;
}

export interface ScrapeConfig {
  job_name: string;
  metrics_path?: string;
  scheme?: "http" | "https";
  honor_labels?: boolean;
  basic_auth?: BasicAuth;
  tls_config?: TlsConfig;
  sample_limit: number;
  label_limit: number;
  label_name_length_limit: number;
  label_value_length_limit: number;
  target_limit: number;
  /** Adds scrape_sample_limit, scrape_timeout_seconds and scrape_body_size_bytes per target. */
  extra_scrape_metrics?: boolean;
  kubernetes_sd_configs?: KubernetesSdConfig[];
  static_configs?: StaticConfig[];
  relabel_configs?: RelabelConfig[];
  metric_relabel_configs?: RelabelConfig[];
}

export interface PrometheusConfig {
  global: {
    scrape_interval: string;
    scrape_timeout: string;
    evaluation_interval: string;
    external_labels: Record<string, string>;
  };
  rule_files: string[];
  alerting: {
    alertmanagers: {
      api_version: "v2";
      scheme?: "http" | "https";
      basic_auth?: BasicAuth;
      tls_config?: TlsConfig;
      kubernetes_sd_configs?: KubernetesSdConfig[];
      static_configs?: StaticConfig[];
      relabel_configs?: RelabelConfig[];
    }[];
    alert_relabel_configs?: RelabelConfig[];
  };
  scrape_configs: ScrapeConfig[];
}

export interface PrometheusConfigArgs {
  readonly clusterName: string;
  readonly environment: string;
  readonly scrapeInterval: string;
  readonly evaluationInterval: string;
  readonly namespaces: { readonly servers: string; readonly agents: string };
  readonly sources: StackSettings["sources"];
  /** Which exporters this stack deploys (their scrape jobs exist only then). */
  readonly exporters: { readonly redis: boolean; readonly postgres: boolean };
  /** Scrape limits for a job. */
  readonly limits: (job: string) => ScrapeLimits;
  /**
   * High-cardinality labels and the metric families allowed to carry them (`user_id` -> [`memory_items_total`]).
   * On any other family the label is dropped at scrape time. Those families, when the session-series source is
   * enabled, are scraped from it by SESSION_SERIES_JOB under that job's limits rather than the source's.
   */
  readonly restrictedLabels: Readonly<Record<string, readonly string[]>>;
  /** Directory of the mounted rule files. */
  readonly rulesDir: string;
  /**
   * The basic-auth user Prometheus and Alertmanager require, and the mounted file with its password: Prometheus sends
   * them to Alertmanager and when scraping itself and Alertmanager.
   */
  readonly webAuth: { readonly username: string; readonly passwordFile: string };
  /**
   * TLS on Prometheus' and Alertmanager's servers: the mounted CA file and the names to verify (components/server-tls-config.ts).
   * Absent: plain HTTP.
   */
  readonly tls?: { readonly caFile: string; readonly prometheusServerName: string; readonly alertmanagerServerName: string };
  /**
   * Thanos is on: the replicas tell themselves apart by REPLICA_LABEL (the pod name from env POD_NAME), alerts drop it
   * so Alertmanager sees one alert per pair, and the Thanos components are scraped. Default off.
   */
  readonly thanos?: boolean;
}

/** The env var holding the pod name, which the replica external label expands (Prometheus 3 expands env vars there). */
export const POD_NAME_ENV = "POD_NAME";
/** Scrape jobs of the Thanos components (with objectStorage.buckets.metrics). */
export const THANOS_JOBS = ["thanos-sidecar", "thanos-query", "thanos-store", "thanos-compact"] as const;

/** Job names of the stack's own components, scraped as pods of their workloads. */
export const SELF_JOBS = ["prometheus", "alertmanager", "loki", "promtail", "otel-collector", "jaeger", "grafana"] as const;
/** The stack's own components whose HTTP servers require basic authentication (`--web.config.file`). */
export const AUTHENTICATED_JOBS: readonly (typeof SELF_JOBS)[number][] = ["prometheus", "alertmanager"];
/** Job scraping the collector's Prometheus exporter: metrics the platform sends over OTLP, labels kept as sent. */
export const COLLECTOR_METRICS_JOB = "otel-collector-metrics";
export const ANNOTATED_PODS_JOB = "kubernetes-pods";

const SELF_SERVICES: Record<(typeof SELF_JOBS)[number], ServiceSpec> = {
  prometheus: SERVICES.prometheus,
  alertmanager: SERVICES.alertmanager,
  loki: SERVICES.loki,
  promtail: SERVICES.promtail,
  "otel-collector": SERVICES.otelCollector,
  jaeger: SERVICES.jaeger,
  grafana: SERVICES.grafana,
};

/** Inverts the catalog's family -> allowed labels map into label -> families allowed to carry it. */
export function restrictedLabelsFrom(
  labels: readonly string[],
  allowedByFamily: Readonly<Record<string, readonly string[]>>,
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const label of labels) {
    out[label] = Object.keys(allowedByFamily).filter((family) => allowedByFamily[family].includes(label)).sort();
  }
  return out;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** A group matching exactly one of these names (relabel regexes are anchored). */
const namesRegex = (names: readonly string[]) => `(${names.map(escapeRegex).join("|")})`;

/**
 * Labels every job adds: namespace, pod, node where discovered, and `service`: the job name, or the `service` given for
 * a job that scrapes part of a service's series (they stay that service's for alerts, routing and dashboards).
 */
function commonRelabels(role: KubernetesSdConfig["role"], service?: string): RelabelConfig[] {
  const out: RelabelConfig[] = [
    { source_labels: ["__meta_kubernetes_namespace"], target_label: "namespace" },
    { source_labels: ["__meta_kubernetes_pod_name"], target_label: "pod" },
    { source_labels: ["__meta_kubernetes_pod_node_name"], target_label: "node" },
  ];
  if (role === "pod") out.push({ source_labels: ["__meta_kubernetes_pod_phase"], regex: "Pending|Succeeded|Failed|Completed", action: "drop" });
  out.push(service === undefined ? { source_labels: ["job"], target_label: "service" } : { target_label: "service", replacement: service });
  return out;
}

/**
 * Keeps a restricted label only on its allowed families: copy it aside for allowed names, drop it everywhere, copy it
 * back. RE2 has no negative lookahead, so "drop unless allowed" takes these steps.
 */
export function restrictedLabelRelabels(restricted: Readonly<Record<string, readonly string[]>>): RelabelConfig[] {
  const out: RelabelConfig[] = [];
  for (const [label, families] of Object.entries(restricted)) {
    const keep = `__tmp_keep_${label}`;
    out.push(
      { source_labels: ["__name__", label], regex: `${namesRegex(families)};(.+)`, target_label: keep, replacement: "$2" },
      { regex: label, action: "labeldrop" },
      { source_labels: [keep], regex: "(.+)", target_label: label, replacement: "$1" },
      { regex: keep, action: "labeldrop" },
    );
  }
  return out;
}

type LimitFields = Pick<ScrapeConfig, "sample_limit" | "label_limit" | "label_name_length_limit" | "label_value_length_limit" | "target_limit">;

function limitsOf(job: string, args: PrometheusConfigArgs): LimitFields {
  return scrapeLimitFields(args.limits(job)) as LimitFields;
}

/**
 * A Service's endpoints, selected by Service name and port (name or endpoint port number). `serviceLabel` sets
 * `service` to something other than the job name.
 */
function endpointsJob(job: string, namespace: string, service: string, port: number | string, path: string, args: PrometheusConfigArgs, serviceLabel?: string): ScrapeConfig {
  const portRule: RelabelConfig = typeof port === "number"
    ? { source_labels: ["__meta_kubernetes_endpointslice_port"], regex: String(port), action: "keep" }
    : { source_labels: ["__meta_kubernetes_endpointslice_port_name"], regex: escapeRegex(port), action: "keep" };
  return {
    job_name: job,
    metrics_path: path,
    ...limitsOf(job, args),
    kubernetes_sd_configs: [{ role: "endpointslice", namespaces: { names: [namespace] } }],
    relabel_configs: [
      { source_labels: ["__meta_kubernetes_service_name"], regex: escapeRegex(service), action: "keep" },
      portRule,
      ...commonRelabels("endpointslice", serviceLabel),
    ],
    metric_relabel_configs: restrictedLabelRelabels(args.restrictedLabels),
  };
}

/**
 * The session-series source's job and SESSION_SERIES_JOB, from the same targets: the first drops the families allowed
 * a high-cardinality label, the second keeps only those. sample_limit counts what metric relabelling leaves, so each
 * limit covers its own half and the per-user growth can only fail the second.
 */
function splitSessionSeries(s: StackSettings["sources"][SourceName], families: readonly string[], args: PrometheusConfigArgs): ScrapeConfig[] {
  const byName = (action: "keep" | "drop"): RelabelConfig => ({ source_labels: ["__name__"], regex: namesRegex(families), action });
  const source = endpointsJob(SESSION_SERIES_SOURCE, s.namespace, s.service, s.port, s.path, args);
  const sessions = endpointsJob(SESSION_SERIES_JOB, s.namespace, s.service, s.port, s.path, args, SESSION_SERIES_SOURCE);
  return [
    // Dropped first, so the label steps after it run on the service's own series only.
    { ...source, metric_relabel_configs: [byName("drop"), ...(source.metric_relabel_configs ?? [])] },
    {
      ...sessions,
      // scrape_sample_limit, for the alert on this job nearing its limit.
      extra_scrape_metrics: true,
      metric_relabel_configs: [byName("keep"), ...(sessions.metric_relabel_configs ?? [])],
    },
  ];
}

/** Pods of one of the stack's workloads, selected by `app.kubernetes.io/name` and container port name. */
function podsJob(job: string, namespace: string | undefined, selector: RelabelConfig, portName: string, path: string, args: PrometheusConfigArgs): ScrapeConfig {
  return {
    job_name: job,
    metrics_path: path,
    ...limitsOf(job, args),
    kubernetes_sd_configs: [{ role: "pod", ...(namespace ? { namespaces: { names: [namespace] } } : {}) }],
    relabel_configs: [
      selector,
      { source_labels: ["__meta_kubernetes_pod_container_port_name"], regex: escapeRegex(portName), action: "keep" },
      ...commonRelabels("pod"),
    ],
  };
}

const byAppName = (name: string): RelabelConfig => ({
  source_labels: ["__meta_kubernetes_pod_label_app_kubernetes_io_name"],
  regex: escapeRegex(name),
  action: "keep",
});

export function buildPrometheusConfig(args: PrometheusConfigArgs): PrometheusConfig {
  const ns = (spec: ServiceSpec) => args.namespaces[spec.namespace];
  const jobs: ScrapeConfig[] = [];

  const sessionFamilies = [...new Set(Object.values(args.restrictedLabels).flat())].sort();
  for (const name of SOURCE_NAMES) {
    const s = args.sources[name];
    if (!s.enabled) continue;
    if (name === SESSION_SERIES_SOURCE && sessionFamilies.length > 0) jobs.push(...splitSessionSeries(s, sessionFamilies, args));
    else jobs.push(endpointsJob(name, s.namespace, s.service, s.port, s.path, args));
  }
  if (args.exporters.redis) {
    const r = SERVICES.redisExporter;
    jobs.push(endpointsJob(r.name, ns(r), r.name, r.ports.metrics.name, r.metrics.path, args));
  }
  if (args.exporters.postgres) {
    const p = SERVICES.postgresExporter;
    jobs.push(endpointsJob(p.name, ns(p), p.name, p.ports.metrics.name, p.metrics.path, args));
  }
  // Ours or the GPU Operator's exporter (label app=nvidia-dcgm-exporter), in any namespace, so the job survives
  // `gpu.deployDcgmExporter: false`.
  const d = SERVICES.dcgmExporter;
  jobs.push({
    job_name: d.name,
    metrics_path: d.metrics.path,
    // The exporter labels a GPU in use with the pod, namespace and container using it; without honor_labels they
    // would arrive as exported_pod/exported_namespace under the exporter's own pod and namespace (NVIDIA's own
    // ServiceMonitor honours them too). The target's namespace and pod stay on idle GPUs' series.
    honor_labels: true,
    ...limitsOf(d.name, args),
    kubernetes_sd_configs: [{ role: "pod" }],
    relabel_configs: [
      {
        source_labels: ["__meta_kubernetes_pod_label_app_kubernetes_io_name", "__meta_kubernetes_pod_label_app"],
        regex: `${escapeRegex(d.name)};.*|.*;nvidia-dcgm-exporter`,
        action: "keep",
      },
      { source_labels: ["__meta_kubernetes_pod_container_port_number"], regex: String(d.ports.metrics.port), action: "keep" },
      ...commonRelabels("pod"),
    ],
  });

  const basicAuth: BasicAuth = { username: args.webAuth.username, password_file: args.webAuth.passwordFile };
  if (args.tls && (!args.tls.caFile.startsWith("/") || args.tls.prometheusServerName === "" || args.tls.alertmanagerServerName === "")) {
    throw new Error(`prometheus tls: got ${JSON.stringify(args.tls)}; expected an absolute ca file and both server names`);
  }
  // How Prometheus calls a server of the stack: basic auth, and with TLS on, https verified against the CA. Pods are
  // reached by IP, which no certificate names: the Service's name, which the certificate covers, is verified instead.
  const authenticatedClient = (serverName: string | undefined): { scheme?: "https"; basic_auth: BasicAuth; tls_config?: TlsConfig } =>
    args.tls && serverName ? { scheme: "https", basic_auth: basicAuth, tls_config: { ca_file: args.tls.caFile, server_name: serverName } } : { basic_auth: basicAuth };
  for (const job of SELF_JOBS) {
    const spec = SELF_SERVICES[job];
    const scrape = podsJob(job, ns(spec), byAppName(spec.name), spec.ports[spec.metrics.port as keyof typeof spec.ports].name, spec.metrics.path, args);
    if (!AUTHENTICATED_JOBS.includes(job)) {
      jobs.push(scrape);
      continue;
    }
    const serverName = job === "prometheus" ? args.tls?.prometheusServerName : args.tls?.alertmanagerServerName;
    jobs.push({ ...scrape, ...authenticatedClient(serverName) });
  }

  if (args.thanos) {
    // The sidecar serves its metrics from the Prometheus pods, on its own container port.
    const sc = SERVICES.thanosSidecar;
    jobs.push(podsJob(sc.name, ns(sc), byAppName(SERVICES.prometheus.name), sc.ports.http.name, sc.metrics.path, args));
    for (const spec of [SERVICES.thanosQuery, SERVICES.thanosStore, SERVICES.thanosCompact]) {
      jobs.push(podsJob(spec.name, ns(spec), byAppName(spec.name), spec.ports.http.name, spec.metrics.path, args));
    }
  }

  const c = SERVICES.otelCollector;
  jobs.push({
    ...podsJob(COLLECTOR_METRICS_JOB, ns(c), byAppName(c.name), c.ports.promExporter.name, "/metrics", args),
    // The exporter publishes the job and instance of the service that sent the metrics over OTLP.
    honor_labels: true,
    metric_relabel_configs: restrictedLabelRelabels(args.restrictedLabels),
  });

  jobs.push({
    job_name: ANNOTATED_PODS_JOB,
    ...limitsOf(ANNOTATED_PODS_JOB, args),
    kubernetes_sd_configs: [{ role: "pod" }],
    relabel_configs: [
      { source_labels: ["__meta_kubernetes_pod_annotation_prometheus_io_scrape"], regex: "true", action: "keep" },
      { source_labels: ["__meta_kubernetes_pod_annotation_prometheus_io_scheme"], regex: "(https?)", target_label: "__scheme__" },
      { source_labels: ["__meta_kubernetes_pod_annotation_prometheus_io_path"], regex: "(.+)", target_label: "__metrics_path__" },
      {
        source_labels: ["__address__", "__meta_kubernetes_pod_annotation_prometheus_io_port"],
        regex: "([^:]+)(?::\\d+)?;(\\d+)",
        replacement: "$1:$2",
        target_label: "__address__",
      },
      // The job names the application, so `service` (= job) is meaningful on these series too.
      { source_labels: ["__meta_kubernetes_pod_label_app_kubernetes_io_name"], regex: "(.+)", target_label: "job" },
      { source_labels: ["__meta_kubernetes_pod_annotation_prometheus_io_job"], regex: "(.+)", target_label: "job" },
      ...commonRelabels("pod"),
    ],
    metric_relabel_configs: restrictedLabelRelabels(args.restrictedLabels),
  });

  const names = jobs.map((j) => j.job_name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new Error(`scrape job ${JSON.stringify(duplicate)} is defined twice`);

  const am = SERVICES.alertmanager;
  return {
    global: {
      scrape_interval: args.scrapeInterval,
      // A scrape must finish before the next one starts; 10s is Prometheus' default and enough for any exporter here.
      scrape_timeout: durationSeconds(args.scrapeInterval) > 10 ? "10s" : args.scrapeInterval,
      evaluation_interval: args.evaluationInterval,
      external_labels: { cluster: args.clusterName, environment: args.environment, ...(args.thanos ? { [REPLICA_LABEL]: `\${${POD_NAME_ENV}}` } : {}) },
    },
    rule_files: [`${args.rulesDir}/*.yml`],
    alerting: {
      // Every Alertmanager pod, never a load-balanced Service: each replica must get every alert for HA to work.
      alertmanagers: [
        {
          api_version: "v2",
          ...authenticatedClient(args.tls?.alertmanagerServerName),
          kubernetes_sd_configs: [{ role: "pod", namespaces: { names: [ns(am)] } }],
          relabel_configs: [
            byAppName(am.name),
            { source_labels: ["__meta_kubernetes_pod_container_port_name"], regex: am.ports.http.name, action: "keep" },
          ],
        },
      ],
      // Both replicas send each alert; without their replica label the two are one alert to Alertmanager.
      ...(args.thanos ? { alert_relabel_configs: [{ regex: REPLICA_LABEL, action: "labeldrop" as const }] } : {}),
    },
    scrape_configs: jobs,
  };
}

export function prometheusYaml(config: PrometheusConfig): string {
  return dump(config, { noRefs: true, lineWidth: -1 });
}

/**
 * The size bound of the TSDB (`--storage.tsdb.retention.size`): 85% of the volume, so compaction and the WAL still fit
 * when the bound is reached. Prometheus reads `GB`/`MB` as powers of 1024.
 */
export function retentionSizeFor(storageSize: string): string {
  const bytes = quantityValue(storageSize) * 0.85;
  const gib = Math.floor(bytes / 2 ** 30);
  if (gib >= 1) return `${gib}GB`;
  const mib = Math.floor(bytes / 2 ** 20);
  if (mib < 64) throw new Error(`prometheus storage ${JSON.stringify(storageSize)} is too small: expected at least 76Mi`);
  return `${mib}MB`;
}

/**
 * `--rules.alert.for-grace-period`. Prometheus restores a pending alert's `for` clock after a restart only for alerts
 * whose `for` is at least this; the default (10m) is longer than every `for` of the seed, so each restart (every rule
 * or config change rolls the pod) would start their clocks again. At 1m all of them keep their pending time, and an
 * alert restored close to firing still waits a minute of fresh data first.
 */
export const FOR_GRACE_PERIOD = "1m";

/**
 * `--rules.alert.resend-delay` (Prometheus' default, made explicit): how often firing alerts are sent again at least.
 */
export const ALERT_RESEND_DELAY = "1m";

/**
 * How long a restarted Alertmanager must wait before dispatching so that every firing alert is back
 * (`--dispatch.start-delay`). Prometheus re-sends an alert at the first rule evaluation strictly after the resend
 * delay has passed, so a re-send comes up to one evaluation interval after it (75s, not 60s, at the 15s default); one
 * interval more covers an evaluation that runs late. Seen in test/e2e: with the resend delay alone, an inhibited
 * alert went out after a restart.
 */
export function dispatchStartDelay(resendDelay: string, evaluationInterval: string): string {
  return `${durationSeconds(resendDelay) + 2 * durationSeconds(evaluationInterval)}s`;
}

/** Command-line flags of the Prometheus container; `webConfigFile` is the mounted web config (basic auth). */
export function prometheusArgs(p: { retention: string; storageSize: string; configFile: string; webConfigFile: string; dataDir: string; port: number }): string[] {
  return [
    `--config.file=${p.configFile}`,
    `--web.config.file=${p.webConfigFile}`,
    `--storage.tsdb.path=${p.dataDir}`,
    `--storage.tsdb.retention.time=${p.retention}`,
    `--storage.tsdb.retention.size=${retentionSizeFor(p.storageSize)}`,
    `--rules.alert.for-grace-period=${FOR_GRACE_PERIOD}`,
    `--rules.alert.resend-delay=${ALERT_RESEND_DELAY}`,
    `--web.listen-address=:${p.port}`,
  ];
}
