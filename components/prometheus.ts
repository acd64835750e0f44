/**
 * Prometheus: a StatefulSet with its TSDB on a claim per replica, prometheus.yml and the rule files in ConfigMaps
 * (a config checksum rolls the pods), discovery RBAC limited to what the scrape jobs use, and a Service on 9090. Every
 * endpoint requires basic auth (the web-auth Secret, components/web-auth.ts), which its exec probes send too.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { StackSettings } from "../config/schema";
import { ImageSpec, imageTag } from "./images";
import {
  authorizedHttpProbe,
  authorizedStartupProbe,
  checksumAnnotation,
  clusterReader,
  containerResources,
  httpProbe,
  labels as makeLabels,
  podDisruptionBudget,
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  selectorLabels,
  spreadConstraints,
  ZoneSpread,
  statefulServices,
  volumeClaimTemplate,
  CLAIM_TEMPLATES_FIXED,
  DATA_CLAIM,
  statefulClaims,
} from "./kube";
import { PrometheusConfig, prometheusArgs, prometheusYaml } from "./prometheus-config";
import { SERVICES } from "./services";
import { ServerTlsMount, serverTlsVolume, serverTlsVolumeMount } from "./server-tls";
import { TLS_CA_KEY, TLS_CERT_KEY, TLS_KEY_KEY } from "./server-tls-config";
import { WebAuthMount, webAuthAnnotation, webAuthVolume, webAuthVolumeMount } from "./web-auth";
import { WEB_AUTH_AUTHORIZATION_KEY, WEB_AUTH_PASSWORD_KEY, WEB_CONFIG_KEY } from "./web-auth-config";
import { OBJSTORE_MOUNT, THANOS_OBJSTORE_FILE, objstoreVolume } from "./thanos";
import { prometheusSidecarArgs, thanosSidecarArgs, thanosSidecarPrometheusClientConfig } from "./thanos-config";

// Sibling directories: a volume mounted inside another read-only volume needs its mount point created there.
export const PROMETHEUS_CONFIG_DIR = "/etc/prometheus/config";
export const PROMETHEUS_RULES_DIR = "/etc/prometheus/rules";
export const PROMETHEUS_DATA_DIR = "/prometheus";
/** The web-auth Secret's web config, password (for alerting and self-scrapes) and probe header. */
export const PROMETHEUS_WEB_AUTH_DIR = "/etc/prometheus/web-auth";
/** The password file prometheus.yml's basic_auth blocks read. */
export const PROMETHEUS_WEB_AUTH_PASSWORD_FILE = `${PROMETHEUS_WEB_AUTH_DIR}/${WEB_AUTH_PASSWORD_KEY}`;

/** The TLS Secret (tls.mode not off): its certificate and key (the web config's ../tls), and ca.crt for its clients. */
export const PROMETHEUS_TLS_DIR = "/etc/prometheus/tls";

/** What discovery needs: the `pod` and `endpointslice` roles read pods, services and endpoint slices. Nothing else. */
export const PROMETHEUS_DISCOVERY_RULES: k8s.types.input.rbac.v1.PolicyRule[] = [
  { apiGroups: [""], resources: ["pods", "services"], verbs: ["get", "list", "watch"] },
  { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["get", "list", "watch"] },
];

/** The sidecar's client config for Prometheus, in the Prometheus ConfigMap (no secret in it: a password file path). */
export const SIDECAR_CLIENT_CONFIG = "thanos-sidecar-http-client.yml";

/** The Thanos sidecar in each Prometheus pod (objectStorage.buckets.metrics). */
export interface PrometheusThanosArgs {
  readonly image: ImageSpec;
  /** The Secret with objstore.yml (components/thanos.ts). */
  readonly objstoreSecretName: pulumi.Input<string>;
  /** Replaces settings.retention: the bucket holds the long history (thanos.localRetention). */
  readonly localRetention: string;
  readonly resources: StackSettings["thanos"]["sidecarResources"];
  /** Upload the blocks compacted before the sidecar ran (thanos.uploadExistingBlocks). */
  readonly uploadCompacted: boolean;
  /** With TLS on: the name on Prometheus' certificate, which the sidecar verifies. */
  readonly prometheusServerName?: string;
}

