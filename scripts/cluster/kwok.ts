/**
 * What kwok simulates: the fixture's nodes (a general pool and a GPU pool labelled and tainted the way the stack
 * selects and tolerates GPU nodes) and the stages that move nodes and pods through their lives without a kubelet.
 * The stages are written for this fixture against kwok's Stage API (kwok.x-k8s.io/v1alpha1): a node becomes Ready
 * once; a scheduled pod becomes Running and Ready with an IP from kwok's pool; a pod being deleted is removed, as a
 * kubelet would once its containers stopped. kwok renews each node's Lease, which the node lifecycle controller
 * takes as the heartbeat.
 */
import { dump } from "js-yaml";
import { GPU_TAINT_KEY } from "../../components/dcgm-exporter";
import { gpuField } from "../../config/schema";

/** The labels the stack selects GPU nodes by when `gpu.nodeSelector` is left at its default (both stacks do). */
const DEFAULT_GPU_NODE_SELECTOR: Record<string, string> = { ...(gpuField.defaultValue?.nodeSelector ?? {}) };

/** The annotation kwok manages nodes by (--manage-nodes-with-annotation-selector): only the fixture's own nodes. */
export const KWOK_NODE_ANNOTATION = { key: "kwok.x-k8s.io/node", value: "fake" } as const;

export interface FixtureNode {
  readonly name: string;
  readonly pool: "general" | "gpu";
  readonly labels: Record<string, string>;
  readonly taints: readonly { key: string; value: string; effect: "NoSchedule" }[];
}

/**
 * Three general nodes in three zones (prod runs 3 Alertmanager and 2 Prometheus replicas, spread over nodes and,
 * required, over zones) and two GPU nodes. GPU nodes carry the stack's default GPU node selector and the
 * `nvidia.com/gpu` taint, as GKE's GPU pools do, so only pods tolerating it land there.
 */
export function fixtureNodes(): readonly FixtureNode[] {
  const zone = (i: number) => ({ "topology.kubernetes.io/zone": `zone-${"abc"[i]}` });
  const general = [0, 1, 2].map((i) => ({ name: `kwok-general-${i}`, pool: "general" as const, labels: zone(i), taints: [] }));
  const gpu = [0, 1].map((i) => ({
    name: `kwok-gpu-${i}`,
    pool: "gpu" as const,
    labels: { ...DEFAULT_GPU_NODE_SELECTOR, "nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3", ...zone(i) },
    taints: [{ key: GPU_TAINT_KEY, value: "present", effect: "NoSchedule" as const }],
  }));
  return [...general, ...gpu];
}

/**
 * The Node object. Capacity is generous (the prod stack requests several CPUs and tens of GiB per pod); a kubelet
 * reports it in status at registration, and so does this create.
 */
export function nodeObject(n: FixtureNode): Record<string, unknown> {
  const capacity: Record<string, string> = { cpu: "64", memory: "512Gi", pods: "110", "ephemeral-storage": "1Ti" };
  if (n.pool === "gpu") capacity["nvidia.com/gpu"] = "8";
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: n.name,
      annotations: { [KWOK_NODE_ANNOTATION.key]: KWOK_NODE_ANNOTATION.value, "node.alpha.kubernetes.io/ttl": "0" },
      labels: {
        "kubernetes.io/hostname": n.name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "type": "kwok",
        "observability.test/pool": n.pool,
        ...n.labels,
      },
    },
    spec: { taints: n.taints },
    status: { capacity, allocatable: capacity },
  };
}

type Stage = Record<string, unknown>;

const nodeReady: Stage = {
  apiVersion: "kwok.x-k8s.io/v1alpha1",
  kind: "Stage",
  metadata: { name: "fixture-node-ready" },
  spec: {
    resourceRef: { apiGroup: "v1", kind: "Node" },
    selector: { matchExpressions: [{ key: ".status.phase", operator: "NotIn", values: ["Running"] }] },
    next: {
      statusTemplate: [
        "phase: Running",
        "conditions:",
        "{{ range NodeConditions }}",
        "- type: {{ .type }}",
        "  status: {{ Quote .status }}",
        "  reason: {{ Quote .reason }}",
        "  message: {{ Quote .message }}",
        "  lastHeartbeatTime: {{ Now }}",
        "  lastTransitionTime: {{ Now }}",
        "{{ end }}",
        "addresses:",
        "- type: InternalIP",
        "  address: {{ NodeIP }}",
        "- type: Hostname",
        "  address: {{ Quote .metadata.name }}",
        "daemonEndpoints:",
        "  kubeletEndpoint:",
        "    Port: 0",
        "nodeInfo:",
        "  architecture: amd64",
        "  operatingSystem: linux",
        "  kubeletVersion: kwok-{{ Version }}",
        "  kubeProxyVersion: kwok-{{ Version }}",
        "  containerRuntimeVersion: kwok-{{ Version }}",
        "",
      ].join("\n"),
    },
  },
};

