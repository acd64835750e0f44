/**
 * What Pod Security admission says of a pod spec at the `baseline` level, in the API server's own words. The server
 * returns those warnings to the client, but the Kubernetes provider discards API warnings, so `pulumi up` would
 * never show them; the agents' components log these instead. Covers the baseline checks a node agent can draw
 * (host namespaces, hostPath volumes, host ports, privileged containers); the cluster tests compare this text with
 * the real API server's for every object of both stacks and for planted pods.
 */
import * as pulumi from "@pulumi/pulumi";

export type PodSecurityLevel = "privileged" | "baseline" | "restricted";

/** The fields of a pod spec the checks read; anything else may be there. */
export interface CheckedPodSpec {
  readonly hostNetwork?: unknown;
  readonly hostPID?: unknown;
  readonly hostIPC?: unknown;
  readonly volumes?: unknown;
  readonly initContainers?: unknown;
  readonly containers?: unknown;
}

interface Named {
  readonly name?: unknown;
  readonly hostPath?: unknown;
  readonly ports?: unknown;
  readonly securityContext?: unknown;
}

function list(value: unknown): Named[] {
  return Array.isArray(value) ? (value as Named[]) : [];
}

function quoted(names: readonly string[]): string {
  return names.map((n) => JSON.stringify(n)).join(", ");
}

/** `volume "a"` or `volumes "a", "b"`: the server's pluralisation. */
function noun(singular: string, plural: string, names: readonly string[]): string {
  return `${names.length === 1 ? singular : plural} ${quoted(names)}`;
}

/** Each baseline violation as `reason (detail)`, in the order the server lists them. */
export function baselineViolations(spec: CheckedPodSpec): string[] {
  const out: string[] = [];
  const containers = [...list(spec.initContainers), ...list(spec.containers)];

  const hostNamespaces = (["hostNetwork", "hostPID", "hostIPC"] as const).filter((k) => spec[k] === true).map((k) => `${k}=true`);
  if (hostNamespaces.length > 0) out.push(`host namespaces (${hostNamespaces.join(", ")})`);

  const hostPaths = list(spec.volumes).filter((v) => v.hostPath !== undefined).map((v) => String(v.name));
  if (hostPaths.length > 0) out.push(`hostPath volumes (${noun("volume", "volumes", hostPaths)})`);

  const portUsers: string[] = [];
  const ports: number[] = [];
  for (const c of containers) {
    const used = list(c.ports).map((p) => (p as { hostPort?: unknown }).hostPort).filter((p): p is number => typeof p === "number" && p !== 0);
    if (used.length > 0) {
      portUsers.push(String(c.name));
      ports.push(...used);
    }
  }
  if (portUsers.length > 0) {
    const verb = portUsers.length === 1 ? "uses" : "use";
    out.push(`hostPort (${noun("container", "containers", portUsers)} ${verb} ${ports.length === 1 ? "hostPort" : "hostPorts"} ${ports.join(", ")})`);
  }

  const privileged = containers.filter((c) => (c.securityContext as { privileged?: unknown } | undefined)?.privileged === true).map((c) => String(c.name));
  if (privileged.length > 0) out.push(`privileged (${noun("container", "containers", privileged)} must not set securityContext.privileged=true)`);

  return out;
}

/** The warning the server returns for a pod spec in a namespace that warns at `baseline`, if any. */
export function baselineWarning(spec: CheckedPodSpec): string | undefined {
  const v = baselineViolations(spec);
  return v.length === 0 ? undefined : `would violate PodSecurity "baseline:latest": ${v.join(", ")}`;
}

/**
 * Logs, on the workload, the warning the API server returns for its pod template when the namespace warns at
 * `baseline` (and enforces something looser, or the object would be refused instead).
 */
export function logPodSecurityWarning(
  kind: string,
  name: string,
  spec: CheckedPodSpec,
  levels: { readonly enforce: PodSecurityLevel; readonly warn: PodSecurityLevel },
  resource: pulumi.Resource,
): string | undefined {
  if (levels.warn !== "baseline" || levels.enforce !== "privileged") return undefined;
  const warning = baselineWarning(spec);
  if (warning) void pulumi.log.warn(`${kind} ${name}: ${warning} (admitted: the namespace enforces privileged and warns at baseline)`, resource);
  return warning;
}
