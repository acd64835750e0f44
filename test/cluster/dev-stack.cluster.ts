/**
 * The dev stack's life through the real engine: `pulumi up` of the project's program (Automation API, inline, the CLI
 * built at the SDK's release, a local backend with a passphrase) on the local cluster, its workloads running on kwok
 * nodes, then preview, a config change, refresh, growing the Prometheus volume, and destroy.
 */
import { mkdtempSync, rmSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeClient } from "../../scripts/cluster/kube-client";
import { CLUSTER_SCOPED, clusterClient, clusterState, removeStackObjects, renderedDocs, STACK_SELECTOR } from "./harness/cluster";
import { ACCEPTED_SERVER_WARNINGS } from "./accepted-warnings";
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

  test("Pulumi shows the server's Pod Security warnings for the agents: logged by the program, as the audit log has them", async () => {
    // The provider's Kubernetes client has warnings turned off (rest.NoWarnings in pulumi-kubernetes provider.go), so
    // the program logs them itself (components/kube/pod-security.ts); apply.cluster.ts checks its text against the
    // server's for every object. Here: the engine shows them on the DaemonSets (the CLI prints them under
    // Diagnostics), and Pod Security's audit mode records the same violation for the pods the DaemonSets create.
    const shown = diagnostics(up, "warning").map((d) => ({ urn: d.urn ?? "", message: d.message.replace(/\n$/, "") }));
    for (const w of ACCEPTED_SERVER_WARNINGS) {
      const hit = shown.find((d) => d.message.startsWith(`${w.kind} ${w.name}: ${w.text} (admitted: `));
      expect({ name: w.name, shown: hit !== undefined }).toEqual({ name: w.name, shown: true });
      expect(hit?.urn).toMatch(new RegExp(`kubernetes:apps/v1:${w.kind}::`));
    }
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

  /** The fixture has no volume driver: the test does the resizer's part, the volume's capacity then the claim's status. */
  async function resize(size: string): Promise<void> {
    const c = await claim(CLAIM);
    await client.request("PATCH", `/api/v1/persistentvolumes/${c.spec.volumeName}`, { body: { spec: { capacity: { storage: size } } }, contentType: "application/merge-patch+json" });
    const r = await client.request("PATCH", `/api/v1/namespaces/${SERVERS}/persistentvolumeclaims/${CLAIM}/status`, {
      body: { status: { capacity: { storage: size } } },
      contentType: "application/merge-patch+json",
    });
    expect(r.status).toBe(200);
  }

  test("pulumi config set --path prometheus.storageSize 200Gi, then up: the claim grows in place, the StatefulSet stays, the pod keeps its claim", async () => {
    const stsBefore = await client.get(`/apis/apps/v1/namespaces/${SERVERS}/statefulsets/prometheus`);
    const claimBefore = await claim(CLAIM);
    await op("set-config", { set: { "prometheus.storageSize": "200Gi" } });
    const preview = await op("preview");
    const changed = steps(preview).filter((s) => s.type !== "pulumi:pulumi:Stack");
    // The claim's request, and the retention size Prometheus derives from it (an argument: the pod rolls onto the same claim).
    expect(changed.map((s) => ({ op: s.op, name: s.name })).sort((x, y) => x.name.localeCompare(y.name))).toEqual([
      { op: "update", name: "prometheus-data-0" },
      { op: "update", name: "prometheus-statefulset" },
    ]);
    expect(Object.keys(changed.find((s) => s.name === "prometheus-data-0")?.detailedDiff ?? {})).toEqual(["spec.resources.requests.storage"]);

    const up = await op("up");
    expect(steps(up).filter((s) => s.type !== "pulumi:pulumi:Stack").map((s) => s.op).sort()).toEqual(["update", "update"]);
    await resize("200Gi");
    const sts = await client.get(`/apis/apps/v1/namespaces/${SERVERS}/statefulsets/prometheus`);
    expect(sts.metadata.uid).toBe(stsBefore.metadata.uid);
    // The StatefulSet's template keeps the size it was created with (immutable); the claims carry the size.
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe("20Gi");
    const after = await claim(CLAIM);
    expect({ uid: after.metadata.uid, request: after.spec.resources.requests.storage, capacity: after.status.capacity.storage }).toEqual({
      uid: claimBefore.metadata.uid,
      request: "200Gi",
      capacity: "200Gi",
    });
    const p = await waitFor("prometheus-0 rolled, Ready, on its claim", async () => {
      const x = await pod("prometheus-0");
      const ready = x.status?.conditions?.some((c: any) => c.type === "Ready" && c.status === "True");
      return ready && x.spec.containers[0].args.includes("--storage.tsdb.retention.size=170GB") ? x : undefined;
    }, 120_000);
    expect(p.spec.volumes.find((v: any) => v.name === "data").persistentVolumeClaim.claimName).toBe(CLAIM);
    await expectWorkloadsPlaced(client, docs);
    const again = await op("preview", { expectNoChanges: true });
    expect(steps(again)).toEqual([]);
  }, 600_000);

  test("a smaller size is refused by the API server at the claim, before the StatefulSet changes", async () => {
    const stsBefore = await client.get(`/apis/apps/v1/namespaces/${SERVERS}/statefulsets/prometheus`);
    await op("set-config", { set: { "prometheus.storageSize": "100Gi" } });
    const up = await stack.run("up");
    results.push(up);
    expect(up.ok).toBe(false);
    expect(up.stdout + up.error).toMatch(/PersistentVolumeClaim "data-prometheus-0" is invalid: spec\.resources\.requests\.storage: Forbidden: field can not be less than status\.capacity/);
    const sts = await client.get(`/apis/apps/v1/namespaces/${SERVERS}/statefulsets/prometheus`);
    expect(sts.metadata.generation).toBe(stsBefore.metadata.generation);
    expect((await claim(CLAIM)).spec.resources.requests.storage).toBe("200Gi");
    // The engine records the refused inputs as the claim's state, so the size set back takes one `up` (a no-op on
    // the server) before preview is clean again.
    await op("set-config", { set: { "prometheus.storageSize": "200Gi" } });
    const back = await op("up");
    expect(steps(back).filter((s) => s.type !== "pulumi:pulumi:Stack").map((s) => `${s.op} ${s.name}`)).toEqual(["update prometheus-data-0"]);
    expect((await claim(CLAIM)).spec.resources.requests.storage).toBe("200Gi");
    expect((await client.get(`/apis/apps/v1/namespaces/${SERVERS}/statefulsets/prometheus`)).metadata.generation).toBe(stsBefore.metadata.generation);
    const p = await op("preview", { expectNoChanges: true });
    expect(steps(p)).toEqual([]);
  }, 600_000);
});

describe("pulumi destroy of the dev stack", () => {
  test("leaves nothing of the stack (dev protects nothing)", async () => {
    const r = await op("destroy");
    expect(r.changeSummary?.delete).toBeGreaterThan(docs.length);
    for (const ns of [SERVERS, AGENTS]) {
      await waitFor(`namespace ${ns} gone`, async () => ((await client.request("GET", `/api/v1/namespaces/${ns}`)).status === 404 ? true : undefined), 120_000);
    }
    for (const path of CLUSTER_SCOPED) {
      const left = (await client.get(`${path}?labelSelector=${encodeURIComponent(STACK_SELECTOR)}`)).items;
      expect({ path, left: left.map((o: any) => o.metadata.name) }).toEqual({ path, left: [] });
    }
  }, 600_000);

  test("every warning the engine showed is accepted", () => {
    expect(unacceptedEngineWarnings(results)).toEqual([]);
  });
});
