/**
 * config.yaml for the OpenTelemetry Collector contrib 0.158 (COLLECTOR_RELEASE): the seed's receivers on every
 * interface, memory limiter, Kubernetes and resource attributes and batching in that order, traces to Jaeger over
 * OTLP gRPC, logs to Loki's OTLP endpoint, metrics on a Prometheus endpoint, health check and internal metrics for the
 * probes and the scrape; durable exporter queues in prod.
 *
 * Component type names follow the 0.146+ naming (`otlp_grpc`, `otlp_http`, `k8s_attributes`): the pinned image
 * accepts the old names only as deprecated aliases, and older images reject the new ones.
 */
import { dump } from "js-yaml";
import { quantityValue } from "../config/fields";
import { StackSettings } from "../config/schema";
import { JAEGER_INGEST, SERVICES, serviceHost } from "./services";

/** Every interface: since 0.104 each server endpoint defaults to localhost, which a Service cannot reach. */
const ANY = "0.0.0.0";

export const COLLECTOR_EXPORTERS = {
  traces: "otlp_grpc/jaeger",
  logs: "otlp_http/loki",
  metrics: "prometheus",
} as const;

/**
 * The processors of every pipeline, in order. The memory limiter must see data first so it can refuse it before
 * anything else allocates; k8s_attributes needs the client's connection address, which batching discards. Logs and
 * metrics get their own steps between the shared ones and the batch (LOG_PROCESSORS, METRIC_PROCESSORS).
 */
export const COLLECTOR_PROCESSORS = ["memory_limiter", "k8s_attributes", "resource", "batch"] as const;

/**
 * Logs get the stream labels Promtail's streams have, so one LogQL selector (`{namespace, service, level}`) finds a
 * line whichever way it came: the resource gets `namespace`, `service` and `cluster`; each record's severity and
 * logger become attributes, which groupbyattrs lifts to the resource (one resource per level and logger), where Loki
 * indexes them (limits_config.otlp_config). Everything else, the pod among it, stays structured metadata.
 */
export const LOG_PROCESSORS = ["resource/logs", "transform/logs", "groupbyattrs/logs"] as const;
/** The label names the collector gives logs; Loki indexes exactly these from OTLP (loki-config.ts). */
export const OTLP_LOG_LABELS = ["cluster", "namespace", "service", "level", "logger"] as const;

/**
 * Metrics keep their resource as labels (the exporter's resource_to_telemetry_conversion), with the sender's
 * `service` as the per-service alerts and dashboards expect, minus the per-pod attributes: a label that changes on
 * every rollout would make each rollout a new set of series.
 */
export const METRIC_PROCESSORS = ["resource/metrics"] as const;
const PER_POD_ATTRIBUTES = ["k8s.pod.uid", "k8s.pod.name"] as const;

/** Where the persistent queue lives (a volume of its own; see otel-collector.ts). */
export const COLLECTOR_QUEUE_DIR = "/var/lib/otelcol/queue";
const QUEUE_STORAGE = "file_storage/queue";

/**
 * Retries for as long as the queue has room, instead of the default 5 minutes after which data is dropped: a backend
 * restart or a long outage then costs latency, not data. A full queue refuses new data, which the senders retry.
 */
export const EXPORTER_RETRY = { enabled: true, initial_interval: "5s", max_interval: "30s", max_elapsed_time: "0s" } as const;
/** Batches (requests) the in-memory queue holds per exporter; the memory limiter bounds what they may take. */
export const EXPORTER_QUEUE_SIZE = 2000;
/** A generous size of one span or log record on disk, to size the persistent queue from its volume. */
const BYTES_PER_ITEM = 1024;
/** The exporters that queue (traces and logs) share the volume. */
const QUEUED_EXPORTERS = 2;

/**
 * Batches each exporter's persistent queue may hold so that full queues stay within 80% of the volume: past its size
 * an emptyDir gets the pod evicted, and the queue with it. A batch is at most send_batch_max_size (2 x batchSize) items.
 */
