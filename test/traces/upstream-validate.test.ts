/**
 * Both stacks' rendered collector and Jaeger configs, unmodified, against the pinned binaries' own `validate`
 * command: every component named must exist in the build and every key must be one it knows. A copy with one key
 * misspelled must be rejected, naming the key, so a passing run shows the check is strict rather than lenient.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { upstreamBinary } from "../../scripts/upstream/layout";
import { RenderedTraceConfigs, renderTraceConfigs } from "../e2e/harness/trace-files";

const STACKS = ["dev", "prod"] as const;

/** A rendered key and its misspelling, per program; the key must occur exactly once in the file. */
const MISSPELLED = {
  otelcol: { key: "send_batch_size:", typo: "send_batch_sise:" },
  jaeger: { key: "ephemeral:", typo: "ephemerall:" },
} as const;

let dir = "";
const rendered = new Map<string, RenderedTraceConfigs>();

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "upstream-validate-"));
  for (const stack of STACKS) rendered.set(stack, renderTraceConfigs(stack));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function validate(program: "otelcol" | "jaeger", name: string, text: string): { status: number; output: string } {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, text);
  const r = spawnSync(upstreamBinary(program), ["validate", `--config=${file}`], { encoding: "utf8", timeout: 60_000 });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

function misspell(text: string, program: keyof typeof MISSPELLED): string {
  const { key, typo } = MISSPELLED[program];
  const n = text.split(key).length - 1;
  if (n !== 1) throw new Error(`expected ${key} once in the rendered ${program} config, found it ${n} times`);
  return text.replace(key, typo);
}

const fileOf = (stack: string, program: "otelcol" | "jaeger"): string => {
  const r = rendered.get(stack)!;
  return program === "otelcol" ? r.collectorYaml : r.jaegerYaml;
};

describe.each(STACKS)("the %s stack's rendered configs", (stack) => {
  it.each(["otelcol", "jaeger"] as const)("%s validate accepts its config.yaml unchanged", (program) => {
    const r = validate(program, `${stack}-${program}`, fileOf(stack, program));
    expect({ status: r.status, output: r.status === 0 ? "" : r.output }).toEqual({ status: 0, output: "" });
  });

  it.each(["otelcol", "jaeger"] as const)("%s validate rejects a copy with one key misspelled", (program) => {
    const r = validate(program, `${stack}-${program}-broken`, misspell(fileOf(stack, program), program));
    expect(r.status).not.toBe(0);
    expect(r.output).toContain(MISSPELLED[program].typo.replace(/:$/, ""));
  });
});
