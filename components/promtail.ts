/**
 * Promtail: a DaemonSet on every node (GPU nodes included) in the agents namespace, reading this node's pod logs
 * read-only and keeping its read positions on the host. Promtail is end of life upstream; see the README for the move
 * to Grafana Alloy.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ImageSpec, imageTag } from "./images";
import { checksumAnnotation, clusterReader, containerResources, httpProbe, labels as makeLabels, logPodSecurityWarning, selectorLabels, tcpProbe } from "./kube";
import { AGENTS_POD_SECURITY } from "./namespaces";
import { LOKI_MAX_SAMPLE_AGE } from "./loki-config";
import { POD_LOGS_DIR, PROMTAIL_POSITIONS_DIR, buildPromtailConfig, promtailYaml } from "./promtail-config";
import { SERVICES, serviceHost } from "./services";

export const PROMTAIL_CONFIG_DIR = "/etc/promtail";

/** Discovery of pods is all Promtail asks of the API server. */
export const PROMTAIL_RULES: k8s.types.input.rbac.v1.PolicyRule[] = [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }];

export interface PromtailArgs {
  /** PriorityClass of its pods (components/priority-classes.ts). */
  readonly priorityClassName: pulumi.Input<string>;
  readonly namespace: pulumi.Input<string>;
  readonly namespaceName: string;
  /** Where Loki runs. */
  readonly lokiNamespace: string;
  /** The Service Promtail pushes to. Default SERVICES.loki.name; Loki's write target in simple scalable mode. */
  readonly lokiServiceName?: string;
  readonly clusterName: string;
  readonly image: ImageSpec;
}

export class Promtail extends pulumi.ComponentResource {
  public readonly daemonSet: k8s.apps.v1.DaemonSet;

  constructor(name: string, args: PromtailArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:logs:Promtail", name, {}, opts);
    const spec = SERVICES.promtail;
    const http = spec.ports.http;
    const labels = makeLabels({ name: spec.name, component: "log-agent", version: imageTag(args.image.ref) });
    const selector = selectorLabels({ name: spec.name });
    const ns = args.namespace;
    const child = { parent: this };

    const serviceAccount = clusterReader(name, "discovery", { namespace: ns, namespaceName: args.namespaceName, appName: spec.name, labels, rules: PROMTAIL_RULES }, child);

    const loki = SERVICES.loki;
    const configData = {
      "promtail.yaml": promtailYaml(
        buildPromtailConfig({
          lokiPushUrl: `http://${serviceHost({ name: args.lokiServiceName ?? loki.name }, args.lokiNamespace)}:${loki.ports.http.port}/loki/api/v1/push`,
          httpPort: http.port,
          clusterName: args.clusterName,
          maxAge: LOKI_MAX_SAMPLE_AGE,
        }),
      ),
    };
    const configMap = new k8s.core.v1.ConfigMap(`${name}-config`, { metadata: { name: `${spec.name}-config`, namespace: ns, labels }, data: configData }, child);

    const podSpec: k8s.types.input.core.v1.PodSpec = {
      priorityClassName: args.priorityClassName,
      serviceAccountName: serviceAccount.metadata.name,
      // Every node, whatever its taints (GPU pools, dedicated nodes, control plane): logs from all of them.
      tolerations: [{ operator: "Exists" }],
      securityContext: { seccompProfile: { type: "RuntimeDefault" } },
      containers: [
        {
          name: spec.name,
          image: args.image.ref,
          args: [`-config.file=${PROMTAIL_CONFIG_DIR}/promtail.yaml`],
          // Promtail discovers only pods whose spec.nodeName equals $HOSTNAME; in a pod that is the pod name.
          env: [{ name: "HOSTNAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }],
          ports: [{ name: http.name, containerPort: http.port }],
          // /ready also fails while Promtail has no target (a node with no pods yet); liveness only needs the
          // HTTP server to answer, so a stuck process is restarted and an idle one is not.
          readinessProbe: httpProbe("/ready", http.name, { periodSeconds: 10, failureThreshold: 5 }),
          livenessProbe: tcpProbe(http.name, { periodSeconds: 20, failureThreshold: 6 }),
          resources: containerResources({ cpu: "50m", memory: "128Mi", memoryLimit: "512Mi" }),
          // Root, to read the kubelet's root-owned log files; no capabilities, no escalation, nothing writable
          // but the positions directory.
          securityContext: {
            runAsUser: 0,
            runAsGroup: 0,
            runAsNonRoot: false,
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ["ALL"] },
          },
          volumeMounts: [
            { name: "config", mountPath: PROMTAIL_CONFIG_DIR, readOnly: true },
            { name: "pod-logs", mountPath: POD_LOGS_DIR, readOnly: true },
            { name: "positions", mountPath: PROMTAIL_POSITIONS_DIR },
          ],
        },
      ],
      volumes: [
        { name: "config", configMap: { name: configMap.metadata.name } },
        { name: "pod-logs", hostPath: { path: POD_LOGS_DIR, type: "Directory" } },
        { name: "positions", hostPath: { path: PROMTAIL_POSITIONS_DIR, type: "DirectoryOrCreate" } },
      ],
    };
    this.daemonSet = new k8s.apps.v1.DaemonSet(
      `${name}-daemonset`,
      {
        metadata: { name: spec.name, namespace: ns, labels },
        spec: {
          selector: { matchLabels: selector },
          updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "10%" } },
          template: {
            metadata: { labels, annotations: checksumAnnotation(configData) },
            spec: podSpec,
          },
        },
      },
      child,
    );
    // The provider drops the API server's warnings: name the host access here so every deploy shows it.
    logPodSecurityWarning("DaemonSet", spec.name, podSpec, AGENTS_POD_SECURITY, this.daemonSet);
    this.registerOutputs({ daemonSet: this.daemonSet.metadata.name });
  }
}
