/**
 * The stack config schema: every key of the `observability` namespace with its type, default and description.
 * Pure data; `config.ts` reads Pulumi config through it and the README's config reference is generated from it.
 */
import {
  Field,
  ObjectOf,
  boolean,
  dnsLabel,
  dnsSubdomain,
  duration,
  imageRef,
  integer,
  labelMap,
  listOf,
  object,
  oneOf,
  port,
  quantity,
  secret,
  string,
} from "./fields";

/** The Pulumi config namespace, which is also the Pulumi project name. */
export const CONFIG_NAMESPACE = "observability";

/** Optional field: absent stays absent (no default). */
function optional<T>(field: Field<T>): Field<T | undefined> {
  return field as Field<T | undefined>;
}

/** CPU and memory of one container. No CPU limit by design: throttling a monitoring server hides the outage it should show. */
function resources(description: string, cpu: string, memory: string, memoryLimit: string) {
  return object(
    { description },
    {
      cpu: quantity({ description: "CPU request", default: cpu }),
      memory: quantity({ description: "memory request", default: memory }),
      memoryLimit: quantity({ description: "memory limit (at least the request)", default: memoryLimit }),
    },
  );
}

/** The seed's metric sources on the platform side, scraped through Kubernetes service discovery. */
export const ZONE_SPREADS = ["required", "preferred", "none"] as const;
export type ZoneSpread = (typeof ZONE_SPREADS)[number];

export const SOURCE_NAMES = [
  "gateway",
  "mcpjungle",
  "api-server",
  "max-serve",
  "memory-engine",
  "learning-engine",
  "drift-monitor",
  "qdrant",
] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];

function source(name: SourceName, defaultPort: number | string, defaultPath: string) {
  return object(
    { description: `the ${name} service` },
    {
      enabled: boolean({ description: "scrape this source", default: true }),
      namespace: dnsLabel({ description: "namespace of its Service", default: "ai-platform" }),
      service: dnsLabel({ description: "name of its Service", default: name }),
      port: port({ description: "Service port (name or number) serving metrics", default: defaultPort }),
      path: string({ description: "metrics path", default: defaultPath, pattern: /^\/[^\s]*$/, allowed: "an absolute URL path such as /metrics" }),
    },
  );
}

export const sourcesField = object(
  { description: "Where the platform's services expose metrics, per seed source (job name = key)" },
  {
    gateway: source("gateway", "metrics", "/metrics"),
    mcpjungle: source("mcpjungle", "metrics", "/metrics"),
    "api-server": source("api-server", "metrics", "/metrics"),
    "max-serve": source("max-serve", "metrics", "/metrics"),
    "memory-engine": source("memory-engine", "metrics", "/metrics"),
    "learning-engine": source("learning-engine", "metrics", "/metrics"),
    "drift-monitor": source("drift-monitor", "metrics", "/metrics"),
    qdrant: source("qdrant", 6333, "/metrics"),
  },
);

export const prometheusField = object(
  { description: "Prometheus server" },
  {
    retention: duration({ syntax: "prometheus", description: "how long samples are kept (--storage.tsdb.retention.time)", default: "90d", min: "2h" }),
    scrapeInterval: duration({ syntax: "prometheus", description: "global scrape interval", default: "15s", min: "1s" }),
    evaluationInterval: duration({ syntax: "prometheus", description: "rule evaluation interval", default: "15s", min: "1s" }),
    storageSize: quantity({ description: "TSDB volume size; the size-based retention bound is set below it", default: "100Gi" }),
    replicas: integer({ description: "identical Prometheus replicas (each scrapes everything)", default: 1, min: 1, max: 5 }),
    resources: resources("Prometheus container resources", "500m", "2Gi", "4Gi"),
  },
);

export const alertmanagerField = object(
  { description: "Alertmanager" },
  {
    replicas: integer({ description: "Alertmanager replicas, clustered through gossip when above 1", default: 1, min: 1, max: 5 }),
    storageSize: quantity({ description: "volume for silences and the notification log", default: "2Gi" }),
    resources: resources("Alertmanager container resources", "50m", "128Mi", "256Mi"),
  },
);

