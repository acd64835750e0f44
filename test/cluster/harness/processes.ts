/**
 * Children of a cluster test started in process groups of their own (the Pulumi driver and the CLI and provider it
 * starts): each group is killed when the test process exits, or on SIGINT/SIGTERM/SIGHUP before dying of the same
 * signal, so an interrupted run leaves no engine holding the stack's lock; the stacks' folders go with them.
 */
import { ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";

const live = new Set<ChildProcess>();
const folders = new Set<string>();
let installed = false;

/** Kills the groups first: the engine must not be writing into a folder being removed. */
function killAll(): void {
  for (const child of live) {
    try {
      process.kill(-(child.pid as number), "SIGKILL");
    } catch {
      // already gone
    }
  }
  live.clear();
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  folders.clear();
}

export function killOnExit(child: ChildProcess): void {
  live.add(child);
  installHooks();
}

/** A folder removed when the process ends, however it ends, unless OBSERVABILITY_CLUSTER_KEEP=1. */
export function removeOnExit(dir: string): void {
  if (process.env.OBSERVABILITY_CLUSTER_KEEP === "1") return;
  folders.add(dir);
  installHooks();
}

function installHooks(): void {
  if (installed) return;
  installed = true;
  process.on("exit", killAll);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      killAll();
      process.kill(process.pid, signal);
    });
  }
}

export function untrack(child: ChildProcess): void {
  live.delete(child);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls until `probe` returns a value other than undefined, bounded in time; the error names what was awaited. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = (e as Error).message;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? ` (last: ${last})` : ""}`);
}
