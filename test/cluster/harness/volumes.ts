/**
 * Static PersistentVolumes for a stack's claims: the fixture has no provisioner (no storage exists on loopback), so
 * each claim the stack makes, a PersistentVolumeClaim or a StatefulSet's volumeClaimTemplate times its replicas, gets
 * a volume of its size, reserved for it by claimRef so that the binder's choice is not a test variable.
 */
import { STORAGE_CLASS } from "../../../scripts/cluster/cluster";
import { KubeClient, KubeObject } from "../../../scripts/cluster/kube-client";

export interface Claim {
  readonly namespace: string;
  readonly name: string;
  readonly size: string;
  readonly accessModes: readonly string[];
}

/** Every claim the manifests make, StatefulSet claims named `<template>-<statefulset>-<ordinal>` as the controller does. */
export function claimsOf(docs: readonly any[]): Claim[] {
  const out: Claim[] = [];
  for (const d of docs) {
    if (d.kind === "PersistentVolumeClaim") {
      out.push({ namespace: d.metadata.namespace, name: d.metadata.name, size: d.spec.resources.requests.storage, accessModes: d.spec.accessModes });
    }
    if (d.kind === "StatefulSet") {
      for (const t of d.spec.volumeClaimTemplates ?? []) {
        for (let i = 0; i < (d.spec.replicas ?? 1); i++) {
          out.push({ namespace: d.metadata.namespace, name: `${t.metadata.name}-${d.metadata.name}-${i}`, size: t.spec.resources.requests.storage, accessModes: t.spec.accessModes });
        }
      }
    }
  }
  // A StatefulSet's claims are also objects of the stack (components/kube/stateful-claims.ts): one volume each.
  const seen = new Set<string>();
  return out.filter((c) => !seen.has(`${c.namespace}/${c.name}`) && !!seen.add(`${c.namespace}/${c.name}`));
}

export const PV_LABEL = "observability.test/static-volume";

export function volumeFor(c: Claim): KubeObject {
  const name = `pv-${c.namespace}-${c.name}`.slice(0, 253);
  return {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name, labels: { [PV_LABEL]: "true" } },
    spec: {
      capacity: { storage: c.size },
      accessModes: [...c.accessModes],
      persistentVolumeReclaimPolicy: "Retain",
      storageClassName: STORAGE_CLASS,
      // Never mounted: no kubelet runs. A path makes it a valid volume source.
      hostPath: { path: `/var/lib/observability-cluster-test/${name}`, type: "DirectoryOrCreate" },
      claimRef: { apiVersion: "v1", kind: "PersistentVolumeClaim", namespace: c.namespace, name: c.name },
    },
  };
}

export async function createVolumes(client: KubeClient, claims: readonly Claim[]): Promise<void> {
  for (const c of claims) {
    const r = await client.apply(volumeFor(c), { fieldManager: "cluster-test", force: true });
    if (r.status >= 300) throw new Error(`PersistentVolume for ${c.namespace}/${c.name}: ${r.status} ${r.text}`);
  }
}

/** Removes the test's volumes (Released ones after their claims went with a namespace, or unused ones). */
export async function deleteVolumes(client: KubeClient): Promise<void> {
  const list = await client.get(`/api/v1/persistentvolumes?labelSelector=${encodeURIComponent(PV_LABEL)}`);
  for (const pv of list.items) {
    await client.request("DELETE", `/api/v1/persistentvolumes/${pv.metadata.name}`);
  }
}
