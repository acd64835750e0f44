import { AGENT_DAEMONSETS, IMAGE_DIGESTS_LABEL as POLICY_DIGESTS_LABEL, K8sObject, NAMESPACE_ROLE_LABEL as POLICY_ROLE_LABEL } from "../../policy/checks";
import { IMAGE_DIGESTS_LABEL, NAMESPACE_ROLE_LABEL } from "../../components/namespaces";
import { SERVICES } from "../../components/services";
import { policies } from "../../policy/policies";
import { Doc, loadManifests, renderedStack } from "../support/render";

/** The Pulumi type token of a Kubernetes object (`kubernetes:apps/v1:Deployment`, `kubernetes:core/v1:Service`). */
function k8sType(obj: K8sObject): string {
  const [group, version] = String(obj.apiVersion ?? "v1").includes("/") ? String(obj.apiVersion).split("/") : ["core", String(obj.apiVersion ?? "v1")];
  return `kubernetes:${group}/${version}:${obj.kind}`;
}

/** The stack's agents namespace as a stack declares it, so a lone object under test has its context. */
const AGENTS_NS = "observability-agents";
const agentsNamespace: K8sObject = { apiVersion: "v1", kind: "Namespace", metadata: { name: AGENTS_NS, labels: { "observability.ai-platform/role": "agents" } } };

/** Runs every policy over a stack's resources the way the CrossGuard engine would, collecting violations. */
function stackViolations(objects: readonly K8sObject[], type?: string): string[] {
  const out: string[] = [];
  const resources = objects.map((obj) => ({
    type: type ?? k8sType(obj),
    props: obj,
    urn: `urn:pulumi:test::observability::kubernetes:${obj.kind}::${obj.metadata?.name}`,
    name: obj.metadata?.name ?? "unnamed",
  }));
  for (const p of policies()) p.validateStack({ resources } as any, (message: string) => out.push(`[${p.name}] ${message}`));
  return out;
}

/** One object in a stack that has the agents namespace (and nothing else to check). */
function violations(obj: K8sObject, type?: string): string[] {
  return stackViolations([agentsNamespace, obj], type).filter((v) => !v.startsWith("[default-deny-network]"));
}

const stacks: Record<string, Doc[]> = {};
beforeAll(() => {
  for (const stack of ["dev", "prod", "prod-thanos"]) {
    const run = renderedStack(stack);
    if (run.status !== 0) throw new Error(run.stderr);
    stacks[stack] = loadManifests(run.file);
  }
});

/** The policies that reported something, by name. */
const fired = (found: string[]) => [...new Set(found.map((v) => /^\[([^\]]+)\]/.exec(v)?.[1]))].sort();

describe.each(["dev", "prod", "prod-thanos"])("the %s stack", (stack) => {
  it("passes every policy", () => {
    expect(stackViolations(stacks[stack] as K8sObject[])).toEqual([]);
  });

  it("has the servers and agents the policies are meant to see", () => {
    // An empty or workload-free render would pass every policy without checking one container.
    const kinds = new Set(stacks[stack].map((d) => d.kind));
    expect([...kinds]).toEqual(expect.arrayContaining(["Deployment", "StatefulSet", "DaemonSet", "Service", "Namespace"]));
  });
});

describe("the pack", () => {
  it("has the README's ten policies, all mandatory", () => {
    expect(policies().map((p) => [p.name, p.enforcementLevel])).toEqual([
      ["pinned-images", "mandatory"],
      ["resource-bounds", "mandatory"],
      ["restricted-servers", "mandatory"],
      ["readiness-probes", "mandatory"],
      ["no-secret-literals", "mandatory"],
      ["no-external-services", "mandatory"],
      ["recommended-labels", "mandatory"],
      ["ingress-tls", "mandatory"],
      ["image-digests", "mandatory"],
      ["default-deny-network", "mandatory"],
    ]);
  });
});

const named = (obj: K8sObject, name: string): K8sObject => ({ ...obj, metadata: { ...obj.metadata, name } });

const deployment = (container: Record<string, any>, pod: Record<string, any> = {}, namespace = "observability"): K8sObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "x", namespace, labels: { "app.kubernetes.io/name": "x", "app.kubernetes.io/part-of": "p", "app.kubernetes.io/managed-by": "pulumi" } },
  spec: { template: { spec: { securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } }, ...pod, containers: [{ name: "c", ...container }] } } },
});
const LABELS = { "app.kubernetes.io/name": "x", "app.kubernetes.io/part-of": "p", "app.kubernetes.io/managed-by": "pulumi" };
const good = {
  image: "quay.io/prometheus/prometheus:v3.14.0",
  resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "2Gi" } },
  readinessProbe: { httpGet: { path: "/-/ready", port: 9090 } },
  securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
};

