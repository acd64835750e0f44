/**
 * Jaeger v2: one replica with Badger on a PersistentVolumeClaim, config.yaml in a ConfigMap, and the Service `jaeger`
 * for the collector's OTLP export, the seed's gRPC port and the UI and query API (Grafana's datasource).
 *
 * A Deployment with the Recreate strategy rather than a StatefulSet: Badger is single-node and locks its directory, so
 * there is never a second replica to name or order, and Recreate guarantees the old pod has released the
 * ReadWriteOnce volume and the lock before the new one starts. The claim is a resource of its own, so it outlives the
 * Deployment and carries `protect` by itself.
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
  volumeClaimTemplate,
} from "./kube";
import { JAEGER_DATA_DIR, buildJaegerConfig, jaegerYaml } from "./jaeger-config";
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
  /** Pulumi `protect` on the claim holding the spans and on the Deployment using it. */
  readonly protect: boolean;
  /** The servers' TLS Secret: its UI, API, receivers and health check speak only TLS. Absent: plaintext. */
  readonly tls?: ServerTlsMount;
}

export class Jaeger extends pulumi.ComponentResource {
  public readonly service: k8s.core.v1.Service;
  public readonly deployment: k8s.apps.v1.Deployment;
  public readonly claim: k8s.core.v1.PersistentVolumeClaim;

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

    const claimSpec = volumeClaimTemplate("data", args.settings.storageSize, args.storageClass).spec;
    this.claim = new k8s.core.v1.PersistentVolumeClaim(
      `${name}-data`,
      { metadata: { name: `${spec.name}-data`, namespace: ns, labels }, spec: claimSpec },
      { ...child, protect: args.protect },
    );

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
          // Badger is single-node: exactly one replica, and the old one gone before the next opens the store.
          replicas: 1,
          strategy: { type: "Recreate" },
          selector: { matchLabels: selector },
          template: {
            metadata: { labels, annotations: checksumAnnotation(configData) },
            spec: {
              priorityClassName: args.priorityClassName,
              automountServiceAccountToken: false,
              // fsGroup = the image's UID (10001) makes the fresh volume writable for Badger.
              securityContext: restrictedPodSecurityContext({ uid: args.image.uid }),
              // Badger flushes its memtables and closes the value log on shutdown.
              terminationGracePeriodSeconds: 60,
              containers: [
                {
                  name: spec.name,
                  image: args.image.ref,
                  args: ["--config", `${JAEGER_CONFIG_DIR}/config.yaml`],
                  ports: Object.values(ports).map((p: PortSpec) => ({ name: p.name, containerPort: p.port, protocol: p.protocol ?? "TCP" })),
                  readinessProbe: probe(httpProbe("/status", ports.health.name, { periodSeconds: 10 })),
                  livenessProbe: probe(httpProbe("/status", ports.health.name, { periodSeconds: 20, failureThreshold: 6 })),
                  // Opening a large Badger store replays its value log; give it minutes before liveness counts.
                  startupProbe: probe(startupProbe("/status", ports.health.name, 600)),
                  resources: containerResources(args.settings.resources, [WRITES_TEMP_FILES.jaeger.sizeLimit]),
                  securityContext: restrictedContainerSecurityContext(),
                  volumeMounts: [
                    { name: "config", mountPath: JAEGER_CONFIG_DIR, readOnly: true },
                    { name: "data", mountPath: JAEGER_DATA_DIR },
                    tmpVolume("jaeger").mount,
                    ...(args.tls ? [serverTlsVolumeMount(JAEGER_TLS_DIR)] : []),
                  ],
                },
              ],
              volumes: [
                { name: "config", configMap: { name: configMap.metadata.name } },
                { name: "data", persistentVolumeClaim: { claimName: this.claim.metadata.name } },
                tmpVolume("jaeger").volume,
                ...(args.tls ? [serverTlsVolume(args.tls, [TLS_CERT_KEY, TLS_KEY_KEY])] : []),
              ],
            },
          },
        },
      },
      { ...child, protect: args.protect },
    );
    this.registerOutputs({ service: this.service.metadata.name });
  }
}
