/**
 * The plaintext Secret data of a render, which the render itself writes as REDACTED: the same program under the same
 * mocks and stack file, run in a child process (Pulumi's runtime state is one per process), printing each Secret's
 * `stringData`. Tests read the web config and its password from here to run the real servers with them; the values
 * are the mocks' (a generated password is repeated "m"s) and the stack file's placeholders.
 *
 *   tsx test/support/rendered-secrets.ts --stack dev [--config-file path]   (prints JSON on stdout)
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { runProgram } from "../../scripts/lib/mock-program";
import { readStackFile } from "../../scripts/lib/stack-file";
import { secretStringData } from "./program";

const ROOT = path.resolve(__dirname, "../..");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");

export type SecretData = Record<string, Record<string, string>>;

/** Secret name -> key -> plaintext value, of the stack rendered from its stack file (or `configFile`). */
export function renderedSecretData(stack: string, configFile?: string): SecretData {
  const args = [__filename, "--stack", stack, ...(configFile ? ["--config-file", configFile] : [])];
  const r = spawnSync(TSX, args, { cwd: ROOT, encoding: "utf8", timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`rendered-secrets ${args.slice(1).join(" ")} failed (${r.status}):\n${r.stderr}`);
  return JSON.parse(r.stdout) as SecretData;
}

async function main(argv: string[]): Promise<void> {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const stack = value("--stack");
  if (!stack) throw new Error("--stack is required");
  const file = readStackFile(value("--config-file") ?? path.join(ROOT, `Pulumi.${stack}.yaml`));
  const recorded = await runProgram(stack, file.config, file.secretKeys, () => import("../../index.js"));
  process.stdout.write(JSON.stringify(secretStringData(recorded)));
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (e) => {
      console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
      process.exit(1);
    },
  );
}
