/**
 * The prod stack through the real engine: up with its protections (protectData: true), preview, and the deletes the
 * protections must refuse (a destroy) and the change they must not block (a volume grown in place). Then what a deliberate
 * teardown takes: destroy --exclude-protected leaves exactly the protected objects, unprotect and destroy the rest.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeClient } from "../../scripts/cluster/kube-client";
import { clusterClient, clusterState, removeStackObjects, renderedDocs } from "./harness/cluster";
import { AGENTS, SERVERS, expectClaimsBound, expectReaderAccess, expectServiceEndpoints, expectWorkloadsPlaced, unacceptedEngineWarnings } from "./harness/checks";
import type { DriverResult } from "./harness/pulumi-driver";
import { TestStack, steps } from "./harness/pulumi";
import { claimsOf, createVolumes } from "./harness/volumes";

let client: KubeClient;
let stack: TestStack;
let docs: any[];
const results: DriverResult[] = [];

async function op(name: Parameters<TestStack["run"]>[0], extra: Parameters<TestStack["run"]>[1] = {}): Promise<DriverResult> {
  const r = await stack.must(name, extra);
  results.push(r);
  return r;
}

async function attempt(name: Parameters<TestStack["run"]>[0], extra: Parameters<TestStack["run"]>[1] = {}): Promise<DriverResult> {
  const r = await stack.run(name, extra);
  results.push(r);
  return r;
}

/** Resource URNs and protect flags from the stack's state. */
async function stateResources(): Promise<{ urn: string; type: string; id?: string; protect: boolean; dependencies: string[] }[]> {
  const d = (await op("export")).deployment as { resources?: { urn: string; type: string; id?: string; protect?: boolean; dependencies?: string[] }[] };
  return (d.resources ?? []).map((r) => ({ urn: r.urn, type: r.type, id: r.id, protect: r.protect === true, dependencies: r.dependencies ?? [] }));
}

async function uidOf(path: string): Promise<string | undefined> {
  const r = await client.request("GET", path);
  return r.status === 200 ? r.body.metadata.uid : undefined;
}

beforeAll(async () => {
  client = clusterClient();
  await removeStackObjects(client);
  docs = renderedDocs("prod");
  await createVolumes(client, claimsOf(docs));
  stack = new TestStack("prod", mkdtempSync(join(tmpdir(), "observability-pulumi-prod-")), clusterState().kubeconfig);
  await stack.init();
}, 180_000);

afterAll(async () => {
  await removeStackObjects(client);
  client.close();
  // The stack's folder holds its state, a copy of the provider (170 MB) and the engine's requests and results.
  if (stack && process.env.OBSERVABILITY_CLUSTER_KEEP !== "1") rmSync(stack.dir, { recursive: true, force: true });
}, 180_000);

describe("pulumi up of the prod stack", () => {
  let up: DriverResult;

  beforeAll(async () => {
    up = await op("up");
  }, 600_000);

  test("creates every object the render shows", () => {
    const created = steps(up).filter((s) => s.op === "create" && s.type.startsWith("kubernetes:"));
    expect(created.length).toBe(docs.length);
  });

  test("replicated workloads reach their Ready counts on the kwok nodes, DCGM only on GPU nodes, Promtail on every node", async () => {
    await expectWorkloadsPlaced(client, docs);
  });

  test("Services get endpoints, claims bind, readers have exactly their access", async () => {
    await expectServiceEndpoints(client, docs);
    await expectClaimsBound(client, docs);
    await expectReaderAccess(client, docs);
  });

  test("preview then shows no change", async () => {
    const r = await op("preview", { expectNoChanges: true });
    expect(steps(r)).toEqual([]);
  }, 300_000);
});

