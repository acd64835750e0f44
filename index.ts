/**
 * The observability stack: config -> components -> exports. Resource details live in components/.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig } from "./config";
import { LEGACY_SLACK_NOTICE } from "./config/schema";
import { buildDashboards } from "./dashboards";
import { Alertmanager } from "./components/alertmanager";
import { DcgmExporter } from "./components/dcgm-exporter";
import { PostgresExporter, RedisExporter } from "./components/exporters";
import { Grafana } from "./components/grafana";
import { imageDigestProblems, imageFor } from "./components/images";
import { Jaeger } from "./components/jaeger";
import { Loki } from "./components/loki";
import { Namespaces } from "./components/namespaces";
import { NetworkPolicies } from "./components/network-policies";
import { buildNetworkPolicies, objectStorageTarget, redisTarget, telemetryNamespaces } from "./components/network-policy-config";
import { OtelCollector } from "./components/otel-collector";
import { PROMETHEUS_RULES_DIR, PROMETHEUS_TLS_DIR, PROMETHEUS_WEB_AUTH_PASSWORD_FILE, Prometheus } from "./components/prometheus";
import { PriorityClasses } from "./components/priority-classes";
import { buildPrometheusConfig, restrictedLabelsFrom } from "./components/prometheus-config";
import { Promtail } from "./components/promtail";
import { ServerTls } from "./components/server-tls";
import { clientTls, tlsServerConfig } from "./components/server-tls-config";
import { LOKI_SCALABLE, SERVICES, serviceHost } from "./components/services";
import { LokiScalable } from "./components/loki-scalable";
import { Thanos } from "./components/thanos";
import { selectorLabels } from "./components/kube";
import { WebAuth } from "./components/web-auth";
import { scrapeLimitsFor } from "./rules/cardinality";
import { buildRuleFiles } from "./rules/rule-files";
import { HIGH_CARDINALITY_ALLOWED, HIGH_CARDINALITY_LABELS } from "./telemetry/catalog";

const config = loadStackConfig();
const digestProblems = imageDigestProblems(config);
if (digestProblems.length > 0) throw new Error(`invalid stack config:\n${digestProblems.map((p) => `  - ${p}`).join("\n")}`);

const namespaces = new Namespaces("observability", {
  servers: config.serversNamespace,
  agents: config.agentsNamespace,
  requireImageDigests: config.requireImageDigests,
  protect: config.protectData,
});
const servers = namespaces.servers.metadata.name;
const priority = new PriorityClasses("priority", { namespaces: { servers: config.serversNamespace, agents: config.agentsNamespace } });
const serverPriority = priority.servers.metadata.name;
const agentPriority = priority.agents.metadata.name;

// Prometheus and Alertmanager require basic auth on every request; Prometheus, Grafana and the probes send it.
// Only with TLS on, so a stack with it off keeps exactly today's resources (no empty component in its state).
const serverTls = config.tls.mode === "off" ? undefined : new ServerTls("server-tls", {
  namespace: servers,
  settings: config.tls,
  names: {
    namespace: config.serversNamespace,
    clusterDomain: config.otelCollector.clusterDomain,
    prometheusService: SERVICES.prometheus.name,
    alertmanagerService: SERVICES.alertmanager.name,
    alertmanagerHeadless: `${SERVICES.alertmanager.name}-headless`,
    alertmanagerStatefulSet: SERVICES.alertmanager.name,
    alertmanagerReplicas: config.alertmanager.replicas,
  },
});
const tlsMount = serverTls?.mount;
const webAuth = new WebAuth("web-auth", { namespace: servers, password: config.secrets.webAuthPassword, ...(tlsMount ? { tls: tlsServerConfig() } : {}) });

// With a metrics bucket: Thanos beside the Prometheus replicas; Grafana queries through Thanos Query.
const metricsBucket = config.objectStorage.buckets.metrics;
const objectStorageCredentials = config.secrets.objectStorage;
const thanos = metricsBucket !== undefined && objectStorageCredentials
  ? new Thanos("thanos", {
      priorityClassName: serverPriority,
      zoneSpread: config.zoneSpread,
      namespace: servers,
      namespaceName: config.serversNamespace,
      settings: config.thanos,
      objectStorage: config.objectStorage,
      bucket: metricsBucket,
      credentials: objectStorageCredentials,
      storageClass: config.storageClass,
      image: imageFor("thanos", config.images),
      prometheusSelector: selectorLabels({ name: SERVICES.prometheus.name }),
      protect: config.protectData,
    })
  : undefined;

const prometheus = new Prometheus("prometheus", {
  priorityClassName: serverPriority,
  zoneSpread: config.zoneSpread,
  namespace: servers,
  namespaceName: config.serversNamespace,
  settings: config.prometheus,
  storageClass: config.storageClass,
  image: imageFor("prometheus", config.images),
  config: buildPrometheusConfig({
    clusterName: config.clusterName,
    environment: config.environment,
    scrapeInterval: config.prometheus.scrapeInterval,
    evaluationInterval: config.prometheus.evaluationInterval,
    namespaces: { servers: config.serversNamespace, agents: config.agentsNamespace },
    sources: config.sources,
    exporters: { redis: config.redis.enabled, postgres: config.postgres.enabled },
    limits: scrapeLimitsFor,
    restrictedLabels: restrictedLabelsFrom(HIGH_CARDINALITY_LABELS, HIGH_CARDINALITY_ALLOWED),
    rulesDir: PROMETHEUS_RULES_DIR,
    webAuth: { username: webAuth.mount.username, passwordFile: PROMETHEUS_WEB_AUTH_PASSWORD_FILE },
    ...(tlsMount ? { tls: clientTls(PROMETHEUS_TLS_DIR, config.serversNamespace, SERVICES.prometheus.name, SERVICES.alertmanager.name) } : {}),
    ...(thanos ? { thanos: true } : {}),
  }),
  webAuth: webAuth.mount,
  ...(tlsMount ? { tls: tlsMount } : {}),
  ruleFiles: buildRuleFiles({ runbookBaseUrl: config.runbookBaseUrl }),
  protect: config.protectData,
  ...(thanos
    ? {
        thanos: {
          image: imageFor("thanos", config.images),
          objstoreSecretName: thanos.objstoreSecretName,
          localRetention: config.thanos.localRetention,
          resources: config.thanos.sidecarResources,
          uploadCompacted: config.thanos.uploadExistingBlocks,
          ...(tlsMount ? { prometheusServerName: clientTls(PROMETHEUS_TLS_DIR, config.serversNamespace, SERVICES.prometheus.name, SERVICES.alertmanager.name).prometheusServerName } : {}),
        },
      }
    : {}),
});

const alertmanager = new Alertmanager("alertmanager", {
  priorityClassName: serverPriority,
  zoneSpread: config.zoneSpread,
  namespace: servers,
  namespaceName: config.serversNamespace,
  settings: config.alertmanager,
  storageClass: config.storageClass,
  image: imageFor("alertmanager", config.images),
  slack: config.secrets.slack,
  evaluationInterval: config.prometheus.evaluationInterval,
  heartbeatUrl: config.secrets.heartbeatUrl,
  protect: config.protectData,
  webAuth: webAuth.mount,
  ...(tlsMount ? { tls: tlsMount } : {}),
});

// With a logs bucket: Loki's simple scalable mode; Promtail and the collector push to its write target, Grafana
// reads from its read target. Otherwise the single binary on its claim.
const logsBucket = config.objectStorage.buckets.logs;
const lokiScalable = logsBucket !== undefined && objectStorageCredentials
  ? new LokiScalable("loki", {
      priorityClassName: serverPriority,
      zoneSpread: config.zoneSpread,
      namespace: servers,
      namespaceName: config.serversNamespace,
      settings: config.loki,
      objectStorage: config.objectStorage,
      bucket: logsBucket,
      credentials: objectStorageCredentials,
      storageClass: config.storageClass,
      image: imageFor("loki", config.images),
      protect: config.protectData,
    })
  : undefined;
const loki = lokiScalable
  ? undefined
  : new Loki("loki", {
      priorityClassName: serverPriority,
      namespace: servers,
      settings: config.loki,
      storageClass: config.storageClass,
      image: imageFor("loki", config.images),
      protect: config.protectData,
    });
const lokiPushService = lokiScalable ? LOKI_SCALABLE.write.name : undefined;

const otelCollector = new OtelCollector("otel-collector", {
  priorityClassName: serverPriority,
  zoneSpread: config.zoneSpread,
  namespace: servers,
  namespaceName: config.serversNamespace,
  settings: config.otelCollector,
  environment: config.environment,
  clusterName: config.clusterName,
  image: imageFor("otelCollector", config.images),
  ...(lokiPushService ? { lokiServiceName: lokiPushService } : {}),
});

const jaeger = new Jaeger("jaeger", {
  priorityClassName: serverPriority,
  namespace: servers,
  settings: config.jaeger,
  storageClass: config.storageClass,
  image: imageFor("jaeger", config.images),
  protect: config.protectData,
});

new Promtail("promtail", {
  priorityClassName: agentPriority,
  namespace: namespaces.agents.metadata.name,
  namespaceName: config.agentsNamespace,
  lokiNamespace: config.serversNamespace,
  clusterName: config.clusterName,
  image: imageFor("promtail", config.images),
  ...(lokiPushService ? { lokiServiceName: lokiPushService } : {}),
});

const grafana = new Grafana("grafana", {
  priorityClassName: serverPriority,
  namespace: servers,
  serversNamespace: config.serversNamespace,
  settings: config.grafana,
  scrapeInterval: config.prometheus.scrapeInterval,
  storageClass: config.storageClass,
  image: imageFor("grafana", config.images),
  adminPassword: config.secrets.grafanaAdminPassword,
  secretKey: config.secrets.grafanaSecretKey,
  postgres: config.postgres.enabled ? config.postgres : undefined,
  postgresPassword: config.secrets.postgresPassword,
  dashboards: buildDashboards(),
  protect: config.protectData,
  webAuth: webAuth.mount,
  ...(tlsMount ? { serverTls: tlsMount } : {}),
  ...(lokiScalable ? { lokiQueryUrl: `http://${serviceHost(LOKI_SCALABLE.read, config.serversNamespace)}:${SERVICES.loki.ports.http.port}` } : {}),
  ...(thanos ? { thanosQueryUrl: `http://${serviceHost(SERVICES.thanosQuery, config.serversNamespace)}:${SERVICES.thanosQuery.ports.http.port}` } : {}),
});

if (config.gpu.deployDcgmExporter) {
  new DcgmExporter("dcgm-exporter", { namespace: namespaces.agents.metadata.name, priorityClassName: agentPriority, settings: config.gpu, image: imageFor("dcgmExporter", config.images) });
}
if (config.redis.enabled) {
  new RedisExporter("redis-exporter", { namespace: servers, priorityClassName: serverPriority, settings: config.redis, image: imageFor("redisExporter", config.images), password: config.secrets.redisPassword });
}
if (config.slack.mode === "legacy-webhook") pulumi.log.warn(LEGACY_SLACK_NOTICE);
if (config.postgres.enabled) {
  if (!config.secrets.postgresPassword) {
    pulumi.log.warn(
      "observability:postgres.enabled is true but observability:postgresPassword is not set: postgres_exporter and Grafana's PostgreSQL datasource connect as postgres.user without a password, which only a database that trusts that role accepts",
    );
  }
  new PostgresExporter("postgres-exporter", {
    priorityClassName: serverPriority,
    namespace: servers,
    settings: config.postgres,
    image: imageFor("postgresExporter", config.images),
    password: config.secrets.postgresPassword,
  });
}

if (config.network.policies) {
  new NetworkPolicies("network", {
    namespaces: [namespaces.servers, namespaces.agents],
    policies: buildNetworkPolicies({
      namespaces: { servers: config.serversNamespace, agents: config.agentsNamespace },
      telemetryNamespaces: telemetryNamespaces(config),
      apiServer: { cidrs: config.network.apiServerCidrs, ports: config.network.apiServerPorts },
      slackCidrs: config.network.slackCidrs,
      deployed: { dcgmExporter: config.gpu.deployDcgmExporter, redisExporter: config.redis.enabled, postgresExporter: config.postgres.enabled },
      redis: config.redis.enabled ? redisTarget(config.redis.address) : undefined,
      postgres: config.postgres.enabled ? { host: config.postgres.host, port: config.postgres.port } : undefined,
      ...(thanos ? { thanos: { objectStorage: objectStorageTarget(config.objectStorage.endpoint, config.network.objectStorageCidrs) } } : {}),
      ...(lokiScalable ? { lokiScalable: { objectStorage: objectStorageTarget(config.objectStorage.endpoint, config.network.objectStorageCidrs) } } : {}),
    }),
  });
}

export const serversNamespace = servers;
export const agentsNamespace = namespaces.agents.metadata.name;
export const prometheusService = prometheus.service.metadata.name;
export const alertmanagerService = alertmanager.service.metadata.name;
/** Loki's Service: the single binary's, or in simple scalable mode the read target's (queries; pushes go to loki-write). */
export const lokiService = loki ? loki.service.metadata.name : (lokiScalable as LokiScalable).readService.metadata.name;
export const otelCollectorService = otelCollector.service.metadata.name;
export const jaegerService = jaeger.service.metadata.name;
export const grafanaService = grafana.service.metadata.name;
/** Generated unless set in config; read it with `pulumi stack output --show-secrets grafanaAdminPassword`. */
export const grafanaAdminPassword = grafana.adminPassword;
/**
 * The password of user `observability` on Prometheus and Alertmanager; generated unless set in config. Read it with
 * `pulumi stack output --show-secrets webAuthPassword`.
 */
export const webAuthPassword = webAuth.password;
