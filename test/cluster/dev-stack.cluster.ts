/**
 * The dev stack's life through the real engine: `pulumi up` of the project's program (Automation API, inline, the CLI
 * built at the SDK's release, a local backend with a passphrase) on the local cluster, its workloads running on kwok
 * nodes, then preview, a config change, refresh, growing the Prometheus volume, and destroy.
 */
import { mkdtempSync, rmSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeClient } from "../../scripts/cluster/kube-client";
import { clusterClient, clusterState, removeStackObjects, renderedDocs, STACK_SELECTOR } from "./harness/cluster";
import { AGENTS, SERVERS, expectClaimsBound, expectReaderAccess, expectServiceEndpoints, expectWorkloadsPlaced, unacceptedEngineWarnings } from "./harness/checks";
import type { DriverResult } from "./harness/pulumi-driver";
import { TestStack, diagnostics, steps } from "./harness/pulumi";
import { claimsOf, createVolumes } from "./harness/volumes";
import { waitFor } from "./harness/processes";

let client: KubeClient;
let stack: TestStack;
let docs: any[];
const results: DriverResult[] = [];

async function op(name: Parameters<TestStack["run"]>[0], extra: Parameters<TestStack["run"]>[1] = {}): Promise<DriverResult> {
  const r = await stack.must(name, extra);
  results.push(r);
  return r;
}

async function pod(name: string): Promise<any> {
  return client.get(`/api/v1/namespaces/${SERVERS}/pods/${name}`);
}

async function claim(name: string): Promise<any> {
  return client.get(`/api/v1/namespaces/${SERVERS}/persistentvolumeclaims/${name}`);
}

beforeAll(async () => {
  client = clusterClient();
  await removeStackObjects(client);
  docs = renderedDocs("dev");
  await createVolumes(client, claimsOf(docs));
  stack = new TestStack("dev", mkdtempSync(join(tmpdir(), "observability-pulumi-dev-")), clusterState().kubeconfig);
  await stack.init();
}, 180_000);

afterAll(async () => {
  // Whatever the tests reached, nothing of the stack stays for the next file.
  await removeStackObjects(client);
  client.close();
  // The stack's folder holds its state, a copy of the provider (170 MB) and the engine's requests and results.
  if (stack && process.env.OBSERVABILITY_CLUSTER_KEEP !== "1") rmSync(stack.dir, { recursive: true, force: true });
}, 180_000);

describe("pulumi up of the dev stack", () => {
  let up: DriverResult;

  beforeAll(async () => {
    up = await op("up");
  }, 600_000);

  test("creates every object the render shows, and the program's components", () => {
    const created = steps(up).filter((s) => s.op === "create" && s.type.startsWith("kubernetes:") && !s.type.startsWith("pulumi:providers"));
    expect(created.length).toBe(docs.length);
    expect(up.changeSummary?.create).toBeGreaterThan(docs.length);
  });

  test("Deployments, StatefulSets and DaemonSets reach their desired Ready counts; DCGM only on GPU nodes, Promtail on every node", async () => {
    await expectWorkloadsPlaced(client, docs);
  });

  test("every Service with a selector gets endpoints, and every claim binds", async () => {
    await expectServiceEndpoints(client, docs);
    await expectClaimsBound(client, docs);
  });

  test("Prometheus, Promtail and the collector can read what their discovery needs, and nothing more", async () => {
    await expectReaderAccess(client, docs);
  });

  test("the server's Pod Security warnings reach the audit log, not Pulumi's output (the provider discards API warnings)", async () => {
    // How they surface today: the provider's Kubernetes client has warnings turned off (rest.NoWarnings in
    // pulumi-kubernetes provider.go), so neither the diagnostics nor the text of `up` carry them. The apply test
    // (apply.cluster.ts) collects them; Pod Security's audit mode records them for the pods the DaemonSets create.
    const shown = [...diagnostics(up, "warning"), ...diagnostics(up, "info")].map((d) => d.message).join("\n") + up.stdout + up.stderr;
    expect(shown).not.toMatch(/PodSecurity/);
    const audit = await waitFor(
      "an audit event with Pod Security's audit violation for a Promtail pod",
      async () => {
        const lines = readFileSync(clusterState().auditLog, "utf8").split("\n").filter((l) => l.includes("pod-security.kubernetes.io/audit-violations"));
        const hit = lines.map((l) => JSON.parse(l)).find((e: any) => e.objectRef?.namespace === AGENTS && e.objectRef?.resource === "pods");
        return hit;
      },
      30_000,
    );
    expect(audit.annotations["pod-security.kubernetes.io/audit-violations"]).toMatch(/would violate PodSecurity "baseline:latest": hostPath volumes/);
  });
});

