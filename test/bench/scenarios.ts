/**
 * The benchmark's measurements. Each starts what it needs (render CLI, jest, or a pipeline of real daemons on
 * loopback) and returns plain figures; run.ts writes them to docs/benchmarks.md.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import * as path from "node:path";
import { load } from "js-yaml";
import { ROOT, renderCommand } from "../support/render";
import { SEED_ALERTS, renderedAlerts } from "../e2e/harness/contract";
import { DRIFTING_MODEL, HIGH_MODEL, startIncident } from "../e2e/harness/incident";
import { Pipeline } from "../e2e/harness/pipeline";
import { Daemon, sleep, waitFor } from "../e2e/harness/processes";
import { componentEndpoint } from "../e2e/harness/simulated-cluster";
import { COMPRESSED_INTERVAL, RenderedStack, durationMs } from "../e2e/harness/stack-files";
import { M, SESSION_SERIES_JOB, bucket } from "../../telemetry/catalog";
import { recordedRateName } from "../../rules/rated";
import { median, progress } from "./machine";
import { MEMORY_ENGINE_CORE_SERIES, SyntheticPlatform, SyntheticScale, sessionSeriesEngine } from "./synthetic";

// ---- render and test suite ---------------------------------------------------------------------------------------

/** The program whose load time the render is measured against: the two SDKs alone, nothing of the stack. */
export const LOAD_SDKS = 'require("@pulumi/pulumi"); require("@pulumi/kubernetes")';

/** The render goal of issue 15: a render of prod within this many times the SDKs' load time. */
export const RENDER_GOAL_RATIO = 2;

export interface RenderRound {
  /** `node -e LOAD_SDKS`. */
  readonly loadMs: number;
  /** `npm run render -- --stack <stack>`'s command, by stack. */
  readonly renderMs: Readonly<Record<string, number>>;
}

export interface RenderCost {
  readonly stacks: readonly string[];
  readonly rounds: readonly RenderRound[];
  readonly loadMedianMs: number;
  readonly renderMedianMs: Readonly<Record<string, number>>;
  /** The median prod render over the median load. */
  readonly ratio: number;
  /** 1-minute load average before the first and after the last round. */
  readonly loadAverage: readonly [number, number];
}

