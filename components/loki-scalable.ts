/**
 * Loki in simple scalable mode (objectStorage.buckets.logs): write (StatefulSet, WAL on a claim), read (Deployment)
 * and backend (StatefulSet: compactor, index gateway, query scheduler) from one loki.yaml (loki-scalable-config.ts),
 * a Service per target, a headless Service for memberlist, and a PodDisruptionBudget per replicated target. The S3
 * credentials reach Loki only as env vars from the Secret loki-objstore (secretKeyRef), never through the ConfigMap.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { StackSettings } from "../config/schema";
import { ImageSpec, imageTag } from "./images";
import {
  CLAIM_TEMPLATES_FIXED,
  DATA_CLAIM,
  WRITES_TEMP_FILES,
  ZoneSpread,
  checksumAnnotation,
  containerResources,
  httpProbe,
  labels as makeLabels,
  podDisruptionBudget,
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  selectorLabels,
  spreadConstraints,
  startupProbe,
  statefulClaims,
  statefulServices,
  tmpVolume,
  volumeClaimTemplate,
} from "./kube";
import { LOKI_DATA_DIR } from "./loki-config";
import { LOKI_CONFIG_DIR, LOKI_LIVENESS_PATH, LOKI_MAX_STARTUP_SECONDS } from "./loki";
import { LOKI_S3_ACCESS_KEY_ENV, LOKI_S3_SECRET_KEY_ENV, buildLokiScalableConfig, lokiScalableYaml } from "./loki-scalable-config";
import { LOKI_SCALABLE, SERVICES, serviceHost } from "./services";

export const LOKI_OBJSTORE_SECRET = "loki-objstore";
const ACCESS_KEY_KEY = "access-key-id";
const SECRET_KEY_KEY = "secret-access-key";

/** The read target's scratch (index cache of the TSDB shipper), rebuilt from the bucket after a restart. */
const READ_SCRATCH = "5Gi";

type Target = (typeof LOKI_SCALABLE)["write" | "read" | "backend"];

export interface LokiScalableArgs {
  /** PriorityClass of its pods (components/priority-classes.ts). */
  readonly priorityClassName: pulumi.Input<string>;
  readonly zoneSpread: ZoneSpread;
  readonly namespace: pulumi.Input<string>;
  /** Namespace name, for the memberlist and compactor addresses. */
  readonly namespaceName: string;
  readonly settings: StackSettings["loki"];
  readonly objectStorage: StackSettings["objectStorage"];
  /** objectStorage.buckets.logs. */
  readonly bucket: string;
  readonly credentials: { readonly accessKeyId: pulumi.Output<string>; readonly secretAccessKey: pulumi.Output<string> };
  readonly storageClass: string;
  readonly image: ImageSpec;
  /** Pulumi `protect` on the claims (WAL and caches: the chunks are in the bucket). */
  readonly protect: boolean;
}

export class LokiScalable extends pulumi.ComponentResource {
  /** Where Promtail and the collector push. */
  public readonly writeService: k8s.core.v1.Service;
  /** Where Grafana queries. */
  public readonly readService: k8s.core.v1.Service;