describe("after up", () => {
  test("preview shows no change", async () => {
    const r = await op("preview", { expectNoChanges: true });
    expect(steps(r)).toEqual([]);
    expect(Object.keys(r.changeSummary ?? {})).toEqual(["same"]);
  }, 300_000);

  test("a retention change previews as exactly one update of the Prometheus StatefulSet's args, and up rolls its pod", async () => {
    const before = await pod("prometheus-0");
    await op("set-config", { set: { "prometheus.retention": "30d" } });
    const preview = await op("preview");
    const changed = steps(preview).filter((s) => s.type !== "pulumi:pulumi:Stack");
    expect(changed.map((s) => ({ op: s.op, name: s.name }))).toEqual([{ op: "update", name: "prometheus-statefulset" }]);
    expect(Object.keys(changed[0].detailedDiff ?? {})).toEqual([expect.stringMatching(/^spec\.template\.spec\.containers\[0\]\.args\[\d+\]$/)]);

    const up = await op("up");
    expect(steps(up).filter((s) => s.type !== "pulumi:pulumi:Stack").map((s) => ({ op: s.op, name: s.name }))).toEqual([{ op: "update", name: "prometheus-statefulset" }]);
    const after = await waitFor("prometheus-0 replaced and Ready", async () => {
      const p = await pod("prometheus-0");
      const ready = p.status?.conditions?.some((c: any) => c.type === "Ready" && c.status === "True");
      return p.metadata.uid !== before.metadata.uid && ready ? p : undefined;
    }, 120_000);
    expect(after.spec.containers[0].args).toContain("--storage.tsdb.retention.time=30d");
    expect(before.spec.containers[0].args).toContain("--storage.tsdb.retention.time=90d");
  }, 600_000);

  test("refresh finds the cluster as the state has it, and preview still shows no change", async () => {
    const r = await op("refresh", { expectNoChanges: true });
    expect(steps(r).filter((s) => s.op !== "refresh" || s.diffs.length > 0)).toEqual([]);
    expect(Object.keys(r.changeSummary ?? {})).toEqual(["same"]);
    const p = await op("preview", { expectNoChanges: true });
    expect(steps(p)).toEqual([]);
  }, 300_000);
});

