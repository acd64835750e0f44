/**
 * Grafana: one replica (Recreate, since SQLite on a ReadWriteOnce claim allows one writer) with its database on a
 * claim, grafana.ini and the provisioning files in ConfigMaps, one ConfigMap per dashboard, the admin password, the
 * encryption key and the PostgreSQL password in a Secret mounted as files, a Service on 3000 and, only when configured,
 * an Ingress. Datasources and dashboards are provisioned, so the volume holds no configuration worth restoring.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { StackSettings } from "../config/schema";
import {
  ADMIN_PASSWORD_KEY,
  GRAFANA_CONFIG_DIR,
  GRAFANA_DASHBOARDS_DIR,
  GRAFANA_DATA_DIR,
  GRAFANA_INI_FILE,
  GRAFANA_PROVISIONING_DIR,
  GRAFANA_SECRETS_DIR,
  GRAFANA_WEB_AUTH_DIR,
  GRAFANA_SERVER_TLS_DIR,
  POSTGRES_PASSWORD_KEY,
  SECRET_KEY_KEY,
  buildDashboardProviders,
  buildDatasources,
  buildGrafanaIni,
  dashboardConfigMaps,
  grafanaIni,
  provisioningYaml,
} from "./grafana-config";
import { postgresCaFile, postgresCaVolume } from "./exporters";
import { ImageSpec, imageTag } from "./images";
import {
  checksumAnnotation,
  containerResources,
  httpProbe,
  labels as makeLabels,
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  tmpVolume,
  WRITES_TEMP_FILES,
  selectorLabels,
  startupProbe,
  volumeClaimTemplate,
} from "./kube";
import { SERVICES, ServiceSpec, serviceHost } from "./services";
import { ServerTlsMount, serverTlsVolume, serverTlsVolumeMount } from "./server-tls";
import { TLS_CA_KEY } from "./server-tls-config";
import { WebAuthMount, webAuthAnnotation, webAuthVolume, webAuthVolumeMount } from "./web-auth";
import { WEB_AUTH_PASSWORD_KEY } from "./web-auth-config";

/** Length of a generated admin password (alphanumeric: about 190 bits, and safe to paste into any shell). */
export const GENERATED_PASSWORD_LENGTH = 32;

/** The dashboards directory when no dashboard is provisioned: stays empty, bounded all the same. */
const EMPTY_DASHBOARDS_SIZE = "1Mi";

export interface GrafanaArgs {
  /** PriorityClass of its pods (components/priority-classes.ts). */
  readonly priorityClassName: pulumi.Input<string>;
  readonly namespace: pulumi.Input<string>;
  /** Namespace of Prometheus, Loki and Jaeger, for the datasource URLs. */
  readonly serversNamespace: string;
  readonly settings: StackSettings["grafana"];
  /** Prometheus' scrape interval, Grafana's minimum step for Prometheus queries. */
  readonly scrapeInterval: string;
  readonly storageClass: string;
  readonly image: ImageSpec;
  /** The admin password from stack config. Absent: one is generated and kept in the Pulumi state. */
  readonly adminPassword?: pulumi.Output<string>;
  /** The datasource-secrets encryption key from stack config. Absent: one is generated and kept in the Pulumi state. */
  readonly secretKey?: pulumi.Output<string>;
  /** The platform's PostgreSQL for the PostgreSQL datasource. Absent: no such datasource. */
  readonly postgres?: StackSettings["postgres"];
  /** Password of `postgres.user`. Absent: the datasource connects without one. */
  readonly postgresPassword?: pulumi.Output<string>;
  /** Dashboard file name (`<uid>.json`) -> dashboard JSON. Default none. */
  readonly dashboards?: Readonly<Record<string, object>>;
  /** Pulumi `protect` on the claim holding Grafana's database. */
  readonly protect: boolean;
  /** The basic-auth credentials Prometheus requires, for the Prometheus datasource (components/web-auth.ts). */
  readonly webAuth: WebAuthMount;
  /** The servers' TLS Secret (its ca.crt only); absent: Prometheus is reached over plain HTTP. */
  readonly serverTls?: ServerTlsMount;
  /**
   * Thanos Query's HTTP API (thanos is on): the Prometheus datasource reads it instead of Prometheus, without
   * credentials (Query has none; NetworkPolicies admit Grafana alone). Absent: Prometheus itself.
   */
  readonly thanosQueryUrl?: string;
  /** Loki's read path (simple scalable mode). Absent: the single binary's Service. */
  readonly lokiQueryUrl?: string;
}

