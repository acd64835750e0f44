/**
 * The stack's two PriorityClasses: node agents above servers above everything without a class (priority 0), so
 * under node pressure the kubelet evicts batch pods before the servers, and the servers before the agents, and a
 * full node preempts lower pods to place an agent. Named after the namespaces, so two stacks in one cluster do not
 * share a cluster-scoped object.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { labels as makeLabels } from "./kube";

/** Below the system classes (2,000,000,000 and above) and far above what workloads commonly use. */
export const PRIORITY_VALUES = { agents: 1_000_000, servers: 100_000 } as const;

export function priorityClassNames(ns: { readonly servers: string; readonly agents: string }): { readonly servers: string; readonly agents: string } {
  return { servers: `${ns.servers}-server`, agents: `${ns.agents}-node-agent` };
}

export interface PriorityClassesArgs {
  /** The namespace names the classes are named after. */
  readonly namespaces: { readonly servers: string; readonly agents: string };
}

export class PriorityClasses extends pulumi.ComponentResource {
  public readonly servers: k8s.scheduling.v1.PriorityClass;
  public readonly agents: k8s.scheduling.v1.PriorityClass;

  constructor(name: string, args: PriorityClassesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:kube:PriorityClasses", name, {}, opts);
    const names = priorityClassNames(args.namespaces);
    const labels = makeLabels({ name: "priority-class", component: "scheduling" });
    const make = (role: "servers" | "agents", description: string) =>
      new k8s.scheduling.v1.PriorityClass(
        `${name}-${role}`,
        { metadata: { name: names[role], labels }, value: PRIORITY_VALUES[role], globalDefault: false, preemptionPolicy: "PreemptLowerPriority", description },
        { parent: this },
      );
    this.agents = make("agents", "observability node agents (log shipping, GPU metrics): evicted last, placed on every node");
    this.servers = make("servers", "observability servers: evicted after unclassified pods, before the node agents");
    this.registerOutputs({});
  }
}
