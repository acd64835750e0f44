/**
 * Locates the command-line tools the tests run (promtool, amtool). A missing tool fails the test with the command that
 * installs it, rather than skipping: a skipped check would pass a change it was meant to stop.
 */
import { execFileSync, spawnSync } from "node:child_process";

const INSTALL_HINT = "run `bash scripts/install-test-tools.sh` (Debian/Ubuntu: apt-get install prometheus prometheus-alertmanager)";

export function requireTool(name: "promtool" | "amtool"): string {
  try {
    return execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim();
  } catch {
    throw new Error(`${name} is not on PATH; ${INSTALL_HINT}`);
  }
}

export interface RunResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a tool and returns its exit status and output (never throws on a non-zero exit). */
export function runTool(tool: string, args: readonly string[], cwd?: string): RunResult {
  const r = spawnSync(tool, args, { encoding: "utf8", cwd, timeout: 120_000 });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
