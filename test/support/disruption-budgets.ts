/**
 * Which replicated workloads of a set of manifests no PodDisruptionBudget covers: a Deployment or StatefulSet with
 * more than one replica, or one a HorizontalPodAutoscaler keeps at more than one, needs a budget in its namespace whose
 * selector matches its pods, or a node drain may take every replica at once.
 */
import type { Doc } from "./render";

type Labels = Record<string, string>;

interface Workload {
  readonly id: string;
  readonly namespace: string;
  readonly podLabels: Labels;
  readonly replicas: number;
}

const namespaceOf = (d: Doc) => d.metadata.namespace ?? "default";

/** `matchLabels` all present on the pod; a selector with expressions is not understood here and never matches. */
function selects(selector: { matchLabels?: Labels; matchExpressions?: unknown[] } | undefined, labels: Labels): boolean {
  if (!selector || (selector.matchExpressions && selector.matchExpressions.length > 0)) return false;
  const wanted = Object.entries(selector.matchLabels ?? {});
  return wanted.length > 0 && wanted.every(([k, v]) => labels[k] === v);
}

/** Replicated workloads: their own `replicas`, or the minimum of the autoscaler that owns them (Kubernetes' default 1). */
function replicatedWorkloads(docs: readonly Doc[]): Workload[] {
  const hpaMin = new Map<string, number>();
  for (const d of docs) {
    if (d.kind !== "HorizontalPodAutoscaler") continue;
    const spec = d.spec as { scaleTargetRef: { kind: string; name: string }; minReplicas?: number };
    hpaMin.set(`${spec.scaleTargetRef.kind}/${namespaceOf(d)}/${spec.scaleTargetRef.name}`, spec.minReplicas ?? 1);
  }
  const out: Workload[] = [];
  for (const d of docs) {
    if (d.kind !== "Deployment" && d.kind !== "StatefulSet") continue;
    const id = `${d.kind}/${namespaceOf(d)}/${d.metadata.name}`;
    const spec = d.spec as { replicas?: number; template?: { metadata?: { labels?: Labels } } };
    const replicas = Math.max(spec.replicas ?? 1, hpaMin.get(id) ?? 0);
    if (replicas > 1) out.push({ id, namespace: namespaceOf(d), podLabels: spec.template?.metadata?.labels ?? {}, replicas });
  }
  return out;
}

/** `Kind/namespace/name (N replicas)` of every replicated workload without a matching PodDisruptionBudget. */
export function workloadsWithoutBudget(docs: readonly Doc[]): string[] {
  const budgets = docs.filter((d) => d.kind === "PodDisruptionBudget");
  return replicatedWorkloads(docs)
    .filter((w) => !budgets.some((b) => namespaceOf(b) === w.namespace && selects((b.spec as { selector?: { matchLabels?: Labels } }).selector, w.podLabels)))
    .map((w) => `${w.id} (${w.replicas} replicas)`);
}

/** The ids of the replicated workloads, for a test to show the check looked at some. */
export function replicatedWorkloadIds(docs: readonly Doc[]): string[] {
  return replicatedWorkloads(docs).map((w) => w.id);
}
