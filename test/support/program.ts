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
