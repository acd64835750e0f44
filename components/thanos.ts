/**
 * Thanos beside the Prometheus HA pair (objectStorage.buckets.metrics): the Secret with objstore.yml, the headless
 * Service of the sidecars (which run in the Prometheus pods, components/prometheus.ts), Query (stateless, deduplicates
 * on the replica label), the Store Gateway (serves the bucket) and the Compactor (a singleton: compaction,
 * downsampling, retention). Flags and files come from components/thanos-config.ts, which the end-to-end test runs too.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { StackSettings } from "../config/schema";
import { ImageSpec, imageTag } from "./images";
import {
  CLAIM_TEMPLATES_FIXED,
  DATA_CLAIM,
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
  statefulClaims,
  statefulServices,
  volumeClaimTemplate,
} from "./kube";
import { PortSpec, SERVICES, serviceHost } from "./services";
import { dnsSrvEndpoint, thanosCompactArgs, thanosEndpointConfig, thanosObjstoreConfig, thanosQueryArgs, thanosStoreArgs } from "./thanos-config";

/** The Secret holding objstore.yml (credentials included): mounted by the sidecars, Store Gateway and Compactor. */
export const THANOS_OBJSTORE_SECRET = "thanos-objstore";
export const THANOS_OBJSTORE_KEY = "objstore.yml";
export const THANOS_OBJSTORE_DIR = "/etc/thanos/objstore";
export const THANOS_OBJSTORE_FILE = `${THANOS_OBJSTORE_DIR}/${THANOS_OBJSTORE_KEY}`;
export const THANOS_QUERY_CONFIG_DIR = "/etc/thanos/query";
export const THANOS_DATA_DIR = "/var/thanos";
/** The headless Service of the sidecars' gRPC ports: Query finds every Prometheus pod through its SRV records. */
export const THANOS_SIDECAR_SERVICE = SERVICES.thanosSidecar.name;

/** The Secret's volume, for the sidecar in the Prometheus pods too. */
export function objstoreVolume(secretName: pulumi.Input<string>): k8s.types.input.core.v1.Volume {
  return { name: "objstore", secret: { secretName, items: [{ key: THANOS_OBJSTORE_KEY, path: THANOS_OBJSTORE_KEY }] } };
}
export const OBJSTORE_MOUNT: k8s.types.input.core.v1.VolumeMount = { name: "objstore", mountPath: THANOS_OBJSTORE_DIR, readOnly: true };

export interface ThanosArgs {
  /** PriorityClass of its pods (components/priority-classes.ts). */
  readonly priorityClassName: pulumi.Input<string>;
  readonly zoneSpread: ZoneSpread;
  readonly namespace: pulumi.Input<string>;
  /** Namespace name, for the DNS names Query resolves. */
  readonly namespaceName: string;
  readonly settings: StackSettings["thanos"];
  readonly objectStorage: StackSettings["objectStorage"];
  /** The bucket of objectStorage.buckets.metrics. */
  readonly bucket: string;
  /** objectStorageAccessKeyId and objectStorageSecretAccessKey (Pulumi secrets). */
  readonly credentials: { readonly accessKeyId: pulumi.Output<string>; readonly secretAccessKey: pulumi.Output<string> };
  readonly storageClass: string;
  readonly image: ImageSpec;
  /** Selector labels of the Prometheus pods, where the sidecars run. */
  readonly prometheusSelector: Record<string, string>;
  /** Pulumi `protect` on the claims (caches and scratch only: the data is in the bucket). */
  readonly protect: boolean;
}

const containerPort = (p: PortSpec) => ({ name: p.name, containerPort: p.port });

export class Thanos extends pulumi.ComponentResource {
  /** Name of the objstore Secret, for the sidecars. */
  public readonly objstoreSecretName: pulumi.Output<string>;
  /** The Service of Query's Prometheus-compatible HTTP API (Grafana's Prometheus datasource). */
  public readonly queryService: k8s.core.v1.Service;

