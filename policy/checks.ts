/* eslint-disable @typescript-eslint/no-explicit-any -- resource inputs reach policies untyped */
/**
 * The stack's safety rules as pure checks over one Kubernetes object (`kind` plus its inputs). policies.ts wraps them
 * as CrossGuard policies; tests run them over every object of the rendered stacks without the engine.
 */

export type K8sObject = Record<string, any> & { kind?: string; metadata?: { name?: string; namespace?: string; labels?: Record<string, string> } };

const WORKLOAD_KINDS = ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicaSet", "Pod"];

/** The pod spec of a workload, or undefined for other kinds. */
export function podSpecOf(obj: K8sObject): Record<string, any> | undefined {
  switch (obj.kind) {
    case "Pod":
      return obj.spec;
    case "CronJob":
      return obj.spec?.jobTemplate?.spec?.template?.spec;
    default:
      return WORKLOAD_KINDS.includes(obj.kind ?? "") ? obj.spec?.template?.spec : undefined;
  }
}

function containersOf(obj: K8sObject): Record<string, any>[] {
  const spec = podSpecOf(obj);
  return spec ? [...(spec.initContainers ?? []), ...(spec.containers ?? [])] : [];
}

/** Agents (Promtail, DCGM exporter) run in the agents namespace; nothing else may touch the node. */
export function isAgent(obj: K8sObject, agentsNamespace: string): boolean {
  return obj.kind === "DaemonSet" && obj.metadata?.namespace === agentsNamespace;
}

export interface CheckContext {
  readonly agentsNamespace: string;
}

export type Check = (obj: K8sObject, ctx: CheckContext) => string[];

/** Every container pins its image by tag or digest; `latest` and untagged images drift under the stack. */
export const pinnedImages: Check = (obj) =>
  containersOf(obj).flatMap((c) => {
    const image = String(c.image ?? "");
    const last = image.split("/").pop() ?? "";
    const pinned = image.includes("@sha256:") || (last.includes(":") && !last.endsWith(":latest"));
    return pinned ? [] : [`container ${c.name} uses image ${JSON.stringify(image)}, not pinned by tag or digest`];
  });

/** Every container has CPU and memory requests and a memory limit, so one component cannot starve the node. */
export const resourceBounds: Check = (obj) =>
  containersOf(obj).flatMap((c) => {
    const missing = [
      c.resources?.requests?.cpu ? "" : "requests.cpu",
      c.resources?.requests?.memory ? "" : "requests.memory",
      c.resources?.limits?.memory ? "" : "limits.memory",
    ].filter(Boolean);
    return missing.length ? [`container ${c.name} has no ${missing.join(", ")}`] : [];
  });

/** Servers meet Pod Security `restricted`; only the node agents may run as root or use host paths. */
export const restrictedServers: Check = (obj, ctx) => {
  const spec = podSpecOf(obj);
  if (!spec || isAgent(obj, ctx.agentsNamespace)) return [];
  const problems: string[] = [];
  const podCtx = spec.securityContext ?? {};
  if (spec.hostNetwork || spec.hostPID || spec.hostIPC) problems.push("uses host namespaces");
  for (const v of spec.volumes ?? []) if (v.hostPath) problems.push(`volume ${v.name} is a hostPath`);
  for (const c of containersOf(obj)) {
    const sc = c.securityContext ?? {};
    if (sc.privileged) problems.push(`container ${c.name} is privileged`);
    if (sc.allowPrivilegeEscalation !== false) problems.push(`container ${c.name} allows privilege escalation`);
    if (!(sc.capabilities?.drop ?? []).includes("ALL")) problems.push(`container ${c.name} does not drop ALL capabilities`);
    if ((sc.capabilities?.add ?? []).some((cap: string) => cap !== "NET_BIND_SERVICE")) problems.push(`container ${c.name} adds capabilities`);
    if (sc.runAsNonRoot !== true && podCtx.runAsNonRoot !== true) problems.push(`container ${c.name} may run as root`);
    if ((sc.seccompProfile ?? podCtx.seccompProfile)?.type !== "RuntimeDefault") problems.push(`container ${c.name} has no RuntimeDefault seccomp profile`);
  }
  return problems;
};

/** Every long-running container has a readiness probe, so a rollout waits for it and a Service skips a broken pod. */
export const readinessProbes: Check = (obj) => {
  if (!["Deployment", "StatefulSet", "DaemonSet"].includes(obj.kind ?? "")) return [];
  return (podSpecOf(obj)?.containers ?? []).filter((c: any) => !c.readinessProbe).map((c: any) => `container ${c.name} has no readiness probe`);
};

const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|WEBHOOK|API_?KEY|DSN|CREDENTIAL)/i;

/** Secrets come from Secrets: an env var named like a secret must use valueFrom, never a literal. */
export const noSecretLiterals: Check = (obj) =>
  containersOf(obj).flatMap((c) =>
    (c.env ?? [])
      .filter((e: any) => SECRET_NAME.test(e.name) && !e.name.endsWith("_FILE") && e.value !== undefined && e.value !== "")
      .map((e: any) => `container ${c.name} sets ${e.name} as a literal; use valueFrom.secretKeyRef or a mounted file`),
  );

/** Nothing is exposed outside the cluster by default: no LoadBalancer or NodePort Services. */
export const noExternalServices: Check = (obj) =>
  obj.kind === "Service" && ["LoadBalancer", "NodePort"].includes(obj.spec?.type) ? [`service type ${obj.spec.type} exposes the stack outside the cluster`] : [];

/** Every object carries the stack's recommended labels, which selectors, dashboards and policies rely on. */
export const recommendedLabels: Check = (obj) => {
  if (obj.kind === "Namespace") return [];
  const labels = obj.metadata?.labels ?? {};
  return ["app.kubernetes.io/name", "app.kubernetes.io/part-of", "app.kubernetes.io/managed-by"]
    .filter((l) => !labels[l])
    .map((l) => `missing label ${l}`);
};

export const CHECKS: Readonly<Record<string, { description: string; check: Check }>> = {
  "pinned-images": { description: "container images are pinned by tag or digest", check: pinnedImages },
  "resource-bounds": { description: "containers have CPU and memory requests and a memory limit", check: resourceBounds },
  "restricted-servers": { description: "pods outside the agents namespace meet Pod Security restricted", check: restrictedServers },
  "readiness-probes": { description: "long-running containers have readiness probes", check: readinessProbes },
  "no-secret-literals": { description: "secret-like env vars come from Secrets, not literals", check: noSecretLiterals },
  "no-external-services": { description: "no LoadBalancer or NodePort Services", check: noExternalServices },
  "recommended-labels": { description: "objects carry the app.kubernetes.io labels", check: recommendedLabels },
};
