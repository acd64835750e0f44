/**
 * Config fields of the scale-out modes that need a store outside the stack: Jaeger on Elasticsearch, OpenSearch or
 * Cassandra instead of Badger, Grafana on PostgreSQL instead of SQLite, and the collector under a
 * HorizontalPodAutoscaler. Pure data, merged into config/schema.ts; the rules that involve several keys are in
 * config/scale-out-checks.ts.
 */
import { Field, boolean, dnsSubdomain, integer, listOf, object, oneOf, string } from "./fields";

/** Optional field: absent stays absent (the builders derive its value from other keys). */
function optional<T>(field: Field<T>): Field<T | undefined> {
  return field as Field<T | undefined>;
}

/** Where Jaeger keeps spans: Badger on its own claim (one replica), or a store that several replicas share. */
export const JAEGER_STORAGES = ["badger", "elasticsearch", "opensearch", "cassandra"] as const;
export type JaegerStorage = (typeof JAEGER_STORAGES)[number];
export type RemoteJaegerStorage = Exclude<JaegerStorage, "badger">;

/** Replicas when the config leaves `replicas` out: one on a local store, two (one per node) on a shared one. */
export const DEFAULT_SHARED_STORE_REPLICAS = 2;

// Dotted quad, then a prefix length (as config/schema.ts's network CIDRs).
const CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)$/;

function cidrs(what: string) {
  return listOf(string({ description: `an address range of ${what}`, pattern: CIDR, allowed: "an IPv4 CIDR such as 10.0.0.0/8" }), {
    description: `where ${what} is outside the cluster, for the egress NetworkPolicy (an in-cluster <service>.<namespace>.svc host is reached by its namespace instead)`,
    default: ["0.0.0.0/0"],
  });
}

const caConfigMap = (server: string) =>
  dnsSubdomain({
    description: `a ConfigMap in the servers namespace whose key ca.crt is the CA that signed ${server}'s certificate (empty: the image's system roots)`,
    default: "",
    allowEmpty: true,
  });

