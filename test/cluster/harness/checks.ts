/**
 * Checks both stack files make of a deployed stack: workloads ready where they belong, Services with endpoints,
 * claims bound, the discovery service accounts able to read exactly what they need, and every engine warning
 * accepted.
 */
import { KubeClient } from "../../../scripts/cluster/kube-client";
import { fixtureNodes } from "../../../scripts/cluster/kwok";
import { ACCEPTED_ENGINE_WARNINGS } from "../accepted-warnings";
import { canServiceAccount, grantedRules, nodesOf, waitForWorkloads } from "./cluster";
import { waitFor } from "./processes";
import { claimsOf } from "./volumes";
import type { DriverResult } from "./pulumi-driver";
import { diagnostics } from "./pulumi";

export const SERVERS = "observability";
export const AGENTS = "observability-agents";

export async function expectWorkloadsPlaced(client: KubeClient, docs: readonly any[]): Promise<void> {
  const counts = Object.fromEntries(docs.filter((x) => x.kind === "Deployment" || x.kind === "StatefulSet").map((d) => [`${d.kind}/${d.metadata.name}`, replicasOf(docs, d)]));
  const ready = await waitForWorkloads(client, [SERVERS, AGENTS], undefined, counts);
  const expected = docs.filter((d) => ["Deployment", "StatefulSet", "DaemonSet"].includes(d.kind)).map((d) => `${d.kind}/${d.metadata.name}`).sort();
  expect(ready.map((w) => `${w.kind}/${w.name}`).sort()).toEqual(expected);
  for (const [key, count] of Object.entries(counts)) {
    expect([key, ready.find((w) => `${w.kind}/${w.name}` === key)?.ready]).toEqual([key, count]);
  }
  const all = fixtureNodes().map((n) => n.name).sort();
  const gpu = fixtureNodes().filter((n) => n.pool === "gpu").map((n) => n.name).sort();
  const selector = (name: string) => docs.find((d) => d.kind === "DaemonSet" && d.metadata.name === name).spec.selector.matchLabels;
  expect(await nodesOf(client, AGENTS, selector("dcgm-exporter"))).toEqual(gpu);
  expect(await nodesOf(client, AGENTS, selector("promtail"))).toEqual(all);
}

/**
 * The pods a rendered workload should run: its own replicas, else the floor of the HorizontalPodAutoscaler that owns
 * it (the controller raises a Deployment to minReplicas before it has any metric), else one.
 */
export function replicasOf(docs: readonly any[], workload: any): number {
  if (workload.spec.replicas !== undefined) return workload.spec.replicas;
  const hpa = docs.find(
    (d) => d.kind === "HorizontalPodAutoscaler" && d.metadata.namespace === workload.metadata.namespace
      && d.spec.scaleTargetRef.kind === workload.kind && d.spec.scaleTargetRef.name === workload.metadata.name,
  );
  return hpa ? (hpa.spec.minReplicas ?? 1) : 1;
}

/** Every Service with a selector has a ready endpoint in its EndpointSlices (the controllers' work, not Pulumi's). */
export async function expectServiceEndpoints(client: KubeClient, docs: readonly any[]): Promise<void> {
  const services = docs.filter((d) => d.kind === "Service" && d.spec.selector);
  expect(services.length).toBeGreaterThan(0);
  for (const s of services) {
    await waitFor(
      `endpoints of Service ${s.metadata.namespace}/${s.metadata.name}`,
      async () => {
        const q = encodeURIComponent(`kubernetes.io/service-name=${s.metadata.name}`);
        const slices = (await client.get(`/apis/discovery.k8s.io/v1/namespaces/${s.metadata.namespace}/endpointslices?labelSelector=${q}`)).items;
        const ready = slices.flatMap((sl: any) => sl.endpoints ?? []).filter((e: any) => e.conditions?.ready);
        return ready.length >= 1 ? true : undefined;
      },
      60_000,
    );
  }
}

export async function expectClaimsBound(client: KubeClient, docs: readonly any[]): Promise<void> {
  const claims = claimsOf(docs);
  await waitFor(
    "every claim Bound",
    async () => {
      const live = (await client.get(`/api/v1/namespaces/${SERVERS}/persistentvolumeclaims`)).items;
      const bound = live.filter((c: any) => c.status?.phase === "Bound").map((c: any) => c.metadata.name).sort();
      return JSON.stringify(bound) === JSON.stringify(claims.map((c) => c.name).sort()) ? true : undefined;
    },
    60_000,
  );
}

