/**
 * The cluster the run shares (started or found by the global setup, scripts/cluster/cluster.ts), and what the tests
 * ask of it: a client, the stack's objects as live, readiness of its workloads, access reviews, and a clean slate
 * between files.
 */
import { loadAll } from "js-yaml";
import { readFileSync } from "node:fs";
import { ClusterState, readState } from "../../../scripts/cluster/cluster";
import { KubeClient, accessFromKubeconfig } from "../../../scripts/cluster/kube-client";
import { PART_OF } from "../../../components/kube/labels";
import { renderedStack } from "../../support/render";
import { waitFor } from "./processes";
import { deleteVolumes } from "./volumes";

export function clusterState(): ClusterState {
  const s = readState();
  if (!s) throw new Error("no local cluster: the cluster tests' global setup starts one (npm run test:cluster), or run npm run cluster:up");
  return s;
}

export function clusterClient(): KubeClient {
  return new KubeClient(accessFromKubeconfig(clusterState().kubeconfig));
}

/** The rendered manifests of a stack (npm run render -- --stack <stack>), as the global setup wrote them. */
export function renderedDocs(stack: "dev" | "prod"): any[] {
  const r = renderedStack(stack);
  if (r.status !== 0) throw new Error(`render --stack ${stack} failed:\n${r.stderr}`);
  return loadAll(readFileSync(r.file, "utf8")) as any[];
}

export const STACK_SELECTOR = `app.kubernetes.io/part-of=${PART_OF}`;

/**
 * Deletes whatever a test left of the stack: its namespaces (and so everything in them, claims included), its
 * cluster-scoped RBAC and the static volumes, and waits until the namespaces are gone, so the next file starts clean.
 */
/** The stack's cluster-scoped kinds, by API path. */
export const CLUSTER_SCOPED = ["/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", "/apis/rbac.authorization.k8s.io/v1/clusterroles", "/apis/scheduling.k8s.io/v1/priorityclasses"];

export async function removeStackObjects(client: KubeClient, namespaces: readonly string[] = ["observability", "observability-agents"]): Promise<void> {
  for (const ns of namespaces) await client.request("DELETE", `/api/v1/namespaces/${ns}`);
  for (const path of CLUSTER_SCOPED) {
    const list = await client.get(`${path}?labelSelector=${encodeURIComponent(STACK_SELECTOR)}`);
    for (const o of list.items) await client.request("DELETE", `${path}/${o.metadata.name}`);
  }
  await waitFor(
    `namespaces ${namespaces.join(", ")} deleted`,
    async () => {
      for (const ns of namespaces) if ((await client.request("GET", `/api/v1/namespaces/${ns}`)).status !== 404) return undefined;
      return true;
    },
    120_000,
  );
  await deleteVolumes(client);
}

export interface WorkloadStatus {
  readonly kind: string;
  readonly name: string;
  readonly desired: number;
  readonly ready: number;
}

/** Desired and ready pods of every Deployment, StatefulSet and DaemonSet in the namespaces. */
export async function workloads(client: KubeClient, namespaces: readonly string[]): Promise<WorkloadStatus[]> {
  const out: WorkloadStatus[] = [];
  for (const ns of namespaces) {
    for (const d of (await client.get(`/apis/apps/v1/namespaces/${ns}/deployments`)).items) {
      out.push({ kind: "Deployment", name: d.metadata.name, desired: d.spec.replicas ?? 1, ready: d.status?.readyReplicas ?? 0 });
    }
    for (const s of (await client.get(`/apis/apps/v1/namespaces/${ns}/statefulsets`)).items) {
      out.push({ kind: "StatefulSet", name: s.metadata.name, desired: s.spec.replicas ?? 1, ready: s.status?.readyReplicas ?? 0 });
    }
    for (const ds of (await client.get(`/apis/apps/v1/namespaces/${ns}/daemonsets`)).items) {
      out.push({ kind: "DaemonSet", name: ds.metadata.name, desired: ds.status?.desiredNumberScheduled ?? -1, ready: ds.status?.numberReady ?? 0 });
    }
  }
  return out.sort((a, b) => `${a.kind}/${a.name}`.localeCompare(`${b.kind}/${b.name}`));
}

