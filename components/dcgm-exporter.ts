/**
 * NVIDIA DCGM exporter: a DaemonSet on the GPU nodes only, in the agents namespace, exporting the fields of its
 * counters file on 9400. Prometheus finds its pods by label and container port (the `dcgm-exporter` job), so no
 * Service is needed. Per-pod attribution comes from the kubelet's pod-resources socket, read-only.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { StackSettings } from "../config/schema";
import { buildDcgmCounters, dcgmCountersCsv } from "./dcgm-exporter-config";
import { ImageSpec, imageTag } from "./images";
import { checksumAnnotation, containerResources, httpProbe, labels as makeLabels, logPodSecurityWarning, selectorLabels } from "./kube";
import { AGENTS_POD_SECURITY } from "./namespaces";
import { SERVICES } from "./services";

export const DCGM_COUNTERS_DIR = "/etc/dcgm-exporter/counters";
export const DCGM_COUNTERS_FILE = "counters.csv";
export const POD_RESOURCES_DIR = "/var/lib/kubelet/pod-resources";
/** The taint GPU pools carry (any value, any effect): GKE sets `nvidia.com/gpu=present:NoSchedule`. */
export const GPU_TAINT_KEY = "nvidia.com/gpu";

export interface DcgmExporterArgs {
  /** PriorityClass of its pods (components/priority-classes.ts). */
  readonly priorityClassName: pulumi.Input<string>;
  readonly namespace: pulumi.Input<string>;
  readonly settings: StackSettings["gpu"];
  readonly image: ImageSpec;
}

/**
 * The container's security context. Root, to open the kubelet's root-owned pod-resources socket; no escalation and no
 * capabilities, except SYS_ADMIN when profiling fields are collected (DCGM needs it for DCGM_FI_PROF_*).
 */
export function dcgmSecurityContext(profiling: boolean): k8s.types.input.core.v1.SecurityContext {
  return {
    runAsUser: 0,
    runAsGroup: 0,
    runAsNonRoot: false,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"], ...(profiling ? { add: ["SYS_ADMIN"] } : {}) },
  };
}

export class DcgmExporter extends pulumi.ComponentResource {
  public readonly daemonSet: k8s.apps.v1.DaemonSet;

  constructor(name: string, args: DcgmExporterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:gpu:DcgmExporter", name, {}, opts);
    const spec = SERVICES.dcgmExporter;
    const metrics = spec.ports.metrics;
    const labels = makeLabels({ name: spec.name, component: "gpu-exporter", version: imageTag(args.image.ref) });
    const selector = selectorLabels({ name: spec.name });
    const ns = args.namespace;
    const child = { parent: this };
    const profiling = args.settings.profilingMetrics;

    const configData = { [DCGM_COUNTERS_FILE]: dcgmCountersCsv(buildDcgmCounters({ profiling })) };
    const configMap = new k8s.core.v1.ConfigMap(`${name}-counters`, { metadata: { name: `${spec.name}-counters`, namespace: ns, labels }, data: configData }, child);

    const podSpec: k8s.types.input.core.v1.PodSpec = {
      priorityClassName: args.priorityClassName,
      automountServiceAccountToken: false,
      nodeSelector: { ...args.settings.nodeSelector },
      tolerations: [{ key: GPU_TAINT_KEY, operator: "Exists" }],
      securityContext: { seccompProfile: { type: "RuntimeDefault" } },
      containers: [
        {
          name: spec.name,
          image: args.image.ref,
          args: ["-f", `${DCGM_COUNTERS_DIR}/${DCGM_COUNTERS_FILE}`],
          env: [
            { name: "DCGM_EXPORTER_LISTEN", value: `:${metrics.port}` },
            // Adds pod, namespace and container labels from the pod-resources API.
            { name: "DCGM_EXPORTER_KUBERNETES", value: "true" },
            { name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
            // The pod requests no GPU (that would take one from the workloads); the NVIDIA runtime then exposes
            // the node's GPUs through this variable instead.
            { name: "NVIDIA_VISIBLE_DEVICES", value: "all" },
          ],
          ports: [{ name: metrics.name, containerPort: metrics.port }],
          // DCGM takes several seconds to attach to the GPUs.
          readinessProbe: httpProbe("/health", metrics.name, { initialDelaySeconds: 10, periodSeconds: 10 }),
          livenessProbe: httpProbe("/health", metrics.name, { initialDelaySeconds: 45, periodSeconds: 20, failureThreshold: 5 }),
          // CPU and memory only: no nvidia.com/gpu request or limit.
          resources: containerResources({ cpu: "100m", memory: "256Mi", memoryLimit: "1Gi" }),
          securityContext: dcgmSecurityContext(profiling),
          volumeMounts: [
            { name: "counters", mountPath: DCGM_COUNTERS_DIR, readOnly: true },
            { name: "pod-resources", mountPath: POD_RESOURCES_DIR, readOnly: true },
          ],
        },
      ],
      volumes: [
        { name: "counters", configMap: { name: configMap.metadata.name } },
        { name: "pod-resources", hostPath: { path: POD_RESOURCES_DIR, type: "Directory" } },
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
