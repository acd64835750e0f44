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

const SYNTHETIC_JOBS = ["gateway", "api-server", "mcpjungle", "max-serve", "memory-engine", "drift-monitor"] as const;
type SyntheticJob = (typeof SYNTHETIC_JOBS)[number];

/** One loopback server with a path per job, plus a DCGM exporter. */
export class SyntheticPlatform {
  private constructor(
    private readonly server: LoopbackServer,
    readonly exporters: Record<SyntheticJob, MetricsExporter>,
    readonly dcgm: FakeDcgmExporter,
  ) {}

  static async start(sizes: SyntheticSizes): Promise<SyntheticPlatform> {
    const exporters = Object.fromEntries(SYNTHETIC_JOBS.map((j) => [j, createMetricsExporter(j)])) as Record<SyntheticJob, MetricsExporter>;
    populate(exporters, sizes);
    const handlers = Object.fromEntries(SYNTHETIC_JOBS.map((j) => [j, exporters[j].metricsHandler()]));
    const server = await serve((req, res) => {
      const job = /^\/metrics\/([a-z-]+)$/.exec(req.url ?? "")?.[1];
      const handler = job ? handlers[job] : undefined;
      if (!handler) res.writeHead(404).end();
      else handler(req, res);
    });
    const dcgm = await FakeDcgmExporter.start();
    for (let gpu = 0; gpu < sizes.gpus; gpu++) dcgm.set(gpu, { utilizationPercent: 50, framebufferUsedMiB: 30_000, framebufferFreeMiB: 50_000, temperatureCelsius: 65 });
    return new SyntheticPlatform(server, exporters, dcgm);
  }

  /** One pod per job as discovery would find it; the jobs share one server, so each target names its path. */
  endpoints(settings: StackSettings): SimulatedEndpoint[] {
    const address = `127.0.0.1:${this.server.port}`;
    return [
      ...SYNTHETIC_JOBS.map((job) => sourceEndpoint(settings, job, address, 0, { metricsPath: `/metrics/${job}` })),
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
