/** The CrossGuard policies: each check of checks.ts as a mandatory resource policy over Kubernetes resources. */
import { ResourceValidationPolicy } from "@pulumi/policy";
import { CHECKS, CheckContext, K8sObject } from "./checks";

/** The agents namespace the stack uses unless the pack is configured otherwise. */
export const DEFAULT_AGENTS_NAMESPACE = "observability-agents";

export function policies(ctx: CheckContext = { agentsNamespace: DEFAULT_AGENTS_NAMESPACE }): ResourceValidationPolicy[] {
  return Object.entries(CHECKS).map(([name, { description, check }]) => ({
    name,
    description,
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
      if (!args.type.startsWith("kubernetes:")) return;
      for (const problem of check(args.props as K8sObject, ctx)) reportViolation(`${args.props.kind ?? args.type} ${args.name}: ${problem}`);
    },
  }));
}