// Containers start at once and are ready at once: the stack's readiness probes are the images' concern, and the
// fixture has no images. Init containers (none today) would be reported completed.
const podReady: Stage = {
  apiVersion: "kwok.x-k8s.io/v1alpha1",
  kind: "Stage",
  metadata: { name: "fixture-pod-ready" },
  spec: {
    resourceRef: { apiGroup: "v1", kind: "Pod" },
    selector: {
      matchExpressions: [
        { key: ".metadata.deletionTimestamp", operator: "DoesNotExist" },
        { key: ".spec.nodeName", operator: "Exists" },
        { key: ".status.podIP", operator: "DoesNotExist" },
      ],
    },
    next: {
      statusTemplate: [
        "{{ $now := Now }}",
        "phase: Running",
        "hostIP: {{ NodeIPWith .spec.nodeName }}",
        "podIP: {{ PodIPWith .spec.nodeName (or .spec.hostNetwork false) .metadata.uid .metadata.name .metadata.namespace }}",
        "startTime: {{ $now }}",
        "conditions:",
        "- type: PodScheduled",
        "  status: \"True\"",
        "  lastTransitionTime: {{ $now }}",
        "- type: Initialized",
        "  status: \"True\"",
        "  lastTransitionTime: {{ $now }}",
        "- type: ContainersReady",
        "  status: \"True\"",
        "  lastTransitionTime: {{ $now }}",
        "- type: Ready",
        "  status: \"True\"",
        "  lastTransitionTime: {{ $now }}",
        "{{ with .spec.initContainers }}",
        "initContainerStatuses:",
        "{{ range . }}",
        "- name: {{ Quote .name }}",
        "  image: {{ Quote .image }}",
        "  ready: true",
        "  restartCount: 0",
        "  state:",
        "    terminated:",
        "      exitCode: 0",
        "      reason: Completed",
        "      startedAt: {{ $now }}",
        "      finishedAt: {{ $now }}",
        "{{ end }}",
        "{{ end }}",
        "containerStatuses:",
        "{{ range .spec.containers }}",
        "- name: {{ Quote .name }}",
        "  image: {{ Quote .image }}",
        "  ready: true",
        "  started: true",
        "  restartCount: 0",
        "  state:",
        "    running:",
        "      startedAt: {{ $now }}",
        "{{ end }}",
        "",
      ].join("\n"),
    },
  },
};

const podDelete: Stage = {
  apiVersion: "kwok.x-k8s.io/v1alpha1",
  kind: "Stage",
  metadata: { name: "fixture-pod-delete" },
  spec: {
    resourceRef: { apiGroup: "v1", kind: "Pod" },
    selector: { matchExpressions: [{ key: ".metadata.deletionTimestamp", operator: "Exists" }] },
    next: { finalizers: { empty: true }, delete: true },
  },
};

/** kwok's --config file: its options and the stages, one YAML document each. */
export function kwokConfig(): string {
  const options = {
    apiVersion: "config.kwok.x-k8s.io/v1alpha1",
    kind: "KwokConfiguration",
    options: {
      manageAllNodes: false,
      manageNodesWithAnnotationSelector: `${KWOK_NODE_ANNOTATION.key}=${KWOK_NODE_ANNOTATION.value}`,
      // Pod IPs only label endpoints; nothing is ever sent to them.
      cidr: "10.244.0.1/16",
      nodeIP: "10.240.0.1",
      nodeLeaseDurationSeconds: 40,
      // kwok 0.8 leaves these at zero when they come from a file (its defaults apply to flags only) and then refuses
      // to start: "node leases parallelism must be greater than 0".
      nodeLeaseParallelism: 4,
      podPlayStageParallelism: 4,
      nodePlayStageParallelism: 4,
      podsOnNodeSyncParallelism: 1,
      enablePodsOnNodeSyncListPager: true,
      enablePodsOnNodeSyncStreamWatch: false,
      enableDebuggingHandlers: false,
      enableProfilingHandler: false,
      enableContentionProfiling: false,
    },
  };
  return [options, nodeReady, podReady, podDelete].map((d) => dump(d, { lineWidth: -1 })).join("---\n");
}
