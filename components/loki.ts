/**
 * Loki single binary: a StatefulSet with chunks, index, WAL and compactor state on one claim, loki.yaml in a
 * ConfigMap, a Service for pushes (Promtail, the collector's OTLP exporter) and queries (Grafana).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { StackSettings } from "../config/schema";
import { ImageSpec, imageTag } from "./images";
import {
  checksumAnnotation,
  containerResources,
  httpProbe,
  labels as makeLabels,
  overHttps,
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  tmpVolume,
  WRITES_TEMP_FILES,
  selectorLabels,
  startupProbe,
  statefulServices,
  volumeClaimTemplate,
  CLAIM_TEMPLATES_FIXED,
  DATA_CLAIM,
  statefulClaims,
} from "./kube";
import { LOKI_DATA_DIR, buildLokiConfig, lokiYaml } from "./loki-config";
import { SERVICES } from "./services";
import { ServerTlsMount, serverTlsVolume, serverTlsVolumeMount } from "./server-tls";
import { TLS_CERT_KEY, TLS_KEY_KEY } from "./server-tls-config";

export const LOKI_CONFIG_DIR = "/etc/loki";
/** The servers' TLS Secret, its certificate and key (tls.mode not off). */
export const LOKI_TLS_DIR = "/etc/loki/tls";
/** Answers as soon as the HTTP server is up, whatever the ring or the WAL replay are doing. */
export const LOKI_LIVENESS_PATH = "/loki/api/v1/status/buildinfo";
/** A WAL replay of a full ingester volume; past this the pod is restarted. */
export const LOKI_MAX_STARTUP_SECONDS = 1800;

export interface LokiArgs {
  /** PriorityClass of its pods (components/priority-classes.ts). */
  readonly priorityClassName: pulumi.Input<string>;
  readonly namespace: pulumi.Input<string>;
  readonly settings: StackSettings["loki"];
  readonly storageClass: string;
  readonly image: ImageSpec;
  /** Pulumi `protect` on the StatefulSet and on the claims holding its data. */
  readonly protect: boolean;
  /** The servers' TLS Secret: the HTTP server speaks only https. Absent: plain HTTP. */
  readonly tls?: ServerTlsMount;
}

export class Loki extends pulumi.ComponentResource {
  public readonly service: k8s.core.v1.Service;
  public readonly statefulSet: k8s.apps.v1.StatefulSet;

  constructor(name: string, args: LokiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:logs:Loki", name, {}, opts);
    const spec = SERVICES.loki;
    const { http, grpc } = spec.ports;
    const labels = makeLabels({ name: spec.name, component: "log-store", version: imageTag(args.image.ref) });
    const selector = selectorLabels({ name: spec.name });
    const ns = args.namespace;
    const child = { parent: this };

    const configData = { "loki.yaml": lokiYaml(buildLokiConfig({
          settings: args.settings,
          httpPort: http.port,
          grpcPort: grpc.port,
          ...(args.tls ? { tls: { certFile: `${LOKI_TLS_DIR}/${TLS_CERT_KEY}`, keyFile: `${LOKI_TLS_DIR}/${TLS_KEY_KEY}` } } : {}),
        })) };
    const configMap = new k8s.core.v1.ConfigMap(`${name}-config`, { metadata: { name: `${spec.name}-config`, namespace: ns, labels }, data: configData }, child);

    const { service, headlessName } = statefulServices(name, { appName: spec.name, namespace: ns, labels, selector, ports: [http, grpc] }, child);
    this.service = service;

    const replicas = 1;
    const probe = args.tls ? overHttps : (p: ReturnType<typeof httpProbe>) => p;
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
          // Single binary with an in-memory ring and a filesystem store: exactly one replica.
          replicas,
          serviceName: headlessName,
          selector: { matchLabels: selector },
          template: {
            metadata: { labels, annotations: checksumAnnotation(configData) },
            spec: {
              priorityClassName: args.priorityClassName,
              automountServiceAccountToken: false,
              securityContext: restrictedPodSecurityContext({ uid: args.image.uid }),
              // Flushes in-memory chunks to the volume on shutdown.
              terminationGracePeriodSeconds: 300,
              containers: [
                {
                  name: spec.name,
                  image: args.image.ref,
                  args: [`-config.file=${LOKI_CONFIG_DIR}/loki.yaml`, "-target=all"],
                  ports: [
                    { name: http.name, containerPort: http.port },
                    { name: grpc.name, containerPort: grpc.port },
                  ],
                  // /ready is 503 while the ring settles and while the ingester replays its WAL after a crash, which on a
                  // full volume takes many minutes: the startup probe waits for it, and liveness only asks whether
                  // the process still serves HTTP, so a long replay is never killed and restarted from the beginning.
                  startupProbe: probe(startupProbe("/ready", http.name, LOKI_MAX_STARTUP_SECONDS)),
                  readinessProbe: probe(httpProbe("/ready", http.name, { periodSeconds: 10, failureThreshold: 6 })),
                  livenessProbe: probe(httpProbe(LOKI_LIVENESS_PATH, http.name, { periodSeconds: 20, failureThreshold: 6 })),
                  resources: containerResources(args.settings.resources, [WRITES_TEMP_FILES.loki.sizeLimit]),
                  securityContext: restrictedContainerSecurityContext(),
                  volumeMounts: [
                    { name: "config", mountPath: LOKI_CONFIG_DIR, readOnly: true },
                    { name: "data", mountPath: LOKI_DATA_DIR },
                    tmpVolume("loki").mount,
                    ...(args.tls ? [serverTlsVolumeMount(LOKI_TLS_DIR)] : []),
                  ],
                },
              ],
              volumes: [
                { name: "config", configMap: { name: configMap.metadata.name } },
                tmpVolume("loki").volume,
                ...(args.tls ? [serverTlsVolume(args.tls, [TLS_CERT_KEY, TLS_KEY_KEY])] : []),
              ],
            },
          },
          volumeClaimTemplates: [volumeClaimTemplate(DATA_CLAIM, args.settings.storageSize, args.storageClass)],
        },
      },
      { ...child, protect: args.protect, dependsOn: claims, ...CLAIM_TEMPLATES_FIXED },
    );
    this.registerOutputs({ service: this.service.metadata.name });
  }
}
