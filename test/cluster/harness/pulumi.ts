/**
 * A test stack of the project on the local cluster: the CLI and the Kubernetes provider built by scripts/upstream,
 * a local backend and passphrase in a folder of the test's own, and one driver process per operation
 * (pulumi-driver.ts). Each driver runs in a process group of its own, killed with everything under it (the CLI, the
 * provider) when the test process ends in any way.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { load } from "js-yaml";
import { SLACK_WEBHOOK_KEYS, SlackMode } from "../../../config/schema";
import { slackMode } from "../../../scripts/lib/stack-file";
import { pulumiKubernetesSdkVersion } from "../../../scripts/upstream/components";
import { upstreamBinary } from "../../../scripts/upstream/layout";
import type { DriverRequest, DriverResult } from "./pulumi-driver";
import { killOnExit, removeOnExit, untrack } from "./processes";

const ROOT = join(__dirname, "..", "..", "..");
const TSX = join(ROOT, "node_modules", ".bin", "tsx");
const DRIVER = join(__dirname, "pulumi-driver.ts");

/** Test-only Slack credentials of each mode: nothing is ever sent to these, the fixture runs no container. */
const SLACK_TEST_SECRETS: Readonly<Record<SlackMode, Readonly<Record<string, string>>>> = {
  "bot-token": { slackBotToken: "xoxb-0000000000-0000000000-clustertest" },
  "webhook-per-channel": Object.fromEntries(SLACK_WEBHOOK_KEYS.map((k) => [k, `https://hooks.slack.com/services/T0000TEST/B0000TEST/${k}`])),
  "legacy-webhook": { slackWebhookUrl: "https://hooks.slack.com/services/T0000TEST/B0000TEST/clustertestclustertest" },
};

/** The test secrets of a stack file's config: its Slack mode's credentials and the rest. */
export function testSecrets(config: Record<string, unknown>): Record<string, string> {
  return { ...SLACK_TEST_SECRETS[slackMode(config) ?? "bot-token"], ...TEST_SECRETS };
}

/** Test-only secrets besides Slack's. */
export const TEST_SECRETS: Readonly<Record<string, string>> = {
  // Every generated secret set, so the program declares no @pulumi/random resource (its provider's module is not
  // served to build one).
  grafanaAdminPassword: "cluster-test-admin-password",
  grafanaSecretKey: "clusterTestGrafanaSecretKey0123456789",
  webAuthPassword: "cluster-test-web-auth-password",
  postgresPassword: "cluster-test-postgres-password",
};

export interface ResourceStep {
  readonly op: string;
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly diffs: readonly string[];
  readonly detailedDiff?: Record<string, { diffKind: string; inputDiff?: boolean }>;
}

/** The resource steps of an operation (same excluded), from its engine events. */
export function steps(r: DriverResult): ResourceStep[] {
  const out: ResourceStep[] = [];
  for (const e of r.events) {
    const m = e.resourcePreEvent?.metadata;
    if (!m || m.op === "same") continue;
    out.push({ op: m.op, urn: m.urn, type: m.type, name: m.urn.split("::").pop() ?? "", diffs: m.diffs ?? [], detailedDiff: m.detailedDiff as ResourceStep["detailedDiff"] });
  }
  return out;
}

/** Warnings and errors the engine showed (diagnostic events), with the resource they were about. */
export function diagnostics(r: DriverResult, severity: "warning" | "error" | "info" | "info#err"): { urn?: string; message: string }[] {
  return r.events.filter((e) => e.diagnosticEvent?.severity === severity).map((e) => ({ urn: e.diagnosticEvent?.urn, message: e.diagnosticEvent?.message ?? "" }));
}

export class TestStack {
  readonly workDir: string;
  readonly env: Record<string, string>;
  private readonly pulumiRoot: string;