export function persistentQueueSize(storageSize: string, batchSize: number): number {
  const perExporter = (quantityValue(storageSize) * 0.8) / QUEUED_EXPORTERS;
  const batches = Math.floor(perExporter / (2 * batchSize * BYTES_PER_ITEM));
  if (batches < 10) throw new Error(`otelCollector.queueStorageSize ${JSON.stringify(storageSize)} holds only ${batches} batches of ${2 * batchSize} items per exporter; give it at least ${Math.ceil((10 * 2 * batchSize * BYTES_PER_ITEM * QUEUED_EXPORTERS) / 0.8 / 2 ** 20)}Mi`);
  return batches;
}

/** Resource attributes the collector stamps on everything it forwards. */
export const ENVIRONMENT_ATTRIBUTE = "deployment.environment.name";
export const CLUSTER_ATTRIBUTE = "k8s.cluster.name";

export interface OtelCollectorConfigArgs {
  /** `queue: persistent` puts the exporters' queues on file_storage in COLLECTOR_QUEUE_DIR. */
  readonly settings: Pick<StackSettings["otelCollector"], "memoryLimitMiB" | "batchTimeout" | "batchSize" | "queue" | "queueStorageSize">;
  /** The stack name (`dev`, `prod`). */
  readonly environment: string;
  readonly clusterName: string;
  /** Namespace of Jaeger and Loki (the servers namespace). */
  readonly serversNamespace: string;
  /** The Loki Service the logs exporter pushes to. Default SERVICES.loki.name; Loki's write target in simple scalable mode. */
  readonly lokiServiceName?: string;
}

type Endpoint = { endpoint: string };
type Pipeline = { receivers: string[]; processors: string[]; exporters: string[] };
export type PrometheusReader = {
  pull: {
    exporter: {
      prometheus: { host: string; port: number; without_scope_info: boolean; without_units: boolean; without_type_suffix: boolean };
    };
  };
};

/**
 * The internal-telemetry reader of the collector and of Jaeger v2 (built on the collector): a Prometheus endpoint on
 * every interface. `service.telemetry.metrics.address` is gone since 0.123; readers replace it.
 *
 * The flags pin the metric names the alerts and the catalog use. Counters keep their `_total` suffix
 * (`otelcol_exporter_send_failed_spans_total`), as Prometheus names counters and as the OpenTelemetry Go exporter does
 * by default; since 0.152 the collector defaults `without_type_suffix` to true when readers are configured, so it is
 * set to false here. Units stay out of the names (`{span}` would otherwise become part of some), and scope labels are
 * left off as the collector does by default.
 */
export function prometheusReader(port: number): PrometheusReader {
  return { pull: { exporter: { prometheus: { host: ANY, port, without_scope_info: true, without_units: true, without_type_suffix: false } } } };
}

type ResourceAction = { key: string; action: "upsert" | "insert" | "delete"; value?: string; from_attribute?: string };

export interface OtelCollectorConfig {
  extensions: { health_check: Endpoint & { path: string } } & Record<string, Record<string, unknown>>;
  receivers: {
    otlp: { protocols: { grpc: Endpoint; http: Endpoint } };
    jaeger: { protocols: { grpc: Endpoint; thrift_http: Endpoint; thrift_compact: Endpoint; thrift_binary: Endpoint } };
    zipkin: Endpoint;
  };
  processors: {
    memory_limiter: { check_interval: string; limit_mib: number; spike_limit_mib: number };
    k8s_attributes: {
      auth_type: "serviceAccount";
      passthrough: false;
      extract: { metadata: string[] };
      pod_association: { sources: { from: "resource_attribute" | "connection"; name?: string }[] }[];
    };
    resource: { attributes: ResourceAction[] };
    "resource/logs": { attributes: ResourceAction[] };
    "resource/metrics": { attributes: ResourceAction[] };
    "transform/logs": { error_mode: "ignore"; log_statements: string[] };
    "groupbyattrs/logs": { keys: string[] };
    batch: { timeout: string; send_batch_size: number; send_batch_max_size: number };
  };
  exporters: Record<string, Record<string, unknown>>;
  service: {
    extensions: string[];
    telemetry: { logs: { level: string }; metrics: { level: "normal"; readers: PrometheusReader[] } };
    pipelines: { traces: Pipeline; logs: Pipeline; metrics: Pipeline };
  };
}

