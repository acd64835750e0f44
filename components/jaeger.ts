/**
 * Jaeger v2: one replica with Badger on a PersistentVolumeClaim, or several on a shared store (Elasticsearch,
 * OpenSearch, Cassandra), config.yaml in a ConfigMap, and the Service `jaeger` for the collector's OTLP export, the
 * seed's gRPC port and the UI and query API (Grafana's datasource).
 *
 * A Deployment with the Recreate strategy rather than a StatefulSet: Badger is single-node and locks its directory, so
 * there is never a second replica to name or order, and Recreate guarantees the old pod has released the
 * ReadWriteOnce volume and the lock before the new one starts. The claim is a resource of its own, so it outlives the
 * Deployment and carries `protect` by itself. On a shared store Jaeger holds no state: replicas roll one at a time,
 * spread over nodes, under a disruption budget.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { StackSettings } from "../config/schema";
import { ImageSpec, imageTag } from "./images";
import { jaegerReplicas } from "../config/scale-out-checks";
import {
  checksumAnnotation,
  containerResources,
  httpProbe,
  labels as makeLabels,
  overHttps,
  podDisruptionBudget,
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  spreadConstraints,
  tmpVolume,
  WRITES_TEMP_FILES,
  selectorLabels,
  startupProbe,
  volumeClaimTemplate,
  ZoneSpread,
} from "./kube";
import { JAEGER_DATA_DIR, buildJaegerConfig, jaegerYaml } from "./jaeger-config";
import {
  JAEGER_STORAGE_AUTH_DIR,
  JAEGER_STORAGE_CA_DIR,
  JAEGER_STORAGE_CA_KEY,
  JAEGER_STORAGE_PASSWORD_ENV,
  JAEGER_STORAGE_PASSWORD_KEY,
  passwordDelivery,
  storageCaConfigMap,
} from "./jaeger-storage-config";
import { JAEGER_INGEST, JAEGER_SERVICE_PORTS, PortSpec, SERVICES } from "./services";
import { ServerTlsMount, serverTlsVolume, serverTlsVolumeMount } from "./server-tls";
import { TLS_CERT_KEY, TLS_KEY_KEY } from "./server-tls-config";

export const JAEGER_CONFIG_DIR = "/etc/jaeger";
/** The servers' TLS Secret, its certificate and key (tls.mode not off). */
export const JAEGER_TLS_DIR = "/etc/jaeger/tls";

export interface JaegerArgs {
  /** PriorityClass of its pods (components/priority-classes.ts). */
  readonly priorityClassName: pulumi.Input<string>;
  readonly namespace: pulumi.Input<string>;
  readonly settings: StackSettings["jaeger"];
  readonly storageClass: string;
  readonly image: ImageSpec;
  /** Pulumi `protect` on the claim holding the spans and on the Deployment using it (Badger only). */
  readonly protect: boolean;
  /** The servers' TLS Secret: its UI, API, receivers and health check speak only TLS. Absent: plaintext. */
  readonly tls?: ServerTlsMount;
  /** How replicas on a shared store spread over zones (they always spread over nodes). */
  readonly zoneSpread: ZoneSpread;
  /** Password of the shared store's user (jaegerStoragePassword); config requires it exactly when there is a user. */
  readonly storagePassword?: pulumi.Output<string>;
}

export class Jaeger extends pulumi.ComponentResource {
  public readonly service: k8s.core.v1.Service;
  public readonly deployment: k8s.apps.v1.Deployment;
  /** Badger's volume; absent on a shared store. */
  public readonly claim?: k8s.core.v1.PersistentVolumeClaim;

