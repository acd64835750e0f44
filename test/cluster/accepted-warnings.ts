/**
 * The one list of accepted warnings. The cluster tests collect every `Warning` the API server returns for the
 * rendered stacks (Pod Security "would violate", deprecated APIs, unknown fields under Warn) and every warning the
 * Pulumi engine shows; any warning not listed here fails the test, and so does an entry nothing drew any more.
 * Each entry says why it is accepted.
 */

export interface AcceptedServerWarning {
  readonly kind: string;
  readonly name: string;
  /** The warning's text exactly as the server sends it. */
  readonly text: string;
  readonly reason: string;
}

/** Drawn by the same objects in dev and prod (the agents' pods are identical in both). */
export const ACCEPTED_SERVER_WARNINGS: readonly AcceptedServerWarning[] = [
  {
    kind: "DaemonSet",
    name: "promtail",
    text: 'would violate PodSecurity "baseline:latest": hostPath volumes (volumes "pod-logs", "positions")',
    reason:
      "Promtail tails the node's /var/log/pods and keeps its read positions on the node; the agents namespace enforces privileged " +
      "and warns at baseline on purpose, so that every deploy names the host access the agents have (components/namespaces.ts)",
  },
  {
    kind: "DaemonSet",
    name: "dcgm-exporter",
    text: 'would violate PodSecurity "baseline:latest": hostPath volumes (volume "pod-resources")',
    reason:
      "the DCGM exporter reads the kubelet's pod-resources socket (read-only) to attribute GPU series to pods; same namespace policy " +
      "as Promtail: warned at baseline, admitted at privileged",
  },
];

export interface AcceptedEngineWarning {
  /** Matches the whole message of the engine's diagnostic (trailing newline removed). */
  readonly pattern: RegExp;
  readonly reason: string;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export const ACCEPTED_ENGINE_WARNINGS: readonly AcceptedEngineWarning[] = [
  // The program logs each Pod Security warning the server returns for its agents (components/kube/pod-security.ts),
  // since the provider discards the server's own: accepted exactly where the server's warning is.
  ...ACCEPTED_SERVER_WARNINGS.map((w) => ({
    pattern: new RegExp(`^${escapeRegExp(`${w.kind} ${w.name}: ${w.text} (admitted: `)}[^)]*\\)$`),
    reason: `the program's copy of the server's warning, which the provider does not show: ${w.reason}`,
  })),
  {
    pattern: /^resource plugin kubernetes is expected to have version >=4\.34\.2, but has 4\.0\.0-20260115033456-f47bc2d6f199; the wrong version may be on your path, or this may be a bug in the plugin$/,
    reason:
      "the version skew stated in the upstream version table: the Go module proxy serves no tagged pulumi-kubernetes provider, only " +
      "commit f47bc2d6f199 of 2026-01-15, which is installed under the 4.34.2 that @pulumi/kubernetes requests and reports its own version",
  },
  {
    pattern: /^\[MinimumReplicasUnavailable\] Deployment does not have minimum availability\.$/,
    reason:
      "the provider's await logic reports a Deployment's progress while its first pod is being scheduled and started (a second " +
      "or two on kwok); the same up then reports the Deployment ready, which the workload checks confirm",
  },
];
