/** The NetworkPolicies of components/network-policy-config.ts as Kubernetes objects, in both namespaces. */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { labels as makeLabels } from "./kube";
import { NetworkPolicySpecData } from "./network-policy-config";

export interface NetworkPoliciesArgs {
  /** The built policies (buildNetworkPolicies). */
  readonly policies: readonly NetworkPolicySpecData[];
  /** The namespace objects, so the policies are created after them. */
  readonly namespaces: readonly pulumi.Resource[];
}

export class NetworkPolicies extends pulumi.ComponentResource {
  constructor(name: string, args: NetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:kube:NetworkPolicies", name, {}, opts);
    const labels = makeLabels({ name: "network-policy", component: "network-policy" });
    for (const p of args.policies) {
      new k8s.networking.v1.NetworkPolicy(
        `${name}-${p.namespace}-${p.name}`,
        {
          metadata: { name: p.name, namespace: p.namespace, labels },
          spec: {
            podSelector: p.podSelector,
            policyTypes: [...p.policyTypes],
            ...(p.ingress ? { ingress: [...p.ingress] as k8s.types.input.networking.v1.NetworkPolicyIngressRule[] } : {}),
            ...(p.egress ? { egress: [...p.egress] as k8s.types.input.networking.v1.NetworkPolicyEgressRule[] } : {}),
          },
        },
        { parent: this, dependsOn: [...args.namespaces] },
      );
    }
    this.registerOutputs({});
  }
}
