/**
 * config.yaml for the OpenTelemetry Collector contrib 0.158 (COLLECTOR_RELEASE): the seed's receivers on every interface, memory limiter,
 * Kubernetes and resource attributes and batching in that order, traces to Jaeger over OTLP gRPC, logs to Loki's OTLP
 * endpoint, metrics on a Prometheus endpoint, health check and internal metrics for the probes and the scrape.
 *
 * Component type names follow the 0.146+ naming (`otlp_grpc`, `otlp_http`, `k8s_attributes`): the pinned image
 * accepts the old names only as deprecated aliases, and older images reject the new ones.
 */
import { dump } from "js-yaml";
import { quantityValue } from "../config/fields";
import { StackSettings } from "../config/schema";
import { SERVICES, serviceHost } from "./services";

/** Every interface: since 0.104 each server endpoint defaults to localhost, which a Service cannot reach. */
const ANY = "0.0.0.0";

export const COLLECTOR_EXPORTERS = {
  traces: "otlp_grpc/jaeger",
  logs: "otlp_http/loki",
  metrics: "prometheus",
} as const;

/**
 * The processors of every pipeline, in order. The memory limiter must see data first so it can refuse it before
 * anything else allocates; k8s_attributes needs the client's connection address, which batching discards.
 */
export const COLLECTOR_PROCESSORS = ["memory_limiter", "k8s_attributes", "resource", "batch"] as const;

/** Resource attributes the collector stamps on everything it forwards. */
export const ENVIRONMENT_ATTRIBUTE = "deployment.environment.name";
export const CLUSTER_ATTRIBUTE = "k8s.cluster.name";

export interface OtelCollectorConfigArgs {
  readonly settings: Pick<StackSettings["otelCollector"], "memoryLimitMiB" | "batchTimeout" | "batchSize">;
  /** The stack name (`dev`, `prod`). */
  readonly environment: string;
  readonly clusterName: string;
  /** Namespace of Jaeger and Loki (the servers namespace). */
  readonly serversNamespace: string;
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

export interface OtelCollectorConfig {
  extensions: { health_check: Endpoint & { path: string } };
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
    resource: { attributes: { key: string; value: string; action: "upsert" }[] };
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
  const processors = [...COLLECTOR_PROCESSORS];

  return {
    // The probes' target; the legacy extension's `/` answers 200 once every pipeline has started.
    extensions: { health_check: { ...at(p.health.port), path: "/" } },
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
      // send_batch_size triggers a send; the max caps what one oversized request can turn into.
      batch: { timeout: s.batchTimeout, send_batch_size: s.batchSize, send_batch_max_size: 2 * s.batchSize },
    },
    exporters: {
      // In-cluster plaintext: the OTLP gRPC exporter insists on TLS unless told otherwise.
      [COLLECTOR_EXPORTERS.traces]: { endpoint: `${serviceHost(jaeger, args.serversNamespace)}:${jaeger.ports.otlpGrpc.port}`, tls: { insecure: true } },
      // The base URL: the exporter appends /v1/logs.
      [COLLECTOR_EXPORTERS.logs]: { endpoint: `http://${serviceHost(loki, args.serversNamespace)}:${loki.ports.http.port}/otlp` },
      // Pulled by the otel-collector-metrics scrape job.
      [COLLECTOR_EXPORTERS.metrics]: { endpoint: `${ANY}:${p.promExporter.port}` },
    },
    service: {
      extensions: ["health_check"],
      telemetry: {
        logs: { level: "info" },
        metrics: { level: "normal", readers: [prometheusReader(p.metrics.port)] },
      },
      pipelines: {
        traces: { receivers: ["otlp", "jaeger", "zipkin"], processors, exporters: [COLLECTOR_EXPORTERS.traces] },
        logs: { receivers: ["otlp"], processors, exporters: [COLLECTOR_EXPORTERS.logs] },
        metrics: { receivers: ["otlp"], processors, exporters: [COLLECTOR_EXPORTERS.metrics] },
      },
    },
  };
}

export function otelCollectorYaml(config: OtelCollectorConfig): string {
  return dump(config, { noRefs: true, lineWidth: -1 });
}
