/**
 * The cluster fixture's pure parts, checked in the unit run (no cluster): the GPU pool matches what the stack
 * selects and tolerates, kwok's config is what kwok reads, warning headers parse, and claims are counted as the
 * StatefulSet controller names them.
 */
import { loadAll } from "js-yaml";
import { GPU_TAINT_KEY } from "../../components/dcgm-exporter";
import { gpuField } from "../../config/schema";
import { warningText } from "../../scripts/cluster/kube-client";
import { fixtureNodes, kwokConfig, nodeObject } from "../../scripts/cluster/kwok";
import { clusterToolRows } from "../../scripts/upstream/components";
import { ACCEPTED_ENGINE_WARNINGS, ACCEPTED_SERVER_WARNINGS } from "./accepted-warnings";
import { claimsOf } from "./harness/volumes";
import { loadManifests, renderedStack } from "../support/render";

test("GPU nodes carry the stack's default GPU selector and the taint the DCGM exporter tolerates; the others neither", () => {
  const selector = gpuField.defaultValue?.nodeSelector ?? {};
  expect(Object.keys(selector).length).toBeGreaterThan(0);
  for (const n of fixtureNodes()) {
    const obj = nodeObject(n) as { metadata: { labels: Record<string, string> }; spec: { taints: { key: string }[] } };
    const selected = Object.entries(selector).every(([k, v]) => obj.metadata.labels[k] === v);
    const tainted = obj.spec.taints.some((t) => t.key === GPU_TAINT_KEY);
    expect({ node: n.name, selected, tainted }).toEqual({ node: n.name, selected: n.pool === "gpu", tainted: n.pool === "gpu" });
  }
  expect(fixtureNodes().filter((n) => n.pool === "gpu").length).toBeGreaterThanOrEqual(2);
});

test("kwok's config is its options and three stages", () => {
  const docs = loadAll(kwokConfig()) as { kind: string; metadata?: { name: string } }[];
  expect(docs.map((d) => d.kind)).toEqual(["KwokConfiguration", "Stage", "Stage", "Stage"]);
  expect(docs.slice(1).map((d) => d.metadata?.name)).toEqual(["fixture-node-ready", "fixture-pod-ready", "fixture-pod-delete"]);
});

test("Warning headers parse to their text, escapes undone", () => {
  expect(warningText('299 - "would violate PodSecurity \\"baseline:latest\\": hostPath volumes"')).toBe('would violate PodSecurity "baseline:latest": hostPath volumes');
});

test("claims are the PersistentVolumeClaims and each volumeClaimTemplate per replica, named as the controller names them, each once", () => {
  const docs = loadManifests(renderedStack("prod").file) as any[];
  const claims = claimsOf(docs).map((c) => c.name);
  const sts = docs.filter((d) => d.kind === "StatefulSet");
  const expected = new Set([
    ...docs.filter((d) => d.kind === "PersistentVolumeClaim").map((d) => d.metadata.name),
    ...sts.flatMap((s) => (s.spec.volumeClaimTemplates ?? []).flatMap((t: any) => Array.from({ length: s.spec.replicas ?? 1 }, (_, i) => `${t.metadata.name}-${s.metadata.name}-${i}`))),
  ]);
  expect([...claims].sort()).toEqual([...expected].sort());
  expect(claims).toContain("data-prometheus-1");
  expect(new Set(claims).size).toBe(claims.length);
});

test("every accepted warning gives its reason", () => {
  for (const w of [...ACCEPTED_SERVER_WARNINGS, ...ACCEPTED_ENGINE_WARNINGS]) expect(w.reason.length).toBeGreaterThan(40);
});

test("the provider's version skew is stated in the version table", () => {
  const row = clusterToolRows().find((r) => r.component === "pulumi-resource-kubernetes");
  expect(row?.why).toMatch(/^DIFFERENT: /);
  expect(row?.tested).toMatch(/^commit [0-9a-f]{12} \(\d{4}-\d{2}-\d{2}\)$/);
});