  constructor(
    readonly stack: "dev" | "prod",
    readonly dir: string,
    kubeconfig: string,
  ) {
    removeOnExit(dir);
    this.workDir = join(dir, "work");
    mkdirSync(this.workDir, { recursive: true });
    mkdirSync(join(dir, "state"), { recursive: true });
    this.pulumiRoot = dirname(dirname(upstreamBinary("pulumi")));
    this.env = {
      PULUMI_HOME: join(dir, "home"),
      PULUMI_BACKEND_URL: `file://${join(dir, "state")}`,
      PULUMI_CONFIG_PASSPHRASE: "cluster-test-passphrase",
      // Plugins come only from the builds here: an engine that went to fetch one would hang on a machine offline.
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_SKIP_CONFIRMATIONS: "true",
      KUBECONFIG: kubeconfig,
    };
  }

  /**
   * Installs the provider built from the served pulumi-kubernetes commit under the version @pulumi/kubernetes asks
   * for (scripts/upstream/components.ts states the skew), then creates the stack with the stack file's settings.
   */
  async init(): Promise<void> {
    const r = spawnSync(join(this.pulumiRoot, "bin", "pulumi"), ["plugin", "install", "resource", "kubernetes", pulumiKubernetesSdkVersion(), "--file", upstreamBinary("pulumi-kubernetes")], {
      env: { ...process.env, ...this.env },
      encoding: "utf8",
    });
    if (r.status !== 0) throw new Error(`pulumi plugin install: ${r.stderr || r.stdout}`);
    const file = load(readFileSync(join(ROOT, `Pulumi.${this.stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
    await this.must("init", { config: file.config, secrets: testSecrets(file.config) });
  }

  run(op: DriverRequest["op"], extra: Partial<DriverRequest> = {}, timeoutMs = 12 * 60_000): Promise<DriverResult> {
    const req: DriverRequest = { op, stack: this.stack, workDir: this.workDir, pulumiRoot: this.pulumiRoot, env: this.env, ...extra };
    const n = Date.now();
    const reqFile = join(this.dir, `req-${n}.json`);
    const resFile = join(this.dir, `res-${n}.json`);
    writeFileSync(reqFile, JSON.stringify(req));
    return new Promise((resolve, reject) => {
      let log = "";
      const child = spawn(TSX, [DRIVER, reqFile, resFile], { cwd: ROOT, env: { ...process.env, ...this.env }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
      killOnExit(child);
      child.stdout?.on("data", (d) => (log += d));
      child.stderr?.on("data", (d) => (log += d));
      const timer = setTimeout(() => {
        try {
          process.kill(-(child.pid as number), "SIGKILL");
        } catch {
          // gone
        }
      }, timeoutMs);
      child.on("error", reject);
      child.on("exit", (code, signal) => {
        clearTimeout(timer);
        untrack(child);
        if (!existsSync(resFile)) return reject(new Error(`pulumi ${op} ${this.stack}: driver exited ${code ?? signal} without a result:\n${log.slice(-4000)}`));
        resolve(JSON.parse(readFileSync(resFile, "utf8")) as DriverResult);
      });
    });
  }

  /** An operation that must succeed; the error carries the engine's output. */
  async must(op: DriverRequest["op"], extra: Partial<DriverRequest> = {}): Promise<DriverResult> {
    const r = await this.run(op, extra);
    if (!r.ok) throw new Error(`pulumi ${op} ${this.stack} failed: ${r.error}\n${r.stdout.slice(-6000)}\n${r.stderr.slice(-3000)}`);
    return r;
  }

  /** `pulumi state unprotect --all`: what an operator runs before deleting a protected stack on purpose. */
  unprotectAll(): void {
    const r = spawnSync(join(this.pulumiRoot, "bin", "pulumi"), ["state", "unprotect", "--all", "--yes", "--stack", this.stack, "--non-interactive"], {
      cwd: this.workDir,
      env: { ...process.env, ...this.env },
      encoding: "utf8",
    });
    if (r.status !== 0) throw new Error(`pulumi state unprotect: ${r.stderr || r.stdout}`);
  }
}
