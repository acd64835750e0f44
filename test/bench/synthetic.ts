/**
 * Synthetic scrape targets in the catalog's shapes, built with the instrumentation helpers themselves: each job's
 * exporter gets many label values, so Prometheus sees as many series as a large platform would send. Sizes are chosen
 * so each job stays under its scrape sample_limit (rules/cardinality.ts), which would otherwise reject it whole.
 */
import { HTTP_METHODS } from "../../telemetry/arguments";
import { M, bucket, count } from "../../telemetry/catalog";
import { MetricsExporter, createMetricsExporter } from "../../telemetry/metrics-exporter";
import { serve, LoopbackServer } from "../e2e/harness/http";
import { SimulatedEndpoint } from "../e2e/harness/loopback-discovery";
import { componentEndpoint, sourceEndpoint } from "../e2e/harness/simulated-cluster";
import { StackSettings } from "../../config/schema";
import { FakeDcgmExporter } from "../e2e/harness/fake-exporters";

export interface SyntheticSizes {
  /** Route templates per HTTP service (gateway, api-server); each has 2 methods x 3 statuses. */
  readonly httpEndpoints: number;
  /** MCP servers x operations per server. */
  readonly mcpServers: number;
  readonly mcpOperations: number;
  /** Models served by max-serve. */
  readonly models: number;
  /** Users with memory items and live sessions with a budget (memory-engine). */
  readonly users: number;
  readonly sessions: number;
  /** Models watched by drift-monitor. */
  readonly driftModels: number;
  /** GPUs behind the DCGM exporter. */
  readonly gpus: number;
}

/** About 100,000 series in all (measured by the benchmark from Prometheus' scrape_samples_scraped). */
export const HUNDRED_THOUSAND: SyntheticSizes = { httpEndpoints: 480, mcpServers: 20, mcpOperations: 50, models: 560, users: 16_000, sessions: 2_500, driftModels: 100, gpus: 128 };

/** A platform of a given size: label values per pod (`sizes`) and pods per job (`replicas`). */
export interface SyntheticScale {
  /** How the scale is named in reports: `10k`, `100k`, `1M`. */
  readonly name: string;
  readonly sizes: SyntheticSizes;
  /** Pods per platform job, each serving the whole `sizes` exposition (the scrape tells them apart by `pod`). */
  readonly replicas: number;
}

/**
 * The rule benchmark's three platforms. From 10k to 100k series the label values grow tenfold (more endpoints,
 * models, operations, users: the recorded series grow with them); from 100k to 1M the pods do (each job ten
 * replicas: the raw series grow, the recorded ones do not). Each pod stays under its job's sample_limit.
 */
export const RULE_SCALES: readonly SyntheticScale[] = [
  { name: "10k", sizes: { httpEndpoints: 48, mcpServers: 4, mcpOperations: 25, models: 56, users: 1_600, sessions: 250, driftModels: 10, gpus: 16 }, replicas: 1 },
  { name: "100k", sizes: HUNDRED_THOUSAND, replicas: 1 },
  { name: "1M", sizes: { ...HUNDRED_THOUSAND, gpus: 1_280 }, replicas: 10 },
];

const SYNTHETIC_JOBS = ["gateway", "api-server", "mcpjungle", "max-serve", "memory-engine", "drift-monitor"] as const;
type SyntheticJob = (typeof SYNTHETIC_JOBS)[number];

/** Every this long (the dev scrape interval) the served counters grow, so successive scrapes see them rise. */
const COUNTER_STEP_MS = 15_000;
/** Sample lines of counter-like series: counters, and histogram buckets, sums and counts. */
const COUNTER_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:_total|_bucket|_sum|_count)(?:\{[^}]*\})?) (\S+)$/;

/**
 * One job's exposition, rendered once by the instrumentation helpers, served with every counter-like sample scaled
 * by the number of steps since the start: all of a histogram's buckets scale alike, so they stay cumulative, and
 * every counter only grows. Rendering a hundred thousand series per scrape would cost this process seconds and be
 * measured as Prometheus' scrape time; this costs a join per step.
 */
class GrowingExposition {
  private readonly fixed: string[] = [];
  private readonly counters: { index: number; prefix: string; value: number }[] = [];
  private cached?: { step: number; body: Buffer };

  constructor(text: string, private readonly started: number) {
    for (const line of text.split("\n")) {
      const m = COUNTER_LINE.exec(line);
      if (m && Number.isFinite(Number(m[2]))) this.counters.push({ index: this.fixed.length, prefix: m[1], value: Number(m[2]) });
      this.fixed.push(line);
    }
  }