export const lokiField = object(
  { description: "Loki: the single binary on its claim, or simple scalable mode on objectStorage.buckets.logs" },
  {
    retention: duration({ syntax: "prometheus", description: "log retention (compactor retention_period)", default: "2160h", min: "24h", multipleOf: "24h" }),
    storageSize: quantity({ description: "volume for chunks, index and the compactor", default: "100Gi" }),
    ingestionRateMB: integer({ description: "per-tenant ingestion rate, MB/s", default: 16, min: 1 }),
    ingestionBurstSizeMB: integer({ description: "per-tenant ingestion burst, MB (at least the rate)", default: 32, min: 1 }),
    maxGlobalStreamsPerUser: integer({ description: "active streams per tenant across the cluster", default: 10000, min: 1 }),
    queryParallelism: integer({ description: "query parallelism (general and TSDB keys)", default: 32, min: 1 }),
    resources: resources("Loki container resources (each pod of each target in simple scalable mode)", "500m", "1Gi", "4Gi"),
    writeReplicas: integer({ description: "write target replicas in simple scalable mode (objectStorage.buckets.logs); at least the replication factor 3", default: 3, min: 3, max: 30 }),
    readReplicas: integer({ description: "read target replicas in simple scalable mode", default: 2, min: 1, max: 30 }),
    backendReplicas: integer({ description: "backend target replicas in simple scalable mode (one runs the compactor)", default: 2, min: 1, max: 10 }),
    writeStorageSize: quantity({ description: "claim of each write replica in simple scalable mode (WAL; chunks go to the bucket)", default: "20Gi" }),
    backendStorageSize: quantity({ description: "claim of each backend replica in simple scalable mode (compactor and index caches)", default: "20Gi" }),
  },
);

/** host:port, no scheme: objstore and Loki's S3 client take the scheme from objectStorage.insecure. */
const HOST_PORT = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?:\d{1,5}$/;
// S3's bucket naming rules (lowercase letters, digits, '.' and '-', 3 to 63 characters).
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const bucket = (description: string) => string({ description, pattern: BUCKET, allowed: "an S3 bucket name (3 to 63 lowercase letters, digits, '.' and '-')" });

export const objectStorageField = object(
  { description: "an S3-compatible object store; a bucket set here switches that signal to its scale-out mode (README: Scale-out)" },
  {
    endpoint: string({
      description: "host:port of the S3 API, without a scheme (required when a bucket is set)",
      default: "",
      allowEmpty: true,
      pattern: HOST_PORT,
      allowed: "host:port without a scheme, such as s3.eu-west-1.amazonaws.com:443 (objectStorage.insecure chooses http)",
    }),
    region: string({ description: "the buckets' region", default: "us-east-1", pattern: /^[a-z0-9-]{2,32}$/, allowed: "a region name such as us-east-1" }),
    insecure: boolean({ description: "plain HTTP to the endpoint (a store inside the cluster without TLS)", default: false }),
    forcePathStyle: boolean({ description: "address buckets as endpoint/bucket (MinIO, Ceph, SeaweedFS) instead of bucket.endpoint", default: false }),
    buckets: object(
      { description: "one bucket per signal; each must exist and belong to this stack alone" },
      {
        metrics: optional(bucket("Prometheus blocks: runs Thanos (sidecars, Query, Store Gateway, Compactor) and Grafana queries through Thanos Query")),
        logs: optional(bucket("Loki chunks and index: runs Loki in simple scalable mode (write, read, backend) instead of the single binary")),
      },
    ),
  },
);