const at = (port: number): Endpoint => ({ endpoint: `${ANY}:${port}` });

/**
 * The memory limiter's spike allowance: a quarter of the limit (upstream defaults to a fifth), so a burst of full
 * batches arriving between two checks still lands below the hard limit.
 */
export function spikeLimitMiB(limitMiB: number): number {
  return Math.ceil(limitMiB / 4);
}

/**
 * GOMEMLIMIT for a container memory limit: 80% of it, in MiB. The Go runtime then collects harder before the kernel's
 * OOM killer is near, while the memory limiter (below the container limit, checked in config) refuses data first.
 */
export function goMemLimit(containerMemoryLimit: string): string {
  const mib = Math.floor((quantityValue(containerMemoryLimit) * 0.8) / 2 ** 20);
  if (mib < 1) throw new Error(`collector memory limit ${JSON.stringify(containerMemoryLimit)} is too small for a GOMEMLIMIT`);
  return `${mib}MiB`;
}

export function buildOtelCollectorConfig(args: OtelCollectorConfigArgs): OtelCollectorConfig {
  const s = args.settings;
  if (s.batchSize < 1) throw new Error(`collector batch size ${s.batchSize} must be at least 1`);
  const p = SERVICES.otelCollector.ports;
  const jaeger = SERVICES.jaeger;
  const loki = SERVICES.loki;
  const shared = COLLECTOR_PROCESSORS.slice(0, -1);
  const processors = [...COLLECTOR_PROCESSORS];
  const persistent = s.queue === "persistent";
  const queue = persistent
    ? { enabled: true, queue_size: persistentQueueSize(s.queueStorageSize, s.batchSize), storage: QUEUE_STORAGE }
    : { enabled: true, queue_size: EXPORTER_QUEUE_SIZE };

  return {
    // The probes' target; the legacy extension's `/` answers 200 once every pipeline has started.
    extensions: {
      health_check: { ...at(p.health.port), path: "/" },
      // Compaction's scratch files go next to the queue: its default directory is /tmp, read-only in the pod. The mount
      // exists in the pod; create_directory lets `otelcol validate` pass off-cluster too.
      ...(persistent
        ? { [QUEUE_STORAGE]: { directory: COLLECTOR_QUEUE_DIR, create_directory: true, compaction: { on_start: true, on_rebound: true, directory: COLLECTOR_QUEUE_DIR } } }
        : {}),
    },
    receivers: {
      otlp: { protocols: { grpc: at(p.otlpGrpc.port), http: at(p.otlpHttp.port) } },
      // A protocol is served only when named; the two Thrift ports are UDP.
      jaeger: {
        protocols: {
          grpc: at(p.jaegerGrpc.port),
          thrift_http: at(p.jaegerThriftHttp.port),
          thrift_compact: at(p.jaegerCompact.port),
          thrift_binary: at(p.jaegerBinary.port),
        },
      },
      zipkin: at(p.zipkin.port),
    },
    processors: {
      memory_limiter: { check_interval: "1s", limit_mib: s.memoryLimitMiB, spike_limit_mib: spikeLimitMiB(s.memoryLimitMiB) },
      k8s_attributes: {
        auth_type: "serviceAccount",
        passthrough: false,
        // Replica sets give the deployment name; no deployment watch (and no RBAC on deployments) is needed.
        extract: { metadata: ["k8s.namespace.name", "k8s.pod.name", "k8s.pod.uid", "k8s.deployment.name", "k8s.node.name"] },
        // SDKs that set the pod IP or UID are matched on it; everything else by the address the data came from.
        pod_association: [
          { sources: [{ from: "resource_attribute", name: "k8s.pod.ip" }] },
          { sources: [{ from: "resource_attribute", name: "k8s.pod.uid" }] },
          { sources: [{ from: "connection" }] },
        ],
      },
      // The stack knows where it runs; a service's own value would split one environment into two names.
      resource: {
        attributes: [
          { key: ENVIRONMENT_ATTRIBUTE, value: args.environment, action: "upsert" },
          { key: CLUSTER_ATTRIBUTE, value: args.clusterName, action: "upsert" },
        ],
      },
      "resource/logs": {
        attributes: [
          { key: "namespace", from_attribute: "k8s.namespace.name", action: "insert" },
          { key: "service", from_attribute: "service.name", action: "insert" },
          { key: "cluster", from_attribute: CLUSTER_ATTRIBUTE, action: "insert" },
        ],
      },
      // The level as the service wrote it (severity_text), as Promtail takes the JSON `level` field; the logger is
      // the instrumentation scope, as OpenTelemetry log bridges name it.
      "transform/logs": {
        error_mode: "ignore",
        log_statements: [
          'set(log.attributes["level"], log.severity_text) where log.severity_text != ""',
          'set(log.attributes["logger"], instrumentation_scope.name) where instrumentation_scope.name != ""',
        ],
      },
      "groupbyattrs/logs": { keys: ["level", "logger"] },
      "resource/metrics": {
        attributes: [
          { key: "service", from_attribute: "service.name", action: "insert" },
          ...PER_POD_ATTRIBUTES.map((key): ResourceAction => ({ key, action: "delete" })),
        ],
      },
      // send_batch_size triggers a send; the max caps what one oversized request can turn into.
      batch: { timeout: s.batchTimeout, send_batch_size: s.batchSize, send_batch_max_size: 2 * s.batchSize },
    },
    exporters: {
      // In-cluster plaintext: the OTLP gRPC exporter insists on TLS unless told otherwise.
      [COLLECTOR_EXPORTERS.traces]: {
        endpoint: `${serviceHost(JAEGER_INGEST, args.serversNamespace)}:${jaeger.ports.otlpGrpc.port}`,
        tls: { insecure: true },
        retry_on_failure: EXPORTER_RETRY,
        sending_queue: queue,
      },
      // The base URL: the exporter appends /v1/logs.
      [COLLECTOR_EXPORTERS.logs]: {
        endpoint: `http://${serviceHost({ name: args.lokiServiceName ?? loki.name }, args.serversNamespace)}:${loki.ports.http.port}/otlp`,
        retry_on_failure: EXPORTER_RETRY,
        sending_queue: queue,
      },
      // Pulled by the otel-collector-metrics scrape job; nothing to queue or retry.
      [COLLECTOR_EXPORTERS.metrics]: { endpoint: `${ANY}:${p.promExporter.port}`, resource_to_telemetry_conversion: { enabled: true } },
    },
    service: {
      extensions: ["health_check", ...(persistent ? [QUEUE_STORAGE] : [])],
      telemetry: {
        logs: { level: "info" },
        metrics: { level: "normal", readers: [prometheusReader(p.metrics.port)] },
      },
      pipelines: {
        traces: { receivers: ["otlp", "jaeger", "zipkin"], processors, exporters: [COLLECTOR_EXPORTERS.traces] },
        logs: { receivers: ["otlp"], processors: [...shared, ...LOG_PROCESSORS, "batch"], exporters: [COLLECTOR_EXPORTERS.logs] },
        metrics: { receivers: ["otlp"], processors: [...shared, ...METRIC_PROCESSORS, "batch"], exporters: [COLLECTOR_EXPORTERS.metrics] },
      },
    },
  };
}

export function otelCollectorYaml(config: OtelCollectorConfig): string {
  return dump(config, { noRefs: true, lineWidth: -1 });
}
