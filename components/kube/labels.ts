/** The recommended Kubernetes labels, from one place, so selectors and policies can rely on them. */

export const PART_OF = "ai-platform-observability";
export const MANAGED_BY = "pulumi";

export interface LabelArgs {
  /** The application, e.g. `prometheus`. */
  readonly name: string;
  /** The role inside the stack, e.g. `metrics-server`, `log-agent`. */
  readonly component: string;
  /** The instance, distinguishing two installs of one application. Defaults to `name`. */
  readonly instance?: string;
  /** The application version (never used in selectors: it changes on upgrade). */
  readonly version?: string;
}

/** The full label set for `metadata.labels` and pod template labels. */
export function labels(args: LabelArgs): Record<string, string> {
  return {
    ...selectorLabels(args),
    "app.kubernetes.io/component": args.component,
    "app.kubernetes.io/part-of": PART_OF,
    "app.kubernetes.io/managed-by": MANAGED_BY,
    ...(args.version ? { "app.kubernetes.io/version": args.version } : {}),
  };
}

/**
 * The stable subset used in `spec.selector`: a selector is immutable on Deployments, StatefulSets and DaemonSets,
 * so it must never contain a label that changes (version, component renames).
 */
export function selectorLabels(args: Pick<LabelArgs, "name" | "instance">): Record<string, string> {
  return {
    "app.kubernetes.io/name": args.name,
    "app.kubernetes.io/instance": args.instance ?? args.name,
  };
}