  /** The exposition as served now, encoded once per step: every replica of the job gets the same bytes. */
  body(now = Date.now()): Buffer {
    const step = 1 + Math.floor((now - this.started) / COUNTER_STEP_MS);
    if (this.cached?.step !== step) {
      const lines = [...this.fixed];
      for (const c of this.counters) lines[c.index] = `${c.prefix} ${c.value * step}`;
      this.cached = { step, body: Buffer.from(lines.join("\n")) };
    }
    return this.cached.body;
  }
}

/** One loopback server with a path per job (every replica of a job reads the same path), plus a DCGM exporter. */
export class SyntheticPlatform {
  private constructor(
    private readonly server: LoopbackServer,
    readonly dcgm: FakeDcgmExporter,
    private readonly replicas: number,
    /** Samples one replica of each job exposes. */
    readonly samplesPerReplica: Readonly<Record<SyntheticJob, number>>,
  ) {}

  static async start(sizes: SyntheticSizes, replicas = 1): Promise<SyntheticPlatform> {
    const exporters = Object.fromEntries(SYNTHETIC_JOBS.map((j) => [j, createMetricsExporter(j)])) as Record<SyntheticJob, MetricsExporter>;
    populate(exporters, sizes);
    const started = Date.now();
    const expositions = {} as Record<SyntheticJob, GrowingExposition>;
    const samples = {} as Record<SyntheticJob, number>;
    for (const j of SYNTHETIC_JOBS) {
      const text = await exporters[j].metrics();
      expositions[j] = new GrowingExposition(text, started);
      samples[j] = text.split("\n").filter((l) => l !== "" && !l.startsWith("#")).length;
    }
    const contentType = exporters.gateway.contentType;
    const server = await serve((req, res) => {
      const job = /^\/metrics\/([a-z-]+)$/.exec(req.url ?? "")?.[1] as SyntheticJob | undefined;
      const exposition = job ? expositions[job] : undefined;
      if (!exposition) {
        res.writeHead(404).end();
        return;
      }
      const body = exposition.body();
      res.writeHead(200, { "Content-Type": contentType, "Content-Length": body.length });
      res.end(body);
    });
    const dcgm = await FakeDcgmExporter.start();
    for (let gpu = 0; gpu < sizes.gpus; gpu++) dcgm.set(gpu, { utilizationPercent: 50, framebufferUsedMiB: 30_000, framebufferFreeMiB: 50_000, temperatureCelsius: 65 });
    return new SyntheticPlatform(server, dcgm, replicas, samples);
  }

  /** `replicas` pods per job as discovery would find them; they share one server, so each target names its path. */
  endpoints(settings: StackSettings): SimulatedEndpoint[] {
    const address = `127.0.0.1:${this.server.port}`;
    const pods = Array.from({ length: this.replicas }, (_, i) => i);
    return [
      ...SYNTHETIC_JOBS.flatMap((job) => pods.map((i) => sourceEndpoint(settings, job, address, i, { metricsPath: `/metrics/${job}` }))),
      componentEndpoint(settings, "dcgmExporter", this.dcgm.exporter.target),
    ];
  }

  async close(): Promise<void> {
    await Promise.all([this.server.close(), this.dcgm.exporter.close()]);
  }
}

/** Records one of everything for every label combination, so every series exists. */
function populate(e: Record<SyntheticJob, MetricsExporter>, s: SyntheticSizes): void {
  const methods = [HTTP_METHODS[0], HTTP_METHODS[2]];
  for (const job of ["gateway", "api-server"] as const) {
    for (let i = 0; i < s.httpEndpoints; i++) {
      for (const method of methods) for (const status of [200, 404, 500]) e[job].recordHttpRequest(method, `/v1/resource-${i}/:id`, status, 0.01 * (1 + (i % 50)));
    }
  }
  for (let m = 0; m < 5; m++) for (const reason of ["cost", "latency", "fallback", "capability"]) e["api-server"].recordRouterDecision(`model-${m}`, reason, 0.001);
  e["api-server"].recordCacheLookup("semantic", true);
  e["api-server"].recordCacheLookup("semantic", false);
  for (let srv = 0; srv < s.mcpServers; srv++) {
    for (let op = 0; op < s.mcpOperations; op++) {
      for (const status of ["success", "error"] as const) e.mcpjungle.recordMcpOperation(`server-${srv}`, `operation-${op}`, status, 0.05);
    }
  }
  for (let m = 0; m < s.models; m++) {
    for (const status of ["success", "error"] as const) e["max-serve"].recordInference(`model-${m}`, status, 0.25, { promptTokens: 100, completionTokens: 50, batchSize: 4 });
  }
  e["max-serve"].setQueueDepth(3);
  e["max-serve"].recordQueueWait(0.01);
  for (let op = 0; op < 10; op++) for (const status of ["success", "error"] as const) e["memory-engine"].recordMemoryOperation(`operation-${op}`, status, 0.01, { searchResults: 5 });
  for (let u = 0; u < s.users; u++) e["memory-engine"].setMemoryItems(`user-${u}`, u % 1000);
  for (let x = 0; x < s.sessions; x++) e["memory-engine"].updateBudget(`session-${x}`, 1_000_000, (x % 90) * 10_000);
  for (let m = 0; m < s.driftModels; m++) for (const status of ["ok", "warning"] as const) e["drift-monitor"].updateDriftScore(`model-${m}`, 0.05, status, 1);
}