export const thanosField = object(
  { description: "Thanos, with objectStorage.buckets.metrics" },
  {
    localRetention: duration({
      syntax: "prometheus",
      description:
        "what each Prometheus keeps on its claim (replaces prometheus.retention): covers the up to 3h until a block is uploaded and an object store outage of a weekend, during which the sidecar's uploads wait",
      default: "3d",
      min: "6h",
    }),
    retention: object(
      { description: "how long the Compactor keeps each resolution in the bucket" },
      {
        raw: duration({ syntax: "prometheus", description: "raw samples (at least 2d: the 5m resolution is made from 40h of raw blocks)", default: "90d", min: "2d" }),
        fiveMinutes: duration({ syntax: "prometheus", description: "5m downsampled blocks (at least retention.raw)", default: "180d", min: "2d" }),
        oneHour: duration({ syntax: "prometheus", description: "1h downsampled blocks (at least retention.fiveMinutes)", default: "2y", min: "2d" }),
      },
    ),
    uploadExistingBlocks: boolean({
      description: "the sidecars also upload blocks Prometheus compacted before Thanos was on (--shipper.upload-compacted): the one-time migration of the local history; turn off once uploaded",
      default: false,
    }),
    queryReplicas: integer({ description: "Thanos Query replicas (stateless; a PodDisruptionBudget above 1)", default: 2, min: 1, max: 10 }),
    storeStorageSize: quantity({ description: "Store Gateway claim (index-header cache)", default: "20Gi" }),
    compactStorageSize: quantity({ description: "Compactor claim (scratch space: a few of the largest compacted blocks)", default: "100Gi" }),
    sidecarResources: resources("sidecar container resources (in each Prometheus pod)", "100m", "128Mi", "512Mi"),
    queryResources: resources("Query container resources", "200m", "512Mi", "2Gi"),
    storeResources: resources("Store Gateway container resources", "200m", "1Gi", "4Gi"),
    compactResources: resources("Compactor container resources", "500m", "1Gi", "4Gi"),
  },
);

export const otelCollectorField = object(
  { description: "OpenTelemetry Collector (contrib)" },
  {
    replicas: integer({ description: "collector replicas", default: 1, min: 1, max: 20 }),
    memoryLimitMiB: integer({ description: "memory_limiter limit, MiB (below the container memory limit)", default: 512, min: 32 }),
    batchTimeout: duration({ syntax: "go", description: "batch processor timeout", default: "10s" }),
    batchSize: integer({ description: "batch processor send_batch_size (spans, log records or metric points)", default: 1024, min: 1 }),
    resources: resources("collector container resources", "200m", "640Mi", "768Mi"),
    platformNamespaces: listOf(dnsLabel({ description: "a namespace of the platform" }), {
      description:
        "existing namespaces that get an ExternalName Service `otel-collector` pointing at the collector, so the specification's http://otel-collector:4317 resolves there unchanged",
      default: [],
    }),
    clusterDomain: dnsSubdomain({ description: "the cluster's DNS domain, which the ExternalName Services' targets end with", default: "cluster.local" }),
    queue: oneOf(["memory", "persistent"] as const, {
      description:
        "where the exporters queue data while Jaeger or Loki is unreachable: memory (lost when the collector restarts) or persistent (file_storage on a volume of queueStorageSize)",
      default: "memory",
    }),
    queueStorageSize: quantity({ description: "size of the persistent queue's volume (queue: persistent)", default: "2Gi" }),
  },
);

export const jaegerField = object(
  { description: "Jaeger v2 with Badger" },
  {
    storageSize: quantity({ description: "Badger volume size", default: "20Gi" }),
    spanRetention: duration({ syntax: "go", description: "how long spans are kept (Badger ttl.spans)", default: "168h", min: "1h" }),
    resources: resources("Jaeger container resources", "200m", "512Mi", "2Gi"),
  },
);

export const grafanaField = object(
  { description: "Grafana" },
  {
    storageSize: quantity({ description: "volume for Grafana's SQLite database", default: "5Gi" }),
    ingress: object(
      { description: "optional Ingress; nothing is exposed by default" },
      {
        enabled: boolean({ description: "create an Ingress", default: false }),
        host: dnsSubdomain({ description: "host name (required when enabled)", default: "", allowEmpty: true }),
        className: dnsSubdomain({ description: "ingressClassName (empty: cluster default)", default: "", allowEmpty: true }),
        tlsSecretName: dnsSubdomain({ description: "TLS Secret in the servers namespace (required when enabled: there is no plain-HTTP Ingress)", default: "", allowEmpty: true }),
        certManagerIssuer: dnsSubdomain({
          description: "a cert-manager ClusterIssuer that issues the certificate into tlsSecretName (empty: the Secret is provided otherwise)",
          default: "",
          allowEmpty: true,
        }),
      },
    ),
    resources: resources("Grafana container resources", "100m", "256Mi", "1Gi"),
  },
);

