/** Small builders shared by the stateful servers: volume claims, resources, spreading, disruption budgets. */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export interface ResourceSettings {
  readonly cpu: string;
  readonly memory: string;
  readonly memoryLimit: string;
}

/** Requests from config and a memory limit; no CPU limit, so a busy server is slowed by neighbours, never throttled. */
export function containerResources(r: ResourceSettings): k8s.types.input.core.v1.ResourceRequirements {
  return { requests: { cpu: r.cpu, memory: r.memory }, limits: { memory: r.memoryLimit } };
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

/** Prefer one replica per node, so losing a node loses one replica. */
export function spreadAcrossNodes(selector: Record<string, string>): k8s.types.input.core.v1.Affinity {
  return {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        { weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: selector } } },
      ],
    },
  };
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
    { metadata: { name, namespace, labels }, spec: { maxUnavailable: 1, selector: { matchLabels: selector } } },
    opts,
  );
}
