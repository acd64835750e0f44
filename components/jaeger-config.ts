/**
 * config.yaml for Jaeger v2 (2.13): OTLP and Jaeger gRPC receivers, Badger on the mounted volume with the configured
 * span TTL or a shared store (components/jaeger-storage-config.ts), the query service and UI on 16686, healthcheckv2
 * for the probes and internal metrics for the scrape. Jaeger v2 is built on the collector framework, so its config
 * has the collector's shape.
 */
import { dump } from "js-yaml";
import { durationSeconds } from "../config/fields";
import { StackSettings } from "../config/schema";
import type { JaegerStorage } from "../config/scale-out";
import { CassandraBackend, SearchBackend, remoteBackend } from "./jaeger-storage-config";
import { PrometheusReader, prometheusReader } from "./otel-collector-config";
import { SERVICES } from "./services";

/** Where the Badger volume is mounted. */
export const JAEGER_DATA_DIR = "/badger";
/** The backend's name for a store (`badger_main`, `elasticsearch_main`), in the query extension and the exporter. */
export function jaegerStorageName(storage: JaegerStorage): string {
  return `${storage}_main`;
}
/** The default store's backend name. */
export const JAEGER_STORAGE = jaegerStorageName("badger");

/** Every interface: Jaeger's own sample configs leave endpoints empty, which means localhost. */
const ANY = "0.0.0.0";

export interface JaegerConfigArgs {
  readonly settings: Pick<StackSettings["jaeger"], "spanRetention" | "storage" | "elasticsearch" | "opensearch" | "cassandra">;
  /**
   * The mounted certificate and key of the servers' TLS Secret (tls.mode not off): the query UI and API, both OTLP
   * receivers, the seed's gRPC receiver and the health check then speak only TLS. Absent: plaintext. Two endpoints
   * stay plain: the internal-metrics reader, which has no TLS setting (NetworkPolicies admit only Prometheus to it),
   * and the query gRPC API, which listens on localhost only.
   */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
}

export interface BadgerBackend {
  directories: { keys: string; values: string };
  ephemeral: false;
  ttl: { spans: string };
  maintenance_interval: string;
  metrics_update_interval: string;
}

/** One backend: exactly one of the stores. */
export interface JaegerBackend {
  badger?: BadgerBackend;
  elasticsearch?: SearchBackend;
  opensearch?: SearchBackend;
  cassandra?: CassandraBackend;
}

type ServerTls = { cert_file: string; key_file: string };
type Endpoint = { endpoint: string; tls?: ServerTls };

export interface JaegerConfig {
  service: {
    extensions: string[];
    pipelines: { traces: { receivers: string[]; processors: string[]; exporters: string[] } };
    telemetry: {
      resource: Record<string, string>;
      logs: { level: string };
      metrics: { level: "normal"; readers: PrometheusReader[] };
    };
  };
  extensions: {
    healthcheckv2: { use_v2: true; http: Endpoint & { status: { enabled: true; path: string } } };
    jaeger_query: { storage: { traces: string }; enable_tracing: false; http: Endpoint; grpc: Endpoint };
    jaeger_storage: { backends: Record<string, JaegerBackend> };
  };
  receivers: { otlp: { protocols: { grpc: Endpoint; http: Endpoint } }; jaeger: { protocols: { grpc: Endpoint } } };
  processors: { batch: Record<string, never> };
  exporters: { jaeger_storage_exporter: { trace_storage: string } };
}

export function buildJaegerConfig(args: JaegerConfigArgs): JaegerConfig {
  const retention = args.settings.spanRetention;
  if (durationSeconds(retention) < 3600) {
    throw new Error(`jaeger span retention ${JSON.stringify(retention)} must be at least 1h`);
  }
  if (args.tls && (!args.tls.certFile.startsWith("/") || !args.tls.keyFile.startsWith("/"))) {
    throw new Error(`jaeger tls: got ${JSON.stringify(args.tls)}; expected absolute certificate and key files`);
  }
  const tls = args.tls ? { tls: { cert_file: args.tls.certFile, key_file: args.tls.keyFile } } : {};
  const at = (port: number): Endpoint => ({ endpoint: `${ANY}:${port}`, ...tls });
  const p = SERVICES.jaeger.ports;
  const storage = jaegerStorageName(args.settings.storage);
  const backend: JaegerBackend =
    args.settings.storage === "badger"
      ? {
          badger: {
            // On the volume: the defaults sit next to the binary, on the read-only root filesystem.
            directories: { keys: `${JAEGER_DATA_DIR}/data/keys`, values: `${JAEGER_DATA_DIR}/data/values` },
            // Badger's default is ephemeral (a temporary directory), which loses every span on restart.
            ephemeral: false,
            ttl: { spans: retention },
            maintenance_interval: "5m",
            metrics_update_interval: "10s",
          },
        }
      : remoteBackend({ settings: args.settings });
  return {
    service: {
      extensions: ["jaeger_storage", "jaeger_query", "healthcheckv2"],
      pipelines: {
        // The collector sends OTLP; the Jaeger gRPC receiver serves the seed's 14250 for clients that bypass it.
        traces: { receivers: ["otlp", "jaeger"], processors: ["batch"], exporters: ["jaeger_storage_exporter"] },
      },
      telemetry: {
        // A map in 2.13 (the release built here rejects the newer `attributes: [{name, value}]` list, which 2.20 wants).
        resource: { "service.name": "jaeger" },
        logs: { level: "info" },
        // The collector's reader, so both expose the same metric names to the alerts.
        metrics: { level: "normal", readers: [prometheusReader(p.metrics.port)] },
      },
    },
    extensions: {
      healthcheckv2: { use_v2: true, http: { ...at(p.health.port), status: { enabled: true, path: "/status" } } },
      jaeger_query: {
        storage: { traces: storage },
        // On by default: Jaeger would send a trace of every query (Grafana's included) to localhost:4317, its own
        // receiver, past the collector and without environment or cluster, and flush it into a stopped receiver on
        // every shutdown (seen with 2.13: a 10 s SIGTERM).
        enable_tracing: false,
        http: at(p.ui.port),
        // The query gRPC API is not in the seed's port table and no Service exposes it: keep it inside the pod.
        grpc: { endpoint: "localhost:16685" },
      },
      jaeger_storage: { backends: { [storage]: backend } },
    },
    receivers: {
      otlp: { protocols: { grpc: at(p.otlpGrpc.port), http: at(p.otlpHttp.port) } },
      jaeger: { protocols: { grpc: at(p.grpc.port) } },
    },
    processors: { batch: {} },
    exporters: { jaeger_storage_exporter: { trace_storage: storage } },
  };
}

export function jaegerYaml(config: JaegerConfig): string {
  return dump(config, { noRefs: true, lineWidth: -1 });
}
