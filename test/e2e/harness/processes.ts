/**
 * Child daemons on loopback (Prometheus, Alertmanager), bounded waits, and free ports. Every child is tracked and
 * killed when the test process exits, whatever way it exits, so a failed run leaves nothing listening.
 */
import { ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import * as net from "node:net";

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function killAll(): void {
  for (const child of live) child.kill("SIGKILL");
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: SIGKILL needs no waiting.
  process.on("exit", killAll);
  // A signal ends the process without 'exit' handlers: kill the children, then die of the same signal.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      killAll();
      process.kill(process.pid, signal);
    });
  }
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` until it returns something other than undefined. Bounded in time and in attempts; the error names
 * what was awaited and the last problem seen.
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, opts: { timeoutMs: number; intervalMs?: number }): Promise<T> {
  const interval = opts.intervalMs ?? 200;
  const deadline = Date.now() + opts.timeoutMs;
  const maxAttempts = Math.ceil(opts.timeoutMs / interval) + 1;
  let last = "";
  for (let attempt = 0; attempt < maxAttempts && Date.now() <= deadline; attempt++) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    await sleep(interval);
  }
  throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${what}${last ? ` (last error: ${last})` : ""}`);
}

/** A TCP port free on 127.0.0.1 right now (the daemon binds it a moment later; startDaemon retries on a clash). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function tail(file: string, lines = 30): string {
  if (!existsSync(file)) return "";
  return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
}

/**
 * One daemon process: started with fixed arguments, ready when `GET <url>/-/ready` answers 200, stopped with SIGTERM
 * (SIGKILL after a bound). Restartable with the same arguments, so it keeps its port and data directory. A daemon
 * behind basic auth (`--web.config.file`) gets the Authorization header value, which every request of the harness
 * sends (`request`, `headers`), the readiness check included.
 */
export class Daemon {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  /** When the last start became ready (ms since epoch). */
  readyAt = 0;

  constructor(
    readonly name: string,
    readonly binary: string,
    readonly args: readonly string[],
    readonly port: number,
    readonly logFile: string,
    /** The Authorization header value it requires; absent: it requires none. */
    readonly authorization?: string,
    /** Environment variables added to the test's (a pod's downward-API variables). */
    readonly env: Readonly<Record<string, string>> = {},
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The headers a request to it carries: its credentials, when it requires them. */
  get headers(): Record<string, string> {
    return this.authorization ? { Authorization: this.authorization } : {};
  }

  /** A request to `path` on it with its credentials (10 s bound unless `init` gives a signal). */
  request(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${this.url}${path}`, {
      signal: AbortSignal.timeout(10_000),
      ...init,
      headers: { ...this.headers, ...((init.headers ?? {}) as Record<string, string>) },
    });
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Starts the process and waits until it is ready; throws with the log's tail if it exits or never gets ready. */
  async start(timeoutMs = 30_000): Promise<void> {
    if (this.child) throw new Error(`${this.name} is already running`);
    installExitHook();
    const log = openSync(this.logFile, "a");
    const child = spawn(this.binary, [...this.args], { stdio: ["ignore", log, log], env: { ...process.env, ...this.env } });
    closeSync(log);
    this.child = child;
    live.add(child);
    let exitCode: number | null | undefined;
    this.exited = new Promise<void>((resolve) => {
      child.once("exit", (code, signal) => {
        exitCode = code ?? (signal ? -1 : null);
        live.delete(child);
        if (this.child === child) this.child = undefined;
        resolve();
      });
    });
    child.once("error", () => undefined);
    try {
      await waitFor(`${this.name} ready on ${this.url}`, async () => {
        if (exitCode !== undefined) throw new Error(`${this.name} exited with ${exitCode}`);
        const res = await this.request("/-/ready", { signal: AbortSignal.timeout(1_000) });
        return res.status === 200 ? true : undefined;
      }, { timeoutMs, intervalMs: 50 });
    } catch (e) {
      await this.stop();
      throw new Error(`${(e as Error).message}\n--- ${this.logFile} ---\n${tail(this.logFile)}`);
    }
    this.readyAt = Date.now();
  }

  /** SIGTERM, then SIGKILL if it has not exited within the bound. Resolves once it has exited. */
  async stop(graceMs = 15_000): Promise<void> {
    const child = this.child;
    if (!child) return;
    // A paused process would hold SIGTERM until the SIGKILL bound: let it act on it.
    child.kill("SIGCONT");
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** SIGKILL at once, as a node lost or an OOM kill: the process says nothing to anyone before it goes. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill("SIGKILL");
    await this.exited;
  }

  /**
   * SIGSTOP: the process keeps its sockets and state but runs nothing (no scrape, no evaluation, no send) until
   * `resume`, as a stalled node would. Connections to it queue instead of being refused.
   */
  pause(): void {
    this.child?.kill("SIGSTOP");
  }

  /** SIGCONT after `pause`. */
  resume(): void {
    this.child?.kill("SIGCONT");
  }

  /** The last lines of its log, for failure messages. */
  logTail(lines = 30): string {
    return tail(this.logFile, lines);
  }
}

/** Starts a daemon whose arguments depend on its port, retrying with a new port if the chosen one was taken meanwhile. */
export async function startDaemon(make: (port: number) => Daemon, attempts = 3): Promise<Daemon> {
  let lastError: unknown;
  for (let i = 0; i < attempts; i++) {
    const daemon = make(await freePort());
    try {
      await daemon.start();
      return daemon;
    } catch (e) {
      lastError = e;
      if (!/address already in use/.test((e as Error).message)) throw e;
    }
  }
  throw lastError;
}
