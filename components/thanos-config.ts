/**
 * Thanos on object storage, as pure builders: the objstore.yml of the bucket, the sidecar's client config for
 * Prometheus, Query's endpoint config, and the command-line flags of sidecar, Query, Store Gateway and Compactor.
 *
 * The components (components/thanos.ts, the Prometheus pods) and the end-to-end test (real binaries on loopback) run
 * the same functions, so everything that differs between a cluster and loopback is a parameter: addresses, ports and
 * file paths. Flags are those of Thanos v0.42.4 (cmd/thanos/*.go at that tag; the image pin in components/images.ts).
 */
import { dump } from "js-yaml";
import { REPLICA_LABEL, SERVICES } from "./services";

const YAML = { noRefs: true, lineWidth: -1 } as const;

// ---------------------------------------------------------------------------------------------------------------
// Object storage

/** How the S3 client addresses the bucket; `auto` is path-style for any endpoint but AWS' and Google's. */
export type BucketLookupType = "auto" | "path" | "virtual-hosted";

export interface ObjstoreOptions {
  /** `host:port` of the S3 API, no scheme (objstore rejects one); `insecure` picks http or https. */
  readonly endpoint: string;
  readonly bucket: string;
  /** The bucket's region; S3-compatible stores accept any, `us-east-1` is the usual. */
  readonly region: string;
  /** Plain HTTP to the endpoint (a store inside the cluster or on loopback). */
  readonly insecure: boolean;
  /**
   * Static credentials. Absent: the S3 client's default chain (environment, IAM role of the pod). The text then holds
   * a secret: it goes into a Kubernetes Secret or a file of mode 0600, never a ConfigMap or an argument.
   */
  readonly credentials?: { readonly accessKey: string; readonly secretKey: string };
  /** Default: omitted, which is objstore's `auto`. */
  readonly bucketLookupType?: BucketLookupType;
}

/** The objstore.yml of an S3-compatible bucket (`--objstore.config-file`); objstore parses it strictly. */
export function thanosObjstoreConfig(o: ObjstoreOptions): string {
  const config: Record<string, unknown> = {
    bucket: o.bucket,
    endpoint: o.endpoint,
    region: o.region,
    insecure: o.insecure,
  };
  if (o.credentials) {
    config.access_key = o.credentials.accessKey;
    config.secret_key = o.credentials.secretKey;
  }
  if (o.bucketLookupType) config.bucket_lookup_type = o.bucketLookupType;
  return dump({ type: "S3", config }, YAML);
}

// ---------------------------------------------------------------------------------------------------------------
// Sidecar

/**
 * The sidecar's HTTP client for Prometheus (`--prometheus.http-client-file`): Prometheus requires basic auth on every
 * endpoint (components/web-auth.ts), and serves TLS when tls.mode is not off. Thanos reads this file leniently (an
 * unknown key is ignored), so the keys here are checked against its source (pkg/clientconfig/http.go).
 */
export interface SidecarPrometheusClientOptions {
  readonly username: string;
  /** Mounted file holding the password; the password itself never appears in the text. */
  readonly passwordFile: string;
  /** TLS to Prometheus: the CA file and the name on its certificate. Absent: plain HTTP. */
  readonly tls?: { readonly caFile: string; readonly serverName: string };
}

export function thanosSidecarPrometheusClientConfig(o: SidecarPrometheusClientOptions): string {
  const config: Record<string, unknown> = { basic_auth: { username: o.username, password_file: o.passwordFile } };
  if (o.tls) config.tls_config = { ca_file: o.tls.caFile, server_name: o.tls.serverName };
  return dump(config, YAML);
}

