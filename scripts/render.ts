/**
 * Offline render: runs the Pulumi program under mocks with a stack's config and writes every Kubernetes object to
 * `<out>/manifests.yaml`. No cluster, no Pulumi CLI. Invalid config: every problem printed, exit 1, nothing written.
 *
 *   npm run render -- --stack dev [--out out/dev] [--config-file path/to/Pulumi.dev.yaml]
 */
// First: it must see @pulumi/pulumi's requires.
import "./lib/defer-modules";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { ConfigError, parseStackConfig } from "../config/parse";
import { RenderError, summarize, toManifests, toYaml } from "./lib/manifests";
import { runProgram } from "./lib/mock-program";
import { StackFileError, readStackFile } from "./lib/stack-file";

interface Args {
  stack: string;
  out: string;
  configFile: string;
}

const USAGE = "usage: npm run render -- --stack <name> [--out <dir>] [--config-file <path>]";

function parseArgs(argv: string[]): Args {
  const values: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (!["--stack", "--out", "--config-file"].includes(flag)) throw new Error(`unknown argument ${JSON.stringify(flag)}\n${USAGE}`);
    const value = argv[++i];
    if (value === undefined || value.startsWith("--")) throw new Error(`${flag} needs a value\n${USAGE}`);
    values[flag.slice(2)] = value;
  }
  const stack = values.stack;
  if (!stack) throw new Error(`--stack is required\n${USAGE}`);
  if (!/^[A-Za-z0-9_.-]+$/.test(stack)) throw new Error(`--stack: got ${JSON.stringify(stack)}; expected a stack name (letters, digits, '-', '_', '.')`);
  const root = path.resolve(__dirname, "..");
  return {
    stack,
    out: values.out ?? path.join("out", stack),
    configFile: values["config-file"] ?? path.join(root, `Pulumi.${stack}.yaml`),
  };
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }

  const file = readStackFile(path.relative(process.cwd(), args.configFile) || args.configFile);
  // Validate before the program runs, so a bad value reports every problem and declares nothing.
  const parsed = parseStackConfig(file.config);
  for (const notice of file.notices) console.error(`notice: ${notice}`);

  const secretValues = Object.values(parsed.secrets).filter((v): v is string => typeof v === "string");
  const recorded = await runProgram(args.stack, file.config, file.secretKeys, () => import("../index.js"));
  const manifests = toManifests(recorded, secretValues);

  mkdirSync(args.out, { recursive: true });
  const target = path.join(args.out, "manifests.yaml");
  const temp = `${target}.${process.pid}.tmp`;
  writeFileSync(temp, toYaml(manifests));
  renameSync(temp, target);
  console.log(`rendered stack ${args.stack} from ${path.relative(process.cwd(), args.configFile) || args.configFile} to ${target}`);
  console.log(summarize(manifests));
  return 0;
}

function report(e: unknown): number {
  if (e instanceof ConfigError || e instanceof RenderError || e instanceof StackFileError) {
    console.error(e.message);
    return 1;
  }
  // The program may wrap a ConfigError thrown at module load.
  console.error(`render failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  return 1;
}

process.on("unhandledRejection", (e) => process.exit(report(e)));
main().then(
  (code) => process.exit(code),
  (e) => process.exit(report(e)),
);
