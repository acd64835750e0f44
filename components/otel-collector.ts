/**
 * OpenTelemetry Collector (contrib): a stateless Deployment behind the Service `otel-collector` with every receiver
 * port of the seed, config.yaml in a ConfigMap, and read access to pods, namespaces and replica sets for span
 * enrichment. Optional ExternalName Services give the platform's namespaces the seed's short endpoint.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { StackSettings } from "../config/schema";
import { ImageSpec, imageTag } from "./images";
import {
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
} from "./kube";
import { COLLECTOR_QUEUE_DIR, buildOtelCollectorConfig, goMemLimit, otelCollectorYaml } from "./otel-collector-config";
import { PortSpec, SERVICES } from "./services";

export const OTEL_COLLECTOR_CONFIG_DIR = "/etc/otelcol-contrib";

/**
 * What k8s_attributes reads: pods (name, node, owner), namespaces, and replica sets, whose owner gives
 * `k8s.deployment.name`. Deployments themselves are only needed for their labels, which are not extracted.
 */
export const OTEL_COLLECTOR_RULES: k8s.types.input.rbac.v1.PolicyRule[] = [
  { apiGroups: [""], resources: ["pods", "namespaces"], verbs: ["get", "list", "watch"] },
  { apiGroups: ["apps"], resources: ["replicasets"], verbs: ["get", "list", "watch"] },
];

export interface OtelCollectorArgs {
  /** How replicas spread over zones (they always spread over nodes). */
  readonly zoneSpread: ZoneSpread;
  /** PriorityClass of its pods (components/priority-classes.ts). */
  readonly priorityClassName: pulumi.Input<string>;
  readonly namespace: pulumi.Input<string>;
  /** Namespace name: cluster-scoped object names, and where Jaeger and Loki run. */
  readonly namespaceName: string;
  readonly settings: StackSettings["otelCollector"];
  /** The Loki Service logs go to. Default SERVICES.loki.name. */
  readonly lokiServiceName?: string;
  readonly environment: string;
  readonly clusterName: string;
  readonly image: ImageSpec;
}

/** Service and container ports of every entry of the port table, UDP ones included. */
function servicePorts(ports: Readonly<Record<string, PortSpec>>): k8s.types.input.core.v1.ServicePort[] {
  return Object.values(ports).map((p) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: p.protocol ?? "TCP" }));
}

export class OtelCollector extends pulumi.ComponentResource {
  public readonly service: k8s.core.v1.Service;
  public readonly deployment: k8s.apps.v1.Deployment;

  constructor(name: string, args: OtelCollectorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:traces:OtelCollector", name, {}, opts);
    const spec = SERVICES.otelCollector;
    const ports = spec.ports;
    const labels = makeLabels({ name: spec.name, component: "telemetry-collector", version: imageTag(args.image.ref) });
    const selector = selectorLabels({ name: spec.name });
    const ns = args.namespace;
    const child = { parent: this };

    const serviceAccount = clusterReader(name, "k8s-attributes", { namespace: ns, namespaceName: args.namespaceName, appName: spec.name, labels, rules: OTEL_COLLECTOR_RULES }, child);

    const configData = {
      "config.yaml": otelCollectorYaml(
        buildOtelCollectorConfig({
          settings: args.settings,
          environment: args.environment,
          clusterName: args.clusterName,
          serversNamespace: args.namespaceName,
          ...(args.lokiServiceName ? { lokiServiceName: args.lokiServiceName } : {}),
        }),
      ),
    };
    const configMap = new k8s.core.v1.ConfigMap(`${name}-config`, { metadata: { name: `${spec.name}-config`, namespace: ns, labels }, data: configData }, child);

    this.service = new k8s.core.v1.Service(
      `${name}-service`,
      { metadata: { name: spec.name, namespace: ns, labels }, spec: { type: "ClusterIP", selector, ports: servicePorts(ports) } },
      child,
    );

    // CNAMEs to the real Service: the platform's `OTLP_ENDPOINT=http://otel-collector:4317` works in its own namespace.
    const target = `${spec.name}.${args.namespaceName}.svc.${args.settings.clusterDomain}`;
    for (const platformNamespace of args.settings.platformNamespaces) {
      new k8s.core.v1.Service(
        `${name}-alias-${platformNamespace}`,
        { metadata: { name: spec.name, namespace: platformNamespace, labels }, spec: { type: "ExternalName", externalName: target } },
        child,
      );
    }

    const replicas = args.settings.replicas;
    // The persistent queue outlives a crashed or OOM-killed container (the pod's emptyDir stays); a pod deleted or
    // moved to another node starts with an empty queue, so a rollout waits for the old pods to drain (grace period).
    const persistent = args.settings.queue === "persistent";
    const queueMount = persistent ? [{ name: "queue", mountPath: COLLECTOR_QUEUE_DIR }] : [];
    const queueVolume = persistent ? [{ name: "queue", emptyDir: { sizeLimit: args.settings.queueStorageSize } }] : [];
    this.deployment = new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata: { name: spec.name, namespace: ns, labels },
        spec: {
          replicas,
          selector: { matchLabels: selector },
          // Never below the configured capacity during a rollout: senders would see refused connections.
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          template: {
            metadata: { labels, annotations: checksumAnnotation(configData) },
            spec: {
              priorityClassName: args.priorityClassName,
              serviceAccountName: serviceAccount.metadata.name,
              securityContext: restrictedPodSecurityContext({ uid: args.image.uid }),
              // Room to flush the batch processor and the exporters' queues on shutdown.
              terminationGracePeriodSeconds: 60,
              ...(replicas > 1 ? { topologySpreadConstraints: spreadConstraints(selector, args.zoneSpread) } : {}),
              containers: [
                {
                  name: spec.name,
                  image: args.image.ref,
                  args: [`--config=${OTEL_COLLECTOR_CONFIG_DIR}/config.yaml`],
                  env: [{ name: "GOMEMLIMIT", value: goMemLimit(args.settings.resources.memoryLimit) }],
                  ports: Object.values(ports).map((p: PortSpec) => ({ name: p.name, containerPort: p.port, protocol: p.protocol ?? "TCP" })),
                  readinessProbe: httpProbe("/", ports.health.name, { periodSeconds: 5 }),
                  livenessProbe: httpProbe("/", ports.health.name, { initialDelaySeconds: 10, periodSeconds: 15, failureThreshold: 4 }),
                  resources: containerResources(args.settings.resources, persistent ? [args.settings.queueStorageSize] : []),
                  securityContext: restrictedContainerSecurityContext(),
                  volumeMounts: [{ name: "config", mountPath: OTEL_COLLECTOR_CONFIG_DIR, readOnly: true }, ...queueMount],
                },
              ],
              volumes: [{ name: "config", configMap: { name: configMap.metadata.name } }, ...queueVolume],
            },
          },
        },
      },
      child,
    );

    if (replicas > 1) podDisruptionBudget(spec.name, ns, labels, selector, child);
    this.registerOutputs({ service: this.service.metadata.name });
  }
}