describe("policy checks", () => {
  it("accept a well-formed server", () => {
    expect(violations(deployment(good))).toEqual([]);
  });

  // Every row names its pod spec: with a parameter more than a row has, jest would wait for a `done` callback.
  it.each([
    ["an unpinned image", { ...good, image: "grafana/grafana:latest" }, "pinned-images", {}],
    ["an untagged image", { ...good, image: "grafana/grafana" }, "pinned-images", {}],
    ["a container without a memory limit", { ...good, resources: { requests: { cpu: "1", memory: "1Gi" } } }, "resource-bounds", {}],
    ["a container without a readiness probe", { ...good, readinessProbe: undefined }, "readiness-probes", {}],
    ["a privileged server container", { ...good, securityContext: { ...good.securityContext, privileged: true } }, "restricted-servers", {}],
    ["a server container allowing escalation", { ...good, securityContext: { capabilities: { drop: ["ALL"] } } }, "restricted-servers", {}],
    ["a password as an env literal", { ...good, env: [{ name: "GF_SECURITY_ADMIN_PASSWORD", value: "admin" }] }, "no-secret-literals", {}],
    ["a container that may run as root", { ...good, securityContext: { ...good.securityContext, runAsNonRoot: false } }, "restricted-servers", { securityContext: { seccompProfile: { type: "RuntimeDefault" } } }],
    ["a container keeping its capabilities", { ...good, securityContext: { allowPrivilegeEscalation: false } }, "restricted-servers", {}],
    ["a pod on the host network", good, "restricted-servers", { hostNetwork: true }],
  ] as [string, Record<string, unknown>, string, Record<string, unknown>][])("rejects %s, by that policy alone", (_name, container, policy, pod) => {
    const found = violations(deployment(container, pod));
    expect(fired(found)).toEqual([policy]);
    // The message names the object and, where there is one, the container: what a reviewer needs to find it.
    for (const v of found) expect(v).toMatch(new RegExp(`^\\[${policy}\\] Deployment x: (container c |uses host namespaces)`));
  });

  it("rejects a hostPath on a server but allows it on an agent DaemonSet", () => {
    const hostPath = { volumes: [{ name: "logs", hostPath: { path: "/var/log/pods" } }] };
    expect(violations(deployment(good, hostPath))).toEqual(["[restricted-servers] Deployment x: volume logs is a hostPath"]);
    const agent = named({ ...deployment(good, hostPath, AGENTS_NS), kind: "DaemonSet" }, "promtail");
    expect(violations(agent)).toEqual([]);
  });

  it("exempts exactly the two agents' DaemonSets in the stack's agents namespace: not another DaemonSet or kind there, nor DaemonSets elsewhere", () => {
    const hostPath = { volumes: [{ name: "logs", hostPath: { path: "/var/log/pods" } }] };
    expect(fired(violations(named(deployment(good, hostPath, AGENTS_NS), "promtail")))).toEqual(["restricted-servers"]);
    expect(fired(violations(named({ ...deployment(good, hostPath, AGENTS_NS), kind: "DaemonSet" }, "node-shell")))).toEqual(["restricted-servers"]);
    expect(fired(violations(named({ ...deployment(good, hostPath, "observability"), kind: "DaemonSet" }, "promtail")))).toEqual(["restricted-servers"]);
  });

  it("takes the agents namespace from the stack's own Namespace objects (its config), not from a fixed name", () => {
    const hostPath = { volumes: [{ name: "logs", hostPath: { path: "/var/log/pods" } }] };
    const ns: K8sObject = { apiVersion: "v1", kind: "Namespace", metadata: { name: "node-agents", labels: { "observability.ai-platform/role": "agents" } } };
    const agent = named({ ...deployment(good, hostPath, "node-agents"), kind: "DaemonSet" }, "dcgm-exporter");
    expect(stackViolations([ns, agent]).filter((v) => !v.startsWith("[default-deny-network]"))).toEqual([]);
    // The same DaemonSet in the default name's namespace, when the stack's agents live elsewhere, is refused.
    const misplaced = named({ ...deployment(good, hostPath, AGENTS_NS), kind: "DaemonSet" }, "dcgm-exporter");
    expect(fired(stackViolations([ns, misplaced]))).toEqual(["default-deny-network", "restricted-servers"]);
  });

  it("names the same two agents as the stack's services table, and the same namespace labels", () => {
    expect([...AGENT_DAEMONSETS].sort()).toEqual([SERVICES.promtail.name, SERVICES.dcgmExporter.name].sort());
    expect(POLICY_ROLE_LABEL).toBe(NAMESPACE_ROLE_LABEL);
    expect(POLICY_DIGESTS_LABEL).toBe(IMAGE_DIGESTS_LABEL);
  });

  it("rejects an Ingress host without TLS", () => {
    const ing = (tls: unknown[]): K8sObject => ({
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name: "grafana", namespace: "observability", labels: LABELS },
      spec: { rules: [{ host: "grafana.example.com" }, { host: "other.example.com" }], tls },
    });
    expect(violations(ing([{ hosts: ["grafana.example.com", "other.example.com"], secretName: "tls" }]))).toEqual([]);
    expect(violations(ing([{ hosts: ["grafana.example.com"], secretName: "tls" }]))).toEqual(['[ingress-tls] Ingress grafana: host "other.example.com" is served without TLS']);
    expect(fired(violations(ing([])))).toEqual(["ingress-tls"]);
  });

  it("requires digests when the stack's namespaces say its config does, and only then", () => {
    const digest = "a".repeat(64);
    const ns = (required: boolean): K8sObject => ({ ...agentsNamespace, metadata: { ...agentsNamespace.metadata, labels: { ...agentsNamespace.metadata!.labels, ...(required ? { "observability.ai-platform/image-digests": "required" } : {}) } } });
    const pinnedByTag = deployment(good);
    const pinnedByDigest = deployment({ ...good, image: `${good.image}@sha256:${digest}` });
    const only = (found: string[]) => found.filter((v) => v.startsWith("[image-digests]"));
    expect(only(stackViolations([ns(false), pinnedByTag]))).toEqual([]);
    expect(only(stackViolations([ns(true), pinnedByTag]))).toEqual([`[image-digests] Deployment x: container c uses image "${good.image}", not pinned by digest`]);
    expect(only(stackViolations([ns(true), pinnedByDigest]))).toEqual([]);
  });

  it("rejects a stack namespace without a default-deny NetworkPolicy", () => {
    const servers: K8sObject = { apiVersion: "v1", kind: "Namespace", metadata: { name: "observability", labels: { "observability.ai-platform/role": "servers" } } };
    const deny = (namespace: string, spec: Record<string, unknown>): K8sObject => ({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "default-deny", namespace, labels: LABELS }, spec });
    const full = { podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [], egress: [] };
    const only = (found: string[]) => found.filter((v) => v.startsWith("[default-deny-network]"));
    expect(only(stackViolations([servers, agentsNamespace, deny("observability", full), deny(AGENTS_NS, full)]))).toEqual([]);
    expect(only(stackViolations([servers, agentsNamespace, deny("observability", full)]))).toEqual([`[default-deny-network] namespace ${AGENTS_NS} has no default-deny NetworkPolicy (all pods, Ingress and Egress, no rules)`]);
    // Ingress only, or one that allows something, is no default deny.
    expect(only(stackViolations([servers, agentsNamespace, deny("observability", { ...full, policyTypes: ["Ingress"] }), deny(AGENTS_NS, { ...full, ingress: [{}] })]))).toHaveLength(2);
  });

  it("rejects a LoadBalancer Service and an object without the stack's labels", () => {
    const svc = { apiVersion: "v1", kind: "Service", metadata: { name: "grafana", labels: {} }, spec: { type: "LoadBalancer" } };
    const found = violations(svc);
    expect(found.some((v) => v.startsWith("[no-external-services]"))).toBe(true);
    expect(found.some((v) => v.startsWith("[recommended-labels]"))).toBe(true);
  });

  it("lets a secret reference and a secret file path through", () => {
    const ref = { ...good, env: [{ name: "DATA_SOURCE_PASS", valueFrom: { secretKeyRef: { name: "s", key: "k" } } }, { name: "GF_SECURITY_ADMIN_PASSWORD__FILE", value: "/etc/secrets/pw" }] };
    expect(violations(deployment(ref))).toEqual([]);
  });

  it("ignores resources that are not Kubernetes objects", () => {
    // Props that break every policy: as a Kubernetes Deployment they are rejected, under another provider's type not.
    const props = { ...deployment({ ...good, image: "grafana/grafana", resources: {}, readinessProbe: undefined, securityContext: {}, env: [{ name: "API_TOKEN", value: "t" }] }), metadata: { name: "x", labels: {} } };
    expect(fired(violations(props))).toEqual(["no-secret-literals", "pinned-images", "readiness-probes", "recommended-labels", "resource-bounds", "restricted-servers"]);
    expect(violations(props, "random:index/randomPassword:RandomPassword")).toEqual([]);
    expect(violations({ ...props, kind: "Service", spec: { type: "LoadBalancer" } }, "pulumi:providers:kubernetes")).toEqual([]);
  });
});
