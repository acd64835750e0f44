/**
 * A StatefulSet's claims as resources of their own. A StatefulSet's `volumeClaimTemplates` cannot change, and the
 * controller never resizes the claims it made, so a larger size in config could only reach the volumes by replacing
 * the StatefulSet: blocked by `protect` in prod, and in the provider this stack is tested with the preview of that
 * replacement is refused by the API server. Instead each replica's claim is created by Pulumi before the StatefulSet,
 * under the name the controller would give it (`<template>-<statefulset>-<ordinal>`), so the controller adopts it;
 * growing `storageSize` is then an in-place update of those claims (the storage class must allow expansion), and the
 * StatefulSet's own templates are ignored after creation.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { volumeClaimTemplate } from "./workload";

/** The claim template of every StatefulSet in the stack. */
export const DATA_CLAIM = "data";

/** For the StatefulSet's options: its templates only name the claims after creation; the claims carry the size. */
export const CLAIM_TEMPLATES_FIXED: pulumi.CustomResourceOptions = { ignoreChanges: ["spec.volumeClaimTemplates"] };

/** The name the StatefulSet controller gives a replica's claim. */
export function replicaClaimName(statefulSetName: string, ordinal: number, template = DATA_CLAIM): string {
  return `${template}-${statefulSetName}-${ordinal}`;
}

export interface StatefulClaimsArgs {
  /** The StatefulSet's `metadata.name`. */
  readonly statefulSetName: string;
  readonly namespace: pulumi.Input<string>;
  readonly labels: Record<string, string>;
  /** One claim per ordinal, 0 to replicas - 1. */
  readonly replicas: number;
  /** Each claim's storage request, e.g. `200Gi`. */
  readonly size: string;
  /** Empty: the cluster's default storage class. */
  readonly storageClass: string;
}

/**
 * Creates the claims, one per replica; pass them to the StatefulSet's `dependsOn` and give it CLAIM_TEMPLATES_FIXED.
 * `opts.protect` protects the data: a claim is what holds it, not the StatefulSet.
 */
export function statefulClaims(name: string, args: StatefulClaimsArgs, opts: pulumi.CustomResourceOptions): k8s.core.v1.PersistentVolumeClaim[] {
  const template = volumeClaimTemplate(DATA_CLAIM, args.size, args.storageClass);
  return Array.from({ length: args.replicas }, (_, ordinal) =>
    new k8s.core.v1.PersistentVolumeClaim(
      `${name}-${DATA_CLAIM}-${ordinal}`,
      { metadata: { name: replicaClaimName(args.statefulSetName, ordinal), namespace: args.namespace, labels: args.labels }, spec: template.spec },
      opts,
    ),
  );
}
