/**
 * Jaeger 2.13's shared trace stores as `jaeger_storage` backends: Elasticsearch or OpenSearch (one client, the same
 * keys) and Cassandra. The password never enters config.yaml: Elasticsearch and OpenSearch read it from a file
 * mounted from a Secret (`password_file`, re-read on a timer, so a rotated Secret needs no restart); Cassandra's
 * settings have no file option, so config.yaml names an environment variable the pod fills from the Secret
 * (`secretKeyRef`) and the collector framework expands when it loads the file.
 */
import type { RemoteJaegerStorage } from "../config/scale-out";
import { SEARCH_URL } from "../config/scale-out";
import type { StackSettings } from "../config/schema";
import { StoreEndpoints, storeEndpoints } from "./network-policy-config";

/** Where the store's password file is mounted (Elasticsearch and OpenSearch). */
export const JAEGER_STORAGE_AUTH_DIR = "/etc/jaeger/storage-auth";
/** Where the store's CA ConfigMap is mounted. */
export const JAEGER_STORAGE_CA_DIR = "/etc/jaeger/storage-ca";
/** Key of the password in the Secret `jaeger-storage`, and of the CA in the user's ConfigMap. */
export const JAEGER_STORAGE_PASSWORD_KEY = "password";
export const JAEGER_STORAGE_CA_KEY = "ca.crt";
/** The environment variable that carries Cassandra's password into the config (`${env:...}`). */
export const JAEGER_STORAGE_PASSWORD_ENV = "JAEGER_STORAGE_PASSWORD";

type JaegerSettings = StackSettings["jaeger"];

export interface SearchBackend {
  server_urls: string[];
  indices?: { index_prefix: string };
  /** The query service's lookback: spans older than this are not searched (the store's lifecycle deletes them). */
  max_span_age: string;
  auth?: { basic: { username: string; password_file: string; reload_interval: string } };
  tls?: { ca_file: string };
}

export interface CassandraBackend {
  schema: { keyspace: string };
  connection: {
    servers: string[];
    port: number;
    local_dc?: string;
    auth?: { basic: { username: string; password: string } };
    tls?: { insecure: true } | { ca_file: string };
  };
}

export type RemoteBackend = { elasticsearch: SearchBackend } | { opensearch: SearchBackend } | { cassandra: CassandraBackend };

export interface RemoteStorageArgs {
  readonly settings: Pick<JaegerSettings, "storage" | "spanRetention" | "elasticsearch" | "opensearch" | "cassandra">;
}

const caFile = `${JAEGER_STORAGE_CA_DIR}/${JAEGER_STORAGE_CA_KEY}`;

function searchBackend(s: JaegerSettings["elasticsearch"], spanRetention: string): SearchBackend {
  return {
    server_urls: [...s.serverUrls],
    ...(s.indexPrefix ? { indices: { index_prefix: s.indexPrefix } } : {}),
    max_span_age: spanRetention,
    ...(s.username
      ? { auth: { basic: { username: s.username, password_file: `${JAEGER_STORAGE_AUTH_DIR}/${JAEGER_STORAGE_PASSWORD_KEY}`, reload_interval: "1m" } } }
      : {}),
    // Over https without a CA of its own, Jaeger verifies against the image's roots; never skips verification.
    ...(s.caConfigMap ? { tls: { ca_file: caFile } } : {}),
  };
}

function cassandraBackend(s: JaegerSettings["cassandra"]): CassandraBackend {
  // Jaeger's Cassandra client uses TLS unless `insecure` says otherwise, so TLS without a CA of its own needs no key.
  const tls = !s.tls ? { tls: { insecure: true as const } } : s.caConfigMap ? { tls: { ca_file: caFile } } : {};
  return {
    // The keyspace and its tables come from Jaeger's schema script, which also sets the TTL (the retention): two
    // replicas creating them at once would race, so `schema.create` stays off.
    schema: { keyspace: s.keyspace },
    connection: {
      servers: [...s.servers],
      port: s.port,
      ...(s.localDc ? { local_dc: s.localDc } : {}),
      ...(s.username ? { auth: { basic: { username: s.username, password: `\${env:${JAEGER_STORAGE_PASSWORD_ENV}}` } } } : {}),
      ...tls,
    },
  };
}

/** The `jaeger_storage` backend of a shared store. */
export function remoteBackend(args: RemoteStorageArgs): RemoteBackend {
  const s = args.settings;
  const storage = s.storage as RemoteJaegerStorage;
  switch (storage) {
    case "elasticsearch":
      return { elasticsearch: searchBackend(s.elasticsearch, s.spanRetention) };
    case "opensearch":
      return { opensearch: searchBackend(s.opensearch, s.spanRetention) };
    case "cassandra":
      return { cassandra: cassandraBackend(s.cassandra) };
  }
}

/** How the pod gets the store's password, if it has a user: a mounted file or an environment variable. */
export function passwordDelivery(s: Pick<JaegerSettings, "storage" | "elasticsearch" | "opensearch" | "cassandra">): "file" | "env" | undefined {
  if (s.storage === "badger") return undefined;
  if (s.storage === "cassandra") return s.cassandra.username ? "env" : undefined;
  return s[s.storage].username ? "file" : undefined;
}

/** The CA ConfigMap of the chosen store, if any. */
export function storageCaConfigMap(s: Pick<JaegerSettings, "storage" | "elasticsearch" | "opensearch" | "cassandra">): string | undefined {
  if (s.storage === "badger") return undefined;
  return s[s.storage].caConfigMap || undefined;
}

/** Where Jaeger connects, for its egress NetworkPolicy: a URL's port, or 443/80 for its scheme; Cassandra's CQL port. */
export function jaegerStoreEndpoints(s: Pick<JaegerSettings, "storage" | "elasticsearch" | "opensearch" | "cassandra">): StoreEndpoints | undefined {
  if (s.storage === "badger") return undefined;
  const targets =
    s.storage === "cassandra"
      ? s.cassandra.servers.map((host) => ({ host, port: s.cassandra.port }))
      : s[s.storage].serverUrls.map((url) => {
          const m = SEARCH_URL.exec(url);
          if (!m) throw new Error(`jaeger.${s.storage}.serverUrls: ${JSON.stringify(url)} is not an http(s) URL`);
          return { host: m[2], port: m[4] ? Number(m[4]) : m[1] === "https" ? 443 : 80 };
        });
  return storeEndpoints(targets, s[s.storage].cidrs);
}
