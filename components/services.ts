/**
 * The one table of the stack's own services: Kubernetes names, ports (the seed's port table) and where each serves its
 * metrics. Components, Services, probes and the Prometheus scrape jobs all read it.
 */

export interface PortSpec {
  /** IANA service name used for the container and Service port. */
  readonly name: string;
  readonly port: number;
  readonly protocol?: "TCP" | "UDP";
}

export interface ServiceSpec {
  /** Kubernetes name of the workload and its Service; also `app.kubernetes.io/name`. */
  readonly name: string;
  /** Which namespace it runs in. */
  readonly namespace: "servers" | "agents";
  readonly ports: Readonly<Record<string, PortSpec>>;
  /** The port (key of `ports`) and path Prometheus scrapes; the scrape job is named after the service. */
  readonly metrics: { readonly port: string; readonly path: string };
}

export const SERVICES = {
  prometheus: {
    name: "prometheus",
    namespace: "servers",
    ports: { http: { name: "http", port: 9090 } },
    metrics: { port: "http", path: "/metrics" },
  },
  alertmanager: {
    name: "alertmanager",
    namespace: "servers",
    ports: {
      http: { name: "http", port: 9093 },
      clusterTcp: { name: "cluster-tcp", port: 9094, protocol: "TCP" },
      clusterUdp: { name: "cluster-udp", port: 9094, protocol: "UDP" },
    },
    metrics: { port: "http", path: "/metrics" },
  },
  loki: {
    name: "loki",
    namespace: "servers",
    ports: { http: { name: "http", port: 3100 }, grpc: { name: "grpc", port: 9095 } },
    metrics: { port: "http", path: "/metrics" },
  },
  promtail: {
    name: "promtail",
    namespace: "agents",
    ports: { http: { name: "http", port: 9080 } },
    metrics: { port: "http", path: "/metrics" },
  },
  otelCollector: {
    name: "otel-collector",
    namespace: "servers",
    ports: {
      otlpGrpc: { name: "otlp-grpc", port: 4317 },
      otlpHttp: { name: "otlp-http", port: 4318 },
      jaegerGrpc: { name: "jaeger-grpc", port: 14250 },
      jaegerThriftHttp: { name: "jaeger-http", port: 14268 },
      jaegerCompact: { name: "jaeger-compact", port: 6831, protocol: "UDP" },
      jaegerBinary: { name: "jaeger-binary", port: 6832, protocol: "UDP" },
      zipkin: { name: "zipkin", port: 9411 },
      metrics: { name: "metrics", port: 8888 },
      promExporter: { name: "prom-exporter", port: 8889 },
      health: { name: "health", port: 13133 },
    },
    metrics: { port: "metrics", path: "/metrics" },
  },
  jaeger: {
    name: "jaeger",
    namespace: "servers",
    ports: {
      ui: { name: "http-ui", port: 16686 },
      otlpGrpc: { name: "otlp-grpc", port: 4317 },
      otlpHttp: { name: "otlp-http", port: 4318 },
      grpc: { name: "grpc", port: 14250 },
      metrics: { name: "metrics", port: 8888 },
      health: { name: "health", port: 13133 },
    },
    metrics: { port: "metrics", path: "/metrics" },
  },
  grafana: {
    name: "grafana",
    namespace: "servers",
    ports: { http: { name: "http", port: 3000 } },
    metrics: { port: "http", path: "/metrics" },
  },
  dcgmExporter: {
    name: "dcgm-exporter",
    namespace: "agents",
    ports: { metrics: { name: "metrics", port: 9400 } },
    metrics: { port: "metrics", path: "/metrics" },
  },
  redisExporter: {
    name: "redis-exporter",
    namespace: "servers",
    ports: { metrics: { name: "metrics", port: 9121 } },
    metrics: { port: "metrics", path: "/metrics" },
  },
  postgresExporter: {
    name: "postgres-exporter",
    namespace: "servers",
    ports: { metrics: { name: "metrics", port: 9187 } },
    metrics: { port: "metrics", path: "/metrics" },
  },
  // Thanos (on when objectStorage.buckets.metrics is set). Every Thanos component serves its StoreAPI on gRPC 10901
  // and /metrics on HTTP 10902 (Thanos' defaults, made explicit in components/thanos-config.ts).
  thanosSidecar: {
    // Runs in the Prometheus pods: its ports are named apart from Prometheus' own `http`.
    name: "thanos-sidecar",
    namespace: "servers",
    ports: { grpc: { name: "sidecar-grpc", port: 10901 }, http: { name: "sidecar-http", port: 10902 } },
    metrics: { port: "http", path: "/metrics" },
  },
  thanosQuery: {
    name: "thanos-query",
    namespace: "servers",
    ports: { http: { name: "http", port: 10902 }, grpc: { name: "grpc", port: 10901 } },
    metrics: { port: "http", path: "/metrics" },
  },
  thanosStore: {
    name: "thanos-store",
    namespace: "servers",
    ports: { grpc: { name: "grpc", port: 10901 }, http: { name: "http", port: 10902 } },
    metrics: { port: "http", path: "/metrics" },
  },
  thanosCompact: {
    name: "thanos-compact",
    namespace: "servers",
    ports: { http: { name: "http", port: 10902 } },
    metrics: { port: "http", path: "/metrics" },
  },
} as const satisfies Record<string, ServiceSpec>;

export type ServiceKey = keyof typeof SERVICES;

/**
 * Jaeger's own OTLP receiver, on a Service of its own: the `jaeger` Service serves the query UI and metrics only, and
 * the NetworkPolicies admit spans into Jaeger from the collector alone.
 */
export const JAEGER_INGEST = { name: "jaeger-ingest", ports: [SERVICES.jaeger.ports.otlpGrpc] } as const;

/**
 * What the `jaeger` Service exposes: the query UI, the seed's gRPC port (admitted from the collector only), metrics
 * and health; not Jaeger's OTLP receivers.
 */
export const JAEGER_SERVICE_PORTS: readonly PortSpec[] = [SERVICES.jaeger.ports.ui, SERVICES.jaeger.ports.grpc, SERVICES.jaeger.ports.metrics, SERVICES.jaeger.ports.health];

/** In-cluster DNS name of a service in a namespace. */
export function serviceHost(service: Pick<ServiceSpec, "name">, namespace: string): string {
  return `${service.name}.${namespace}.svc`;
}

/**
 * The external label that tells the Prometheus replicas of an HA pair apart (its value is the pod name). Thanos Query
 * deduplicates on it; alerts drop it so that Alertmanager sees one alert from the pair.
 */
export const REPLICA_LABEL = "replica";

/**
 * Loki in simple scalable mode (objectStorage.buckets.logs): three targets of one binary, each its own workload and
 * Service on Loki's ports (SERVICES.loki), and a headless Service over every Loki pod for memberlist gossip. Pods of
 * all three carry `app.kubernetes.io/name: loki`; the target is their `app.kubernetes.io/instance`.
 */
export const LOKI_SCALABLE = {
  /** Distributors and ingesters: Promtail and the collector push here. */
  write: { name: "loki-write", target: "write" },
  /** Query frontends and queriers: Grafana queries here. */
  read: { name: "loki-read", target: "read" },
  /** Compactor (one active, by its ring), index gateway, query scheduler, ruler. */
  backend: { name: "loki-backend", target: "backend" },
  memberlist: { name: "loki-memberlist", port: { name: "memberlist", port: 7946, protocol: "TCP" } },
} as const;