export interface PrometheusArgs {
  /** How replicas spread over zones (they always spread over nodes). */
  readonly zoneSpread: ZoneSpread;
  /** PriorityClass of its pods (components/priority-classes.ts). */
  readonly priorityClassName: pulumi.Input<string>;
  readonly namespace: pulumi.Input<string>;
  /** Namespace name, for cluster-scoped object names. */
  readonly namespaceName: string;
  readonly settings: StackSettings["prometheus"];
  readonly storageClass: string;
  readonly image: ImageSpec;
  /** The built prometheus.yml (its rule_files point at PROMETHEUS_RULES_DIR, its password files at PROMETHEUS_WEB_AUTH_PASSWORD_FILE). */
  readonly config: PrometheusConfig;
  /** The basic-auth credentials its HTTP server requires and it sends to itself and Alertmanager (components/web-auth.ts). */
  readonly webAuth: WebAuthMount;
  /** The TLS Secret its server uses and its clients verify against; absent: plain HTTP. */
  readonly tls?: ServerTlsMount;
  /** Rule file name -> YAML text. */
  readonly ruleFiles: Readonly<Record<string, string>>;
  /** Pulumi `protect` on the StatefulSet and on the claims holding its data. */
  readonly protect: boolean;
  /** A Thanos sidecar in each pod, uploading blocks to the bucket. Absent: Prometheus alone keeps settings.retention. */
  readonly thanos?: PrometheusThanosArgs;
}

export class Prometheus extends pulumi.ComponentResource {
  public readonly service: k8s.core.v1.Service;
  public readonly statefulSet: k8s.apps.v1.StatefulSet;

