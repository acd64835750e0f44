/**
 * One Pulumi operation on a test stack through the Automation API, in a process of its own (tsx), with the project's
 * index.ts as the inline program. A process per operation because index.ts is the program itself (it declares its
 * resources when imported): a second `up` in one process would find the module cached and declare nothing, and the
 * engine would then delete the whole stack.
 *
 *   tsx pulumi-driver.ts <request.json> <result.json>
 *
 * The engine is the CLI built from github.com/pulumi/pulumi/pkg/v3 (scripts/upstream), the backend is local and
 * secrets are encrypted with a passphrase; the Node.js language host is not needed: the SDK serves the program on
 * its own port and the CLI connects to it.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EngineEvent, LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { dump, load } from "js-yaml";

export type Operation = "init" | "up" | "preview" | "refresh" | "destroy" | "set-config" | "export";

export interface DriverRequest {
  readonly op: Operation;
  readonly stack: string;
  /** Workspace folder: Pulumi.yaml and Pulumi.<stack>.yaml are written there. */
  readonly workDir: string;
  /** The folder holding bin/pulumi. */
  readonly pulumiRoot: string;
  readonly env: Record<string, string>;
  /** For init: the stack's config as in a Pulumi.<stack>.yaml, and the secrets to set encrypted. */
  readonly config?: Record<string, unknown>;
  readonly secrets?: Record<string, string>;
  /** For set-config: path-style keys (`prometheus.retention`) and their values. */
  readonly set?: Record<string, string>;
  readonly expectNoChanges?: boolean;
  /** For destroy: `--exclude-protected`. */
  readonly excludeProtected?: boolean;
}

export interface DriverResult {
  readonly ok: boolean;
  readonly error?: string;
  readonly stdout: string;
  readonly stderr: string;
  readonly summary?: unknown;
  readonly changeSummary?: Record<string, number>;
  readonly events: readonly EngineEvent[];
  readonly outputs?: Record<string, unknown>;
  readonly deployment?: unknown;
}

const ROOT = join(__dirname, "..", "..", "..");

async function program(): Promise<Record<string, unknown>> {
  // The project's program, as `pulumi up` in the repository would run it; its exports are the stack outputs.
  const mod = (await import(join(ROOT, "index.ts"))) as Record<string, unknown>;
  return { ...mod };
}

async function open(req: DriverRequest): Promise<Stack> {
  const pulumiCommand = await PulumiCommand.get({ root: req.pulumiRoot });
  const ws = await LocalWorkspace.create({
    workDir: req.workDir,
    pulumiCommand,
    program,
    envVars: req.env,
    projectSettings: {
      name: "observability",
      runtime: { name: "nodejs", options: { typescript: true } },
      backend: { url: req.env.PULUMI_BACKEND_URL },
    },
  });
  return Stack.createOrSelect(req.stack, ws);
}

/** Adds the stack file's settings (objects included, as Pulumi.<stack>.yaml holds them) to the file `init` made. */
function mergeStackFile(req: DriverRequest): void {
  const file = join(req.workDir, `Pulumi.${req.stack}.yaml`);
  const current = (load(readFileSync(file, "utf8")) as Record<string, unknown>) ?? {};
  const config = { ...((current.config as Record<string, unknown>) ?? {}), ...(req.config ?? {}) };
  writeFileSync(file, dump({ ...current, config }, { lineWidth: -1 }));
}

async function run(req: DriverRequest): Promise<DriverResult> {
  let stdout = "";
  let stderr = "";
  const events: EngineEvent[] = [];
  const common = {
    onOutput: (s: string) => (stdout += s),
    onError: (s: string) => (stderr += s),
    onEvent: (e: EngineEvent) => events.push(e),
  };
  try {
    const stack = await open(req);
    switch (req.op) {
      case "init": {
        mergeStackFile(req);
        for (const [k, v] of Object.entries(req.secrets ?? {})) await stack.setConfig(`observability:${k}`, { value: v, secret: true });
        return { ok: true, stdout, stderr, events };
      }
      case "set-config": {
        for (const [k, v] of Object.entries(req.set ?? {})) await stack.setConfig(`observability:${k}`, { value: v }, true);
        return { ok: true, stdout, stderr, events };
      }
      case "up": {
        const r = await stack.up({ ...common, diff: true });
        return { ok: true, stdout, stderr, events, summary: r.summary, changeSummary: r.summary.resourceChanges as Record<string, number>, outputs: r.outputs };
      }
      case "preview": {
        const r = await stack.preview({ ...common, diff: true, expectNoChanges: req.expectNoChanges });
        return { ok: true, stdout, stderr, events, changeSummary: r.changeSummary as Record<string, number> };
      }
      case "refresh": {
        const r = await stack.refresh({ ...common, expectNoChanges: req.expectNoChanges });
        return { ok: true, stdout, stderr, events, summary: r.summary, changeSummary: r.summary.resourceChanges as Record<string, number> };
      }
      case "destroy": {
        const r = await stack.destroy({ ...common, excludeProtected: req.excludeProtected });
        return { ok: true, stdout, stderr, events, summary: r.summary, changeSummary: r.summary.resourceChanges as Record<string, number> };
      }
      case "export": {
        const d = await stack.exportStack();
        return { ok: true, stdout, stderr, events, deployment: d.deployment };
      }
    }
  } catch (e) {
    return { ok: false, error: (e as Error).message, stdout, stderr, events };
  }
}

async function main(): Promise<void> {
  const [requestFile, resultFile] = process.argv.slice(2);
  const req = JSON.parse(readFileSync(requestFile, "utf8")) as DriverRequest;
  const result = await run(req);
  writeFileSync(resultFile, JSON.stringify(result));
  // The SDK's language server and gRPC channels would keep the process alive after the operation.
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