export interface SessionSeriesSizes {
  /** Users with memory items: one `memory_items_total{user_id}` series each. */
  readonly users: number;
  /** Live sessions with a budget (three series each); the first `overBudget` of them past their budget. */
  readonly sessions: number;
  readonly overBudget: number;
}

/** The memory engine's scraped series of its own: what its job must keep scraping however many users there are. */
export const MEMORY_ENGINE_CORE_SERIES: readonly string[] = [
  M.memoryOperationsTotal.name,
  bucket(M.memoryOperationDurationSeconds),
  count(M.memoryOperationDurationSeconds),
  bucket(M.memorySearchResults),
  count(M.memorySearchResults),
  M.httpRequestsTotal.name,
  bucket(M.httpRequestDurationSeconds),
];

export interface SessionSeriesEngine {
  readonly endpoint: SimulatedEndpoint;
  /** Setting the user series through the instrumentation helpers. */
  readonly generationMs: number;
  /** One rendering of the full exposition by the exporter (prom-client), as a live service would do per scrape. */
  readonly renderMs: number;
  readonly bytes: number;
  readonly samples: number;
  /** Serves the full exposition from now on; until then, the same engine without its users. */
  grow(): void;
  close(): Promise<void>;
}

/**
 * A memory engine with `users` user_id series and `sessions` budgets besides its own operations and HTTP series, built
 * with the instrumentation helpers. It serves the exposition rendered once: rendering a million series takes
 * prom-client seconds (reported as `renderMs`), which would otherwise be measured as Prometheus' scrape time, twice
 * over, since both memory-engine jobs scrape the same endpoint, and would stall this process's own queries meanwhile.
 */
export async function sessionSeriesEngine(settings: StackSettings, sizes: SessionSeriesSizes): Promise<SessionSeriesEngine> {
  const exporter = createMetricsExporter("memory-engine");
  for (const operation of ["search", "store", "update", "delete"]) {
    for (const status of ["success", "error"] as const) exporter.recordMemoryOperation(operation, status, 0.02, { searchResults: 5 });
  }
  for (const endpointTemplate of ["/v1/memories", "/v1/memories/:id", "/v1/search"]) exporter.recordHttpRequest("POST", endpointTemplate, 200, 0.03);
  for (let x = 0; x < sizes.sessions; x++) exporter.updateBudget(`session-${x}`, 1_000_000, x < sizes.overBudget ? 1_200_000 : 300_000);
  let body = await exporter.metrics();
  const start = performance.now();
  for (let u = 0; u < sizes.users; u++) exporter.setMemoryItems(`user-${u}`, 1 + (u % 100));
  const generationMs = performance.now() - start;
  const renderStart = performance.now();
  const full = await exporter.metrics();
  const renderMs = performance.now() - renderStart;
  const samples = full.split("\n").filter((l) => l !== "" && !l.startsWith("#")).length;
  const contentType = exporter.contentType;
  const server = await serve((_req, res) => {
    res.writeHead(200, { "Content-Type": contentType, "Content-Length": Buffer.byteLength(body) });
    res.end(body);
  });
  return {
    endpoint: sourceEndpoint(settings, "memory-engine", `127.0.0.1:${server.port}`),
    generationMs,
    renderMs,
    bytes: Buffer.byteLength(full),
    samples,
    grow: () => {
      body = full;
    },
    close: () => server.close(),
  };
}