export const gpuField = object(
  { description: "GPU node pools and the DCGM exporter" },
  {
    nodeSelector: labelMap({ description: "labels that select GPU nodes", default: { "nvidia.com/gpu.present": "true" } }),
    deployDcgmExporter: boolean({ description: "deploy the DCGM exporter (false when the GPU Operator already runs one; the scrape job stays)", default: true }),
    profilingMetrics: boolean({ description: "collect DCGM profiling metrics (needs SYS_ADMIN)", default: false }),
  },
);

export const redisField = object(
  { description: "the platform's Redis, watched by redis_exporter" },
  {
    enabled: boolean({ description: "deploy redis_exporter", default: true }),
    address: string({ description: "Redis address", default: "redis://redis.ai-platform.svc:6379", pattern: /^rediss?:\/\/[^\s/]+(:\d+)?$/, allowed: "a URL such as redis://redis.ai-platform.svc:6379" }),
  },
);

export const postgresField = object(
  { description: "the platform's PostgreSQL, watched by postgres_exporter and queried by Grafana" },
  {
    enabled: boolean({ description: "deploy postgres_exporter and the Grafana datasource", default: true }),
    host: dnsSubdomain({ description: "PostgreSQL host", default: "postgres.ai-platform.svc" }),
    port: integer({ description: "PostgreSQL port", default: 5432, min: 1, max: 65535 }),
    database: string({ description: "database", default: "ai_platform", pattern: /^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/, allowed: "a PostgreSQL database name" }),
    user: string({ description: "read-only monitoring user", default: "observability_ro", pattern: /^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/, allowed: "a PostgreSQL role name" }),
    sslMode: oneOf(["disable", "require", "verify-ca", "verify-full"] as const, {
      description: "sslmode; require encrypts but does not check the server, verify-full checks its certificate and host name",
      default: "require",
    }),
    caConfigMap: dnsSubdomain({
      description:
        "a ConfigMap in the servers namespace whose key ca.crt is the CA that signed the server's certificate (with verify-ca or verify-full; empty: the images' system roots)",
      default: "",
      allowEmpty: true,
    }),
  },
);

export const imagesField = object(
  { description: "image overrides (for a mirror registry); each pinned by tag or digest" },
  {
    prometheus: optional(imageRef({ description: "Prometheus image" })),
    alertmanager: optional(imageRef({ description: "Alertmanager image" })),
    loki: optional(imageRef({ description: "Loki image" })),
    promtail: optional(imageRef({ description: "Promtail image" })),
    otelCollector: optional(imageRef({ description: "OpenTelemetry Collector contrib image" })),
    jaeger: optional(imageRef({ description: "Jaeger image" })),
    grafana: optional(imageRef({ description: "Grafana image" })),
    dcgmExporter: optional(imageRef({ description: "DCGM exporter image" })),
    redisExporter: optional(imageRef({ description: "redis_exporter image" })),
    postgresExporter: optional(imageRef({ description: "postgres_exporter image" })),
    thanos: optional(imageRef({ description: "Thanos image (sidecar, Query, Store Gateway, Compactor; used with objectStorage.buckets.metrics)" })),
  },
);

// Dotted quad, then a prefix length.
const CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)$/;
const cidr = (description: string) => string({ description, pattern: CIDR, allowed: "an IPv4 CIDR such as 10.0.0.0/8" });

export const networkField = object(
  { description: "NetworkPolicies: both namespaces deny all traffic, then allow only the flows the stack needs" },
  {
    policies: boolean({ description: "create the NetworkPolicies (enforced only where the cluster's network plugin supports them)", default: true }),
    telemetryNamespaces: listOf(dnsLabel({ description: "a namespace whose pods send telemetry" }), {
      description:
        "namespaces allowed to the collector's receiver ports, besides those of the metric sources and otelCollector.platformNamespaces",
      default: [],
    }),
    apiServerCidrs: listOf(cidr("where the Kubernetes API server is"), {
      description: "addresses of the Kubernetes API server, which Prometheus, Promtail and the collector's k8s_attributes read (on apiServerPorts)",
      default: ["0.0.0.0/0"],
    }),
    apiServerPorts: listOf(integer({ description: "a port of the API server", min: 1, max: 65535 }), {
      description: "ports of the Kubernetes API server (443 for the kubernetes Service, 6443 for its endpoints on most clusters)",
      default: [443, 6443],
    }),
    slackCidrs: listOf(cidr("an address range Alertmanager may reach on 443"), {
      description: "where Alertmanager may connect on 443: Slack and the heartbeat (or an egress proxy's range)",
      default: ["0.0.0.0/0"],
    }),
    objectStorageCidrs: listOf(cidr("an address range of the object store"), {
      description: "where the Thanos sidecars, Store Gateway and Compactor and Loki may connect on objectStorage.endpoint's port",
      default: ["0.0.0.0/0"],
    }),
  },
);