export class Grafana extends pulumi.ComponentResource {
  public readonly service: k8s.core.v1.Service;
  public readonly deployment: k8s.apps.v1.Deployment;
  /** The admin password in effect (secret). */
  public readonly adminPassword: pulumi.Output<string>;

  constructor(name: string, args: GrafanaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:dashboards:Grafana", name, {}, opts);
    const spec = SERVICES.grafana;
    const http = spec.ports.http;
    const labels = makeLabels({ name: spec.name, component: "dashboards", version: imageTag(args.image.ref) });
    const selector = selectorLabels({ name: spec.name });
    const ns = args.namespace;
    const child = { parent: this };
    const ingress = args.settings.ingress;

    // Grafana applies the admin password only when it creates the admin user, on the first start with an empty
    // database; rotating it later goes through the UI or `grafana cli admin reset-admin-password`.
    const adminPassword =
      args.adminPassword ??
      new random.RandomPassword(`${name}-admin-password`, { length: GENERATED_PASSWORD_LENGTH, special: false }, child).result;
    const postgresCa = args.postgres ? postgresCaVolume(args.postgres) : { volumes: [], mounts: [] };
    this.adminPassword = pulumi.secret(adminPassword);
    // Encrypts datasource secrets in the database. The image's built-in default is public; this one stays in the state
    // and must never change for an existing database.
    // With both set in config, no random resource (and no random provider) is needed.
    const secretKey = args.secretKey ?? new random.RandomPassword(`${name}-secret-key`, { length: 40, special: false }, child).result;

    const secret = new k8s.core.v1.Secret(
      `${name}-secrets`,
      {
        metadata: { name: `${spec.name}-secrets`, namespace: ns, labels },
        type: "Opaque",
        stringData: {
          [ADMIN_PASSWORD_KEY]: this.adminPassword,
          [SECRET_KEY_KEY]: pulumi.secret(secretKey),
          ...(args.postgres && args.postgresPassword ? { [POSTGRES_PASSWORD_KEY]: args.postgresPassword } : {}),
        },
      },
      child,
    );

    const url = (service: ServiceSpec, port: number) => `http://${serviceHost(service, args.serversNamespace)}:${port}`;
    // Config refuses an Ingress without a TLS Secret: behind one, links use https and cookies are Secure.
    const tls = ingress.enabled;
    const configData = {
      [GRAFANA_INI_FILE]: grafanaIni(buildGrafanaIni({ httpPort: http.port, ...(ingress.enabled ? { externalHost: ingress.host, tls } : {}) })),
    };
    const datasourcesData = {
      "datasources.yaml": provisioningYaml(
        buildDatasources({
          ...(args.thanosQueryUrl
            ? { prometheusUrl: args.thanosQueryUrl, prometheusType: "Thanos" as const }
            : {
                prometheusUrl: args.serverTls
                  ? `https://${serviceHost(SERVICES.prometheus, args.serversNamespace)}:${SERVICES.prometheus.ports.http.port}`
                  : url(SERVICES.prometheus, SERVICES.prometheus.ports.http.port),
                prometheusAuth: { user: args.webAuth.username, passwordFile: `${GRAFANA_WEB_AUTH_DIR}/${WEB_AUTH_PASSWORD_KEY}` },
                // Grafana reads the CA when it provisions the datasource, at start: a new CA needs a rollout of Grafana.
                ...(args.serverTls ? { prometheusCaFile: `${GRAFANA_SERVER_TLS_DIR}/${TLS_CA_KEY}` } : {}),
              }),
          lokiUrl: args.lokiQueryUrl ?? url(SERVICES.loki, SERVICES.loki.ports.http.port),
          jaegerUrl: url(SERVICES.jaeger, SERVICES.jaeger.ports.ui.port),
          scrapeInterval: args.scrapeInterval,
          ...(args.postgres
            ? {
                postgres: {
                  host: args.postgres.host,
                  port: args.postgres.port,
                  database: args.postgres.database,
                  user: args.postgres.user,
                  sslMode: args.postgres.sslMode,
                  ...(args.postgresPassword ? { passwordFile: `${GRAFANA_SECRETS_DIR}/${POSTGRES_PASSWORD_KEY}` } : {}),
                  ...(postgresCaFile(args.postgres) ? { caFile: postgresCaFile(args.postgres) } : {}),
                },
              }
            : {}),
        }),
      ),
    };
    const providersData = { "dashboards.yaml": provisioningYaml(buildDashboardProviders(GRAFANA_DASHBOARDS_DIR)) };
    const dashboards = dashboardConfigMaps(args.dashboards ?? {});

    const configMap = (suffix: string, data: Record<string, string>) =>
      new k8s.core.v1.ConfigMap(`${name}-${suffix}`, { metadata: { name: `${spec.name}-${suffix}`, namespace: ns, labels }, data }, child);
    const iniMap = configMap("config", configData);
    const datasourcesMap = configMap("datasources", datasourcesData);
    const providersMap = configMap("dashboard-providers", providersData);
    const dashboardMaps = dashboards.map((d) => configMap(`dashboard-${d.suffix}`, d.data));

    const claim = volumeClaimTemplate("data", args.settings.storageSize, args.storageClass);
    const pvc = new k8s.core.v1.PersistentVolumeClaim(
      `${name}-data`,
      { metadata: { name: `${spec.name}-data`, namespace: ns, labels }, spec: claim.spec },
      { ...child, protect: args.protect },
    );

    this.service = new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: { name: spec.name, namespace: ns, labels },
        spec: { type: "ClusterIP", selector, ports: [{ name: http.name, port: http.port, targetPort: http.name }] },
      },
      child,
    );

    const checksum = checksumAnnotation(configData, datasourcesData, providersData, ...dashboards.map((d) => d.data));
    this.deployment = new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata: { name: spec.name, namespace: ns, labels },
        spec: {
          replicas: 1,
          // Two pods must never share the SQLite file (and a ReadWriteOnce claim may not attach twice).
          strategy: { type: "Recreate" },
          selector: { matchLabels: selector },
          template: {
            // The datasource reads the password file once, when Grafana provisions it: a new password rolls the pod.
            metadata: { labels, annotations: { ...checksum, ...webAuthAnnotation(args.webAuth) } },
            spec: {
              priorityClassName: args.priorityClassName,
              automountServiceAccountToken: false,
              securityContext: restrictedPodSecurityContext({ uid: args.image.uid }),
              containers: [
                {
                  name: spec.name,
                  image: args.image.ref,
                  env: [
                    { name: "GF_PATHS_CONFIG", value: `${GRAFANA_CONFIG_DIR}/${GRAFANA_INI_FILE}` },
                    // The image's run.sh reads each GF_*__FILE into GF_*: the value never appears in the pod spec.
                    { name: "GF_SECURITY_ADMIN_PASSWORD__FILE", value: `${GRAFANA_SECRETS_DIR}/${ADMIN_PASSWORD_KEY}` },
                    { name: "GF_SECURITY_SECRET_KEY__FILE", value: `${GRAFANA_SECRETS_DIR}/${SECRET_KEY_KEY}` },
                  ],
                  ports: [{ name: http.name, containerPort: http.port }],
                  // The first start migrates an empty database, which takes a while on slow volumes.
                  startupProbe: startupProbe("/api/health", http.name, 300),
                  readinessProbe: httpProbe("/api/health", http.name, { periodSeconds: 10 }),
                  livenessProbe: httpProbe("/api/health", http.name, { periodSeconds: 20, failureThreshold: 6 }),
                  resources: containerResources(args.settings.resources, [WRITES_TEMP_FILES.grafana.sizeLimit, ...(dashboardMaps.length > 0 ? [] : [EMPTY_DASHBOARDS_SIZE])]),
                  securityContext: restrictedContainerSecurityContext(),
                  volumeMounts: [
                    { name: "config", mountPath: GRAFANA_CONFIG_DIR, readOnly: true },
                    { name: "datasources", mountPath: `${GRAFANA_PROVISIONING_DIR}/datasources`, readOnly: true },
                    { name: "dashboard-providers", mountPath: `${GRAFANA_PROVISIONING_DIR}/dashboards`, readOnly: true },
                    { name: "dashboards", mountPath: GRAFANA_DASHBOARDS_DIR, readOnly: true },
                    { name: "secrets", mountPath: GRAFANA_SECRETS_DIR, readOnly: true },
                    webAuthVolumeMount(GRAFANA_WEB_AUTH_DIR),
                    ...(args.serverTls ? [serverTlsVolumeMount(GRAFANA_SERVER_TLS_DIR)] : []),
                    // Database, sessions and the (empty) plugin directory; never mounted over the bundled plugins.
                    { name: "data", mountPath: GRAFANA_DATA_DIR },
                    tmpVolume("grafana").mount,
                    ...postgresCa.mounts,
                  ],
                },
              ],
              volumes: [
                { name: "config", configMap: { name: iniMap.metadata.name } },
                { name: "datasources", configMap: { name: datasourcesMap.metadata.name } },
                { name: "dashboard-providers", configMap: { name: providersMap.metadata.name } },
                // All dashboard ConfigMaps projected into one directory (an empty one when there are none).
                dashboardMaps.length > 0
                  ? { name: "dashboards", projected: { sources: dashboardMaps.map((m) => ({ configMap: { name: m.metadata.name } })) } }
                  : { name: "dashboards", emptyDir: { sizeLimit: EMPTY_DASHBOARDS_SIZE } },
                // Readable by the pod's group only (fsGroup).
                { name: "secrets", secret: { secretName: secret.metadata.name, defaultMode: 0o440 } },
                webAuthVolume(args.webAuth, [WEB_AUTH_PASSWORD_KEY]),
                ...(args.serverTls ? [serverTlsVolume(args.serverTls, [TLS_CA_KEY])] : []),
                { name: "data", persistentVolumeClaim: { claimName: pvc.metadata.name } },
                tmpVolume("grafana").volume,
                ...postgresCa.volumes,
              ],
            },
          },
        },
      },
      child,
    );

    if (ingress.enabled) {
      new k8s.networking.v1.Ingress(
        `${name}-ingress`,
        {
          metadata: {
            name: spec.name,
            namespace: ns,
            labels,
            ...(ingress.certManagerIssuer ? { annotations: { "cert-manager.io/cluster-issuer": ingress.certManagerIssuer } } : {}),
          },
          spec: {
            ...(ingress.className ? { ingressClassName: ingress.className } : {}),
            tls: [{ hosts: [ingress.host], secretName: ingress.tlsSecretName }],
            rules: [
              {
                host: ingress.host,
                http: {
                  paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: this.service.metadata.name, port: { name: http.name } } } }],
                },
              },
            ],
          },
        },
        child,
      );
    }
    this.registerOutputs({ service: this.service.metadata.name });
  }
}