export interface SidecarArgs {
  /** Prometheus' TSDB directory, shared with the Prometheus container. */
  readonly tsdbPath: string;
  /** Prometheus' base URL as the sidecar reaches it, e.g. `http://localhost:9090`. */
  readonly prometheusUrl: string;
  /** The file of thanosSidecarPrometheusClientConfig. */
  readonly prometheusClientConfigFile: string;
  /** The file of thanosObjstoreConfig. */
  readonly objstoreConfigFile: string;
  /** gRPC StoreAPI listen address. Default `0.0.0.0:<SERVICES.thanosSidecar.ports.grpc>`. */
  readonly grpcAddress?: string;
  /** HTTP (/metrics, probes) listen address. Default `0.0.0.0:<SERVICES.thanosSidecar.ports.http>`. */
  readonly httpAddress?: string;
  /**
   * Upload blocks Prometheus has already compacted (the one-time migration of existing local data, README). Default
   * false: the sidecar uploads only the 2h blocks it sees being cut, which is all it needs once min and max block
   * duration are equal.
   */
  readonly uploadCompacted?: boolean;
}

/** Flags of `thanos sidecar`. */
export function thanosSidecarArgs(a: SidecarArgs): string[] {
  const ports = SERVICES.thanosSidecar.ports;
  return [
    "sidecar",
    `--tsdb.path=${a.tsdbPath}`,
    `--prometheus.url=${a.prometheusUrl}`,
    `--prometheus.http-client-file=${a.prometheusClientConfigFile}`,
    `--objstore.config-file=${a.objstoreConfigFile}`,
    `--grpc-address=${a.grpcAddress ?? `0.0.0.0:${ports.grpc.port}`}`,
    `--http-address=${a.httpAddress ?? `0.0.0.0:${ports.http.port}`}`,
    ...(a.uploadCompacted ? ["--shipper.upload-compacted"] : []),
  ];
}

/**
 * Prometheus' block durations under a sidecar: min equal to max (2h) turns local compaction off, which the sidecar
 * requires before it uploads (it checks Prometheus' flags at start); the Compactor compacts in the bucket instead.
 */
export const SIDECAR_BLOCK_DURATION = "2h";

export function prometheusSidecarArgs(): string[] {
  return [`--storage.tsdb.min-block-duration=${SIDECAR_BLOCK_DURATION}`, `--storage.tsdb.max-block-duration=${SIDECAR_BLOCK_DURATION}`];
}

// ---------------------------------------------------------------------------------------------------------------
// Query

/**
 * Query's endpoint config (`--endpoint.sd-config-file`; `--endpoint` is deprecated in v0.42). An address is
 * `host:port`, `dns+host:port` (every A record) or `dnssrv+_<port-name>._tcp.<service>` (the SRV records of a
 * headless Service: every ready pod with its port).
 */
export function thanosEndpointConfig(addresses: readonly string[]): string {
  return dump({ endpoints: addresses.map((address) => ({ address })) }, YAML);
}

/** The SRV name of a headless Service's named TCP port, as Query resolves it (`dnssrv+`). */
export function dnsSrvEndpoint(portName: string, host: string): string {
  return `dnssrv+_${portName}._tcp.${host}`;
}

export interface QueryArgs {
  /** The file of thanosEndpointConfig. */
  readonly endpointConfigFile: string;
  /** Default `0.0.0.0:<SERVICES.thanosQuery.ports.grpc>`. */
  readonly grpcAddress?: string;
  /** The Prometheus-compatible query API. Default `0.0.0.0:<SERVICES.thanosQuery.ports.http>`. */
  readonly httpAddress?: string;
  /** How often the endpoint file is read again. Default `5m` (Thanos' own); DNS is re-resolved every 30s regardless. */
  readonly endpointConfigReloadInterval?: string;
}

/**
 * Flags of `thanos query`: deduplication on REPLICA_LABEL (one series per target from the HA pair, with no gap while
 * one replica is down), and automatic downsampling so a long range reads the 5m/1h blocks the Compactor made.
 */
