/**
 * The memory engine exposing more user series than its own job's sample_limit, scraped by the pinned Prometheus with
 * the rendered dev prometheus.yml, rules and flags (time-compressed by 60): its own metrics are still scraped and
 * `up{job="memory-engine"}` is 1, because that job drops the per-user and per-session families before the limit is
 * counted and `memory-engine-sessions` scrapes them under a limit of its own. A second Prometheus runs the same files
 * with that drop rule removed, against the same target: its memory-engine scrape is rejected, which shows the target
 * really is over the limit and that the rule is what keeps the job up.
 *
 * Only Prometheus runs here (no Alertmanager, no demo platform), so the file takes about 15 s.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { dump, load } from "js-yaml";
import { PrometheusConfig } from "../../components/prometheus-config";
import { WEB_AUTH_PASSWORD_KEY, WEB_CONFIG_KEY } from "../../components/web-auth-config";
import { M, SESSION_SERIES_JOB, bucket, count } from "../../telemetry/catalog";
import { createMetricsExporter } from "../../telemetry/metrics-exporter";
import { requireTool } from "../support/tools";
import { LoopbackServer, serve } from "./harness/http";
import { Daemon, startDaemon, waitFor } from "./harness/processes";
import { sourceEndpoint } from "./harness/simulated-cluster";
import { RenderedStack, compressPrometheusFlags, compressRuleFile, loopbackPrometheusYml, renderStack, replaceFlags } from "./harness/stack-files";

const F = 60;
const SERVICE_JOB = "memory-engine";
const SESSIONS = 20;
const OVER_BUDGET_SESSION = "session-0";
/** The memory engine's own series, which its job must keep scraping. */
const CORE_SERIES = [M.memoryOperationsTotal.name, bucket(M.memoryOperationDurationSeconds), count(M.memorySearchResults), M.httpRequestsTotal.name];

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

/** One Prometheus on loopback with the rendered (or a planted) stack files, scraping the memory engine. */
class LoopbackPrometheus {
  private constructor(
    readonly daemon: Daemon,
    private readonly dir: string,
  ) {}

