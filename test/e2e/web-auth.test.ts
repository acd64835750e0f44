/**
 * Basic auth on the pinned Prometheus and Alertmanager, started with the dev stack's rendered web config and flags
 * (time-compressed by 60): every endpoint refuses a request without credentials, with a wrong password or as another
 * user (401) and serves the rendered credentials (200); Prometheus reaches Alertmanager and scrapes both with the
 * rendered basic_auth (password file from the run's copy of the Secret), so an alert still lands in the fake Slack;
 * amtool and the silence API work with the credentials and not without; and the rendered exec probes, run here with
 * the machine's wget, pass with the mounted header and fail on 401 and on 503.
 *
 * The rest of the suite runs every pipeline with the same auth on, so its alerts reaching Slack say the same at scale.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { ALERTMANAGER_WEB_AUTH_DIR } from "../../components/alertmanager";
import { PROMETHEUS_WEB_AUTH_DIR } from "../../components/prometheus";
import { SERVICES } from "../../components/services";
import { WEB_AUTH_AUTHORIZATION_KEY, WEB_AUTH_PASSWORD_KEY, basicAuthorization } from "../../components/web-auth-config";
import { requireTool, runTool } from "../support/tools";
import { LoopbackServer, serve } from "./harness/http";
import { HIGH_MODEL } from "./harness/incident";
import { Pipeline } from "./harness/pipeline";
import { Daemon, waitFor } from "./harness/processes";
import { RenderedStack, renderStack } from "./harness/stack-files";

const F = 60;
/** Endpoints of each server: its API, its own metrics, and the health endpoints the probes call. */
const ENDPOINTS = {
  prometheus: ["/api/v1/query?query=up", "/api/v1/status/buildinfo", "/metrics", "/-/ready", "/-/healthy"],
  alertmanager: ["/api/v2/alerts", "/api/v2/status", "/metrics", "/-/ready", "/-/healthy"],
} as const;
type Server = keyof typeof ENDPOINTS;

let rendered: RenderedStack;
let pipeline: Pipeline;
let unavailable: LoopbackServer;
let scratch: string;

beforeAll(async () => {
  rendered = renderStack("dev");
  scratch = mkdtempSync(path.join(tmpdir(), "e2e-web-auth-"));
  // Answers every request 503, as Prometheus does while it replays its WAL.
  unavailable = await serve((_req, res) => res.writeHead(503).end("Service Unavailable"));
  pipeline = await Pipeline.start({ name: "web-auth", rendered, compression: F });
  const p = pipeline;
  await waitFor("all targets up", () => p.allTargetsUp(), { timeoutMs: 30_000 });
}, 120_000);

