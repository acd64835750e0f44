import { ResourceValidationArgs } from "@pulumi/policy";
import { K8sObject } from "../../policy/checks";
import { DEFAULT_AGENTS_NAMESPACE, policies } from "../../policy/policies";
import { Doc, loadManifests, renderedStack } from "../support/render";

/** The Pulumi type token of a Kubernetes object (`kubernetes:apps/v1:Deployment`, `kubernetes:core/v1:Service`). */
function k8sType(obj: K8sObject): string {
  const [group, version] = String(obj.apiVersion ?? "v1").includes("/") ? String(obj.apiVersion).split("/") : ["core", String(obj.apiVersion ?? "v1")];
  return `kubernetes:${group}/${version}:${obj.kind}`;
}

/** Runs every policy over one resource the way the CrossGuard engine would, collecting violations. */
function violations(obj: K8sObject, type = k8sType(obj)): string[] {
  const out: string[] = [];
  const args = {
    type,
    props: obj,
    urn: `urn:pulumi:test::observability::kubernetes:${obj.kind}::${obj.metadata?.name}`,
    name: obj.metadata?.name ?? "unnamed",
    opts: {},
    stackTags: new Map(),
  } as unknown as ResourceValidationArgs;
  for (const p of policies()) {
    const validate = p.validateResource;
    const fns = (Array.isArray(validate) ? validate : [validate]).filter((f) => f !== undefined);
    for (const fn of fns) fn(args, (message: string) => out.push(`[${p.name}] ${message}`));
  }
  return out;
}

const stacks: Record<string, Doc[]> = {};
beforeAll(() => {
  for (const stack of ["dev", "prod"]) {
    const run = renderedStack(stack);
    if (run.status !== 0) throw new Error(run.stderr);
    stacks[stack] = loadManifests(run.file);
  }
});

/** The policies that reported something, by name. */
const fired = (found: string[]) => [...new Set(found.map((v) => /^\[([^\]]+)\]/.exec(v)?.[1]))].sort();

describe.each(["dev", "prod"])("the %s stack", (stack) => {
  it("passes every policy", () => {
    const found = stacks[stack].flatMap((d) => violations(d as K8sObject));
    expect(found).toEqual([]);
  });

  it("has the servers and agents the policies are meant to see", () => {
    // An empty or workload-free render would pass every policy without checking one container.
    const kinds = new Set(stacks[stack].map((d) => d.kind));
    expect([...kinds]).toEqual(expect.arrayContaining(["Deployment", "StatefulSet", "DaemonSet", "Service", "Namespace"]));
  });
});

describe("the pack", () => {
  it("has the README's seven policies, all mandatory", () => {
    expect(policies().map((p) => [p.name, p.enforcementLevel])).toEqual([
      ["pinned-images", "mandatory"],
      ["resource-bounds", "mandatory"],
      ["restricted-servers", "mandatory"],
      ["readiness-probes", "mandatory"],
      ["no-secret-literals", "mandatory"],
      ["no-external-services", "mandatory"],
      ["recommended-labels", "mandatory"],
    ]);
  });
});

const deployment = (container: Record<string, any>, pod: Record<string, any> = {}, namespace = "observability"): K8sObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "x", namespace, labels: { "app.kubernetes.io/name": "x", "app.kubernetes.io/part-of": "p", "app.kubernetes.io/managed-by": "pulumi" } },
  spec: { template: { spec: { securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } }, ...pod, containers: [{ name: "c", ...container }] } } },
});
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
    const agent = { ...deployment(good, hostPath, DEFAULT_AGENTS_NAMESPACE), kind: "DaemonSet" };
    expect(violations(agent)).toEqual([]);
  });

  it("exempts only DaemonSets in the agents namespace, not other kinds there or DaemonSets elsewhere", () => {
    const hostPath = { volumes: [{ name: "logs", hostPath: { path: "/var/log/pods" } }] };
    const inAgents = deployment(good, hostPath, DEFAULT_AGENTS_NAMESPACE);
    expect(fired(violations(inAgents))).toEqual(["restricted-servers"]);
    const daemonSetElsewhere = { ...deployment(good, hostPath, "observability"), kind: "DaemonSet" };
    expect(fired(violations(daemonSetElsewhere))).toEqual(["restricted-servers"]);
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
