/** A ServiceAccount with cluster-wide read access, for components that watch the API server (discovery, enrichment). */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export interface ClusterReaderArgs {
  /** Namespace object (or its name as an output) of the ServiceAccount. */
  readonly namespace: pulumi.Input<string>;
  /** Namespace name, part of the cluster-scoped names. */
  readonly namespaceName: string;
  /** The application; names the ServiceAccount. */
  readonly appName: string;
  readonly labels: Record<string, string>;
  readonly rules: k8s.types.input.rbac.v1.PolicyRule[];
}

/**
 * ServiceAccount `<app>`, ClusterRole and ClusterRoleBinding `<namespace>-<app>`: cluster-scoped names carry the
 * namespace, so two stacks in one cluster do not collide. `logical` prefixes the Pulumi names (`-sa`, `-<purpose>`).
 */
export function clusterReader(logical: string, purpose: string, args: ClusterReaderArgs, opts: pulumi.CustomResourceOptions): k8s.core.v1.ServiceAccount {
  const { namespace, labels } = args;
  const serviceAccount = new k8s.core.v1.ServiceAccount(`${logical}-sa`, { metadata: { name: args.appName, namespace, labels } }, opts);
  const clusterName = `${args.namespaceName}-${args.appName}`;
  const role = new k8s.rbac.v1.ClusterRole(`${logical}-${purpose}`, { metadata: { name: clusterName, labels }, rules: args.rules }, opts);
  new k8s.rbac.v1.ClusterRoleBinding(
    `${logical}-${purpose}`,
    {
      metadata: { name: clusterName, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
      subjects: [{ kind: "ServiceAccount", name: serviceAccount.metadata.name, namespace }],
    },
    opts,
  );
  return serviceAccount;
}
