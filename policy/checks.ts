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

/** The two node agents, by their DaemonSets' names (components/services.ts; a test keeps them equal). */
export const AGENT_DAEMONSETS = ["promtail", "dcgm-exporter"] as const;

/** The label the stack puts on its namespaces, saying which holds the agents. */
export const NAMESPACE_ROLE_LABEL = "observability.ai-platform/role";

/** Only the two agents, as DaemonSets in the agents namespace, may touch the node. */
export function isAgent(obj: K8sObject, agentsNamespace: string | undefined): boolean {
  return (
    agentsNamespace !== undefined &&
    obj.kind === "DaemonSet" &&
    obj.metadata?.namespace === agentsNamespace &&
    (AGENT_DAEMONSETS as readonly string[]).includes(obj.metadata?.name ?? "")
  );
}

export interface CheckContext {
  /** The stack's agents namespace (its `agentsNamespace` config), as the stack's Namespace objects name it. */
  readonly agentsNamespace: string | undefined;
  /** Whether every image must be pinned by digest (prod). */
  readonly digestsRequired: boolean;
}

/** Set on the stack's namespaces when its config requires images pinned by digest (`requireImageDigests`). */
export const IMAGE_DIGESTS_LABEL = "observability.ai-platform/image-digests";

/**
 * The context of a whole stack, from its own objects (so from its config): the agents namespace is the Namespace the
 * stack labels as the agents', and digests are required when its namespaces say so.
 */
export function contextOf(objects: readonly K8sObject[]): CheckContext {
  const namespaces = objects.filter((o) => o.kind === "Namespace");
  const agents = namespaces.find((o) => o.metadata?.labels?.[NAMESPACE_ROLE_LABEL] === "agents");
  return { agentsNamespace: agents?.metadata?.name, digestsRequired: namespaces.some((o) => o.metadata?.labels?.[IMAGE_DIGESTS_LABEL] === "required") };
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

/** In prod every image is pinned by digest: a tag can be moved to other content, a digest cannot. */
export const imageDigests: Check = (obj, ctx) =>
  ctx.digestsRequired
    ? containersOf(obj)
        .filter((c) => !/@sha256:[a-f0-9]{64}$/.test(String(c.image ?? "")))
        .map((c) => `container ${c.name} uses image ${JSON.stringify(String(c.image ?? ""))}, not pinned by digest`)
    : [];

/** An Ingress terminates TLS for every host it serves: no plain-HTTP login, no insecure session cookie. */
export const ingressTls: Check = (obj) => {
  if (obj.kind !== "Ingress") return [];
  const covered = new Set((obj.spec?.tls ?? []).filter((t: any) => t.secretName).flatMap((t: any) => t.hosts ?? []));
  const hosts = (obj.spec?.rules ?? []).map((r: any) => r.host ?? "*");
  return hosts.filter((h: string) => !covered.has(h)).map((h: string) => `host ${JSON.stringify(h)} is served without TLS`);
};

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

/** A stack-wide check, over every object at once. */
export type StackCheck = (objects: readonly K8sObject[], ctx: CheckContext) => string[];

/**
 * Every namespace of the stack denies all ingress and egress by default (a NetworkPolicy selecting every pod with
 * both policy types and no rule), so only the flows its own policies name are open.
 */
export const defaultDenyNetwork: StackCheck = (objects) => {
  const namespaces = objects.filter((o) => o.kind === "Namespace" && o.metadata?.labels?.[NAMESPACE_ROLE_LABEL]).map((o) => o.metadata?.name);
  const denies = (p: K8sObject) => {
    const spec = p.spec ?? {};
    const everyPod = Object.keys(spec.podSelector ?? {}).length === 0;
    const types = spec.policyTypes ?? [];
    return everyPod && types.includes("Ingress") && types.includes("Egress") && (spec.ingress ?? []).length === 0 && (spec.egress ?? []).length === 0;
  };
  return namespaces
    .filter((ns) => !objects.some((o) => o.kind === "NetworkPolicy" && o.metadata?.namespace === ns && denies(o)))
    .map((ns) => `namespace ${ns} has no default-deny NetworkPolicy (all pods, Ingress and Egress, no rules)`);
};

export const STACK_CHECKS: Readonly<Record<string, { description: string; check: StackCheck }>> = {
  "default-deny-network": { description: "each namespace of the stack has a default-deny NetworkPolicy", check: defaultDenyNetwork },
};

export const CHECKS: Readonly<Record<string, { description: string; check: Check }>> = {
  "pinned-images": { description: "container images are pinned by tag or digest", check: pinnedImages },
  "resource-bounds": { description: "containers have CPU and memory requests and a memory limit", check: resourceBounds },
  "restricted-servers": { description: "pods other than the two agents meet Pod Security restricted", check: restrictedServers },
  "readiness-probes": { description: "long-running containers have readiness probes", check: readinessProbes },
  "no-secret-literals": { description: "secret-like env vars come from Secrets, not literals", check: noSecretLiterals },
  "no-external-services": { description: "no LoadBalancer or NodePort Services", check: noExternalServices },
  "recommended-labels": { description: "objects carry the app.kubernetes.io labels", check: recommendedLabels },
  "ingress-tls": { description: "every Ingress host is served with TLS", check: ingressTls },
  "image-digests": { description: "in the stacks that require it (prod), images are pinned by digest", check: imageDigests },
};