/** TLS on Prometheus' and Alertmanager's HTTP servers: off, a given kubernetes.io/tls Secret, or one cert-manager issues. */
export const TLS_MODES = ["off", "secret", "cert-manager"] as const;
export type TlsMode = (typeof TLS_MODES)[number];
export const TLS_ISSUER_KINDS = ["Issuer", "ClusterIssuer"] as const;

export const tlsField = object(
  { description: "TLS on Prometheus' and Alertmanager's HTTP servers; their clients (Prometheus, Grafana, the probes) switch to https and verify against the Secret's ca.crt" },
  {
    mode: oneOf(TLS_MODES, {
      description: "off (plain HTTP), secret (the kubernetes.io/tls Secret tls.secretName) or cert-manager (a Certificate issued by tls.issuer)",
      default: "off",
    }),
    secretName: dnsSubdomain({
      description: "a kubernetes.io/tls Secret in the servers namespace holding tls.crt, tls.key and ca.crt (required with mode secret)",
      default: "",
      allowEmpty: true,
    }),
    issuer: object(
      { description: "the cert-manager issuer of the Certificate (mode cert-manager); it must put ca.crt into the Secret (a CA or self-signed issuer does)" },
      {
        kind: oneOf(TLS_ISSUER_KINDS, { description: "Issuer (in the servers namespace) or ClusterIssuer", default: "ClusterIssuer" }),
        name: dnsSubdomain({ description: "the issuer's name (required with mode cert-manager)", default: "", allowEmpty: true }),
      },
    ),
  },
);

/**
 * How Alertmanager reaches Slack. `bot-token`: one Slack app bot token (chat.postMessage, channel per receiver; the
 * app must be a member of the six channels); `webhook-per-channel`: one incoming webhook per channel, since a webhook
 * made by a Slack app posts only to the channel it was created for; `legacy-webhook`: one URL for every channel, which
 * only Slack's retired "Incoming WebHooks" custom integration routes by the message's channel field.
 */
export const SLACK_MODES = ["bot-token", "webhook-per-channel", "legacy-webhook"] as const;
export type SlackMode = (typeof SLACK_MODES)[number];

/** Said at render and at deploy: the legacy mode works only with the integration Slack has retired. */
export const LEGACY_SLACK_NOTICE =
  `${CONFIG_NAMESPACE}:slack.mode is "legacy-webhook": every channel's alerts go to the one URL in slackWebhookUrl, and only a legacy ` +
  `Incoming WebHooks integration honours the message's channel; a webhook made by a Slack app posts everything to its own channel. ` +
  `Use slack.mode bot-token or webhook-per-channel`;

/** The seed's six alert channels by key; rules/routes.ts names each one's Slack channel and receiver. */
export const SLACK_CHANNEL_KEYS = ["alerts", "critical", "gpu", "drift", "budget", "infra"] as const;
export type SlackChannelKey = (typeof SLACK_CHANNEL_KEYS)[number];

/** The secret key holding the incoming webhook of one channel (`slackWebhookGpu`). */
export function slackWebhookKey(channel: SlackChannelKey): SlackWebhookKey {
  return `slackWebhook${channel[0].toUpperCase()}${channel.slice(1)}` as SlackWebhookKey;
}
export const SLACK_WEBHOOK_KEYS = [
  "slackWebhookAlerts",
  "slackWebhookCritical",
  "slackWebhookGpu",
  "slackWebhookDrift",
  "slackWebhookBudget",
  "slackWebhookInfra",
] as const;
export type SlackWebhookKey = (typeof SLACK_WEBHOOK_KEYS)[number];

