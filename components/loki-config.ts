/**
 * loki.yaml for Loki 3.7 single binary (`-target=all`): TSDB schema v13 with a 24h index on the filesystem volume,
 * compactor retention, the seed's limits, OTLP ingestion with structured metadata, one tenant.
 */
import { dump } from "js-yaml";
import { durationSeconds } from "../config/fields";
import { StackSettings } from "../config/schema";
import { OTLP_LOG_LABELS } from "./otel-collector-config";

export const LOKI_DATA_DIR = "/loki";
/**
 * First day of schema v13. It must lie in the past when Loki first starts and must never change afterwards: a schema
 * change is a new entry with a later date, never an edit.
 */
export const LOKI_SCHEMA_FROM = "2025-01-01";
/** Lines whose event time is older are refused (Promtail drops them itself first: promtail-config.ts). */
export const LOKI_MAX_SAMPLE_AGE = "168h";

export interface LokiConfigArgs {
  readonly settings: StackSettings["loki"];
  readonly httpPort: number;
  readonly grpcPort: number;
  /**
   * The mounted certificate and key of the servers' TLS Secret (tls.mode not off): the HTTP server (pushes, queries,
   * metrics, probes) then speaks only https. Absent: plain HTTP. gRPC stays plain: in the single binary only Loki
   * itself dials it, and no NetworkPolicy admits anyone else to it.
   */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
}

/** Which OTLP resource attributes become stream labels; the rest are structured metadata. */
export interface OtlpConfig {
  resource_attributes: { ignore_defaults: true; attributes_config: { action: "index_label"; attributes: string[] }[] };
}

export interface LokiConfig {
  auth_enabled: false;
  server: { http_listen_port: number; grpc_listen_port: number; log_level: string; http_tls_config?: { cert_file: string; key_file: string } };
  common: {
    path_prefix: string;
    replication_factor: 1;
    instance_addr: string;
    ring: { kvstore: { store: "inmemory" } };
    storage: { filesystem: { chunks_directory: string; rules_directory: string } };
  };
  schema_config: {
    configs: { from: string; store: "tsdb"; object_store: "filesystem"; schema: "v13"; index: { prefix: string; period: "24h" } }[];
  };
  storage_config: { tsdb_shipper: { active_index_directory: string; cache_location: string } };
  ingester: { wal: { dir: string } };
  compactor: {
    working_directory: string;
    compaction_interval: string;
    retention_enabled: true;
    retention_delete_delay: string;
    retention_delete_worker_count: number;
    delete_request_store: "filesystem";
  };
  limits_config: Record<string, string | number | boolean | OtlpConfig>;
  query_range: { cache_results: true; results_cache: { cache: { embedded_cache: { enabled: boolean; max_size_mb: number } } } };
  analytics: { reporting_enabled: false };
}

export function buildLokiConfig(args: LokiConfigArgs): LokiConfig {
  const s = args.settings;
  if (durationSeconds(s.retention) % 86400 !== 0) {
    throw new Error(`loki retention ${JSON.stringify(s.retention)} must be a multiple of the 24h index period`);
  }
  if (s.ingestionBurstSizeMB < s.ingestionRateMB) {
    throw new Error(`loki ingestion burst ${s.ingestionBurstSizeMB}MB must be at least the rate ${s.ingestionRateMB}MB/s`);
  }
  const dir = (sub: string) => `${LOKI_DATA_DIR}/${sub}`;
  if (args.tls && (!args.tls.certFile.startsWith("/") || !args.tls.keyFile.startsWith("/"))) {
    throw new Error(`loki tls: got ${JSON.stringify(args.tls)}; expected absolute certificate and key files`);
  }
  return {
    // One tenant ("fake"): Promtail and the collector push without X-Scope-OrgID.
    auth_enabled: false,
    server: {
      http_listen_port: args.httpPort,
      grpc_listen_port: args.grpcPort,
      log_level: "info",
      ...(args.tls ? { http_tls_config: { cert_file: args.tls.certFile, key_file: args.tls.keyFile } } : {}),
    },
    common: {
      path_prefix: LOKI_DATA_DIR,
      replication_factor: 1,
      // A single instance: the ring lives in memory and advertises loopback.
      instance_addr: "127.0.0.1",
      ring: { kvstore: { store: "inmemory" } },
      storage: { filesystem: { chunks_directory: dir("chunks"), rules_directory: dir("rules") } },
    },
    schema_config: {
      configs: [{ from: LOKI_SCHEMA_FROM, store: "tsdb", object_store: "filesystem", schema: "v13", index: { prefix: "index_", period: "24h" } }],
    },
    storage_config: { tsdb_shipper: { active_index_directory: dir("tsdb-index"), cache_location: dir("tsdb-cache") } },
    // On the volume: the root filesystem is read-only and the WAL must survive a restart.
    ingester: { wal: { dir: dir("wal") } },
    compactor: {
      working_directory: dir("compactor"),
      compaction_interval: "10m",
      // Without retention_enabled, retention_period is ignored and logs are kept forever.
      retention_enabled: true,
      retention_delete_delay: "2h",
      retention_delete_worker_count: 150,
      // Loki refuses to start with retention on and no delete request store.
      delete_request_store: "filesystem",
    },
    limits_config: {
      retention_period: s.retention,
      max_query_lookback: s.retention,
      ingestion_rate_mb: s.ingestionRateMB,
      ingestion_burst_size_mb: s.ingestionBurstSizeMB,
      max_global_streams_per_user: s.maxGlobalStreamsPerUser,
      max_query_parallelism: s.queryParallelism,
      // TSDB periods use this key; max_query_parallelism alone does nothing for schema v13.
      tsdb_max_query_parallelism: s.queryParallelism,
      // Trace, span, user and session ids arrive as structured metadata (from Promtail and from OTLP).
      allow_structured_metadata: true,
      volume_enabled: true,
      reject_old_samples: true,
      reject_old_samples_max_age: LOKI_MAX_SAMPLE_AGE,
      // OTLP logs get Promtail's label names (the collector sets them: otel-collector-config.ts), not Loki's defaults
      // (service_name, k8s_namespace_name, k8s_pod_name...), which no dashboard selects and which index every pod.
      otlp_config: { resource_attributes: { ignore_defaults: true, attributes_config: [{ action: "index_label", attributes: [...OTLP_LOG_LABELS] }] } },
    },
    // The cache block alone caches nothing: cache_results defaults to false.
    query_range: { cache_results: true, results_cache: { cache: { embedded_cache: { enabled: true, max_size_mb: 100 } } } },
    analytics: { reporting_enabled: false },
  };
}

export function lokiYaml(config: LokiConfig): string {
  return dump(config, { noRefs: true, lineWidth: -1 });
}