  constructor(name: string, args: PrometheusArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:metrics:Prometheus", name, {}, opts);
    const spec = SERVICES.prometheus;
    const http = spec.ports.http;
    const labels = makeLabels({ name: spec.name, component: "metrics-server", version: imageTag(args.image.ref) });
    const selector = selectorLabels({ name: spec.name });
    const ns = args.namespace;
    const child = { parent: this };

    const serviceAccount = clusterReader(name, "discovery", { namespace: ns, namespaceName: args.namespaceName, appName: spec.name, labels, rules: PROMETHEUS_DISCOVERY_RULES }, child);

    const thanos = args.thanos;
    const scheme = args.tls ? ("https" as const) : undefined;
    const configData: Record<string, string> = { "prometheus.yml": prometheusYaml(args.config) };
    if (thanos) {
      if (args.tls && !thanos.prometheusServerName) throw new Error("prometheus: the thanos sidecar needs prometheusServerName with tls on");
      configData[SIDECAR_CLIENT_CONFIG] = thanosSidecarPrometheusClientConfig({
        username: args.webAuth.username,
        passwordFile: PROMETHEUS_WEB_AUTH_PASSWORD_FILE,
        ...(args.tls && thanos.prometheusServerName ? { tls: { caFile: `${PROMETHEUS_TLS_DIR}/${TLS_CA_KEY}`, serverName: thanos.prometheusServerName } } : {}),
      });
    }
    const rulesData = { ...args.ruleFiles };
    const configMap = new k8s.core.v1.ConfigMap(`${name}-config`, { metadata: { name: `${spec.name}-config`, namespace: ns, labels }, data: configData }, child);
    const rulesMap = new k8s.core.v1.ConfigMap(`${name}-rules`, { metadata: { name: `${spec.name}-rules`, namespace: ns, labels }, data: rulesData }, child);

    const { service, headlessName } = statefulServices(name, { appName: spec.name, namespace: ns, labels, selector, ports: [http] }, child);
    this.service = service;

    const replicas = args.settings.replicas;
    const probeAuthorization = `${PROMETHEUS_WEB_AUTH_DIR}/${WEB_AUTH_AUTHORIZATION_KEY}`;
    const sidecarSpec = SERVICES.thanosSidecar;
    // Runs as Prometheus' user (the pod's): it reads the TSDB and writes its upload state into it.
    const sidecar: k8s.types.input.core.v1.Container[] = thanos
      ? [
          {
            name: sidecarSpec.name,
            image: thanos.image.ref,
            args: thanosSidecarArgs({
              tsdbPath: PROMETHEUS_DATA_DIR,
              prometheusUrl: `${scheme ?? "http"}://localhost:${http.port}`,
              prometheusClientConfigFile: `${PROMETHEUS_CONFIG_DIR}/${SIDECAR_CLIENT_CONFIG}`,
              objstoreConfigFile: THANOS_OBJSTORE_FILE,
              uploadCompacted: thanos.uploadCompacted,
            }),
            ports: [sidecarSpec.ports.grpc, sidecarSpec.ports.http].map((p) => ({ name: p.name, containerPort: p.port })),
            readinessProbe: httpProbe("/-/ready", sidecarSpec.ports.http.name, { periodSeconds: 5 }),
            livenessProbe: httpProbe("/-/healthy", sidecarSpec.ports.http.name, { periodSeconds: 15, failureThreshold: 4 }),
            resources: containerResources(thanos.resources),
            securityContext: restrictedContainerSecurityContext(),
            volumeMounts: [
              { name: "config", mountPath: PROMETHEUS_CONFIG_DIR, readOnly: true },
              webAuthVolumeMount(PROMETHEUS_WEB_AUTH_DIR),
              ...(args.tls ? [serverTlsVolumeMount(PROMETHEUS_TLS_DIR)] : []),
              OBJSTORE_MOUNT,
              { name: "data", mountPath: PROMETHEUS_DATA_DIR },
            ],
          },
        ]
      : [];
    const claims = statefulClaims(
      name,
      { statefulSetName: spec.name, namespace: ns, labels, replicas, size: args.settings.storageSize, storageClass: args.storageClass },
      { ...child, protect: args.protect },
    );
    this.statefulSet = new k8s.apps.v1.StatefulSet(
      `${name}-statefulset`,
      {
        metadata: { name: spec.name, namespace: ns, labels },
        spec: {
          replicas,
          serviceName: headlessName,
          podManagementPolicy: "Parallel",
          selector: { matchLabels: selector },
          template: {
            metadata: { labels, annotations: { ...checksumAnnotation(configData, rulesData), ...webAuthAnnotation(args.webAuth) } },
            spec: {
              priorityClassName: args.priorityClassName,
              serviceAccountName: serviceAccount.metadata.name,
              securityContext: restrictedPodSecurityContext({ uid: args.image.uid }),
              // Long enough to write the head block out instead of replaying the WAL on the next start.
              terminationGracePeriodSeconds: 300,
              ...(replicas > 1 ? { topologySpreadConstraints: spreadConstraints(selector, args.zoneSpread) } : {}),
              containers: [
                {
                  name: spec.name,
                  image: args.image.ref,
                  args: [
                    ...prometheusArgs({
                    retention: thanos ? thanos.localRetention : args.settings.retention,
                    storageSize: args.settings.storageSize,
                    configFile: `${PROMETHEUS_CONFIG_DIR}/prometheus.yml`,
                    webConfigFile: `${PROMETHEUS_WEB_AUTH_DIR}/${WEB_CONFIG_KEY}`,
                    dataDir: PROMETHEUS_DATA_DIR,
                    port: http.port,
                    }),
                    ...(thanos ? prometheusSidecarArgs() : []),
                  ],
                  // The replica external label (prometheus.yml) is the pod's name, expanded by Prometheus at load.
                  ...(thanos ? { env: [{ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }] } : {}),
                  ports: [{ name: http.name, containerPort: http.port }],
                  // Every endpoint requires basic auth, /-/ready and /-/healthy too: exec probes send the mounted header.
                  readinessProbe: authorizedHttpProbe("/-/ready", http.port, probeAuthorization, { periodSeconds: 5, ...(scheme ? { scheme } : {}) }),
                  livenessProbe: authorizedHttpProbe("/-/healthy", http.port, probeAuthorization, { periodSeconds: 15, failureThreshold: 4, ...(scheme ? { scheme } : {}) }),
                  // WAL replay after a crash can take many minutes on a large head block.
                  startupProbe: authorizedStartupProbe("/-/ready", http.port, probeAuthorization, 1800, scheme),
                  resources: containerResources(args.settings.resources),
                  securityContext: restrictedContainerSecurityContext(),
                  volumeMounts: [
                    { name: "config", mountPath: PROMETHEUS_CONFIG_DIR, readOnly: true },
                    { name: "rules", mountPath: PROMETHEUS_RULES_DIR, readOnly: true },
                    webAuthVolumeMount(PROMETHEUS_WEB_AUTH_DIR),
                    ...(args.tls ? [serverTlsVolumeMount(PROMETHEUS_TLS_DIR)] : []),
                    { name: "data", mountPath: PROMETHEUS_DATA_DIR },
                  ],
                },
                ...sidecar,
              ],
              volumes: [
                { name: "config", configMap: { name: configMap.metadata.name } },
                { name: "rules", configMap: { name: rulesMap.metadata.name } },
                webAuthVolume(args.webAuth, [WEB_CONFIG_KEY, WEB_AUTH_PASSWORD_KEY, WEB_AUTH_AUTHORIZATION_KEY]),
                ...(args.tls ? [serverTlsVolume(args.tls, [TLS_CERT_KEY, TLS_KEY_KEY, TLS_CA_KEY])] : []),
                ...(thanos ? [objstoreVolume(thanos.objstoreSecretName)] : []),
              ],
            },
          },
          volumeClaimTemplates: [volumeClaimTemplate(DATA_CLAIM, args.settings.storageSize, args.storageClass)],
        },
      },
      { ...child, protect: args.protect, dependsOn: claims, ...CLAIM_TEMPLATES_FIXED },
    );

    if (replicas > 1) podDisruptionBudget(spec.name, ns, labels, selector, child);
    this.registerOutputs({ service: this.service.metadata.name });
  }
}
