/** The machine a benchmark ran on, and small statistics helpers. */
import { execFileSync } from "node:child_process";
import * as os from "node:os";
import { ToolName, requireTool } from "../support/tools";

export interface Machine {
  readonly date: string;
  readonly node: string;
  readonly os: string;
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly prometheus: string;
  readonly alertmanager: string;
}

/** The tool's first `--version` line; a tool not built yet is reported, not fatal (`--only render` needs none). */
function version(tool: ToolName): string {
  try {
    return execFileSync(requireTool(tool), ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).split("\n")[0].trim();
  } catch (e) {
    return `unknown (${(e as Error).message.split("\n")[0]})`;
  }
}

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    cpu: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    prometheus: version("prometheus"),
    alertmanager: version("alertmanager"),
  };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Seconds with `digits` decimals. */
export const seconds = (ms: number, digits = 1): string => (ms / 1000).toFixed(digits);

/** Progress to stderr, so stdout stays the report. */
export function progress(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}
