/**
 * The CrossGuard policies: each check of checks.ts as a mandatory stack policy over the stack's Kubernetes resources.
 * Stack policies, not resource policies, because what a check allows depends on the stack's own config (which
 * namespace holds the agents, whether digests are required), and the stack's objects are where that config shows.
 */
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { CHECKS, K8sObject, STACK_CHECKS, contextOf } from "./checks";

const isKubernetes = (r: PolicyResource) => r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:providers:");

export function policies(): StackValidationPolicy[] {
  const perObject = Object.entries(CHECKS).map(([name, { description, check }]) => ({
    name,
    description,
    enforcementLevel: "mandatory" as const,
    validateStack: (args: { resources: PolicyResource[] }, reportViolation: (message: string, urn?: string) => void) => {
      const resources = args.resources.filter(isKubernetes);
      const ctx = contextOf(resources.map((r) => r.props as K8sObject));
      for (const r of resources) {
        for (const problem of check(r.props as K8sObject, ctx)) reportViolation(`${r.props.kind ?? r.type} ${r.name}: ${problem}`, r.urn);
      }
    },
  }));
  const wholeStack = Object.entries(STACK_CHECKS).map(([name, { description, check }]) => ({
    name,
    description,
    enforcementLevel: "mandatory" as const,
    validateStack: (args: { resources: PolicyResource[] }, reportViolation: (message: string, urn?: string) => void) => {
      const objects = args.resources.filter(isKubernetes).map((r) => r.props as K8sObject);
      for (const problem of check(objects, contextOf(objects))) reportViolation(problem);
    },
  }));
  return [...perObject, ...wholeStack];
}