describe("growing the Prometheus volume (prometheus.storageSize 20Gi -> 200Gi) on the live stack", () => {
  const CLAIM = "data-prometheus-0";

  test("today: preview fails: the provider dry-runs the StatefulSet's replacement against the live one", async () => {
    await op("set-config", { set: { "prometheus.storageSize": "200Gi" } });
    // volumeClaimTemplates are immutable, so the change is a replace (delete, then create: the name is fixed). The
    // provider previews the create as a server-side dry run onto the existing object, which the API server refuses
    // as an update of a forbidden field. `pulumi preview`, and so an interactive `pulumi up`, stop there.
    const preview = await stack.run("preview");
    results.push(preview);
    expect(preview.ok).toBe(false);
    expect(preview.stdout + preview.error).toMatch(/StatefulSet\.apps "prometheus" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas'/);
    expect(preview.stdout).toMatch(/\+-kubernetes:apps\/v1:StatefulSet: \(replace\)/);
    expect(preview.stdout).toMatch(/volumeClaimTemplates: \[[\s\S]*storage: "20Gi" => "200Gi"/);
  }, 300_000);

  test("what works without changing the stack: grow the claim in place, orphan-delete the StatefulSet, refresh, up", async () => {
    const podBefore = await pod("prometheus-0");
    const claimBefore = await claim(CLAIM);
    // 1. The claim grows in place: admitted because the StorageClass allows expansion.
    const patch = await client.request("PATCH", `/api/v1/namespaces/${SERVERS}/persistentvolumeclaims/${CLAIM}`, {
      body: { spec: { resources: { requests: { storage: "200Gi" } } } },
      contentType: "application/merge-patch+json",
    });
    expect(patch.status).toBe(200);
    // The fixture has no volume driver: the test does the resizer's part (volume capacity, then the claim's status).
    const pvName = claimBefore.spec.volumeName;
    await client.request("PATCH", `/api/v1/persistentvolumes/${pvName}`, { body: { spec: { capacity: { storage: "200Gi" } } }, contentType: "application/merge-patch+json" });
    await client.request("PATCH", `/api/v1/namespaces/${SERVERS}/persistentvolumeclaims/${CLAIM}/status`, {
      body: { status: { capacity: { storage: "200Gi" } } },
      contentType: "application/merge-patch+json",
    });
    // 2. The StatefulSet goes with an orphaning delete: its pod keeps running on its claim meanwhile.
    const del = await client.request("DELETE", `/apis/apps/v1/namespaces/${SERVERS}/statefulsets/prometheus`, { body: { propagationPolicy: "Orphan" } });
    expect(del.status).toBe(200);
    await waitFor("StatefulSet prometheus gone", async () => ((await client.request("GET", `/apis/apps/v1/namespaces/${SERVERS}/statefulsets/prometheus`)).status === 404 ? true : undefined), 30_000);
    expect((await pod("prometheus-0")).metadata.uid).toBe(podBefore.metadata.uid);
    // 3. Refresh drops it from the state; up creates it with the new template, adopting the running pod.
    const refresh = await op("refresh");
    expect(refresh.changeSummary?.delete).toBe(1);
    const up = await op("up");
    expect(steps(up).filter((s) => s.type !== "pulumi:pulumi:Stack").map((s) => ({ op: s.op, name: s.name }))).toEqual([{ op: "create", name: "prometheus-statefulset" }]);
    const sts = await client.get(`/apis/apps/v1/namespaces/${SERVERS}/statefulsets/prometheus`);
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe("200Gi");
    const after = await claim(CLAIM);
    expect({ uid: after.metadata.uid, request: after.spec.resources.requests.storage, capacity: after.status.capacity.storage }).toEqual({
      uid: claimBefore.metadata.uid,
      request: "200Gi",
      capacity: "200Gi",
    });
    await expectWorkloadsPlaced(client, docs);
    const p = await op("preview", { expectNoChanges: true });
    expect(steps(p)).toEqual([]);
  }, 600_000);

  test("today: the same change applied by up alone deletes the pod and leaves the claim at its old size", async () => {
    const podBefore = await pod("prometheus-0");
    await op("set-config", { set: { "prometheus.storageSize": "300Gi" } });
    const up = await op("up");
    expect(steps(up).filter((s) => s.type !== "pulumi:pulumi:Stack").map((s) => s.op)).toEqual(expect.arrayContaining(["delete-replaced"]));
    const podAfter = await waitFor("prometheus-0 back", async () => {
      const r = await client.request("GET", `/api/v1/namespaces/${SERVERS}/pods/prometheus-0`);
      return r.status === 200 && r.body.metadata.uid !== podBefore.metadata.uid ? r.body : undefined;
    }, 120_000);
    expect(podAfter.metadata.uid).not.toBe(podBefore.metadata.uid);
    const after = await claim(CLAIM);
    // The StatefulSet asks for 300Gi; its existing claim keeps what it had: the controller never resizes claims.
    expect((await client.get(`/apis/apps/v1/namespaces/${SERVERS}/statefulsets/prometheus`)).spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe("300Gi");
    expect(after.spec.resources.requests.storage).toBe("200Gi");
  }, 600_000);
});

describe("pulumi destroy of the dev stack", () => {
  test("leaves nothing of the stack (dev protects nothing)", async () => {
    const r = await op("destroy");
    expect(r.changeSummary?.delete).toBeGreaterThan(docs.length);
    for (const ns of [SERVERS, AGENTS]) {
      await waitFor(`namespace ${ns} gone`, async () => ((await client.request("GET", `/api/v1/namespaces/${ns}`)).status === 404 ? true : undefined), 120_000);
    }
    for (const plural of ["clusterroles", "clusterrolebindings"]) {
      const left = (await client.get(`/apis/rbac.authorization.k8s.io/v1/${plural}?labelSelector=${encodeURIComponent(STACK_SELECTOR)}`)).items;
      expect(left.map((o: any) => o.metadata.name)).toEqual([]);
    }
  }, 600_000);

  test("every warning the engine showed is accepted", () => {
    expect(unacceptedEngineWarnings(results)).toEqual([]);
  });
});