/** The kubernetes_sd roles in the rendered prometheus.yml and the resources each lists and watches. */
const SD_ROLE_RESOURCES: Record<string, readonly string[]> = {
  pod: ["/pods"],
  service: ["/services"],
  endpoints: ["/endpoints", "/services", "/pods"],
  endpointslice: ["discovery.k8s.io/endpointslices", "/services", "/pods"],
  node: ["/nodes"],
  ingress: ["networking.k8s.io/ingresses"],
};

function rolesIn(text: string): string[] {
  return [...new Set([...text.matchAll(/^\s*- role: (\w+)$/gm)].map((m) => m[1]))];
}

/**
 * What each reader needs, derived from the rendered configs (not from the ClusterRoles under test): Prometheus from
 * its kubernetes_sd roles, Promtail from its (pods), the collector's k8s_attributes pods and namespaces, and
 * replicasets when it extracts k8s.deployment.name (the owner chain pod -> ReplicaSet -> Deployment).
 */
export function neededResources(docs: readonly any[]): Record<string, { sa: { namespace: string; name: string }; resources: string[] }> {
  const cm = (name: string) => Object.values(docs.find((d) => d.kind === "ConfigMap" && d.metadata.name === name).data as Record<string, string>).join("\n");
  const resources = (roles: string[]) => [...new Set(roles.flatMap((r) => SD_ROLE_RESOURCES[r] ?? [`unknown-role:${r}`]))].sort();
  const collector = cm("otel-collector-config");
  const collectorNeeds = ["/namespaces", "/pods", ...(/k8s\.deployment\.name/.test(collector) ? ["apps/replicasets"] : [])].sort();
  return {
    prometheus: { sa: { namespace: SERVERS, name: "prometheus" }, resources: resources(rolesIn(cm("prometheus-config"))) },
    promtail: { sa: { namespace: AGENTS, name: "promtail" }, resources: resources(rolesIn(cm("promtail-config"))) },
    "otel-collector": { sa: { namespace: SERVERS, name: "otel-collector" }, resources: collectorNeeds },
  };
}

/** Reads the informers of all three need (get is granted with list and watch, as their upstream RBAC examples do). */
const READ_VERBS = ["get", "list", "watch"];

export async function expectReaderAccess(client: KubeClient, docs: readonly any[]): Promise<void> {
  for (const [app, { sa, resources }] of Object.entries(neededResources(docs))) {
    for (const res of resources) {
      const [group, resource] = res.split("/");
      for (const verb of ["list", "watch"]) {
        expect({ app, verb, res, allowed: await canServiceAccount(client, sa, { verb, resource, group }) }).toEqual({ app, verb, res, allowed: true });
      }
    }
    // Neighbours of what it needs, refused: writes, secrets, other readers' resources, exec.
    const refused = [
      { verb: "create", resource: "pods" },
      { verb: "delete", resource: "pods" },
      { verb: "get", resource: "secrets", namespace: SERVERS },
      { verb: "list", resource: "secrets" },
      { verb: "list", resource: "configmaps" },
      { verb: "create", resource: "pods", subresource: "exec", namespace: SERVERS },
      { verb: "list", resource: "nodes" },
      { verb: "patch", resource: "deployments", group: "apps", namespace: SERVERS },
    ].filter((r) => !resources.includes(`${r.group ?? ""}/${r.resource}`));
    for (const r of refused) {
      expect({ app, ...r, allowed: await canServiceAccount(client, sa, r) }).toEqual({ app, ...r, allowed: false });
    }
    const granted = await grantedRules(client, sa);
    const expected = resources.flatMap((res) => READ_VERBS.map((v) => `cluster ${v} ${res}`)).sort();
    expect({ app, granted }).toEqual({ app, granted: expected });
  }
}

/** Engine warnings (diagnostics) of the operations that are not in accepted-warnings.ts. */
export function unacceptedEngineWarnings(results: readonly DriverResult[]): string[] {
  return results
    .flatMap((r) => diagnostics(r, "warning"))
    .map((d) => d.message.replace(/\n$/, ""))
    .filter((m) => !ACCEPTED_ENGINE_WARNINGS.some((a) => a.pattern.test(m)));
}
