/** Runs the real program under Pulumi's mocks with a stack file's config, in-process (one stack per test file). */
import * as path from "node:path";
import { Manifest, toManifests } from "../../scripts/lib/manifests";
import { RecordedResource, runProgram } from "../../scripts/lib/mock-program";
import { readStackFile } from "../../scripts/lib/stack-file";

export const ROOT = path.resolve(__dirname, "../..");

export interface StackRun {
  readonly recorded: RecordedResource[];
  readonly manifests: Manifest[];
}

/** `extra` overrides or adds raw config values (full keys, Pulumi's string form). */
export async function runStack(stack: string, extra: Record<string, string> = {}): Promise<StackRun> {
  const file = readStackFile(path.join(ROOT, `Pulumi.${stack}.yaml`));
  const config = { ...file.config, ...extra };
  // require, not import(): under jest's CommonJS transform a dynamic import() needs experimental VM modules.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const recorded = await runProgram(stack, config, file.secretKeys, async () => require("../../index"));
  return { recorded, manifests: toManifests(recorded) };
}

export function find(manifests: readonly Manifest[], kind: string, name: string): Manifest & Record<string, any> {
  const m = manifests.find((x) => x.kind === kind && x.metadata.name === name);
  if (!m) throw new Error(`no ${kind} ${name} among ${manifests.map((x) => `${x.kind}/${x.metadata.name}`).join(", ")}`);
  return m as Manifest & Record<string, any>;
}

/** Pulumi's marker for a secret inside serialized inputs (as in scripts/lib/manifests.ts). */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** A recorded input with every secret wrapper replaced by its value. */
export function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value !== null && typeof value === "object") {
    const o = value as Record<string, unknown>;
    if (o[SIG_KEY] === SECRET_SIG) return unwrapSecrets(o.value);
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}

/**
 * The plaintext `stringData` of every Secret the program declared, by Secret name: what the render writes as
 * REDACTED. For tests only (the values are the mocks' and the stack file's).
 */
export function secretStringData(recorded: readonly RecordedResource[]): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const r of recorded) {
    if (r.type !== "kubernetes:core/v1:Secret") continue;
    const inputs = unwrapSecrets(r.inputs) as { metadata?: { name?: string }; stringData?: Record<string, string> };
    if (inputs.metadata?.name && inputs.stringData) out[inputs.metadata.name] = inputs.stringData;
  }
  return out;
}
