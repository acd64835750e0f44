/**
 * Locates the programs the tests run: the pinned releases built from their Go modules (scripts/upstream), never
 * whatever happens to be on PATH, so a test runs the version the stack deploys. A missing build fails the test with
 * the command that makes it, rather than skipping: a skipped check would pass a change it was meant to stop.
 */
import { spawnSync } from "node:child_process";
import { UpstreamName } from "../../scripts/upstream/components";
import { upstreamBinary } from "../../scripts/upstream/layout";

const TOOLS = {
  prometheus: ["prometheus", "prometheus"],
  promtool: ["prometheus", "promtool"],
  alertmanager: ["alertmanager", "alertmanager"],
  amtool: ["alertmanager", "amtool"],
  otelcol: ["otelcol", "otelcol"],
  jaeger: ["jaeger", "jaeger"],
  telemetrygen: ["telemetrygen", "telemetrygen"],
  thanos: ["thanos", "thanos"],
  weed: ["seaweedfs", "weed"],
} as const satisfies Record<string, readonly [UpstreamName, string]>;

export type ToolName = keyof typeof TOOLS;

export function requireTool(name: ToolName): string {
  const [component, binary] = TOOLS[name];
  return upstreamBinary(component, binary);
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
