import { ResourceValidationArgs } from "@pulumi/policy";
import { CHECKS, K8sObject } from "../../policy/checks";
import { DEFAULT_AGENTS_NAMESPACE, policies } from "../../policy/policies";
import { Doc, loadManifests, renderedStack } from "../support/render";

const ctx = { agentsNamespace: DEFAULT_AGENTS_NAMESPACE };

/** Runs every policy over one object the way the CrossGuard engine would, collecting violations. */
function violations(obj: K8sObject): string[] {
  const out: string[] = [];
  const [group, version] = String(obj.apiVersion ?? "v1").includes("/") ? String(obj.apiVersion).split("/") : ["core", String(obj.apiVersion ?? "v1")];
  const args = {
    type: `kubernetes:${group}/${version}:${obj.kind}`,
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

describe.each(["dev", "prod"])("the %s stack", (stack) => {
  it("passes every policy", () => {
    const found = stacks[stack].flatMap((d) => violations(d as K8sObject));
    expect(found).toEqual([]);
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

  it.each([
    ["an unpinned image", { ...good, image: "grafana/grafana:latest" }, "pinned-images"],
    ["an untagged image", { ...good, image: "grafana/grafana" }, "pinned-images"],
    ["a container without a memory limit", { ...good, resources: { requests: { cpu: "1", memory: "1Gi" } } }, "resource-bounds"],
    ["a container without a readiness probe", { ...good, readinessProbe: undefined }, "readiness-probes"],
    ["a privileged server container", { ...good, securityContext: { ...good.securityContext, privileged: true } }, "restricted-servers"],
    ["a server container allowing escalation", { ...good, securityContext: { capabilities: { drop: ["ALL"] } } }, "restricted-servers"],
    ["a password as an env literal", { ...good, env: [{ name: "GF_SECURITY_ADMIN_PASSWORD", value: "admin" }] }, "no-secret-literals"],
  ])("rejects %s", (_name, container, policy) => {
    expect(violations(deployment(container)).some((v) => v.startsWith(`[${policy}]`))).toBe(true);
  });

  it("rejects a hostPath on a server but allows it on an agent DaemonSet", () => {
    const hostPath = { volumes: [{ name: "logs", hostPath: { path: "/var/log/pods" } }] };
    expect(violations(deployment(good, hostPath)).some((v) => v.includes("hostPath"))).toBe(true);
    const agent = { ...deployment(good, hostPath, DEFAULT_AGENTS_NAMESPACE), kind: "DaemonSet" };
    expect(violations(agent)).toEqual([]);
  });

  it("rejects a LoadBalancer Service and an object without the stack's labels", () => {
    const svc = { apiVersion: "v1", kind: "Service", metadata: { name: "grafana", labels: {} }, spec: { type: "LoadBalancer" } };
    const found = violations(svc);
    expect(found.some((v) => v.startsWith("[no-external-services]"))).toBe(true);
    expect(found.some((v) => v.startsWith("[recommended-labels]"))).toBe(true);
  });

  it("lets a secret reference through and ignores non-Kubernetes resources", () => {
    const ref = { ...good, env: [{ name: "DATA_SOURCE_PASS", valueFrom: { secretKeyRef: { name: "s", key: "k" } } }, { name: "GF_SECURITY_ADMIN_PASSWORD__FILE", value: "/etc/secrets/pw" }] };
    expect(violations(deployment(ref))).toEqual([]);
    expect(Object.keys(CHECKS).length).toBe(policies(ctx).length);
  });
});