describe("the prod protections", () => {
  test("let a volume grow: pulumi up after prometheus.storageSize 500Gi -> 600Gi grows both replicas' claims in place, StatefulSet and claims kept", async () => {
    const path = `/apis/apps/v1/namespaces/${SERVERS}/statefulsets/prometheus`;
    const claimPath = (i: number) => `/api/v1/namespaces/${SERVERS}/persistentvolumeclaims/data-prometheus-${i}`;
    const before = { sts: await uidOf(path), claims: [await uidOf(claimPath(0)), await uidOf(claimPath(1))] };
    await op("set-config", { set: { "prometheus.storageSize": "600Gi" } });
    const up = await op("up");
    const changed = steps(up).filter((s) => s.type !== "pulumi:pulumi:Stack").map((s) => `${s.op} ${s.name}`).sort();
    expect(changed).toEqual(["update prometheus-data-0", "update prometheus-data-1", "update prometheus-statefulset"]);
    expect({ sts: await uidOf(path), claims: [await uidOf(claimPath(0)), await uidOf(claimPath(1))] }).toEqual(before);
    for (const i of [0, 1]) expect((await client.get(claimPath(i))).spec.resources.requests.storage).toBe("600Gi");
    await expectWorkloadsPlaced(client, docs);
    const p = await op("preview", { expectNoChanges: true });
    expect(steps(p)).toEqual([]);
  }, 600_000);

  test("refuse a destroy: nothing protected is deleted", async () => {
    const protectedBefore = (await stateResources()).filter((r) => r.protect);
    expect(protectedBefore.length).toBeGreaterThan(0);
    const r = await attempt("destroy");
    expect(r.ok).toBe(false);
    expect(r.stdout + r.error).toMatch(/error: resource "[^"]+::[^"]+" cannot be deleted/);
    const after = await stateResources();
    for (const p of protectedBefore) expect(after.map((a) => a.urn)).toContain(p.urn);
    for (const ns of [SERVERS, AGENTS]) expect((await client.request("GET", `/api/v1/namespaces/${ns}`)).status).toBe(200);
  }, 600_000);

  test("destroy --exclude-protected leaves exactly the protected objects (namespaces and data holders) and what they use", async () => {
    // What a protected resource depends on (its ConfigMaps, Secret, ServiceAccount) stays with it: the engine keeps
    // the dependencies of everything it does not delete.
    const before = await stateResources();
    const byUrn = new Map(before.map((r) => [r.urn, r]));
    const kept = new Set<string>();
    const keep = (urn: string) => {
      if (kept.has(urn) || !byUrn.has(urn)) return;
      kept.add(urn);
      byUrn.get(urn)?.dependencies.forEach(keep);
    };
    before.filter((r) => r.protect).forEach((r) => keep(r.urn));
    const protectedUrns = [...kept].filter((u) => byUrn.get(u)?.type.startsWith("kubernetes:")).sort();
    await op("destroy", { excludeProtected: true });
    const left = (await stateResources()).filter((r) => r.type.startsWith("kubernetes:")).map((r) => r.urn).sort();
    expect(left).toEqual(protectedUrns);
    const kinds = left.map((u) => u.split("::").pop()).sort();
    expect(kinds).toEqual(expect.arrayContaining(["observability-agents", "observability-servers", "prometheus-statefulset", "prometheus-data-0", "prometheus-data-1"]));
    for (const r of (await stateResources()).filter((x) => x.type === "kubernetes:apps/v1:StatefulSet")) {
      const [ns, name] = (r.id ?? "").split("/");
      expect({ name, live: (await client.request("GET", `/apis/apps/v1/namespaces/${ns}/statefulsets/${name}`)).status }).toEqual({ name, live: 200 });
    }
  }, 600_000);

  test("unprotected on purpose, destroy removes the rest", async () => {
    stack.unprotectAll();
    const r = await op("destroy");
    expect(r.changeSummary?.delete).toBeGreaterThan(0);
    expect((await stateResources()).filter((x) => x.type.startsWith("kubernetes:"))).toEqual([]);
  }, 600_000);

  test("every warning the engine showed is accepted", () => {
    expect(unacceptedEngineWarnings(results)).toEqual([]);
  });
});
