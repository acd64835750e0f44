/**
 * A demo of the platform's services, instrumented only through telemetry/metrics-exporter.ts: each service runs as a
 * fleet of INSTANCES pods, one exporter each on its own loopback server's `/metrics`, as each pod serves it. Request
 * traffic reaches every instance; per-session, per-model and queue state lives on the instance that owns it (the
 * first), as a session is sticky to one pod.
 *
 * Traffic is simulated: every 100 ms each service records a few requests with the durations and outcomes its current
 * state asks for. Durations are recorded values, not waited for, so a "3 s" request costs nothing; that is what lets a
 * time-compressed run show a latency incident in seconds. Recovery floods fast, successful requests, so the share of
 * slow or failed ones in the rules' unchanged 5m windows drops below the thresholds within a second or two.
 */
import { MetricsExporter, createMetricsExporter } from "../../../telemetry/metrics-exporter";
import { LoopbackServer, serve } from "./http";

/** The services the demo plays, by scrape job name. */
export const DEMO_SERVICES = ["gateway", "api-server", "mcpjungle", "max-serve", "memory-engine", "drift-monitor", "learning-engine"] as const;
export type DemoService = (typeof DEMO_SERVICES)[number];

/** The request streams with a latency or error alert. */
export type Stream = "http" | "inference" | "mcp" | "memory";
/** Which service records each stream. */
export const STREAM_SERVICE: Readonly<Record<Stream, DemoService>> = { http: "gateway", inference: "max-serve", mcp: "mcpjungle", memory: "memory-engine" };

export interface StreamState {
  /** Requests take 3 s (above the 2 s P95 threshold). */
  slow: boolean;
  /** Requests fail (HTTP 500, status `error`). */
  failing: boolean;
  /** 1000x the normal rate of fast successes: dilutes an incident out of the 5m windows. */
  flood: boolean;
}

/** Pods per service. */
export const INSTANCES = 2;

const TICK_MS = 100;
const NORMAL_PER_TICK = 2;
const FLOOD_PER_TICK = 2_000;
const FAST_SECONDS = 0.05;
const SLOW_SECONDS = 3;

export class DemoPlatform {
  /** The first instance's exporter of each service (the one holding per-session and per-model state). */
  readonly exporters: Readonly<Record<DemoService, MetricsExporter>>;
  /** Services whose every instance answers 503 (the whole service is down). */
  readonly down = new Set<DemoService>();
  /** Single instances that answer 503, as `instanceKey(service, i)`. */
  readonly instancesDown = new Set<string>();
  readonly streams: Record<Stream, StreamState> = {
    http: { slow: false, failing: false, flood: false },
    inference: { slow: false, failing: false, flood: false },
    mcp: { slow: false, failing: false, flood: false },
    memory: { slow: false, failing: false, flood: false },
  };
  private readonly timer: NodeJS.Timeout;

  private constructor(
    private readonly servers: Readonly<Record<DemoService, readonly LoopbackServer[]>>,
    private readonly fleet: Readonly<Record<DemoService, readonly MetricsExporter[]>>,
  ) {
    this.exporters = Object.fromEntries(DEMO_SERVICES.map((s) => [s, fleet[s][0]])) as Record<DemoService, MetricsExporter>;
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.setQueueDepth(5);
  }

  static async start(): Promise<DemoPlatform> {
    const instances = Array.from({ length: INSTANCES }, (_, i) => i);
    const fleet = Object.fromEntries(DEMO_SERVICES.map((s) => [s, instances.map(() => createMetricsExporter(s))])) as Record<DemoService, MetricsExporter[]>;
    // The handlers need the instance, which needs the servers: filled in right after listening.
    const ref: { self?: DemoPlatform } = {};
    const servers = await Promise.all(
      DEMO_SERVICES.map((service) =>
        Promise.all(
          instances.map((i) => {
            const handler = fleet[service][i].metricsHandler();
            return serve((req, res) => {
              if ((req.url ?? "").split("?")[0] !== "/metrics") {
                res.writeHead(404).end();
                return;
              }
              if (ref.self?.down.has(service) || ref.self?.instancesDown.has(instanceKey(service, i))) {
                res.writeHead(503).end("service unavailable\n");
                return;
              }
              handler(req, res);
            });
          }),
        ),
      ),
    );
    ref.self = new DemoPlatform(Object.fromEntries(DEMO_SERVICES.map((s, i) => [s, servers[i]])) as Record<DemoService, LoopbackServer[]>, fleet);
    return ref.self;
  }

  /** host:port of instance `i` of a service. */
  target(service: DemoService, i = 0): string {
    return `127.0.0.1:${this.servers[service][i].port}`;
  }

  setStream(stream: Stream, patch: Partial<StreamState>): void {
    Object.assign(this.streams[stream], patch);
  }

  setQueueDepth(depth: number): void {
    this.exporters["max-serve"].setQueueDepth(depth);
  }

  /** A drift check's result for a model: status from the seed's thresholds. */
  setDrift(model: string, score: number): void {
    this.exporters["drift-monitor"].updateDriftScore(model, score, score > 0.25 ? "critical" : score > 0.15 ? "warning" : "ok", 0.5);
  }

  setBudget(sessionId: string, totalBytes: number, usedBytes: number): void {
    this.exporters["memory-engine"].updateBudget(sessionId, totalBytes, usedBytes);
  }

  private tick(): void {
    for (let i = 0; i < INSTANCES; i++) this.tickInstance(Object.fromEntries(DEMO_SERVICES.map((s) => [s, this.fleet[s][i]])) as Record<DemoService, MetricsExporter>, i);
  }

  /** One instance's share of the traffic: every instance serves the same mix. */
  private tickInstance(e: Record<DemoService, MetricsExporter>, instance: number): void {
    const each = (stream: Stream, record: (seconds: number, ok: boolean) => void) => {
      const s = this.streams[stream];
      // The flood is the platform's, shared by its instances; normal traffic is per instance.
      const n = s.flood ? FLOOD_PER_TICK / INSTANCES : NORMAL_PER_TICK;
      const seconds = s.slow && !s.flood ? SLOW_SECONDS : FAST_SECONDS;
      const ok = !s.failing || s.flood;
      for (let i = 0; i < n; i++) record(seconds, ok);
    };
    each("http", (sec, ok) => e.gateway.recordHttpRequest("POST", "/v1/chat", ok ? 200 : 500, sec));
    each("inference", (sec, ok) => e["max-serve"].recordInference("llama-3.3-8b", ok ? "success" : "error", sec, { promptTokens: 100, completionTokens: 50, batchSize: 4 }));
    each("mcp", (sec, ok) => e.mcpjungle.recordMcpOperation("github", "search", ok ? "success" : "error", sec));
    each("memory", (sec, ok) => e["memory-engine"].recordMemoryOperation("search", ok ? "success" : "error", sec, { searchResults: 5 }));
    // Background traffic of the other helpers, healthy throughout.
    e["api-server"].recordHttpRequest("POST", "/v1/route", 200, 0.02);
    e["api-server"].recordRouterDecision("llama-3.3-8b", "latency", 0.001);
    e["api-server"].recordCacheLookup("semantic", Math.random() < 0.5);
    e["max-serve"].recordQueueWait(0.01);
    e["learning-engine"].recordHttpRequest("GET", "/health", 200, 0.001);
    e["memory-engine"].setMemoryItems(`user${instance}23`, 42);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(Object.values(this.servers).flat().map((s) => s.close()));
  }
}

/** The key of one instance in `instancesDown`. */
export function instanceKey(service: DemoService, i: number): string {
  return `${service}/${i}`;
}
