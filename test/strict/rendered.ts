/**
 * The rendered stacks as the strict checks see them: `npm run render` output, one render per stack and test file,
 * with ConfigMap files and container env looked up by name.
 */
import { Doc, loadManifests, renderedStack } from "../support/render";

export const STACKS = ["dev", "prod", "prod-thanos"] as const;
export type StackName = (typeof STACKS)[number];

export interface RenderedStack {
  readonly stack: StackName;
  readonly manifests: Doc[];
  /** The text of `file` in ConfigMap `name`; throws when either is missing. */
  file(configMap: string, file: string): string;
  /** Every ConfigMap whose name starts with `prefix`. */
  configMaps(prefix: string): (Doc & { data: Record<string, string> })[];
  /** The env of the first container of a workload. */
  env(kind: string, name: string): { name: string; value?: string; valueFrom?: unknown }[];
}

export function renderStack(stack: StackName): RenderedStack {
  const run = renderedStack(stack);
  if (run.status !== 0) throw new Error(`render --stack ${stack} failed (${run.status}):\n${run.stdout}\n${run.stderr}`);
  const manifests = loadManifests(run.file);
  const find = (kind: string, name: string) => {
    const m = manifests.find((d) => d.kind === kind && d.metadata.name === name);
    if (!m) throw new Error(`${stack}: no ${kind} ${name} in the rendered manifests`);
    return m as Doc & Record<string, any>;
  };
  return {
    stack,
    manifests,
    file(configMap, file) {
      const text = (find("ConfigMap", configMap).data as Record<string, string> | undefined)?.[file];
      if (text === undefined) throw new Error(`${stack}: ConfigMap ${configMap} has no ${file}`);
      return text;
    },
    configMaps(prefix) {
      return manifests.filter((d) => d.kind === "ConfigMap" && d.metadata.name.startsWith(prefix)) as (Doc & { data: Record<string, string> })[];
    },
    env(kind, name) {
      return find(kind, name).spec.template.spec.containers[0].env ?? [];
    },
  };
}

/** A deep copy of `doc` with the value at `path` (`a.b[0].c`) set, creating blocks on the way. */
export function plant<T>(doc: T, path: string, value: unknown): T {
  const copy = structuredClone(doc) as Record<string, unknown>;
  const parts = path.match(/[^.[\]]+|\[\d+\]/g) ?? [];
  let at: any = copy;
  parts.forEach((part, i) => {
    const key: string | number = part.startsWith("[") ? Number(part.slice(1, -1)) : part;
    if (i === parts.length - 1) at[key] = value;
    else at = at[key] ??= {};
  });
  return copy as T;
}

/** A deep copy of `doc` with the key at `path` renamed to `to` in place (value kept). */
export function rename<T>(doc: T, path: string, to: string): T {
  const copy = structuredClone(doc) as Record<string, unknown>;
  const parts = path.match(/[^.[\]]+|\[\d+\]/g) ?? [];
  let at: any = copy;
  for (const part of parts.slice(0, -1)) at = at[part.startsWith("[") ? Number(part.slice(1, -1)) : part];
  const from = parts[parts.length - 1];
  at[to] = at[from];
  delete at[from];
  return copy as T;
}