  constructor(name: string, args: LokiScalableArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:logs:LokiScalable", name, {}, opts);
    const spec = SERVICES.loki;
    const { http, grpc } = spec.ports;
    const gossip = LOKI_SCALABLE.memberlist;
    const ns = args.namespace;
    const child = { parent: this };
    const version = imageTag(args.image.ref);
    const s = args.settings;

    const secret = new k8s.core.v1.Secret(
      `${name}-objstore`,
      {
        metadata: { name: LOKI_OBJSTORE_SECRET, namespace: ns, labels: makeLabels({ name: spec.name, component: "object-storage", version }) },
        type: "Opaque",
        stringData: { [ACCESS_KEY_KEY]: args.credentials.accessKeyId, [SECRET_KEY_KEY]: args.credentials.secretAccessKey },
      },
      child,
    );

    const configData = {
      "loki.yaml": lokiScalableYaml(
        buildLokiScalableConfig({
          settings: s,
          httpPort: http.port,
          grpcPort: grpc.port,
          memberlistPort: gossip.port.port,
          memberlistJoin: `${serviceHost(gossip, args.namespaceName)}:${gossip.port.port}`,
          compactorAddress: `http://${serviceHost(LOKI_SCALABLE.backend, args.namespaceName)}:${http.port}`,
          s3: { endpoint: args.objectStorage.endpoint, region: args.objectStorage.region, bucket: args.bucket, insecure: args.objectStorage.insecure, forcePathStyle: args.objectStorage.forcePathStyle },
        }),
      ),
    };
    const commonLabels = makeLabels({ name: spec.name, component: "log-store", version });
    const configMap = new k8s.core.v1.ConfigMap(`${name}-config`, { metadata: { name: `${spec.name}-config`, namespace: ns, labels: commonLabels }, data: configData }, child);

    // Gossip among every Loki pod; listed before they are ready, since the ring must form for them to become ready.
    new k8s.core.v1.Service(
      `${name}-memberlist`,
      {
        metadata: { name: gossip.name, namespace: ns, labels: commonLabels },
        spec: {
          clusterIP: "None",
          publishNotReadyAddresses: true,
          selector: { "app.kubernetes.io/name": spec.name },
          ports: [{ name: gossip.port.name, port: gossip.port.port, targetPort: gossip.port.name, protocol: gossip.port.protocol }],
        },
      },
      child,
    );

    const podSpec = (target: Target, selector: Record<string, string>, replicas: number): k8s.types.input.core.v1.PodSpec => ({
      priorityClassName: args.priorityClassName,
      automountServiceAccountToken: false,
      securityContext: restrictedPodSecurityContext({ uid: args.image.uid }),
      // Write flushes its chunks to the bucket on shutdown.
      terminationGracePeriodSeconds: 300,
      ...(replicas > 1 ? { topologySpreadConstraints: spreadConstraints(selector, args.zoneSpread) } : {}),
      containers: [
        {
          name: spec.name,
          image: args.image.ref,
          args: [`-config.file=${LOKI_CONFIG_DIR}/loki.yaml`, "-config.expand-env=true", `-target=${target.target}`],
          env: [
            { name: LOKI_S3_ACCESS_KEY_ENV, valueFrom: { secretKeyRef: { name: secret.metadata.name, key: ACCESS_KEY_KEY } } },
            { name: LOKI_S3_SECRET_KEY_ENV, valueFrom: { secretKeyRef: { name: secret.metadata.name, key: SECRET_KEY_KEY } } },
          ],
          ports: [
            { name: http.name, containerPort: http.port },
            { name: grpc.name, containerPort: grpc.port },
            { name: gossip.port.name, containerPort: gossip.port.port },
          ],
          startupProbe: startupProbe("/ready", http.name, LOKI_MAX_STARTUP_SECONDS),
          readinessProbe: httpProbe("/ready", http.name, { periodSeconds: 10, failureThreshold: 6 }),
          livenessProbe: httpProbe(LOKI_LIVENESS_PATH, http.name, { periodSeconds: 20, failureThreshold: 6 }),
          resources: containerResources(s.resources, [WRITES_TEMP_FILES.loki.sizeLimit, ...(target === LOKI_SCALABLE.read ? [READ_SCRATCH] : [])]),
          securityContext: restrictedContainerSecurityContext(),
          volumeMounts: [
            { name: "config", mountPath: LOKI_CONFIG_DIR, readOnly: true },
            { name: DATA_CLAIM, mountPath: LOKI_DATA_DIR },
            tmpVolume("loki").mount,
          ],
        },
      ],
      volumes: [
        { name: "config", configMap: { name: configMap.metadata.name } },
        tmpVolume("loki").volume,
        // The read target keeps nothing worth a claim.
        ...(target === LOKI_SCALABLE.read ? [{ name: DATA_CLAIM, emptyDir: { sizeLimit: READ_SCRATCH } }] : []),
      ],
    });

    const stateful = (target: Target, replicas: number, size: string): k8s.core.v1.Service => {
      const labels = makeLabels({ name: spec.name, instance: target.name, component: `log-store-${target.target}`, version });
      const selector = selectorLabels({ name: spec.name, instance: target.name });
      const { service, headlessName } = statefulServices(`${name}-${target.target}`, { appName: target.name, namespace: ns, labels, selector, ports: [http, grpc] }, child);
      const claims = statefulClaims(`${name}-${target.target}`, { statefulSetName: target.name, namespace: ns, labels, replicas, size, storageClass: args.storageClass }, { ...child, protect: args.protect });
      new k8s.apps.v1.StatefulSet(
        `${name}-${target.target}`,
        {
          metadata: { name: target.name, namespace: ns, labels },
          spec: {
            replicas,
            serviceName: headlessName,
            podManagementPolicy: "Parallel",
            selector: { matchLabels: selector },
            template: { metadata: { labels, annotations: checksumAnnotation(configData) }, spec: podSpec(target, selector, replicas) },
            volumeClaimTemplates: [volumeClaimTemplate(DATA_CLAIM, size, args.storageClass)],
          },
        },
        { ...child, dependsOn: claims, ...CLAIM_TEMPLATES_FIXED },
      );
      if (replicas > 1) podDisruptionBudget(target.name, ns, labels, selector, child);
      return service;
    };

    this.writeService = stateful(LOKI_SCALABLE.write, s.writeReplicas, s.writeStorageSize);
    stateful(LOKI_SCALABLE.backend, s.backendReplicas, s.backendStorageSize);

    const read = LOKI_SCALABLE.read;
    const readLabels = makeLabels({ name: spec.name, instance: read.name, component: `log-store-${read.target}`, version });
    const readSelector = selectorLabels({ name: spec.name, instance: read.name });
    this.readService = new k8s.core.v1.Service(
      `${name}-read`,
      {
        metadata: { name: read.name, namespace: ns, labels: readLabels },
        spec: { type: "ClusterIP", selector: readSelector, ports: [http, grpc].map((p) => ({ name: p.name, port: p.port, targetPort: p.name })) },
      },
      child,
    );
    new k8s.apps.v1.Deployment(
      `${name}-read`,
      {
        metadata: { name: read.name, namespace: ns, labels: readLabels },
        spec: {
          replicas: s.readReplicas,
          selector: { matchLabels: readSelector },
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          template: { metadata: { labels: readLabels, annotations: checksumAnnotation(configData) }, spec: podSpec(read, readSelector, s.readReplicas) },
        },
      },
      child,
    );
    if (s.readReplicas > 1) podDisruptionBudget(read.name, ns, readLabels, readSelector, child);
    this.registerOutputs({ writeService: this.writeService.metadata.name, readService: this.readService.metadata.name });
  }
}
