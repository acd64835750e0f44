/** The collector and Jaeger as child processes of a test, and telemetrygen runs. */
import { ChildProcess, execFile, spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { upstreamBinary } from "../../../scripts/upstream/layout";
import { waitFor } from "./processes";
import { LoopbackTraceConfigs } from "./trace-files";

const LOOPBACK = "127.0.0.1";

/**
 * A long-running upstream program, ready when its health URL answers 200. Not `Daemon`: that one probes
 * `/-/ready`, which Jaeger's healthcheckv2 (rendered on `/status`) does not serve.
 */
export class Upstream {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    readonly name: string,
    private readonly binary: string,
    private readonly args: readonly string[],
    private readonly readyUrl: string,
    private readonly logFile: string,
    private readonly env: Readonly<Record<string, string>> = {},
  ) {}

  async start(timeoutMs = 30_000): Promise<void> {
    const log = openSync(this.logFile, "a");
    const child = spawn(this.binary, [...this.args], { stdio: ["ignore", log, log], env: { ...process.env, ...this.env } });
    closeSync(log);
    this.child = child;
    children.add(child);
    let exitCode: number | null | undefined;
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        exitCode = code ?? (signal ? -1 : null);
        children.delete(child);
        if (this.child === child) this.child = undefined;
        resolve();
      });
    });
    child.once("error", () => undefined);
    try {
      await waitFor(`${this.name} healthy at ${this.readyUrl}`, async () => {
        if (exitCode !== undefined) throw new Error(`${this.name} exited with ${exitCode}`);
        const res = await fetch(this.readyUrl, { signal: AbortSignal.timeout(1_000) });
        return res.status === 200 ? true : undefined;
      }, { timeoutMs, intervalMs: 100 });
    } catch (e) {
      await this.stop();
      throw new Error(`${(e as Error).message}\n--- ${this.logFile} ---\n${this.logTail()}`);
    }
  }

  /** SIGTERM, as Kubernetes stops a pod, and SIGKILL only if it hangs; says which one ended it. */
  async stop(graceMs = 15_000): Promise<"terminated" | "killed" | "not running"> {
    const child = this.child;
    if (!child) return "not running";
    let killed = false;
    child.kill("SIGTERM");
    const timer = setTimeout(() => {
      killed = true;
      child.kill("SIGKILL");
    }, graceMs);
    await this.exited;
    clearTimeout(timer);
    return killed ? "killed" : "terminated";
  }

  /** The running process' pid (for the benchmarks' CPU and memory readings). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  logTail(lines = 40): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, "utf8").split("\n").slice(-lines).join("\n") : "";
  }
}

/** Killed on any exit of the test process, so a crashed run leaves nothing listening. */
const children = new Set<ChildProcess>();
process.on("exit", () => {
  for (const c of children) c.kill("SIGKILL");
});

export function runTelemetrygen(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(upstreamBinary("telemetrygen"), [...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`telemetrygen ${args.join(" ")} failed: ${error.message}\n${stderr}`));
      else resolve(stdout + stderr);
    });
  });
}


/**
 * Jaeger and the collector for loopback configs: their files written into `dir`, each ready when its rendered health
 * endpoint answers (not yet started).
 */
export function traceBackends(configs: LoopbackTraceConfigs, dir: string): { jaeger: Upstream; collector: Upstream; jaegerQuery: string } {
  const jaegerFile = path.join(dir, "jaeger.yaml");
  const collectorFile = path.join(dir, "otelcol.yaml");
  writeFileSync(jaegerFile, configs.jaegerYaml);
  writeFileSync(collectorFile, configs.collectorYaml);
  const jp = configs.jaegerPorts;
  const cp = configs.collectorPorts;
  const jaegerHealth = `http://${LOOPBACK}:${jp["extensions.healthcheckv2.http"]}${configs.jaeger.extensions.healthcheckv2.http.status.path}`;
  const collectorHealth = `http://${LOOPBACK}:${cp["extensions.health_check"]}${configs.collector.extensions.health_check.path}`;
  return {
    // The rendered config turns jaeger_query's self-tracing off, so Jaeger needs nothing outside its file.
    jaeger: new Upstream("jaeger", upstreamBinary("jaeger"), [`--config=${jaegerFile}`], jaegerHealth, path.join(dir, "jaeger.log")),
    collector: new Upstream("otelcol", upstreamBinary("otelcol"), [`--config=${collectorFile}`], collectorHealth, path.join(dir, "otelcol.log")),
    jaegerQuery: `http://${LOOPBACK}:${jp["extensions.jaeger_query.http"]}`,
  };
}