  constructor(name: string, args: JaegerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:traces:Jaeger", name, {}, opts);
    const spec = SERVICES.jaeger;
    const ports = spec.ports;
    const labels = makeLabels({ name: spec.name, component: "trace-store", version: imageTag(args.image.ref) });
    const selector = selectorLabels({ name: spec.name });
    const ns = args.namespace;
    const child = { parent: this };

    const configData = { "config.yaml": jaegerYaml(buildJaegerConfig({
          settings: args.settings,
          ...(args.tls ? { tls: { certFile: `${JAEGER_TLS_DIR}/${TLS_CERT_KEY}`, keyFile: `${JAEGER_TLS_DIR}/${TLS_KEY_KEY}` } } : {}),
        })) };
    const configMap = new k8s.core.v1.ConfigMap(`${name}-config`, { metadata: { name: `${spec.name}-config`, namespace: ns, labels }, data: configData }, child);

    const local = args.settings.storage === "badger";
    if (local) {
      const claimSpec = volumeClaimTemplate("data", args.settings.storageSize, args.storageClass).spec;
      this.claim = new k8s.core.v1.PersistentVolumeClaim(
        `${name}-data`,
        { metadata: { name: `${spec.name}-data`, namespace: ns, labels }, spec: claimSpec },
        { ...child, protect: args.protect },
      );
    }
    const delivery = passwordDelivery(args.settings);
    if (delivery && !args.storagePassword) throw new Error(`jaeger.${args.settings.storage}: a user is set but no storage password was given`);
    const storageSecret =
      delivery && args.storagePassword
        ? new k8s.core.v1.Secret(
            `${name}-storage`,
            { metadata: { name: `${spec.name}-storage`, namespace: ns, labels }, type: "Opaque", stringData: { [JAEGER_STORAGE_PASSWORD_KEY]: args.storagePassword } },
            child,
          )
        : undefined;
    const ca = storageCaConfigMap(args.settings);
    const replicas = jaegerReplicas(args.settings);

    const probe = args.tls ? overHttps : (p: ReturnType<typeof httpProbe>) => p;
    const servicePort = (p: PortSpec) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: p.protocol ?? "TCP" });
    this.service = new k8s.core.v1.Service(
      `${name}-service`,
      { metadata: { name: spec.name, namespace: ns, labels }, spec: { type: "ClusterIP", selector, ports: JAEGER_SERVICE_PORTS.map(servicePort) } },
      child,
    );
    new k8s.core.v1.Service(
      `${name}-ingest-service`,
      { metadata: { name: JAEGER_INGEST.name, namespace: ns, labels }, spec: { type: "ClusterIP", selector, ports: JAEGER_INGEST.ports.map(servicePort) } },
      child,
    );

    this.deployment = new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata: { name: spec.name, namespace: ns, labels },
        spec: {
          ...(local
            ? // Badger is single-node: exactly one replica, and the old one gone before the next opens the store.
              { replicas: 1, strategy: { type: "Recreate" } }
            : // Never below the configured replicas during a rollout: the collector's export would see refusals.
              { replicas, strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } }),
          selector: { matchLabels: selector },
          template: {
            metadata: { labels, annotations: checksumAnnotation(configData) },
            spec: {
              priorityClassName: args.priorityClassName,
              automountServiceAccountToken: false,
              // fsGroup = the image's UID (10001) makes the fresh volume writable for Badger.
              securityContext: restrictedPodSecurityContext({ uid: args.image.uid }),
              // Badger flushes its memtables and closes the value log on shutdown; a shared store's writer its bulk batches.
              terminationGracePeriodSeconds: 60,
              ...(replicas > 1 ? { topologySpreadConstraints: spreadConstraints(selector, args.zoneSpread) } : {}),
              containers: [
                {
                  name: spec.name,
                  image: args.image.ref,
                  args: ["--config", `${JAEGER_CONFIG_DIR}/config.yaml`],
                  // Cassandra's settings take the password only inline: config.yaml names this variable instead.
                  ...(delivery === "env" && storageSecret
                    ? { env: [{ name: JAEGER_STORAGE_PASSWORD_ENV, valueFrom: { secretKeyRef: { name: storageSecret.metadata.name, key: JAEGER_STORAGE_PASSWORD_KEY } } }] }
                    : {}),
                  ports: Object.values(ports).map((p: PortSpec) => ({ name: p.name, containerPort: p.port, protocol: p.protocol ?? "TCP" })),
                  readinessProbe: probe(httpProbe("/status", ports.health.name, { periodSeconds: 10 })),
                  livenessProbe: probe(httpProbe("/status", ports.health.name, { periodSeconds: 20, failureThreshold: 6 })),
                  // Opening a large Badger store replays its value log; give it minutes before liveness counts.
                  startupProbe: probe(startupProbe("/status", ports.health.name, 600)),
                  resources: containerResources(args.settings.resources, [WRITES_TEMP_FILES.jaeger.sizeLimit]),
                  securityContext: restrictedContainerSecurityContext(),
                  volumeMounts: [
                    { name: "config", mountPath: JAEGER_CONFIG_DIR, readOnly: true },
                    ...(this.claim ? [{ name: "data", mountPath: JAEGER_DATA_DIR }] : []),
                    tmpVolume("jaeger").mount,
                    ...(args.tls ? [serverTlsVolumeMount(JAEGER_TLS_DIR)] : []),
                    ...(delivery === "file" ? [{ name: "storage-auth", mountPath: JAEGER_STORAGE_AUTH_DIR, readOnly: true }] : []),
                    ...(ca ? [{ name: "storage-ca", mountPath: JAEGER_STORAGE_CA_DIR, readOnly: true }] : []),
                  ],
                },
              ],
              volumes: [
                { name: "config", configMap: { name: configMap.metadata.name } },
                ...(this.claim ? [{ name: "data", persistentVolumeClaim: { claimName: this.claim.metadata.name } }] : []),
                tmpVolume("jaeger").volume,
                ...(args.tls ? [serverTlsVolume(args.tls, [TLS_CERT_KEY, TLS_KEY_KEY])] : []),
                // Readable by the pod's group only (fsGroup).
                ...(delivery === "file" && storageSecret ? [{ name: "storage-auth", secret: { secretName: storageSecret.metadata.name, defaultMode: 0o440 } }] : []),
                ...(ca ? [{ name: "storage-ca", configMap: { name: ca, items: [{ key: JAEGER_STORAGE_CA_KEY, path: JAEGER_STORAGE_CA_KEY }] } }] : []),
              ],
            },
          },
        },
      },
      // Only Badger's Deployment guards data (it holds the claim); a shared store's is stateless.
      { ...child, protect: local && args.protect },
    );
    if (replicas > 1) podDisruptionBudget(spec.name, ns, labels, selector, child);
    this.registerOutputs({ service: this.service.metadata.name });
  }
}
