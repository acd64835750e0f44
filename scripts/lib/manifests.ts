/**
 * Turns recorded resource registrations into Kubernetes manifests: secrets redacted, secret leaks refused, every
 * object named, one deterministic order, YAML as docs/architecture.md specifies.
 */
import { dump } from "js-yaml";
import type { RecordedResource } from "./mock-program";

/** Pulumi's marker for a secret value inside serialized inputs (`sdk/nodejs/runtime/rpc.ts`). */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const REDACTED = "REDACTED";

export type Manifest = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string } & Record<string, unknown>;
};

export class RenderError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`render failed:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "RenderError";
  }
}

function isSecretWrapper(value: unknown): value is { value: unknown } {
  return typeof value === "object" && value !== null && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/**
 * Copies a value, reporting every secret marker (a leak: secrets belong in a Secret's data) and every known secret
 * value found in plain text, with its path.
 */
function clean(value: unknown, path: string, ctx: { problems: string[]; secretValues: string[] }): unknown {
  if (isSecretWrapper(value)) {
    ctx.problems.push(`${path}: holds a secret value outside a Kubernetes Secret`);
    return REDACTED;
  }
  if (Array.isArray(value)) return value.map((v, i) => clean(v, `${path}[${i}]`, ctx));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = clean(v, `${path}.${k}`, ctx);
    return out;
  }
  if (typeof value === "string") {
    for (const secret of ctx.secretValues) {
      if (secret.length >= 8 && value.includes(secret)) ctx.problems.push(`${path}: contains the plaintext of a secret config value`);
    }
  }
  return value;
}

/** Order of kinds: what others depend on first (as Helm installs), unknown kinds last, alphabetically. */
const KIND_ORDER = [
  "Namespace",
  "NetworkPolicy",
  "ResourceQuota",
  "LimitRange",
  "PriorityClass",
  "PodSecurityPolicy",
  "PodDisruptionBudget",
  "ServiceAccount",
  "Secret",
  "ConfigMap",
  "StorageClass",
  "PersistentVolume",
  "PersistentVolumeClaim",
  "CustomResourceDefinition",
  "ClusterRole",
  "ClusterRoleBinding",
  "Role",
  "RoleBinding",
  "Service",
  "DaemonSet",
  "Pod",
  "ReplicaSet",
  "Deployment",
  "HorizontalPodAutoscaler",
  "StatefulSet",
  "Job",
  "CronJob",
  "Ingress",
  "APIService",
];

function kindRank(kind: string): number {
  const i = KIND_ORDER.indexOf(kind);
  return i === -1 ? KIND_ORDER.length : i;
}

export function compareManifests(a: Manifest, b: Manifest): number {
  return (
    kindRank(a.kind) - kindRank(b.kind) ||
    a.kind.localeCompare(b.kind) ||
    (a.metadata.namespace ?? "").localeCompare(b.metadata.namespace ?? "") ||
    a.metadata.name.localeCompare(b.metadata.name)
  );
}

/**
 * Builds the manifests of the recorded Kubernetes resources. Throws a RenderError listing every problem: a secret
 * outside a Secret, an object without `metadata.name`, two objects with one identity.
 */
export function toManifests(recorded: readonly RecordedResource[], secretValues: readonly string[] = []): Manifest[] {
  const ctx = { problems: [] as string[], secretValues: [...secretValues] };
  const manifests: Manifest[] = [];
  for (const r of recorded) {
    if (!r.custom || !r.type.startsWith("kubernetes:") || r.type.startsWith("pulumi:providers:")) continue;
    const kind = String(r.inputs.kind ?? "");
    const where = `${r.type}::${r.name}`;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(r.inputs)) {
      const secretData = kind === "Secret" && (k === "data" || k === "stringData");
      if (secretData) {
        const inner = isSecretWrapper(v) ? v.value : v;
        out[k] = inner !== null && typeof inner === "object" ? Object.fromEntries(Object.keys(inner).map((key) => [key, REDACTED])) : REDACTED;
      } else {
        out[k] = clean(v, `${where}.${k}`, ctx);
      }
    }
    const metadata = out.metadata as Manifest["metadata"] | undefined;
    if (!metadata || typeof metadata.name !== "string" || metadata.name === "") {
      ctx.problems.push(`${where}: metadata.name is not set (every object needs an explicit name)`);
      continue;
    }
    manifests.push(out as Manifest);
  }
  const seen = new Set<string>();
  for (const m of manifests) {
    const id = `${m.apiVersion}/${m.kind} ${m.metadata.namespace ?? ""}/${m.metadata.name}`;
    if (seen.has(id)) ctx.problems.push(`${id}: declared twice`);
    seen.add(id);
  }
  if (ctx.problems.length > 0) throw new RenderError(ctx.problems);
  return manifests.sort(compareManifests);
}

/** Keys that lead every mapping; the rest follow alphabetically, so output does not depend on insertion order. */
const LEADING_KEYS = ["apiVersion", "kind", "metadata", "name", "namespace"];

function compareKeys(a: string, b: string): number {
  const ra = LEADING_KEYS.indexOf(a);
  const rb = LEADING_KEYS.indexOf(b);
  if (ra !== -1 || rb !== -1) return (ra === -1 ? LEADING_KEYS.length : ra) - (rb === -1 ? LEADING_KEYS.length : rb);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Multi-document YAML: no anchors, no folding, YAML 1.1-safe quoting (js-yaml quotes `on`, `yes`, `0755`). */
export function toYaml(manifests: readonly Manifest[]): string {
  return manifests.map((m) => dump(m, { noRefs: true, lineWidth: -1, sortKeys: compareKeys })).join("---\n");
}

/** Objects per kind and namespace, as printed after a render. */
export function summarize(manifests: readonly Manifest[]): string {
  const counts = new Map<string, number>();
  for (const m of manifests) {
    const key = `${m.kind}\t${m.metadata.namespace ?? "(cluster)"}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const rows = [...counts.entries()].map(([key, n]) => [...key.split("\t"), String(n)]);
  const header = ["KIND", "NAMESPACE", "COUNT"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [line(header), ...rows.map(line), `${manifests.length} objects`].join("\n");
}
