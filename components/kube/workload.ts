/** Small builders shared by the stateful servers: volume claims, resources, spreading, disruption budgets. */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { quantityValue } from "../../config/fields";
import type { ZoneSpread } from "../../config/schema";

export interface ResourceSettings {
  readonly cpu: string;
  readonly memory: string;
  readonly memoryLimit: string;
}

/** Node disk a container uses besides its volumes: its logs (the kubelet rotates them at 5 x 10Mi by default). */
export const EPHEMERAL_BASE = { request: 64 * 2 ** 20, limit: 512 * 2 ** 20 };

const mebibytes = (bytes: number) => `${Math.ceil(bytes / 2 ** 20)}Mi`;

/**
 * Requests from config and a memory limit; no CPU limit, so a busy server is slowed by neighbours, never throttled.
 * Ephemeral storage: the base for logs plus the size limits of the pod's emptyDir volumes (`scratch`), which count
 * against the pod's total: the kubelet evicts a pod only when it goes past what it asked for, and under disk
 * pressure evicts first the pods using more than they requested.
 */
export function containerResources(r: ResourceSettings, scratch: readonly string[] = []): k8s.types.input.core.v1.ResourceRequirements {
  const emptyDirs = scratch.reduce((sum, size) => sum + quantityValue(size), 0);
  return {
    requests: { cpu: r.cpu, memory: r.memory, "ephemeral-storage": mebibytes(EPHEMERAL_BASE.request + emptyDirs) },
    limits: { memory: r.memoryLimit, "ephemeral-storage": mebibytes(EPHEMERAL_BASE.limit + emptyDirs) },
  };
}

/** A ReadWriteOnce claim template; an empty storage class means the cluster default. */
export function volumeClaimTemplate(name: string, size: string, storageClass: string): k8s.types.input.core.v1.PersistentVolumeClaim {
  return {
    metadata: { name },
    spec: {
      accessModes: ["ReadWriteOnce"],
      ...(storageClass ? { storageClassName: storageClass } : {}),
      resources: { requests: { storage: size } },
    },
  };
}

export type { ZoneSpread };

/**
 * Replicas spread over nodes (never two on one node while another node has none: losing a node loses one replica)
 * and over zones: `required` never places two in one zone while a zone has none (nodes without the
 * `topology.kubernetes.io/zone` label then take none of these pods), `preferred` tries to, `none` ignores zones.
 */
export function spreadConstraints(selector: Record<string, string>, zones: ZoneSpread): k8s.types.input.core.v1.TopologySpreadConstraint[] {
  // Honor: nodes whose taints the pods do not tolerate (GPU pools) are no domain, or they would hold the skew at zero.
  const common = { maxSkew: 1, labelSelector: { matchLabels: selector }, nodeTaintsPolicy: "Honor" };
  return [
    { topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule", ...common },
    ...(zones === "none" ? [] : [{ topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: zones === "required" ? "DoNotSchedule" : "ScheduleAnyway", ...common }]),
  ];
}

/** At most one replica down during voluntary disruptions (node drains); only meaningful with two or more. */
export function podDisruptionBudget(
  name: string,
  namespace: pulumi.Input<string>,
  labels: Record<string, string>,
  selector: Record<string, string>,
  opts: pulumi.CustomResourceOptions,
): k8s.policy.v1.PodDisruptionBudget {
  return new k8s.policy.v1.PodDisruptionBudget(
    name,
    {
      metadata: { name, namespace, labels },
      // AlwaysAllow: a pod that is not Ready (crash-looping, stuck) can be evicted, so it never blocks a node drain.
      spec: { maxUnavailable: 1, selector: { matchLabels: selector }, unhealthyPodEvictionPolicy: "AlwaysAllow" },
    },
    opts,
  );
}
