/**
 * The rendered dev and prod stacks, applied object by object to kube-apiserver 1.36 with server-side apply and
 * fieldValidation=Strict, as a user's `kubectl apply --server-side` of `npm run render` output would be: every object
 * admitted, every warning the server returns accounted for (accepted-warnings.ts), a misspelled field refused, and
 * Pod Security enforcing in the servers namespace.
 */
import { KubeClient } from "../../scripts/cluster/kube-client";
import { baselineWarning } from "../../components/kube/pod-security";
import { ACCEPTED_SERVER_WARNINGS } from "./accepted-warnings";
import { clusterClient, removeStackObjects, renderedDocs } from "./harness/cluster";

interface Applied {
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly status: number;
  readonly text: string;
  readonly warnings: readonly string[];
}

let client: KubeClient;

beforeAll(async () => {
  client = clusterClient();
  await removeStackObjects(client);
}, 180_000);

afterAll(async () => {
  await removeStackObjects(client);
  client.close();
}, 180_000);

describe.each(["dev", "prod"] as const)("the rendered %s stack, server-side applied with fieldValidation=Strict", (stack) => {
  const applied: Applied[] = [];
  let docs: any[];

  beforeAll(async () => {
    docs = renderedDocs(stack);
    // In file order: namespaces, RBAC, config and storage come before the workloads that need them.
    for (const d of docs) {
      const r = await client.apply(d, { fieldManager: `render-${stack}`, force: true });
      applied.push({ kind: d.kind, name: d.metadata.name, namespace: d.metadata.namespace, status: r.status, text: r.text.slice(0, 600), warnings: r.warnings });
    }
  }, 300_000);

  afterAll(async () => {
    await removeStackObjects(client);
  }, 180_000);

  test("admits every object", () => {
    expect(applied.length).toBe(docs.length);
    const refused = applied.filter((a) => a.status < 200 || a.status >= 300);
    expect(refused).toEqual([]);
  });

  test("returns no warning that is not accepted, and still draws each accepted one", () => {
    const drawn = applied.flatMap((a) => a.warnings.map((text) => ({ kind: a.kind, name: a.name, text })));
    const accepted = (w: { kind: string; name: string; text: string }) => ACCEPTED_SERVER_WARNINGS.some((x) => x.kind === w.kind && x.name === w.name && x.text === w.text);
    expect(drawn.filter((w) => !accepted(w))).toEqual([]);
    const stale = ACCEPTED_SERVER_WARNINGS.filter((x) => !drawn.some((w) => w.kind === x.kind && w.name === x.name && w.text === x.text));
    expect(stale.map((x) => `${x.kind}/${x.name}: ${x.text}`)).toEqual([]);
  });

  test("the program's Pod Security warnings (components/kube/pod-security.ts) are exactly the server's, object by object", () => {
    const agents = docs.find((d) => d.kind === "Namespace" && d.metadata.labels?.["observability.ai-platform/role"] === "agents").metadata.name;
    const podSpec = (d: any) => (d.kind === "Pod" ? d.spec : d.spec?.jobTemplate?.spec?.template?.spec ?? d.spec?.template?.spec);
    const compared = applied.map((a, i) => {
      const spec = podSpec(docs[i]);
      const predicted = spec && a.namespace === agents ? baselineWarning(spec) : undefined;
      return { kind: a.kind, name: a.name, server: a.warnings.filter((w) => w.includes("PodSecurity")), program: predicted ? [predicted] : [] };
    });
    expect(compared.filter((c) => c.server.join() !== c.program.join())).toEqual([]);
    expect(compared.filter((c) => c.program.length > 0).map((c) => c.name).sort()).toEqual(["dcgm-exporter", "promtail"]);
  });

  test("the program's Pod Security text matches the server's for a planted pod drawing every check it covers", async () => {
    const agents = docs.find((d) => d.kind === "Namespace" && d.metadata.labels?.["observability.ai-platform/role"] === "agents").metadata.name;
    const spec = {
      hostNetwork: true,
      hostPID: true,
      containers: [
        { name: "a", image: "registry.example/probe:1", ports: [{ containerPort: 9400, hostPort: 9400 }], securityContext: { privileged: true } },
        { name: "b", image: "registry.example/probe:1", ports: [{ containerPort: 9401, hostPort: 9401 }], securityContext: { privileged: true } },
      ],
      volumes: [
        { name: "one", hostPath: { path: "/var/one" } },
        { name: "two", hostPath: { path: "/var/two" } },
      ],
    };
    const r = await client.request("POST", `/api/v1/namespaces/${agents}/pods?dryRun=All`, { body: { apiVersion: "v1", kind: "Pod", metadata: { name: "planted", namespace: agents }, spec } });
    expect(r.status).toBe(201);
    expect(r.warnings.filter((w) => w.includes("PodSecurity"))).toEqual([baselineWarning(spec)]);
    // One of each, for the singular forms.
    const single = { hostIPC: true, containers: [spec.containers[0]], volumes: [spec.volumes[0]] };
    const one = await client.request("POST", `/api/v1/namespaces/${agents}/pods?dryRun=All`, { body: { apiVersion: "v1", kind: "Pod", metadata: { name: "planted", namespace: agents }, spec: single } });
    expect(one.warnings.filter((w) => w.includes("PodSecurity"))).toEqual([baselineWarning(single)]);
  });

  test("refuses a planted object with a misspelled field", async () => {
    const deployment = docs.find((d) => d.kind === "Deployment");
    const planted = structuredClone(deployment);
    planted.metadata.name = `${deployment.metadata.name}-planted`;
    planted.spec.template.spec.containers[0].imagePullPolicyy = "IfNotPresent";
    // Server-side apply builds a typed patch from the schema first, so an unknown field fails whatever the
    // validation mode (1.36 answers 500 for it, not 400).
    const applied = await client.apply(planted, { fieldManager: "planted", dryRun: true });
    expect(applied.status).toBeGreaterThanOrEqual(400);
    expect(applied.body?.message).toMatch(/\.spec\.template\.spec\.containers\[name="[^"]+"\]\.imagePullPolicyy: field not declared in schema/);
    // The same object created with fieldValidation=Strict is refused as a bad request; with Warn it is admitted with
    // a warning: the refusal is field validation at work, not some other fault of the planted object.
    const path = `/apis/apps/v1/namespaces/${planted.metadata.namespace}/deployments?dryRun=All&fieldValidation=`;
    const strict = await client.request("POST", `${path}Strict`, { body: planted });
    expect(strict.status).toBe(400);
    expect(strict.body?.message).toMatch(/strict decoding error: unknown field "spec\.template\.spec\.containers\[0\]\.imagePullPolicyy"/);
    const warn = await client.request("POST", `${path}Warn`, { body: planted });
    expect(warn.status).toBe(201);
    expect(warn.warnings).toContain('unknown field "spec.template.spec.containers[0].imagePullPolicyy"');
  });

  test("Pod Security refuses a privileged pod in the servers namespace, and admits it in the agents namespace", async () => {
    const ns = (role: string) => docs.find((d) => d.kind === "Namespace" && d.metadata.labels?.["observability.ai-platform/role"] === role).metadata.name;
    const pod = (namespace: string) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "privileged-probe", namespace },
      spec: { containers: [{ name: "c", image: "registry.example/probe:1", securityContext: { privileged: true } }] },
    });
    const servers = await client.request("POST", `/api/v1/namespaces/${ns("servers")}/pods`, { body: pod(ns("servers")) });
    expect(servers.status).toBe(403);
    expect(servers.body.message).toMatch(/violates PodSecurity "restricted:latest": privileged \(container "c" must not set securityContext\.privileged=true\)/);
    const agents = await client.request("POST", `/api/v1/namespaces/${ns("agents")}/pods?dryRun=All`, { body: pod(ns("agents")) });
    expect(agents.status).toBe(201);
    expect(agents.warnings.join("\n")).toMatch(/would violate PodSecurity "baseline:latest": privileged/);
  });
});