export const slackField = object(
  { description: "how Alertmanager delivers to the six Slack channels" },
  {
    mode: oneOf(SLACK_MODES, {
      description:
        "bot-token (slackBotToken; the app must be in every channel), webhook-per-channel (slackWebhookAlerts ... slackWebhookInfra) or legacy-webhook (slackWebhookUrl, only for a legacy Incoming WebHooks integration)",
      default: "bot-token",
    }),
  },
);

const SLACK_WEBHOOK = /^https:\/\/[^\s]+$/;

function slackWebhook(channel: SlackChannelKey) {
  return secret({
    description: `incoming-webhook URL of the ${channel} channel's webhook (secret; slack.mode webhook-per-channel)`,
    required: false,
    pattern: SLACK_WEBHOOK,
    allowed: "an https URL (set it with pulumi config set --secret)",
  });
}

/** Every top-level key of the namespace. Order is the order of the config reference. */
export const stackSchema = {
  clusterName: dnsLabel({ description: "cluster name, attached as the `cluster` label to series, logs and traces", default: "ai-platform" }),
  serversNamespace: dnsLabel({ description: "namespace of the servers (Pod Security `restricted`)", default: "observability" }),
  agentsNamespace: dnsLabel({ description: "namespace of the node agents, Promtail and the DCGM exporter (Pod Security `privileged`)", default: "observability-agents" }),
  storageClass: dnsSubdomain({ description: "StorageClass of every volume (empty: the cluster default)", default: "", allowEmpty: true }),
  runbookBaseUrl: string({
    description: "base URL of docs/runbooks.md as published; alert `runbook_url` annotations are this plus `#<alert anchor>`",
    default: "https://github.com/ai-platform/observability/blob/main/docs/runbooks.md",
    pattern: /^https?:\/\/[^\s#]+$/,
    allowed: "an http or https URL without a fragment",
  }),
  zoneSpread: oneOf(ZONE_SPREADS, {
    description:
      "how replicated servers spread over zones (`topology.kubernetes.io/zone`): required (never two in a zone while one has none; nodes without the label take none), preferred, or none; they always spread over nodes",
    default: "preferred",
  }),
  requireImageDigests: boolean({
    description:
      "require every image pinned by digest: each images.<name> set to the pinned repository:tag@sha256:<digest> (`crane digest` or `docker buildx imagetools inspect` gives it)",
    default: false,
  }),
  protectData: boolean({ description: "Pulumi `protect` on namespaces, claims and stateful sets holding data", default: false }),
  prometheus: prometheusField,
  alertmanager: alertmanagerField,
  loki: lokiField,
  otelCollector: otelCollectorField,
  jaeger: jaegerField,
  grafana: grafanaField,
  gpu: gpuField,
  sources: sourcesField,
  redis: redisField,
  postgres: postgresField,
  objectStorage: objectStorageField,
  thanos: thanosField,
  images: imagesField,
  network: networkField,
  slack: slackField,
  tls: tlsField,
  slackBotToken: secret({
    description: "bot token of the Slack app that posts the alerts (secret; slack.mode bot-token)",
    required: false,
    pattern: /^xoxb-[0-9]+-[0-9]+-[A-Za-z0-9]+$/,
    allowed: "a Slack bot token, xoxb-<digits>-<digits>-<letters and digits> (set it with pulumi config set --secret)",
  }),
  slackWebhookAlerts: slackWebhook("alerts"),
  slackWebhookCritical: slackWebhook("critical"),
  slackWebhookGpu: slackWebhook("gpu"),
  slackWebhookDrift: slackWebhook("drift"),
  slackWebhookBudget: slackWebhook("budget"),
  slackWebhookInfra: slackWebhook("infra"),
  slackWebhookUrl: secret({
    description: "one incoming-webhook URL for every channel (secret; slack.mode legacy-webhook only)",
    required: false,
    pattern: SLACK_WEBHOOK,
    allowed: "an https URL (set it with pulumi config set --secret)",
  }),
  grafanaAdminPassword: secret({
    description: "Grafana admin password (secret; generated when absent)",
    required: false,
    pattern: /^.{12,}$/s,
    allowed: "a password of at least 12 characters",
  }),
  grafanaSecretKey: secret({
    description:
      "key Grafana encrypts datasource secrets with in its database (secret; generated when absent). Never change it for an existing database",
    required: false,
    pattern: /^[A-Za-z0-9]{32,}$/,
    allowed: "at least 32 letters and digits",
  }),
  webAuthPassword: secret({
    description:
      "password of the basic-auth user `observability` that Prometheus and Alertmanager require on every request (secret; generated when absent). Prometheus, Grafana and the probes read it from a mounted Secret",
    required: false,
    // bcrypt reads at most 72 bytes; Prometheus and Grafana trim whitespace around a password file's content.
    pattern: /^[!-~][ -~]{10,70}[!-~]$/,
    allowed: "12 to 72 printable ASCII characters, without a space at either end",
  }),
  heartbeatUrl: secret({
    description: "dead-man's-switch URL that receives the always-firing Watchdog alert (secret, optional)",
    required: false,
    pattern: /^https?:\/\/[^\s]+$/,
    allowed: "an http or https URL",
  }),
  postgresPassword: secret({
    description:
      "password of postgres.user, used by postgres_exporter and the Grafana PostgreSQL datasource (secret; unset: they connect without a password)",
    required: false,
    pattern: /^[^\r\n]+$/,
    allowed: "a non-empty password on one line",
  }),
  redisPassword: secret({
    description: "password of the platform's Redis for redis_exporter (secret; unset: no AUTH)",
    required: false,
    pattern: /^[^\r\n]+$/,
    allowed: "a non-empty password on one line",
  }),  objectStorageAccessKeyId: secret({
    description: "access key id for objectStorage (secret; required when a bucket is set); it goes into the Secrets thanos-objstore and loki-objstore only",
    required: false,
    pattern: /^[!-~]{3,128}$/,
    allowed: "3 to 128 printable ASCII characters without spaces",
  }),
  objectStorageSecretAccessKey: secret({
    description: "secret access key for objectStorage (secret; required when a bucket is set)",
    required: false,
    pattern: /^[!-~]{8,128}$/,
    allowed: "8 to 128 printable ASCII characters without spaces",
  }),
};

export type StackSchema = typeof stackSchema;
export type TopLevelKey = keyof StackSchema;

/** Keys whose values are secrets (a test checks this list against the fields marked secret). */
export const SECRET_KEYS = ["slackBotToken", ...SLACK_WEBHOOK_KEYS, "slackWebhookUrl", "grafanaAdminPassword", "grafanaSecretKey", "webAuthPassword", "heartbeatUrl", "postgresPassword", "redisPassword", "objectStorageAccessKeyId", "objectStorageSecretAccessKey"] as const satisfies readonly TopLevelKey[];
export type SecretKey = (typeof SECRET_KEYS)[number];
/** The secret keys each Slack mode reads; a key of another mode is a mistake (a webhook where a token belongs). */
export const SLACK_MODE_KEYS: Readonly<Record<SlackMode, readonly SecretKey[]>> = {
  "bot-token": ["slackBotToken"],
  "webhook-per-channel": SLACK_WEBHOOK_KEYS,
  "legacy-webhook": ["slackWebhookUrl"],
};
/** The parsed non-secret settings. */
export type StackSettings = Omit<ObjectOf<StackSchema>, SecretKey>;
/** The parsed secret values, as plain strings (only `config.ts` turns them into Pulumi secrets). */
export interface SecretValues {
  slackBotToken?: string;
  slackWebhookAlerts?: string;
  slackWebhookCritical?: string;
  slackWebhookGpu?: string;
  slackWebhookDrift?: string;
  slackWebhookBudget?: string;
  slackWebhookInfra?: string;
  slackWebhookUrl?: string;
  grafanaAdminPassword?: string;
  grafanaSecretKey?: string;
  webAuthPassword?: string;
  heartbeatUrl?: string;
  postgresPassword?: string;
  redisPassword?: string;
  objectStorageAccessKeyId?: string;
  objectStorageSecretAccessKey?: string;
}
