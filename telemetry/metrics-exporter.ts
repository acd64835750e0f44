/**
 * The platform services' Prometheus instrumentation, built on the catalog: every series a helper writes has the
 * catalog's name, help text and label names, so what a service exposes is exactly what the rules and dashboards read.
 *
 *   const metrics = getMetricsExporter("gateway");
 *   metrics.recordHttpRequest("POST", "/v1/chat", 200, 0.125);
 *   http.createServer(metrics.metricsHandler()).listen(9100);
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { LATENCY_P95_SECONDS } from "../rules/thresholds";
import {
  DRIFT_CHECK_STATUSES,
  DriftCheckStatus,
  HTTP_METHODS,
  HttpMethod,
  OUTCOMES,
  Outcome,
  endpoint,
  finiteNumber,
  httpStatus,
  integer,
  labelValue,
  numberInRange,
  oneOf,
  show,
} from "./arguments";
import { LabelOf, M, MetricFamily } from "./catalog";

/**
 * Latency buckets in seconds. The latency alerts' threshold is a bucket boundary, so the P95 estimate is exact where
 * the alert decides; above it the buckets reach the minute an inference may take.
 */
export const SECONDS_BUCKETS: readonly number[] = [...new Set([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, LATENCY_P95_SECONDS, 2.5, 5, 10, 30, 60])].sort((a, b) => a - b);
/** Requests per inference batch: powers of two, as batch schedulers size them. */
export const BATCH_SIZE_BUCKETS: readonly number[] = [1, 2, 4, 8, 16, 32, 64, 128, 256];
/** Results per memory search. */
export const SEARCH_RESULT_BUCKETS: readonly number[] = [0, 1, 2, 5, 10, 20, 50, 100];

/** Token counts of one inference; both are optional, a missing one is not counted. */
export interface InferenceUsage {
  readonly promptTokens?: number;
  readonly completionTokens?: number;
  /** Requests in the batch this inference ran in. */
  readonly batchSize?: number;
}

/** One GPU as a service sees it; fields left out keep their last value. */
export interface GpuReading {
  readonly utilizationPercent?: number;
  readonly memoryUsedBytes?: number;
  readonly memoryTotalBytes?: number;
  readonly temperatureCelsius?: number;
}