afterAll(async () => {
  await pipeline?.close();
  await unavailable?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const daemon = (server: Server): Daemon => (server === "prometheus" ? pipeline.prometheus : pipeline.alertmanager);
const statusOf = async (server: Server, path: string, headers: Record<string, string> = {}) =>
  (await fetch(`${daemon(server).url}${path}`, { headers, signal: AbortSignal.timeout(10_000) })).status;

describe.each(["prometheus", "alertmanager"] as const)("%s with the rendered web config", (server) => {
  it("is started with --web.config.file, the rendered file", () => {
    const args = daemon(server).args;
    expect(args).toContain(`--web.config.file=${path.join(pipeline.secretsDir, "web-config.yml")}`);
    const flags = server === "prometheus" ? rendered.prometheusArgs : rendered.alertmanagerArgs;
    expect(flags.filter((a) => a.startsWith("--web.config.file="))).toHaveLength(1);
  });

  it("answers 401 to a request without credentials, on every endpoint", async () => {
    for (const p of ENDPOINTS[server]) expect({ path: p, status: await statusOf(server, p) }).toEqual({ path: p, status: 401 });
  });

  it("answers 401 to a wrong password, and to another user with the right password", async () => {
    const wrong = { Authorization: basicAuthorization(rendered.webAuth.username, `${rendered.webAuth.password}x`) };
    const otherUser = { Authorization: basicAuthorization("admin", rendered.webAuth.password) };
    for (const p of ENDPOINTS[server]) {
      expect({ path: p, wrong: await statusOf(server, p, wrong), otherUser: await statusOf(server, p, otherUser) }).toEqual({ path: p, wrong: 401, otherUser: 401 });
    }
  });

  it("answers 200 to the rendered credentials, on every endpoint", async () => {
    const right = { Authorization: basicAuthorization(rendered.webAuth.username, rendered.webAuth.password) };
    // The probes' header file holds the same credentials.
    expect(right.Authorization).toBe(rendered.webAuth.authorization);
    for (const p of ENDPOINTS[server]) expect({ path: p, status: await statusOf(server, p, right) }).toEqual({ path: p, status: 200 });
  });
});

describe("Prometheus as a client of both servers, with the rendered basic_auth", () => {
  it("scrapes itself and Alertmanager", async () => {
    const up = await pipeline.query('up{job=~"prometheus|alertmanager"}');
    expect(Object.fromEntries(up.map((s) => [s.metric.job, s.value[1]]))).toEqual({ prometheus: "1", alertmanager: "1" });
  });

  it("delivers alerts to Alertmanager without an error, and they reach the fake Slack", async () => {
    pipeline.demo.setDrift(HIGH_MODEL, 0.3);
    const p = pipeline;
    await waitFor("HighDriftScore in Slack", () => (p.slack.delivered({ alertname: "HighDriftScore", state: "firing" }).length ? true : undefined), { timeoutMs: 60_000, intervalMs: 250 });
    const alerts = (await (await pipeline.alertmanager.request("/api/v2/alerts")).json()) as { labels: Record<string, string> }[];
    expect(alerts.map((a) => a.labels.alertname)).toEqual(expect.arrayContaining(["HighDriftScore", "Watchdog"]));
    expect(await pipeline.selfMetric(pipeline.prometheus, "prometheus_notifications_sent_total")).toBeGreaterThan(0);
    expect(await pipeline.selfMetric(pipeline.prometheus, "prometheus_notifications_errors_total")).toBe(0);
  });
});

describe("operators' clients with the credentials", () => {
  it("amtool reads alerts with an http config naming the password file, and is refused without it", () => {
    const amtool = requireTool("amtool");
    const httpConfig = path.join(scratch, "amtool-http.yml");
    writeFileSync(httpConfig, `basic_auth:\n  username: ${rendered.webAuth.username}\n  password_file: ${path.join(pipeline.secretsDir, WEB_AUTH_PASSWORD_KEY)}\n`);
    const url = `--alertmanager.url=${pipeline.alertmanager.url}`;
    const withAuth = runTool(amtool, ["alert", "query", url, `--http.config.file=${httpConfig}`, "-o", "json"]);
    expect({ status: withAuth.status, stderr: withAuth.stderr }).toMatchObject({ status: 0 });
    expect((JSON.parse(withAuth.stdout) as { labels: Record<string, string> }[]).map((a) => a.labels.alertname)).toContain("Watchdog");
    const without = runTool(amtool, ["alert", "query", url, "-o", "json"]);
    expect(without.status).not.toBe(0);
    expect(without.stdout + without.stderr).toMatch(/401|nauthorized/);
  });

  it("the silence API creates a silence with the credentials and answers 401 without them", async () => {
    const now = Date.now();
    const silence = JSON.stringify({
      matchers: [{ name: "alertname", value: "NeverFiresHere", isRegex: false, isEqual: true }],
      startsAt: new Date(now).toISOString(),
      endsAt: new Date(now + 3_600_000).toISOString(),
      createdBy: "e2e",
      comment: "web auth test",
    });
    const post = (headers: Record<string, string>) =>
      fetch(`${pipeline.alertmanager.url}/api/v2/silences`, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body: silence, signal: AbortSignal.timeout(10_000) });
    expect((await post({})).status).toBe(401);
    const created = await post(pipeline.alertmanager.headers);
    expect(created.status).toBe(200);
    expect(((await created.json()) as { silenceID?: string }).silenceID).toMatch(/^[0-9a-f-]{36}$/);
  });
});

/**
 * The wget programs the probes are run with: the machine's GNU wget always (told to try once, as busybox's does: it
 * retries a 503 by itself), and busybox's, which the images carry.
 */
function wgets(dir: string): { name: string; env: NodeJS.ProcessEnv }[] {
  const gnu = spawnSync("wget", ["--version"], { encoding: "utf8" });
  if (gnu.error || !/GNU Wget/.test(gnu.stdout)) throw new Error("these checks run the probes' command with GNU wget; install wget");
  const wgetrc = path.join(dir, "wgetrc");
  writeFileSync(wgetrc, "tries = 1\n");
  const out: { name: string; env: NodeJS.ProcessEnv }[] = [{ name: "GNU wget", env: { ...process.env, WGETRC: wgetrc } }];
  const busybox = spawnSync("sh", ["-c", "command -v busybox"], { encoding: "utf8" }).stdout.trim();
  if (!busybox) throw new Error("these checks run the probes' command with busybox's wget, as the images do; install busybox (scripts/install-test-tools.sh does)");
  const shim = mkdtempSync(path.join(dir, "busybox-"));
  symlinkSync(busybox, path.join(shim, "wget"));
  out.push({ name: "busybox wget", env: { ...process.env, PATH: `${shim}:${process.env.PATH}` } });
  return out;
}

describe("the rendered exec probes, run against the daemons", () => {
  const MOUNTS: Record<Server, { dir: string; port: number }> = {
    prometheus: { dir: PROMETHEUS_WEB_AUTH_DIR, port: SERVICES.prometheus.ports.http.port },
    alertmanager: { dir: ALERTMANAGER_WEB_AUTH_DIR, port: SERVICES.alertmanager.ports.http.port },
  };

  /** The probe's command with the mounted file in `secretsDir` and the container's port at `port` on loopback. */
  function onLoopback(server: Server, command: readonly string[], secretsDir: string, port: number): string[] {
    const m = MOUNTS[server];
    return command.map((part) => part.split(`${m.dir}/`).join(`${secretsDir}/`).split(`127.0.0.1:${m.port}/`).join(`127.0.0.1:${port}/`));
  }

  let flavours: { name: string; env: NodeJS.ProcessEnv }[] = [];
  beforeAll(() => {
    flavours = wgets(scratch);
  });

  /** Exit status of the command under each wget, by name. Asynchronous: the 503 server lives in this process. */
  async function run(command: readonly string[]): Promise<Record<string, number>> {
    const exit = (env: NodeJS.ProcessEnv) =>
      new Promise<number>((resolve, reject) => {
        const child = spawn(command[0], command.slice(1), { env, stdio: "ignore", timeout: 15_000 });
        child.once("error", reject);
        child.once("exit", (code) => resolve(code ?? -1));
      });
    return Object.fromEntries(await Promise.all(flavours.map(async (w) => [w.name, await exit(w.env)] as const)));
  }
  const every = (status: Record<string, number>, ok: (s: number) => boolean) => Object.values(status).length > 0 && Object.values(status).every(ok);

  it.each(["prometheus", "alertmanager"] as const)("%s: every probe passes with the rendered header file", async (server) => {
    const probes = rendered.probes[server];
    expect(Object.keys(probes).sort()).toEqual(server === "prometheus" ? ["livenessProbe", "readinessProbe", "startupProbe"] : ["livenessProbe", "readinessProbe"]);
    for (const [kind, command] of Object.entries(probes)) {
      const local = onLoopback(server, command, pipeline.secretsDir, daemon(server).port);
      expect(local.join(" ")).not.toContain(MOUNTS[server].dir);
      const status = await run(local);
      expect({ kind, status, passed: every(status, (x) => x === 0) }).toMatchObject({ kind, passed: true });
    }
  });

  it.each(["prometheus", "alertmanager"] as const)("%s: every probe fails on a 401 (a wrong password, no file) and on a 503", async (server) => {
    const wrongDir = mkdtempSync(path.join(scratch, `${server}-wrong-`));
    writeFileSync(path.join(wrongDir, WEB_AUTH_AUTHORIZATION_KEY), basicAuthorization(rendered.webAuth.username, "not-the-password-0000"));
    // No file (the Secret not mounted): the header goes out empty.
    const emptyDir = mkdtempSync(path.join(scratch, `${server}-missing-`));
    for (const [kind, command] of Object.entries(rendered.probes[server])) {
      const status = {
        wrongPassword: await run(onLoopback(server, command, wrongDir, daemon(server).port)),
        noFile: await run(onLoopback(server, command, emptyDir, daemon(server).port)),
        unavailable: await run(onLoopback(server, command, pipeline.secretsDir, unavailable.port)),
      };
      const failed = Object.values(status).every((s) => every(s, (x) => x !== 0));
      expect({ kind, status, failed }).toMatchObject({ kind, failed: true });
    }
  });
});
