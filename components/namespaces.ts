/**
 * The stack's two namespaces. Servers run under Pod Security `restricted`; node agents (Promtail, DCGM exporter) need
 * host paths and, for profiling, capabilities, so their namespace enforces `privileged` and warns and audits at
 * `baseline`: every deploy then names the host access the agents use, and anything new stands out.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { MANAGED_BY, PART_OF } from "./kube/labels";
import type { PodSecurityLevel } from "./kube/pod-security";

export type { PodSecurityLevel };

/** Read by the policy pack (policy/checks.ts, which keeps its own copy; a test keeps them equal). */
export const NAMESPACE_ROLE_LABEL = "observability.ai-platform/role";
export const IMAGE_DIGESTS_LABEL = "observability.ai-platform/image-digests";

export interface PodSecurityLabels {
  readonly enforce: PodSecurityLevel;
  readonly warn: PodSecurityLevel;
  readonly audit: PodSecurityLevel;
}

/** Pod Security Admission labels; `latest` makes each level follow the cluster's own Kubernetes version. */
export function podSecurityLabels(levels: PodSecurityLabels): Record<string, string> {
  const out: Record<string, string> = {};
  for (const mode of ["enforce", "warn", "audit"] as const) {
    out[`pod-security.kubernetes.io/${mode}`] = levels[mode];
    out[`pod-security.kubernetes.io/${mode}-version`] = "latest";
  }
  return out;
}

export const SERVERS_POD_SECURITY: PodSecurityLabels = { enforce: "restricted", warn: "restricted", audit: "restricted" };
export const AGENTS_POD_SECURITY: PodSecurityLabels = { enforce: "privileged", warn: "baseline", audit: "baseline" };

export interface NamespacesArgs {
  /** Namespace of the servers. */
  readonly servers: string;
  /** Namespace of the node agents. */
  readonly agents: string;
  /** Label both namespaces as requiring images pinned by digest, which the policy pack then enforces. */
  readonly requireImageDigests: boolean;
  /** Protect the namespaces from deletion: deleting one deletes every volume in it. */
  readonly protect: boolean;
}

export class Namespaces extends pulumi.ComponentResource {
  public readonly servers: k8s.core.v1.Namespace;
  public readonly agents: k8s.core.v1.Namespace;

  constructor(name: string, args: NamespacesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:kube:Namespaces", name, {}, opts);
    const make = (logical: string, nsName: string, role: string, levels: PodSecurityLabels) =>
      new k8s.core.v1.Namespace(
        logical,
        {
          metadata: {
            name: nsName,
            labels: {
              "app.kubernetes.io/part-of": PART_OF,
              "app.kubernetes.io/managed-by": MANAGED_BY,
              [NAMESPACE_ROLE_LABEL]: role,
              ...podSecurityLabels(levels),
              ...(args.requireImageDigests ? { [IMAGE_DIGESTS_LABEL]: "required" } : {}),
            },
          },
        },
        { parent: this, protect: args.protect },
      );
    this.servers = make(`${name}-servers`, args.servers, "servers", SERVERS_POD_SECURITY);
    this.agents = make(`${name}-agents`, args.agents, "agents", AGENTS_POD_SECURITY);
    this.registerOutputs({ servers: this.servers.metadata.name, agents: this.agents.metadata.name });
  }
}