/** Resolves once every workload has all its desired pods ready (and at least one desired), else times out. */
export async function waitForWorkloads(
  client: KubeClient,
  namespaces: readonly string[],
  timeoutMs = 120_000,
  /** Ready pods to wait for, by `Kind/name`: a Deployment an autoscaler owns reaches its count only after the controller acts. */
  readyCounts: Readonly<Record<string, number>> = {},
): Promise<WorkloadStatus[]> {
  let last: WorkloadStatus[] = [];
  try {
    return await waitFor(
      "every Deployment, StatefulSet and DaemonSet ready",
      async () => {
        last = await workloads(client, namespaces);
        const settled = (w: WorkloadStatus) => w.desired > 0 && w.ready === w.desired && (readyCounts[`${w.kind}/${w.name}`] ?? w.ready) === w.ready;
        return last.length > 0 && last.every(settled) ? last : undefined;
      },
      timeoutMs,
    );
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${JSON.stringify(last, null, 1)}`);
  }
}

/** The nodes the pods of a workload run on. */
export async function nodesOf(client: KubeClient, namespace: string, selector: Record<string, string>): Promise<string[]> {
  const q = Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(",");
  const pods = (await client.get(`/api/v1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent(q)}`)).items;
  return pods.map((p: any) => p.spec.nodeName).sort();
}

/** SubjectAccessReview for a service account, with the groups the API server gives its tokens. */
export async function canServiceAccount(
  client: KubeClient,
  sa: { namespace: string; name: string },
  attrs: { verb: string; resource: string; group?: string; namespace?: string; subresource?: string },
): Promise<boolean> {
  const body = {
    apiVersion: "authorization.k8s.io/v1",
    kind: "SubjectAccessReview",
    spec: {
      user: `system:serviceaccount:${sa.namespace}:${sa.name}`,
      groups: ["system:serviceaccounts", `system:serviceaccounts:${sa.namespace}`, "system:authenticated"],
      resourceAttributes: { verb: attrs.verb, resource: attrs.resource, group: attrs.group ?? "", namespace: attrs.namespace ?? "", subresource: attrs.subresource ?? "" },
    },
  };
  const r = await client.request("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", { body });
  if (r.status !== 201) throw new Error(`SubjectAccessReview: ${r.status} ${r.text}`);
  return r.body.status.allowed === true;
}

/**
 * Every rule granted to a service account by the RBAC objects live in the cluster (bindings naming it), flattened to `verb group/resource` strings, to compare with what it needs exactly.
 */
export async function grantedRules(client: KubeClient, sa: { namespace: string; name: string }): Promise<string[]> {
  // Bindings naming the account itself: what the stack grants it. The cluster's own grants to every authenticated
  // user (discovery, basic-user) are the same for any account and not the stack's doing.
  const subjectMatches = (s: any) => s.kind === "ServiceAccount" && s.name === sa.name && s.namespace === sa.namespace;
  const rules: string[] = [];
  const roleRules = async (ref: any, namespace?: string): Promise<any[]> => {
    const path = ref.kind === "ClusterRole" ? `/apis/rbac.authorization.k8s.io/v1/clusterroles/${ref.name}` : `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/roles/${ref.name}`;
    const r = await client.request("GET", path);
    return r.status === 200 ? (r.body.rules ?? []) : [];
  };
  const flatten = (rs: any[], scope: string) => {
    for (const r of rs) {
      for (const g of r.apiGroups ?? [""]) for (const res of r.resources ?? []) for (const v of r.verbs) rules.push(`${scope} ${v} ${g}/${res}`);
      for (const u of r.nonResourceURLs ?? []) for (const v of r.verbs) rules.push(`${scope} ${v} ${u}`);
    }
  };
  for (const b of (await client.get("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings")).items) {
    if ((b.subjects ?? []).some(subjectMatches)) flatten(await roleRules(b.roleRef), "cluster");
  }
  for (const b of (await client.get("/apis/rbac.authorization.k8s.io/v1/rolebindings")).items) {
    if ((b.subjects ?? []).some(subjectMatches)) flatten(await roleRules(b.roleRef, b.metadata.namespace), `ns:${b.metadata.namespace}`);
  }
  return [...new Set(rules)].sort();
}