  static async start(name: string, rendered: RenderedStack, engineAddress: string): Promise<LoopbackPrometheus> {
    const dir = mkdtempSync(path.join(tmpdir(), `e2e-${name}-`));
    try {
      const rulesDir = path.join(dir, "rules");
      const sdDir = path.join(dir, "discovery");
      const secretsDir = path.join(dir, "secrets");
      mkdirSync(rulesDir);
      mkdirSync(sdDir);
      mkdirSync(secretsDir);
      // Basic auth as rendered: the web config the server requires, the password its alerting client sends.
      writeFileSync(path.join(secretsDir, WEB_CONFIG_KEY), rendered.webAuth.webConfigYml);
      writeFileSync(path.join(secretsDir, WEB_AUTH_PASSWORD_KEY), rendered.webAuth.password);
      for (const [file, text] of Object.entries(rendered.ruleFiles)) writeFileSync(path.join(rulesDir, file), compressRuleFile(text, F));
      const configFile = path.join(dir, "prometheus.yml");
      const endpoints = [sourceEndpoint(rendered.settings, SERVICE_JOB, engineAddress)];
      writeFileSync(configFile, loopbackPrometheusYml(rendered, { endpoints, sdDir, rulesDir, secretsDir, compression: F }));
      const daemon = await startDaemon((port) => {
        const args = replaceFlags(rendered.prometheusArgs, {
          "--config.file": configFile,
          "--storage.tsdb.path": path.join(dir, "data"),
          "--web.listen-address": `127.0.0.1:${port}`,
          "--web.config.file": path.join(secretsDir, WEB_CONFIG_KEY),
        });
        const log = path.join(dir, "prometheus.log");
        return new Daemon(`prometheus-${name}`, requireTool("prometheus"), compressPrometheusFlags(args, F), port, log, rendered.webAuth.authorization);
      });
      return new LoopbackPrometheus(daemon, dir);
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  async query(expr: string): Promise<Sample[]> {
    const res = await this.daemon.request(`/api/v1/query?${new URLSearchParams({ query: expr })}`);
    const body = (await res.json()) as { status: string; error?: string; data?: { result: Sample[] } };
    if (body.status !== "success" || !body.data) throw new Error(`query ${expr} failed: ${body.error ?? res.status}`);
    return body.data.result;
  }

  /** The single value of an instant query (NaN when it returns nothing). */
  async value(expr: string): Promise<number> {
    return Number((await this.query(expr))[0]?.value[1] ?? NaN);
  }

  async lastError(job: string): Promise<string | undefined> {
    const res = await this.daemon.request("/api/v1/targets?state=active");
    const body = (await res.json()) as { data: { activeTargets: { labels: Record<string, string>; lastError: string }[] } };
    return body.data.activeTargets.find((t) => t.labels.job === job)?.lastError;
  }

  async alerts(): Promise<{ labels: Record<string, string>; state: string }[]> {
    const res = await this.daemon.request("/api/v1/alerts");
    return ((await res.json()) as { data: { alerts: { labels: Record<string, string>; state: string }[] } }).data.alerts;
  }

  async close(): Promise<void> {
    await this.daemon.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The rendered stack with the memory-engine job's drop of the per-user and per-session families taken out. */
function withoutDropRule(rendered: RenderedStack): RenderedStack {
  const config = load(rendered.prometheusYml) as PrometheusConfig;
  const job = config.scrape_configs.find((j) => j.job_name === SERVICE_JOB)!;
  const kept = (job.metric_relabel_configs ?? []).filter((r) => !(r.action === "drop" && r.source_labels?.join() === "__name__"));
  if (kept.length === (job.metric_relabel_configs ?? []).length) throw new Error(`the rendered ${SERVICE_JOB} job has no drop rule on __name__ to take out`);
  job.metric_relabel_configs = kept;
  return { ...rendered, prometheusYml: dump(config, { noRefs: true, lineWidth: -1 }) };
}

let rendered: RenderedStack;
let sampleLimit = 0;
let users = 0;
let engine: LoopbackServer | undefined;
const started: LoopbackPrometheus[] = [];
let asRendered: LoopbackPrometheus;
let planted: LoopbackPrometheus;

beforeAll(async () => {
  rendered = renderStack("dev");
  // Before anything starts: a render without the rule fails here, with nothing left running.
  const plantedStack = withoutDropRule(rendered);
  const config = load(rendered.prometheusYml) as PrometheusConfig;
  sampleLimit = config.scrape_configs.find((j) => j.job_name === SERVICE_JOB)!.sample_limit;
  // Half a limit more users than the service's job may take: one shared limit would reject the whole scrape.
  users = Math.ceil(sampleLimit * 1.5);

  const exporter = createMetricsExporter(SERVICE_JOB);
  for (const op of ["search", "store"]) exporter.recordMemoryOperation(op, "success", 0.02, { searchResults: 4 });
  exporter.recordHttpRequest("POST", "/v1/memories", 200, 0.03);
  for (let u = 0; u < users; u++) exporter.setMemoryItems(`user-${u}`, 1 + (u % 10));
  for (let x = 0; x < SESSIONS; x++) exporter.updateBudget(`session-${x}`, 1000, `session-${x}` === OVER_BUDGET_SESSION ? 1500 : 100);
  // Rendered once: two Prometheus, two jobs each, scrape every second, and the exposition is what is under test.
  const body = await exporter.metrics();
  engine = await serve((_req, res) => {
    res.writeHead(200, { "Content-Type": exporter.contentType }).end(body);
  });
  const address = `127.0.0.1:${engine.port}`;
  const runs = await Promise.allSettled([LoopbackPrometheus.start("session-series", rendered, address), LoopbackPrometheus.start("session-series-planted", plantedStack, address)]);
  for (const r of runs) if (r.status === "fulfilled") started.push(r.value);
  const failed = runs.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  [asRendered, planted] = started;
  const bothScraped = `count(up{job=~"${SERVICE_JOB}|${SESSION_SERIES_JOB}"})`;
  await Promise.all(started.map((p) => waitFor(`${p.daemon.name} scraping both jobs`, async () => ((await p.value(bothScraped)) === 2 ? true : undefined), { timeoutMs: 20_000, intervalMs: 250 })));
});

afterAll(async () => {
  await Promise.allSettled(started.map((p) => p.close()));
  await engine?.close();
});

describe("with more user series than the memory-engine job's sample_limit", () => {
  it("scrapes memory-engine's own metrics, up == 1, counting only them against the limit", async () => {
    expect({ up: await asRendered.value(`up{job="${SERVICE_JOB}"}`), lastError: await asRendered.lastError(SERVICE_JOB) }).toEqual({ up: 1, lastError: "" });
    const names = (await asRendered.query(`count by (__name__) ({job="${SERVICE_JOB}"})`)).map((s) => s.metric.__name__);
    expect(names).toEqual(expect.arrayContaining(CORE_SERIES));
    expect(names).not.toContain(M.memoryItemsTotal.name);
    expect(await asRendered.value(`scrape_samples_scraped{job="${SERVICE_JOB}"}`)).toBeGreaterThan(sampleLimit);
    expect(await asRendered.value(`scrape_samples_post_metric_relabeling{job="${SERVICE_JOB}"}`)).toBeLessThanOrEqual(sampleLimit);
  });

  it("stores every user's and session's series through memory-engine-sessions, labelled service memory-engine", async () => {
    expect(await asRendered.value(`up{job="${SESSION_SERIES_JOB}"}`)).toBe(1);
    const stored = await asRendered.query(`count by (job, service, __name__) ({job="${SESSION_SERIES_JOB}", __name__=~"memory_.+"})`);
    expect(Object.fromEntries(stored.map((s) => [`${s.metric.__name__} ${s.metric.job} ${s.metric.service}`, Number(s.value[1])]))).toEqual({
      [`${M.memoryItemsTotal.name} ${SESSION_SERIES_JOB} memory-engine`]: users,
      [`${M.memoryBudgetTotalBytes.name} ${SESSION_SERIES_JOB} memory-engine`]: SESSIONS,
      [`${M.memoryBudgetUsedBytes.name} ${SESSION_SERIES_JOB} memory-engine`]: SESSIONS,
      [`${M.memoryBudgetUtilization.name} ${SESSION_SERIES_JOB} memory-engine`]: SESSIONS,
    });
    // The per-session job exposes its limit, which SessionSeriesScrapeFailing divides by.
    expect(await asRendered.value(`scrape_sample_limit{job="${SESSION_SERIES_JOB}"}`)).toBeGreaterThan(users + 3 * SESSIONS);
  });

  it("fires BudgetExceeded for the session over its budget, on service memory-engine, and no service-health alert", async () => {
    const budget = await waitFor("BudgetExceeded firing", async () => {
      const a = (await asRendered.alerts()).find((x) => x.labels.alertname === "BudgetExceeded" && x.state === "firing");
      return a;
    }, { timeoutMs: 15_000, intervalMs: 250 });
    expect(budget.labels).toMatchObject({ session_id: OVER_BUDGET_SESSION, service: "memory-engine", job: SESSION_SERIES_JOB, category: "budget" });
    const health = (await asRendered.alerts()).filter((a) => /^Service|^SessionSeriesScrapeFailing$|^PrometheusScrapeSampleLimitHit$/.test(a.labels.alertname));
    expect(health.map((a) => a.labels.alertname)).toEqual([]);
  });

  it("fails without memory-engine's drop rule: the same target's scrape is rejected and takes every memory-engine metric down", async () => {
    expect(await planted.value(`up{job="${SERVICE_JOB}"}`)).toBe(0);
    expect(await planted.lastError(SERVICE_JOB)).toMatch(/sample limit exceeded/);
    expect(await planted.query(`${M.memoryOperationsTotal.name}{job="${SERVICE_JOB}"}`)).toEqual([]);
  });
});