  constructor(name: string, args: ThanosArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:metrics:Thanos", name, {}, opts);
    const ns = args.namespace;
    const child = { parent: this };
    const version = imageTag(args.image.ref);
    const s = args.settings;

    const secretLabels = makeLabels({ name: "thanos", component: "object-storage", version });
    const objstore = pulumi
      .all([args.credentials.accessKeyId, args.credentials.secretAccessKey])
      .apply(([accessKey, secretKey]) =>
        thanosObjstoreConfig({
          endpoint: args.objectStorage.endpoint,
          bucket: args.bucket,
          region: args.objectStorage.region,
          insecure: args.objectStorage.insecure,
          credentials: { accessKey, secretKey },
          ...(args.objectStorage.forcePathStyle ? { bucketLookupType: "path" as const } : {}),
        }),
      );
    const secret = new k8s.core.v1.Secret(
      `${name}-objstore`,
      { metadata: { name: THANOS_OBJSTORE_SECRET, namespace: ns, labels: secretLabels }, type: "Opaque", stringData: { [THANOS_OBJSTORE_KEY]: pulumi.secret(objstore) } },
      child,
    );
    this.objstoreSecretName = secret.metadata.name;

    // The sidecars' gRPC StoreAPI, one SRV record per Prometheus pod.
    const sidecar = SERVICES.thanosSidecar;
    new k8s.core.v1.Service(
      `${name}-sidecar`,
      {
        metadata: { name: sidecar.name, namespace: ns, labels: makeLabels({ name: sidecar.name, component: "metrics-store-api", version }) },
        spec: { clusterIP: "None", selector: args.prometheusSelector, ports: [{ name: sidecar.ports.grpc.name, port: sidecar.ports.grpc.port, targetPort: sidecar.ports.grpc.name }] },
      },
      child,
    );

    const common = (uid: number) => ({
      priorityClassName: args.priorityClassName,
      automountServiceAccountToken: false,
      securityContext: restrictedPodSecurityContext({ uid }),
    });
    const probes = (port: string) => ({
      readinessProbe: httpProbe("/-/ready", port, { periodSeconds: 5 }),
      livenessProbe: httpProbe("/-/healthy", port, { periodSeconds: 15, failureThreshold: 4 }),
    });

    // Store Gateway: a StatefulSet so its index-header cache survives restarts.
    const store = SERVICES.thanosStore;
    const storeLabels = makeLabels({ name: store.name, component: "metrics-store-gateway", version });
    const storeSelector = selectorLabels({ name: store.name });
    const storeServices = statefulServices(name + "-store", { appName: store.name, namespace: ns, labels: storeLabels, selector: storeSelector, ports: [store.ports.grpc, store.ports.http] }, child);
    const storeClaims = statefulClaims(
      `${name}-store`,
      { statefulSetName: store.name, namespace: ns, labels: storeLabels, replicas: 1, size: s.storeStorageSize, storageClass: args.storageClass },
      { ...child, protect: args.protect },
    );
    new k8s.apps.v1.StatefulSet(
      `${name}-store`,
      {
        metadata: { name: store.name, namespace: ns, labels: storeLabels },
        spec: {
          replicas: 1,
          serviceName: storeServices.headlessName,
          selector: { matchLabels: storeSelector },
          template: {
            metadata: { labels: storeLabels },
            spec: {
              ...common(args.image.uid),
              containers: [
                {
                  name: store.name,
                  image: args.image.ref,
                  args: thanosStoreArgs({ dataDir: THANOS_DATA_DIR, objstoreConfigFile: THANOS_OBJSTORE_FILE }),
                  ports: [containerPort(store.ports.grpc), containerPort(store.ports.http)],
                  ...probes(store.ports.http.name),
                  resources: containerResources(s.storeResources),
                  securityContext: restrictedContainerSecurityContext(),
                  volumeMounts: [OBJSTORE_MOUNT, { name: DATA_CLAIM, mountPath: THANOS_DATA_DIR }],
                },
              ],
              volumes: [objstoreVolume(secret.metadata.name)],
            },
          },
          volumeClaimTemplates: [volumeClaimTemplate(DATA_CLAIM, s.storeStorageSize, args.storageClass)],
        },
      },
      { ...child, dependsOn: storeClaims, ...CLAIM_TEMPLATES_FIXED },
    );

    // Compactor: exactly one per bucket, ever (two would compact the same blocks and corrupt the bucket).
    const compact = SERVICES.thanosCompact;
    const compactLabels = makeLabels({ name: compact.name, component: "metrics-compactor", version });
    const compactSelector = selectorLabels({ name: compact.name });
    const compactServices = statefulServices(`${name}-compact`, { appName: compact.name, namespace: ns, labels: compactLabels, selector: compactSelector, ports: [compact.ports.http] }, child);
    const compactClaims = statefulClaims(
      `${name}-compact`,
      { statefulSetName: compact.name, namespace: ns, labels: compactLabels, replicas: 1, size: s.compactStorageSize, storageClass: args.storageClass },
      { ...child, protect: args.protect },
    );
    new k8s.apps.v1.StatefulSet(
      `${name}-compact`,
      {
        metadata: { name: compact.name, namespace: ns, labels: compactLabels },
        spec: {
          replicas: 1,
          serviceName: compactServices.headlessName,
          selector: { matchLabels: compactSelector },
          template: {
            metadata: { labels: compactLabels },
            spec: {
              ...common(args.image.uid),
              containers: [
                {
                  name: compact.name,
                  image: args.image.ref,
                  args: thanosCompactArgs({ dataDir: THANOS_DATA_DIR, objstoreConfigFile: THANOS_OBJSTORE_FILE, retention: s.retention }),
                  ports: [containerPort(compact.ports.http)],
                  ...probes(compact.ports.http.name),
                  resources: containerResources(s.compactResources),
                  securityContext: restrictedContainerSecurityContext(),
                  volumeMounts: [OBJSTORE_MOUNT, { name: DATA_CLAIM, mountPath: THANOS_DATA_DIR }],
                },
              ],
              volumes: [objstoreVolume(secret.metadata.name)],
            },
          },
          volumeClaimTemplates: [volumeClaimTemplate(DATA_CLAIM, s.compactStorageSize, args.storageClass)],
        },
      },
      { ...child, dependsOn: compactClaims, ...CLAIM_TEMPLATES_FIXED },
    );

    // Query: stateless; finds the sidecars and the Store Gateway by the SRV records of their headless Services.
    const query = SERVICES.thanosQuery;
    const queryLabels = makeLabels({ name: query.name, component: "metrics-query", version });
    const querySelector = selectorLabels({ name: query.name });
    const endpoints = thanosEndpointConfig([
      dnsSrvEndpoint(sidecar.ports.grpc.name, serviceHost(sidecar, args.namespaceName)),
      dnsSrvEndpoint(store.ports.grpc.name, serviceHost({ name: storeServices.headlessName }, args.namespaceName)),
    ]);
    const queryConfig = { "endpoints.yml": endpoints };
    const queryConfigMap = new k8s.core.v1.ConfigMap(`${name}-query-config`, { metadata: { name: `${query.name}-config`, namespace: ns, labels: queryLabels }, data: queryConfig }, child);
    this.queryService = new k8s.core.v1.Service(
      `${name}-query`,
      {
        metadata: { name: query.name, namespace: ns, labels: queryLabels },
        spec: { type: "ClusterIP", selector: querySelector, ports: [query.ports.http, query.ports.grpc].map((p) => ({ name: p.name, port: p.port, targetPort: p.name })) },
      },
      child,
    );
    const queryReplicas = s.queryReplicas;
    new k8s.apps.v1.Deployment(
      `${name}-query`,
      {
        metadata: { name: query.name, namespace: ns, labels: queryLabels },
        spec: {
          replicas: queryReplicas,
          selector: { matchLabels: querySelector },
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          template: {
            metadata: { labels: queryLabels, annotations: checksumAnnotation(queryConfig) },
            spec: {
              ...common(args.image.uid),
              ...(queryReplicas > 1 ? { topologySpreadConstraints: spreadConstraints(querySelector, args.zoneSpread) } : {}),
              containers: [
                {
                  name: query.name,
                  image: args.image.ref,
                  args: thanosQueryArgs({ endpointConfigFile: `${THANOS_QUERY_CONFIG_DIR}/endpoints.yml` }),
                  ports: [containerPort(query.ports.http), containerPort(query.ports.grpc)],
                  ...probes(query.ports.http.name),
                  resources: containerResources(s.queryResources),
                  securityContext: restrictedContainerSecurityContext(),
                  volumeMounts: [{ name: "config", mountPath: THANOS_QUERY_CONFIG_DIR, readOnly: true }],
                },
              ],
              volumes: [{ name: "config", configMap: { name: queryConfigMap.metadata.name } }],
            },
          },
        },
      },
      child,
    );
    if (queryReplicas > 1) podDisruptionBudget(query.name, ns, queryLabels, querySelector, child);
    this.registerOutputs({ queryService: this.queryService.metadata.name });
  }
}