export function thanosQueryArgs(a: QueryArgs): string[] {
  const ports = SERVICES.thanosQuery.ports;
  return [
    "query",
    `--grpc-address=${a.grpcAddress ?? `0.0.0.0:${ports.grpc.port}`}`,
    `--http-address=${a.httpAddress ?? `0.0.0.0:${ports.http.port}`}`,
    `--endpoint.sd-config-file=${a.endpointConfigFile}`,
    ...(a.endpointConfigReloadInterval ? [`--endpoint.sd-config-reload-interval=${a.endpointConfigReloadInterval}`] : []),
    `--query.replica-label=${REPLICA_LABEL}`,
    "--query.auto-downsampling",
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// Store Gateway

export interface StoreArgs {
  /** Local cache of index headers (on a claim, so a restart does not fetch them all again). */
  readonly dataDir: string;
  readonly objstoreConfigFile: string;
  /** Default `0.0.0.0:<SERVICES.thanosStore.ports.grpc>`. */
  readonly grpcAddress?: string;
  /** Default `0.0.0.0:<SERVICES.thanosStore.ports.http>`. */
  readonly httpAddress?: string;
  /** How often the bucket is listed for new blocks. Default `15m` (Thanos' own). */
  readonly syncBlockDuration?: string;
  /**
   * How old a block must be before it is read, so a block still being uploaded is not. Default: Thanos' own (`0s`
   * for the Store Gateway in v0.42).
   */
  readonly consistencyDelay?: string;
}

/** Flags of `thanos store`. */
export function thanosStoreArgs(a: StoreArgs): string[] {
  const ports = SERVICES.thanosStore.ports;
  return [
    "store",
    `--data-dir=${a.dataDir}`,
    `--objstore.config-file=${a.objstoreConfigFile}`,
    `--grpc-address=${a.grpcAddress ?? `0.0.0.0:${ports.grpc.port}`}`,
    `--http-address=${a.httpAddress ?? `0.0.0.0:${ports.http.port}`}`,
    ...(a.syncBlockDuration ? [`--sync-block-duration=${a.syncBlockDuration}`] : []),
    ...(a.consistencyDelay ? [`--consistency-delay=${a.consistencyDelay}`] : []),
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// Compactor

/** How long blocks of each resolution stay in the bucket (`0d`: forever). Durations in Prometheus' syntax. */
export interface CompactRetention {
  readonly raw: string;
  readonly fiveMinutes: string;
  readonly oneHour: string;
}

export interface CompactArgs {
  /** Scratch space for the blocks being compacted or downsampled (on a claim: it can need several block sizes). */
  readonly dataDir: string;
  readonly objstoreConfigFile: string;
  readonly retention: CompactRetention;
  /** Default `0.0.0.0:<SERVICES.thanosCompact.ports.http>`. */
  readonly httpAddress?: string;
  /** Pause between compaction runs. Default `5m` (Thanos' own). */
  readonly waitInterval?: string;
  /** Minimum age of a block before it is compacted. Default: Thanos' own (`30m`). */
  readonly consistencyDelay?: string;
}

/**
 * Flags of `thanos compact`: a long-running singleton (`--wait`; two Compactors on one bucket corrupt it), with
 * downsampling on (Thanos' default: no `--downsampling.disable`) and retention per resolution. Raw must outlive the 5m
 * and 1h resolutions' inputs, which the config check enforces.
 */
export function thanosCompactArgs(a: CompactArgs): string[] {
  const ports = SERVICES.thanosCompact.ports;
  return [
    "compact",
    "--wait",
    `--data-dir=${a.dataDir}`,
    `--objstore.config-file=${a.objstoreConfigFile}`,
    `--http-address=${a.httpAddress ?? `0.0.0.0:${ports.http.port}`}`,
    `--retention.resolution-raw=${a.retention.raw}`,
    `--retention.resolution-5m=${a.retention.fiveMinutes}`,
    `--retention.resolution-1h=${a.retention.oneHour}`,
    ...(a.waitInterval ? [`--wait-interval=${a.waitInterval}`] : []),
    ...(a.consistencyDelay ? [`--consistency-delay=${a.consistencyDelay}`] : []),
  ];
}