function timed(command: readonly string[], what: string): number {
  const start = performance.now();
  const r = spawnSync(command[0], command.slice(1), { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
  const ms = performance.now() - start;
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${what} failed (${r.status}): ${r.stderr}`);
  return ms;
}

/**
 * `runs` rounds, each a fresh process loading the SDKs, then a fresh render of each stack (the command of `npm run
 * render`, without npm's own start-up). Interleaved, so that on a shared machine both see the same load. One render
 * before the first round is not counted: it fills the TypeScript loader's cache, as any earlier run of the same
 * sources has.
 */
export function renderCost(stacks: readonly string[], runs: number): RenderCost {
  if (!stacks.includes("prod")) throw new Error("the render goal is about the prod stack");
  const out = mkdtempSync(path.join(tmpdir(), "bench-render-"));
  const renderOf = (stack: string) => renderCommand(["--stack", stack, "--out", path.join(out, stack)]);
  timed(renderOf("prod"), "warm-up render of prod");
  const before = loadavg()[0];
  const rounds: RenderRound[] = [];
  for (let i = 0; i < runs; i++) {
    const loadMs = timed([process.execPath, "-e", LOAD_SDKS], "loading the SDKs");
    const renderMs: Record<string, number> = {};
    for (const stack of stacks) renderMs[stack] = timed(renderOf(stack), `render --stack ${stack}`);
    rounds.push({ loadMs, renderMs });
    progress(`render round ${i + 1}/${runs}: load ${Math.round(loadMs)} ms, ${stacks.map((st) => `${st} ${Math.round(renderMs[st])} ms`).join(", ")}`);
  }
  const loadMedianMs = median(rounds.map((r) => r.loadMs));
  const renderMedianMs = Object.fromEntries(stacks.map((st) => [st, median(rounds.map((r) => r.renderMs[st]))]));
  return { stacks, rounds, loadMedianMs, renderMedianMs, ratio: renderMedianMs.prod / loadMedianMs, loadAverage: [before, loadavg()[0]] };
}

export interface SuiteTime {
  readonly name: string;
  readonly command: string;
  readonly ms: number;
  readonly passed: number;
  readonly failed: number;
}

/** One jest run, timed; counts from the summary reporter's `jest: N passed, N failed` line (stdout or stderr). */
export function suiteTime(name: string, args: readonly string[]): SuiteTime {
  const jest = path.join(ROOT, "node_modules", ".bin", "jest");
  const start = performance.now();
  const r = spawnSync(jest, [...args], { cwd: ROOT, encoding: "utf8", timeout: 30 * 60_000, maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - start;
  const m = /^jest: (\d+) passed, (\d+) failed/m.exec(`${r.stdout ?? ""}\n${r.stderr ?? ""}`);
  const result = { name, command: `jest ${args.join(" ")}`.trim(), ms, passed: Number(m?.[1] ?? 0), failed: Number(m?.[2] ?? (r.status === 0 ? 0 : -1)) };
  progress(`${name}: ${Math.round(ms / 1000)} s, ${result.passed} passed, ${result.failed} failed`);
  return result;
}

// ---- time to notify ----------------------------------------------------------------------------------------------

export interface NotifyTime {
  readonly alert: string;
  readonly channel: string;
  readonly elapsedMs: number;
  readonly boundMs: number;
  readonly ratio: number;
}

interface AlertmanagerYaml {
  route: RouteYaml;
  receivers: { name: string; slack_configs?: { channel: string }[] }[];
}
interface RouteYaml {
  receiver: string;
  group_wait?: string;
  routes?: RouteYaml[];
}

/** group_wait of the route delivering to `channel` (inherited from the parent when the route sets none). */
function groupWaitMs(am: AlertmanagerYaml, channel: string): number {
  const receiver = am.receivers.find((r) => r.slack_configs?.some((s) => s.channel === channel))?.name;
  const search = (route: RouteYaml, inherited: string): string | undefined => {
    const own = route.group_wait ?? inherited;
    for (const child of route.routes ?? []) {
      const found = search(child, own);
      if (found) return found;
    }
    return route.receiver === receiver ? own : undefined;
  };
  const found = search(am.route, am.route.group_wait ?? "30s");
  if (!found) throw new Error(`no route delivers to ${channel}`);
  return durationMs(found);
}

/**
 * The bound on time to notify: for + scrape interval + evaluation interval + group_wait, in the run's (possibly
 * compressed) timings.
 */
export function notifyBoundMs(rendered: RenderedStack, compression: number, alert: string, channel: string): number {
  const rule = renderedAlerts(rendered).get(alert);
  if (!rule) throw new Error(`no alert ${alert} in the rendered rules`);
  const prom = load(rendered.prometheusYml) as { global: { scrape_interval: string; evaluation_interval: string } };
  const am = load(rendered.alertmanagerYml) as AlertmanagerYaml;
  const scrape = compression === 1 ? durationMs(prom.global.scrape_interval) : durationMs(COMPRESSED_INTERVAL);
  const evaluation = compression === 1 ? durationMs(prom.global.evaluation_interval) : durationMs(COMPRESSED_INTERVAL);
  return (rule.for ? durationMs(rule.for) / compression : 0) + scrape + evaluation + groupWaitMs(am, channel) / compression;
}

function measure(p: Pipeline, rendered: RenderedStack, compression: number, crossedAt: number, alerts: readonly string[]): NotifyTime[] {
  const out: NotifyTime[] = [];
  for (const alert of alerts) {
    const first = new Map<string, number>();
    for (const post of p.slack.delivered({ alertname: alert, state: "firing" })) if (!first.has(post.channel)) first.set(post.channel, post.at);
    for (const [channel, at] of first) {
      const boundMs = notifyBoundMs(rendered, compression, alert, channel);
      out.push({ alert, channel, elapsedMs: at - crossedAt, boundMs, ratio: (at - crossedAt) / boundMs });
    }
  }
  return out;
}

/** The drift alerts through the rendered timings (15s scrape and evaluation, for 1m, group_wait 10s or 30s). */
export async function notifyUncompressed(rendered: RenderedStack): Promise<NotifyTime[]> {
  const p = await Pipeline.start({ name: "bench-notify", rendered, compression: 1 });
  try {
    await waitFor("all targets up", () => p.allTargetsUp(), { timeoutMs: 60_000, intervalMs: 500 });
    p.demo.setDrift(HIGH_MODEL, 0.3);
    p.demo.setDrift(DRIFTING_MODEL, 0.18);
    const crossedAt = Date.now();
    const bound = notifyBoundMs(rendered, 1, "DriftDetected", "#ai-platform-drift");
    await waitFor("drift notifications", () => (p.slack.delivered({ state: "firing" }).length >= 3 ? true : undefined), { timeoutMs: bound + 30_000, intervalMs: 100 });
    const result = measure(p, rendered, 1, crossedAt, ["HighDriftScore", "DriftDetected"]);
    progress(`time to notify, uncompressed: ${result.map((r) => `${r.alert}@${r.channel} ${(r.elapsedMs / 1000).toFixed(1)}s/${r.boundMs / 1000}s`).join(", ")}`);
    return result;
  } finally {
    await p.close();
  }
}

/** Every seed alert, time-compressed by `compression`, from one incident (the end-to-end run's). */
export async function notifyCompressed(rendered: RenderedStack, compression: number): Promise<NotifyTime[]> {
  const p = await Pipeline.start({ name: "bench-notify-compressed", rendered, compression });
  try {
    await waitFor("all targets up", () => p.allTargetsUp(), { timeoutMs: 20_000 });
    await sleep(2_500);
    const crossedAt = startIncident(p);
    await waitFor("every seed alert notified", () => (SEED_ALERTS.every((a) => p.slack.delivered({ alertname: a, state: "firing" }).length > 0) ? true : undefined), { timeoutMs: 60_000, intervalMs: 50 });
    await sleep(1_000);
    const result = measure(p, rendered, compression, crossedAt, SEED_ALERTS);
    progress(`time to notify, compressed x${compression}: ${result.length} notifications, median ratio ${median(result.map((r) => r.ratio)).toFixed(2)}`);
    return result;
  } finally {
    await p.close();
  }
}

// ---- rule evaluation cost ----------------------------------------------------------------------------------------

/** The cost of the rendered rules on one synthetic platform (one scale of RULE_SCALES). */
export interface RuleCost {
  readonly scale: string;
  readonly replicas: number;
  readonly seriesScraped: number;
  readonly seriesByJob: Record<string, number>;
  /** prometheus_tsdb_head_series at the end: the scraped series, the recorded ones and Prometheus' own. */
  readonly headSeries: number;
  /** Series the recording rules wrote in the last evaluation of each group, summed. */
  readonly recordedSeries: number;
  readonly evaluationIntervalMs: number;
  readonly cyclesObserved: number;
  /** Per rule group (`file;group`): prometheus_rule_group_last_duration_seconds over the observed intervals, in ms. */
  readonly groupMedianMs: Record<string, number>;
  readonly groupMaxMs: Record<string, number>;
  readonly slowestGroup: string;
  readonly slowestGroupMedianMs: number;
  readonly slowestGroupMaxMs: number;
  /** Every group's last duration summed, per observed interval: the evaluation time one interval costs. */
  readonly totalMedianMs: number;
  readonly totalMaxMs: number;
  /** process_resident_memory_bytes and go_memstats_heap_inuse_bytes of Prometheus at the end. */
  readonly residentBytes: number;
  readonly heapInuseBytes: number;
  readonly missedIterations: number;
  readonly maxScrapeDurationMs: number;
  /** The machine's 1-minute load average while observing (other work slows every figure). */
  readonly loadAverage: number;
}

/** Samples of a daemon's /metrics lines `name{labels} value`, as [labels text, value]. */
async function selfSamples(daemon: Daemon, name: string): Promise<[string, number][]> {
  const text = await (await daemon.request("/metrics")).text();
  const out: [string, number][] = [];
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (m && m[1] === name) out.push([m[2] ?? "", Number(m[3])]);
  }
  return out;
}

/**
 * Prometheus with the rendered rules and timings scraping one synthetic platform; `cycles` evaluation intervals
 * observed once the recorded rates have values (two scrapes of every target). `inspect`, when given, queries the
 * running pipeline after the intervals, before it stops.
 */
export async function ruleCost(rendered: RenderedStack, scale: SyntheticScale, cycles: number, inspect?: (p: Pipeline) => Promise<void>): Promise<RuleCost> {
  progress(`rules ${scale.name}: building the synthetic platform (${scale.replicas} replica(s) per job)`);
  const synthetic = await SyntheticPlatform.start(scale.sizes, scale.replicas);
  const p = await Pipeline.start({ name: `bench-rules-${scale.name}`, rendered, compression: 1, noDefaultTargets: true, extraEndpoints: () => synthetic.endpoints(rendered.settings) });
  try {
    const jobs = synthetic.endpoints(rendered.settings).length;
    const prom = load(rendered.prometheusYml) as { global: { evaluation_interval: string; scrape_interval: string } };
    const interval = durationMs(prom.global.evaluation_interval);
    const scrapeMs = durationMs(prom.global.scrape_interval);
    // Every synthetic pod up (the memory engine's are scraped by two jobs; Alertmanager's own target is left out).
    const up = async () => Number((await p.query('sum(up{job!~"alertmanager|prometheus"})'))[0]?.value[1] ?? 0);
    await waitFor(`${jobs} synthetic targets scraped`, async () => ((await up()) >= jobs ? true : undefined), { timeoutMs: 4 * scrapeMs + 120_000, intervalMs: 2_000 });
    // rate() needs two samples of a series: wait until every rated family has its recorded rate.
    const probe = `count(${recordedRateName(M.httpRequestsTotal.name)}) and count(${recordedRateName(bucket(M.httpRequestDurationSeconds))})`;
    await waitFor("recorded rates", async () => ((await p.query(probe)).length > 0 ? true : undefined), { timeoutMs: 4 * scrapeMs + 4 * interval + 60_000, intervalMs: 2_000 });
    // One more interval, so every group has evaluated on two samples of everything.
    await sleep(interval);
    const perGroup: Record<string, number[]> = {};
    const totals: number[] = [];
    const loads: number[] = [];
    for (let i = 0; i < cycles; i++) {
      await sleep(interval);
      loads.push(loadavg()[0]);
      const samples = await selfSamples(p.prometheus, "prometheus_rule_group_last_duration_seconds");
      let total = 0;
      for (const [labels, value] of samples) {
        const group = (/rule_group="([^"]*)"/.exec(labels)?.[1] ?? labels).replace(/^.*\//, "");
        (perGroup[group] ??= []).push(value * 1000);
        total += value * 1000;
      }
      totals.push(total);
      progress(`rules ${scale.name}: interval ${i + 1}/${cycles}, all groups ${total.toFixed(1)} ms`);
    }
    const groupMedianMs = Object.fromEntries(Object.entries(perGroup).map(([g, v]) => [g, median(v)]));
    const groupMaxMs = Object.fromEntries(Object.entries(perGroup).map(([g, v]) => [g, Math.max(...v)]));
    const [slowestGroup, slowestGroupMedianMs] = Object.entries(groupMedianMs).sort((a, b) => b[1] - a[1])[0] ?? ["none", NaN];
    const byJob = await p.query("sum by (job) (scrape_samples_scraped)");
    const seriesByJob = Object.fromEntries(byJob.map((x) => [x.metric.job, Number(x.value[1])]));
    const first = async (name: string) => (await selfSamples(p.prometheus, name))[0]?.[1] ?? NaN;
    const recorded = await selfSamples(p.prometheus, "prometheus_rule_group_last_evaluation_samples");
    const missed = await selfSamples(p.prometheus, "prometheus_rule_group_iterations_missed_total");
    const scrape = await p.query("max(scrape_duration_seconds)");
    const result: RuleCost = {
      scale: scale.name,
      replicas: scale.replicas,
      seriesScraped: Object.values(seriesByJob).reduce((a, b) => a + b, 0),
      seriesByJob,
      headSeries: await first("prometheus_tsdb_head_series"),
      recordedSeries: recorded.filter(([labels]) => /recording\.rules\.yml/.test(labels)).reduce((a, [, v]) => a + v, 0),
      evaluationIntervalMs: interval,
      cyclesObserved: cycles,
      groupMedianMs,
      groupMaxMs,
      slowestGroup,
      slowestGroupMedianMs,
      slowestGroupMaxMs: groupMaxMs[slowestGroup] ?? NaN,
      totalMedianMs: median(totals),
      totalMaxMs: Math.max(...totals),
      residentBytes: await first("process_resident_memory_bytes"),
      heapInuseBytes: await first("go_memstats_heap_inuse_bytes"),
      missedIterations: missed.reduce((a, [, v]) => a + v, 0),
      maxScrapeDurationMs: Number(scrape[0]?.value[1] ?? NaN) * 1000,
      loadAverage: median(loads),
    };
    progress(
      `rules ${scale.name}: ${result.headSeries.toLocaleString("en-US")} head series, slowest group ${slowestGroup} ${slowestGroupMedianMs.toFixed(1)} ms, ` +
        `all groups ${result.totalMedianMs.toFixed(1)} ms per interval, RSS ${(result.residentBytes / 2 ** 20).toFixed(0)} MiB`,
    );
    if (inspect) await inspect(p);
    return result;
  } finally {
    await p.close();
    await synthetic.close();
  }
}

// ---- per-user series past the limit ------------------------------------------------------------------------------

/** One job's scrape of the memory engine, from Prometheus' own series for the target. */
export interface JobScrape {
  readonly job: string;
  readonly sampleLimit: number;
  readonly up: number;
  readonly samplesScraped: number;
  readonly samplesPostRelabeling: number;
  /** Scrapes of the full exposition observed. */
  readonly scrapes: number;
  /** scrape_duration_seconds over those scrapes: the last one's, the median and the largest. */
  readonly lastDurationMs: number;
  readonly medianDurationMs: number;
  readonly maxDurationMs: number;
  /** The targets page's last error ("" when the scrape succeeded). */
  readonly lastError: string;
  /**
   * Series under the job with a sample from a scrape of the full exposition (Prometheus' synthesized scrape series and
   * the alert series left out).
   */
  readonly seriesStored: number;
}

export interface SessionSeriesLimit {
  readonly users: number;
  readonly sessions: number;
  readonly exposedSamples: number;
  readonly exposedBytes: number;
  readonly generationMs: number;
  readonly renderMs: number;
  readonly scrapeTimeoutMs: number;
  /** The machine's 1-minute load average when the users appeared (other work slows every figure). */
  readonly loadAverage: number;
  readonly service: JobScrape;
  readonly sessionJob: JobScrape;
  /** Expected core series names, and those missing under job="memory-engine". */
  readonly coreSeries: readonly string[];
  readonly coreMissing: readonly string[];
  readonly headSeriesBefore: number;
  readonly headSeriesAfter: number;
  /** Whether the over-budget session's utilization is stored now (the budget alerts read it). */
  readonly overBudgetSeriesStored: boolean;
  /** Alert states when measured, one evaluation after the last scrape (pending, firing or inactive). */
  readonly alerts: Readonly<Record<string, string>>;
  /** What must hold for the service's own metrics; empty when all does. */
  readonly failures: readonly string[];
}

const one = (samples: { value: [number, string] }[]): number => Number(samples[0]?.value[1] ?? NaN);
/** Scrapes of the full exposition each job must have made before the figures are read. */
const SCRAPES = 3;

/**
 * The rendered dev memory-engine jobs (and the rest of prometheus.yml and the rules, as deployed) scraping one memory
 * engine with `users` user_id series and its own metrics: whether its own job stays up with its metrics, what becomes
 * of the per-session job, and how long each scrape takes. Prometheus scrapes itself, so the self-monitoring alerts can
 * see the rejections.
 */
export async function sessionSeriesLimit(rendered: RenderedStack, users: number, sessions: number): Promise<SessionSeriesLimit> {
  const prom = load(rendered.prometheusYml) as {
    global: { scrape_interval: string; scrape_timeout: string; evaluation_interval: string };
    scrape_configs: { job_name: string; sample_limit: number }[];
  };
  const limitOf = (job: string) => {
    const found = prom.scrape_configs.find((j) => j.job_name === job);
    if (!found) throw new Error(`the rendered prometheus.yml has no ${job} job`);
    return found.sample_limit;
  };
  const serviceJob = "memory-engine";
  const sessionJob = SESSION_SERIES_JOB;
  const limits: Record<string, number> = { [serviceJob]: limitOf(serviceJob), [sessionJob]: limitOf(sessionJob) };
  const scrapeMs = durationMs(prom.global.scrape_interval);

  progress(`session series: generating ${users.toLocaleString("en-US")} users and ${sessions.toLocaleString("en-US")} sessions`);
  const engine = await sessionSeriesEngine(rendered.settings, { users, sessions, overBudget: 1 });
  progress(`session series: ${engine.samples.toLocaleString("en-US")} samples, ${(engine.bytes / 2 ** 20).toFixed(1)} MiB, rendered by the exporter in ${Math.round(engine.renderMs)} ms`);
  const p = await Pipeline.start({
    name: "bench-session-series",
    rendered,
    compression: 1,
    noDefaultTargets: true,
    extraEndpoints: (self) => [engine.endpoint, componentEndpoint(rendered.settings, "prometheus", self.prometheus)],
  });
  try {
    // First the engine without its users, for the head before they arrive.
    const bothUp = `count(up{job=~"${serviceJob}|${sessionJob}"} == 1)`;
    await waitFor("both memory-engine jobs up", async () => (one(await p.query(bothUp)) === 2 ? true : undefined), { timeoutMs: 4 * scrapeMs + 30_000, intervalMs: 1_000 });
    await sleep(scrapeMs);
    const headSeriesBefore = (await selfSamples(p.prometheus, "prometheus_tsdb_head_series"))[0][1];
    engine.grow();
    const grownAt = Date.now();
    const loadAverage = loadavg()[0];
    progress(`session series: serving ${users.toLocaleString("en-US")} users; waiting for ${SCRAPES} scrapes of each job`);
    // The scrapes since the change, by job: each writes one `up` sample stamped with its start, so samples in the
    // window since then are the scrapes that fetched the full exposition. One that outlasts the interval delays the
    // next, so the count is read rather than assumed.
    const since = (at: number) => `${Math.max(1, at - grownAt)}ms`;
    const scrapesSince = async (job: string, at = Date.now()) => one(await p.query(`count_over_time(up{job="${job}"}[${since(at)}])`, at)) || 0;
    const enough = await waitFor(`${SCRAPES} scrapes of each job`, async () => {
      const counts = await Promise.all([serviceJob, sessionJob].map((j) => scrapesSince(j)));
      return counts.every((c) => c >= SCRAPES) ? true : undefined;
    }, { timeoutMs: 8 * 60_000, intervalMs: 5_000 }).catch(() => false);
    if (!enough) progress(`session series: fewer than ${SCRAPES} scrapes of a job within 8 minutes; measuring what there is`);
    // One more evaluation, so alerts on the last scrape are at least pending.
    await sleep(durationMs(prom.global.evaluation_interval) + 1_000);
    const at = Date.now();

    // Fresh samples only: after a scrape rejected over its limit, the series it appended before reaching the limit keep
    // their previous sample (no stale marker) for the 5m lookback, so a series merely being there proves nothing.
    // timestamp() drops the name, so one name at a time.
    const freshOf = async (name: string, job: string) => one(await p.query(`count(timestamp(${name}{job="${job}"}) > ${grownAt / 1000})`, at)) || 0;
    const freshSeries = async (job: string) => {
      const names = (await p.query(`count by (__name__) ({job="${job}", __name__!~"up|scrape_.+|ALERTS.*"})`, at)).map((x) => x.metric.__name__);
      let total = 0;
      for (const name of names) total += await freshOf(name, job);
      return total;
    };
    const scrape = async (job: string): Promise<JobScrape> => {
      const q = async (expr: string) => one(await p.query(expr, at));
      const durations = `scrape_duration_seconds{job="${job}"}[${since(at)}]`;
      const targets = (await (await fetch(`${p.prometheus.url}/api/v1/targets?state=active`, { signal: AbortSignal.timeout(10_000) })).json()) as {
        data: { activeTargets: { labels: Record<string, string>; lastError: string }[] };
      };
      return {
        job,
        sampleLimit: limits[job],
        up: await q(`up{job="${job}"}`),
        samplesScraped: await q(`scrape_samples_scraped{job="${job}"}`),
        samplesPostRelabeling: await q(`scrape_samples_post_metric_relabeling{job="${job}"}`),
        scrapes: await scrapesSince(job, at),
        lastDurationMs: 1000 * (await q(`scrape_duration_seconds{job="${job}"}`)),
        medianDurationMs: 1000 * (await q(`quantile_over_time(0.5, ${durations})`)),
        maxDurationMs: 1000 * (await q(`max_over_time(${durations})`)),
        lastError: targets.data.activeTargets.find((t) => t.labels.job === job)?.lastError ?? "(no target)",
        seriesStored: await freshSeries(job),
      };
    };
    const service = await scrape(serviceJob);
    const sessionScrape = await scrape(sessionJob);
    const coreMissing: string[] = [];
    for (const name of MEMORY_ENGINE_CORE_SERIES) if ((await freshOf(name, serviceJob)) === 0) coreMissing.push(name);
    const headSeriesAfter = (await selfSamples(p.prometheus, "prometheus_tsdb_head_series"))[0][1];
    const firing = await p.alerts();
    const state = (alertname: string, labels: Record<string, string> = {}) =>
      firing.find((a) => a.labels.alertname === alertname && Object.entries(labels).every(([k, v]) => a.labels[k] === v))?.state ?? "inactive";
    const limitHitExpr = "increase(prometheus_target_scrapes_exceeded_sample_limit_total[5m]) > 0";
    const failures = [
      ...(service.up === 1 ? [] : [`up{job="${serviceJob}"} is ${service.up}, not 1 (last error: ${service.lastError || "none"})`]),
      ...(coreMissing.length === 0 ? [] : [`memory-engine core series not scraped: ${coreMissing.join(", ")}`]),
    ];
    return {
      users,
      sessions,
      exposedSamples: engine.samples,
      exposedBytes: engine.bytes,
      generationMs: engine.generationMs,
      renderMs: engine.renderMs,
      scrapeTimeoutMs: durationMs(prom.global.scrape_timeout),
      loadAverage,
      service,
      sessionJob: sessionScrape,
      coreSeries: MEMORY_ENGINE_CORE_SERIES,
      coreMissing,
      headSeriesBefore,
      headSeriesAfter,
      overBudgetSeriesStored: (await p.query(`${M.memoryBudgetUtilization.name}{session_id="session-0"}`)).length > 0,
      alerts: {
        "ServiceDown (memory-engine)": state("ServiceDown", { service: serviceJob }),
        "ServiceInstanceDown (memory-engine)": state("ServiceInstanceDown", { service: serviceJob }),
        SessionSeriesScrapeFailing: state("SessionSeriesScrapeFailing"),
        PrometheusScrapeSampleLimitHit: state("PrometheusScrapeSampleLimitHit"),
        "PrometheusScrapeSampleLimitHit expression": (await p.query(limitHitExpr)).length > 0 ? "true" : "false",
        "BudgetExceeded (the session over its budget)": state("BudgetExceeded", { session_id: "session-0" }),
      },
      failures,
    };
  } finally {
    await p.close();
    await engine.close();
  }
}