/** An http(s) URL of a node or load balancer; a path is allowed (a proxy in front of the cluster). */
export const SEARCH_URL = /^(https?):\/\/([A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?)(?::(\d{1,5}))?(\/[^\s?#]*)?$/;

const BASIC_AUTH_USER = { pattern: /^[^\s:]{1,128}$/, allowed: "a user name without spaces or ':' (at most 128 characters), or empty" };

/** Elasticsearch and OpenSearch take the same settings (Jaeger reads both with one client). */
function searchStore(product: string) {
  return object(
    { description: `${product} for spans (jaeger.storage ${JSON.stringify(product.toLowerCase())})` },
    {
      serverUrls: listOf(string({ description: `a ${product} URL`, pattern: SEARCH_URL, allowed: "an http or https URL such as https://es.example:9200" }), {
        description: `${product} URLs, such as https://es-http.search.svc:9200 (required with this store)`,
        default: [],
      }),
      indexPrefix: string({
        description: "prefix of Jaeger's index names (empty: none), to share a cluster between stacks",
        default: "",
        pattern: /^[a-z0-9][a-z0-9._-]{0,62}$/,
        allowed: "lowercase letters, digits, '.', '_' and '-', starting with a letter or digit, or empty",
        allowEmpty: true,
      }),
      username: string({ description: "basic-auth user (empty: no authentication); its password is the secret jaegerStoragePassword", default: "", ...BASIC_AUTH_USER, allowEmpty: true }),
      caConfigMap: caConfigMap(product),
      cidrs: cidrs(product),
    },
  );
}

export const jaegerStorageFields = {
  storage: oneOf(JAEGER_STORAGES, {
    description:
      "where spans are kept: badger (a claim of storageSize, one replica) or elasticsearch, opensearch or cassandra (a store you run, configured under jaeger.<storage>; no claim, several replicas)",
    default: "badger",
  }),
  replicas: optional(
    integer({ description: `Jaeger replicas (default: 1 with badger, which allows no other value; ${DEFAULT_SHARED_STORE_REPLICAS} with a shared store)`, min: 1, max: 10 }),
  ),
  elasticsearch: searchStore("Elasticsearch"),
  opensearch: searchStore("OpenSearch"),
  cassandra: object(
    { description: 'Cassandra for spans (jaeger.storage "cassandra"); the keyspace and its tables must exist (Jaeger\'s schema script creates them, with the TTL that is the retention)' },
    {
      servers: listOf(dnsSubdomain({ description: "a Cassandra contact point" }), {
        description: "contact points, host names or IPv4 addresses (required with this store)",
        default: [],
      }),
      port: integer({ description: "CQL port", default: 9042, min: 1, max: 65535 }),
      keyspace: string({
        description: "keyspace holding Jaeger's tables",
        default: "jaeger_v1_dc1",
        pattern: /^[A-Za-z][A-Za-z0-9_]{0,47}$/,
        allowed: "a Cassandra keyspace name (a letter, then letters, digits and '_', at most 48 characters)",
      }),
      localDc: string({
        description: "the data center to prefer (empty: any)",
        default: "",
        pattern: /^[A-Za-z0-9_.-]{1,64}$/,
        allowed: "a data center name (letters, digits, '_', '.' and '-') or empty",
        allowEmpty: true,
      }),
      username: string({ description: "user of Cassandra's password authenticator (empty: none); its password is the secret jaegerStoragePassword", default: "", ...BASIC_AUTH_USER, allowEmpty: true }),
      tls: boolean({ description: "connect with TLS, verifying the server's certificate", default: true }),
      caConfigMap: caConfigMap("Cassandra"),
      cidrs: cidrs("Cassandra"),
    },
  ),
};

export const GRAFANA_DATABASES = ["sqlite3", "postgres"] as const;
export type GrafanaDatabaseType = (typeof GRAFANA_DATABASES)[number];

export const grafanaScaleOutFields = {
  replicas: optional(
    integer({ description: `Grafana replicas (default: 1 with SQLite, which allows no other value; ${DEFAULT_SHARED_STORE_REPLICAS} with PostgreSQL)`, min: 1, max: 10 }),
  ),
  database: object(
    { description: "Grafana's own database (users, preferences, sessions): SQLite on a claim, or a PostgreSQL several replicas share" },
    {
      type: oneOf(GRAFANA_DATABASES, { description: "sqlite3 (a claim of grafana.storageSize, one replica) or postgres (the server below; no claim)", default: "sqlite3" }),
      host: dnsSubdomain({ description: "PostgreSQL host (required with postgres)", default: "", allowEmpty: true }),
      port: integer({ description: "PostgreSQL port", default: 5432, min: 1, max: 65535 }),
      name: string({ description: "database", default: "grafana", pattern: /^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/, allowed: "a PostgreSQL database name" }),
      user: string({ description: "role Grafana logs in as (owner of the database); its password is the secret grafanaDatabasePassword", default: "grafana", pattern: /^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/, allowed: "a PostgreSQL role name" }),
      sslMode: oneOf(["disable", "require", "verify-ca", "verify-full"] as const, {
        description: "sslmode; verify-full checks the server's certificate and host name",
        default: "verify-full",
      }),
      caConfigMap: dnsSubdomain({
        description: "a ConfigMap in the servers namespace whose key ca.crt is the CA of the server's certificate (with verify-ca or verify-full; empty: the image's system roots)",
        default: "",
        allowEmpty: true,
      }),
      cidrs: cidrs("the database"),
    },
  ),
};

export const collectorAutoscalingField = object(
  { description: "a HorizontalPodAutoscaler (autoscaling/v2) owning the collector's replica count; otelCollector.replicas is then left at its default" },
  {
    enabled: boolean({ description: "scale the collector on CPU and memory", default: false }),
    minReplicas: integer({ description: "fewest replicas", default: 2, min: 1, max: 50 }),
    maxReplicas: integer({ description: "most replicas (at least minReplicas)", default: 6, min: 1, max: 50 }),
    cpuUtilization: integer({ description: "target average CPU use, percent of the CPU request", default: 70, min: 10, max: 100 }),
    memoryUtilization: integer({ description: "target average memory use, percent of the memory request", default: 70, min: 10, max: 100 }),
  },
);