/** A Node `http` request listener (also usable as Express/Connect middleware). */
export type MetricsHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** Service names as they appear in job names and the `service` label: lower case, digits, '-' and '_'. */
const SERVICE_NAME = /^[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?$/;

type Family<T extends "counter" | "gauge" | "histogram"> = MetricFamily<string, T, string>;

function counter<F extends Family<"counter">>(registry: Registry, f: F): Counter<LabelOf<F>> {
  return new Counter<LabelOf<F>>({ name: f.name, help: f.help, labelNames: f.labels as readonly LabelOf<F>[], registers: [registry] });
}

function gauge<F extends Family<"gauge">>(registry: Registry, f: F): Gauge<LabelOf<F>> {
  return new Gauge<LabelOf<F>>({ name: f.name, help: f.help, labelNames: f.labels as readonly LabelOf<F>[], registers: [registry] });
}

function histogram<F extends Family<"histogram">>(registry: Registry, f: F, buckets: readonly number[]): Histogram<LabelOf<F>> {
  return new Histogram<LabelOf<F>>({ name: f.name, help: f.help, labelNames: f.labels as readonly LabelOf<F>[], buckets: [...buckets], registers: [registry] });
}

/** The metric objects of one service, one per catalog family. */
function instruments(registry: Registry) {
  return {
    httpRequests: counter(registry, M.httpRequestsTotal),
    httpDuration: histogram(registry, M.httpRequestDurationSeconds, SECONDS_BUCKETS),
    inferenceRequests: counter(registry, M.inferenceRequestsTotal),
    inferenceDuration: histogram(registry, M.inferenceDurationSeconds, SECONDS_BUCKETS),
    inferenceTokens: counter(registry, M.inferenceTokensTotal),
    inferenceBatchSize: histogram(registry, M.inferenceBatchSize, BATCH_SIZE_BUCKETS),
    mcpRequests: counter(registry, M.mcpRequestsTotal),
    mcpDuration: histogram(registry, M.mcpOperationDurationSeconds, SECONDS_BUCKETS),
    memoryOperations: counter(registry, M.memoryOperationsTotal),
    memoryDuration: histogram(registry, M.memoryOperationDurationSeconds, SECONDS_BUCKETS),
    memoryItems: gauge(registry, M.memoryItemsTotal),
    memorySearchResults: histogram(registry, M.memorySearchResults, SEARCH_RESULT_BUCKETS),
    budgetTotal: gauge(registry, M.memoryBudgetTotalBytes),
    budgetUsed: gauge(registry, M.memoryBudgetUsedBytes),
    budgetUtilization: gauge(registry, M.memoryBudgetUtilization),
    driftScore: gauge(registry, M.driftScore),
    driftChecks: counter(registry, M.driftChecksTotal),
    driftDuration: histogram(registry, M.driftDetectionDurationSeconds, SECONDS_BUCKETS),
    gpuUtilization: gauge(registry, M.gpuUtilizationPercent),
    gpuMemoryUsed: gauge(registry, M.gpuMemoryUsedBytes),
    gpuMemoryTotal: gauge(registry, M.gpuMemoryTotalBytes),
    gpuTemperature: gauge(registry, M.gpuTemperatureCelsius),
    routerDecisions: counter(registry, M.routerDecisionsTotal),
    routerDuration: histogram(registry, M.routerDecisionDurationSeconds, SECONDS_BUCKETS),
    queueDepth: gauge(registry, M.requestQueueDepth),
    queueWait: histogram(registry, M.requestQueueWaitSeconds, SECONDS_BUCKETS),
    cacheHits: counter(registry, M.cacheHitsTotal),
    cacheMisses: counter(registry, M.cacheMissesTotal),
  };
}

/**
 * The metrics of one service, in a registry of its own (two services in one process, or a test, never share series).
 * Every method validates its arguments and throws an Error naming the method, the argument and the value.
 */
export class MetricsExporter {
  readonly registry: Registry;
  private readonly m: ReturnType<typeof instruments>;

  constructor(readonly service: string) {
    if (typeof service !== "string" || !SERVICE_NAME.test(service)) {
      throw new Error(`metrics exporter: service must be a job name (lower case letters, digits, '-' and '_', at most 63 characters), got ${show(service)}`);
    }
    this.registry = new Registry();
    this.m = instruments(this.registry);
  }

  /** One HTTP request: `method` upper case, `endpoint` a route template (`/v1/users/:id`, never the raw path). */
  recordHttpRequest(method: HttpMethod, endpointTemplate: string, status: number, durationSeconds: number): void {
    const where = "recordHttpRequest";
    const labels = { method: oneOf(where, "method", method, HTTP_METHODS), endpoint: endpoint(where, "endpoint", endpointTemplate) };
    const code = httpStatus(where, "status", status);
    const seconds = finiteNumber(where, "durationSeconds", durationSeconds);
    this.m.httpRequests.inc({ ...labels, status: String(code) });
    this.m.httpDuration.observe(labels, seconds);
  }

  /** One inference: its outcome and latency, and optionally its token counts and the size of its batch. */
  recordInference(model: string, status: Outcome, durationSeconds: number, usage: InferenceUsage = {}): void {
    const where = "recordInference";
    const m = labelValue(where, "model", model);
    const outcome = oneOf(where, "status", status, OUTCOMES);
    const seconds = finiteNumber(where, "durationSeconds", durationSeconds);
    const prompt = usage.promptTokens === undefined ? undefined : integer(where, "promptTokens", usage.promptTokens);
    const completion = usage.completionTokens === undefined ? undefined : integer(where, "completionTokens", usage.completionTokens);
    const batch = usage.batchSize === undefined ? undefined : integer(where, "batchSize", usage.batchSize, 1);
    this.m.inferenceRequests.inc({ model: m, status: outcome });
    this.m.inferenceDuration.observe({ model: m }, seconds);
    if (prompt !== undefined) this.m.inferenceTokens.inc({ model: m, type: "prompt" }, prompt);
    if (completion !== undefined) this.m.inferenceTokens.inc({ model: m, type: "completion" }, completion);
    if (batch !== undefined) this.m.inferenceBatchSize.observe({ model: m }, batch);
  }

  /** One MCP call through a server (`github`) and operation (`search`). */
  recordMcpOperation(server: string, operation: string, status: Outcome, durationSeconds: number): void {
    const where = "recordMcpOperation";
    const labels = { server: labelValue(where, "server", server), operation: labelValue(where, "operation", operation) };
    const outcome = oneOf(where, "status", status, OUTCOMES);
    const seconds = finiteNumber(where, "durationSeconds", durationSeconds);
    this.m.mcpRequests.inc({ ...labels, status: outcome });
    this.m.mcpDuration.observe(labels, seconds);
  }

  /** One memory engine operation (`search`, `store`, ...); a search also records how many results it returned. */
  recordMemoryOperation(operation: string, status: Outcome, durationSeconds: number, opts: { readonly searchResults?: number } = {}): void {
    const where = "recordMemoryOperation";
    const op = labelValue(where, "operation", operation);
    const outcome = oneOf(where, "status", status, OUTCOMES);
    const seconds = finiteNumber(where, "durationSeconds", durationSeconds);
    const results = opts.searchResults === undefined ? undefined : integer(where, "searchResults", opts.searchResults);
    this.m.memoryOperations.inc({ operation: op, status: outcome });
    this.m.memoryDuration.observe({ operation: op }, seconds);
    if (results !== undefined) this.m.memorySearchResults.observe(results);
  }

  /**
   * Items a user currently holds (one series per user, by the seed's design: the memory engine's per-session scrape
   * job allows it). Call `removeUser` when the user is deleted.
   */
  setMemoryItems(userId: string, items: number): void {
    const where = "setMemoryItems";
    this.m.memoryItems.set({ user_id: labelValue(where, "userId", userId) }, integer(where, "items", items));
  }

  /**
   * Drops a deleted user's series (`memory_items_total{user_id}`). A series stays exported until removed, so without
   * this every user ever seen counts against the scrape's sample limit.
   */
  removeUser(userId: string): void {
    this.m.memoryItems.remove({ user_id: labelValue("removeUser", "userId", userId) });
  }

  /** The outcome of a drift check: the model's latest score (0-1), the check's status and how long it took. */
  updateDriftScore(model: string, score: number, status: DriftCheckStatus, detectionSeconds: number): void {
    const where = "updateDriftScore";
    const m = labelValue(where, "model", model);
    const value = numberInRange(where, "score", score, 0, 1);
    const checkStatus = oneOf(where, "status", status, DRIFT_CHECK_STATUSES);
    const seconds = finiteNumber(where, "detectionSeconds", detectionSeconds);
    this.m.driftScore.set({ model: m }, value);
    this.m.driftChecks.inc({ model: m, status: checkStatus });
    this.m.driftDuration.observe(seconds);
  }

  /** A session's memory budget and what it uses; utilization is derived (above 1 when exceeded). Call `removeSession` when it ends. */
  updateBudget(sessionId: string, totalBytes: number, usedBytes: number): void {
    const where = "updateBudget";
    const labels = { session_id: labelValue(where, "sessionId", sessionId) };
    const total = finiteNumber(where, "totalBytes", totalBytes);
    if (total === 0) throw new Error(`${where}: totalBytes must be > 0 (a budget of nothing has no utilization), got 0`);
    const used = finiteNumber(where, "usedBytes", usedBytes);
    this.m.budgetTotal.set(labels, total);
    this.m.budgetUsed.set(labels, used);
    this.m.budgetUtilization.set(labels, used / total);
  }

  /**
   * Drops an ended session's series (the three `memory_budget_*{session_id}` gauges); without it every session ever
   * seen stays exported and counts against the scrape's sample limit.
   */
  removeSession(sessionId: string): void {
    this.removeSessionSeries("removeSession", sessionId);
  }

  /** @deprecated The same as `removeSession`, under its first name. */
  removeBudget(sessionId: string): void {
    this.removeSessionSeries("removeBudget", sessionId);
  }

  private removeSessionSeries(where: string, sessionId: string): void {
    const labels = { session_id: labelValue(where, "sessionId", sessionId) };
    this.m.budgetTotal.remove(labels);
    this.m.budgetUsed.remove(labels);
    this.m.budgetUtilization.remove(labels);
  }

  /**
   * A GPU read by the service itself (NVML, for example), under the seed's names. Where the DCGM exporter runs, the
   * stack records these names from it already; use this only on hosts it does not cover, or the alerts see each GPU
   * twice.
   */
  updateGpu(gpuId: string, reading: GpuReading): void {
    const where = "updateGpu";
    const labels = { gpu_id: labelValue(where, "gpuId", gpuId) };
    if (reading.utilizationPercent !== undefined) this.m.gpuUtilization.set(labels, numberInRange(where, "utilizationPercent", reading.utilizationPercent, 0, 100));
    if (reading.memoryUsedBytes !== undefined) this.m.gpuMemoryUsed.set(labels, finiteNumber(where, "memoryUsedBytes", reading.memoryUsedBytes));
    if (reading.memoryTotalBytes !== undefined) this.m.gpuMemoryTotal.set(labels, finiteNumber(where, "memoryTotalBytes", reading.memoryTotalBytes));
    if (reading.temperatureCelsius !== undefined) this.m.gpuTemperature.set(labels, finiteNumber(where, "temperatureCelsius", reading.temperatureCelsius, -273.15));
  }

  /** One routing decision: the model chosen, why (`cost`, `latency`, `fallback`, ...), and how long deciding took. */
  recordRouterDecision(model: string, reason: string, durationSeconds: number): void {
    const where = "recordRouterDecision";
    this.m.routerDecisions.inc({ model: labelValue(where, "model", model), reason: labelValue(where, "reason", reason) });
    this.m.routerDuration.observe(finiteNumber(where, "durationSeconds", durationSeconds));
  }

  /** Requests waiting in this service's queue now. */
  setQueueDepth(depth: number): void {
    this.m.queueDepth.set({ service: this.service }, integer("setQueueDepth", "depth", depth));
  }

  /** How long one request waited in this service's queue. */
  recordQueueWait(waitSeconds: number): void {
    this.m.queueWait.observe({ service: this.service }, finiteNumber("recordQueueWait", "waitSeconds", waitSeconds));
  }

  /** One cache lookup in a cache (`semantic`, `embedding`, ...): a hit or a miss. */
  recordCacheLookup(cacheType: string, hit: boolean): void {
    const where = "recordCacheLookup";
    const labels = { cache_type: labelValue(where, "cacheType", cacheType) };
    if (typeof hit !== "boolean") throw new Error(`${where}: hit must be true or false, got ${show(hit)}`);
    (hit ? this.m.cacheHits : this.m.cacheMisses).inc(labels);
  }

  /** The exposition in Prometheus text format 0.0.4. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** A request listener serving the exposition on GET and HEAD; any path (mount it where the scrape config points). */
  metricsHandler(): MetricsHandler {
    return (req, res) => {
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405, { Allow: "GET, HEAD", "Content-Type": "text/plain; charset=utf-8" }).end("method not allowed\n");
        return;
      }
      this.metrics().then(
        (body) => {
          res.writeHead(200, { "Content-Type": this.contentType, "Content-Length": Buffer.byteLength(body) });
          res.end(req.method === "HEAD" ? undefined : body);
        },
        (e: unknown) => {
          res.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" }).end(`metrics collection failed: ${e instanceof Error ? e.message : String(e)}\n`);
        },
      );
    };
  }
}

const exporters = new Map<string, MetricsExporter>();

/** The exporter of a service, created on first use: every module of the service records into the same registry. */
export function getMetricsExporter(service: string): MetricsExporter {
  let exporter = exporters.get(service);
  if (!exporter) {
    exporter = new MetricsExporter(service);
    exporters.set(service, exporter);
  }
  return exporter;
}

/** A new exporter outside the per-service cache (tests, or several simulated services in one process). */
export function createMetricsExporter(service: string): MetricsExporter {
  return new MetricsExporter(service);
}
