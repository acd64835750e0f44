/** Runs the render CLI the way a user does and loads what it wrote. */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { loadAll } from "js-yaml";
/** `[program, ...arguments]` of `npm run render` with `args` appended (scripts/lib/render-command.js). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const { renderCommand } = require("../../scripts/lib/render-command") as { renderCommand(args: string[]): string[] };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { VARIANTS, CHECKED_STACKS: checked, writeVariant, stackRenderArgs } = require("../../scripts/lib/stack-variants") as {
  VARIANTS: Record<string, { base: string }>;
  CHECKED_STACKS: string[];
  writeVariant(name: string, dir: string): { file: string; stack: string };
  stackRenderArgs(name: string, dir: string): string[];
};

/** dev, prod and the variants the render, schema, policy, network and strict tests check like them (stack-variants.js). */
export const CHECKED_STACKS: readonly string[] = checked;

export const ROOT = path.resolve(__dirname, "../..");

export interface RenderRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly outDir: string;
  /** The manifests file, if one was written. */
  readonly file: string;
}

export function render(args: string[], outDir = mkdtempSync(path.join(tmpdir(), "render-"))): RenderRun {
  const [program, ...argv] = renderCommand([...args, "--out", outDir]);
  const r = spawnSync(program, argv, {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 120_000,
  });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, outDir, file: path.join(outDir, "manifests.yaml") };
}

/**
 * The render of a stack's own stack file. Within a jest run it is the global setup's render, shared by every file;
 * elsewhere it renders on the spot.
 */
export function renderedStack(stack: string): RenderRun {
  const dir = process.env.OBSERVABILITY_RENDER_CACHE;
  const outDir = dir ? path.join(dir, stack) : "";
  if (dir && existsSync(path.join(outDir, "manifests.yaml"))) {
    return { status: 0, stdout: "", stderr: "", outDir, file: path.join(outDir, "manifests.yaml") };
  }
  return render(stackRenderArgs(stack, mkdtempSync(path.join(tmpdir(), "stack-variant-"))));
}

/** The project stack a rendered stack is (itself, or the stack a variant starts from): the stack name it renders as. */
export function baseStackOf(stack: string): string {
  return stack in VARIANTS ? VARIANTS[stack].base : stack;
}

/** The stack file a rendered stack (a project stack or a variant of one) was rendered from. */
export function stackFileOf(stack: string): string {
  if (!(stack in VARIANTS)) return path.join(ROOT, `Pulumi.${stack}.yaml`);
  const dir = process.env.OBSERVABILITY_RENDER_CACHE;
  const cached = dir ? path.join(dir, `Pulumi.${stack}.yaml`) : "";
  return cached && existsSync(cached) ? cached : writeVariant(stack, mkdtempSync(path.join(tmpdir(), "stack-variant-"))).file;
}

export type Doc = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [k: string]: unknown;
};

export function loadManifests(file: string): Doc[] {
  if (!existsSync(file)) throw new Error(`no manifests at ${file}`);
  return loadAll(readFileSync(file, "utf8")) as Doc[];
}

/** Validates a manifests file against the Kubernetes schemas (an ESM script, since kubernetes-models is ESM-only). */
export function validateSchemas(file: string): { status: number; output: string } {
  const r = spawnSync(process.execPath, [path.join(ROOT, "test", "validate", "k8s-schema.mjs"), file], { cwd: ROOT, encoding: "utf8" });
  return { status: r.status ?? -1, output: r.stdout + r.stderr };
}
