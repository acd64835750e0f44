/**
 * Stand-ins for the exporters the rules read: NVIDIA's DCGM exporter, redis_exporter and postgres_exporter. Each serves
 * the catalog's families (names, labels, help) with values the test sets, and can be taken down (HTTP 503).
 */
import { Gauge, Registry } from "prom-client";
import { LabelOf, M, MetricFamily } from "../../../telemetry/catalog";
import { LoopbackServer, serve } from "./http";

type GaugeFamily = MetricFamily<string, "gauge" | "counter", string>;

/** A registry of gauges named after catalog families, served on `/metrics`. */
export class FakeExporter {
  readonly registry = new Registry();
  /** While true, scrapes get 503 and the target is down. */
  down = false;

  private constructor(private readonly server: LoopbackServer, readonly job: string) {}

  static async start(job: string): Promise<FakeExporter> {
    const ref: { self?: FakeExporter } = {};
    const server = await serve((_req, res) => {
      const self = ref.self;
      if (!self || self.down) {
        res.writeHead(503).end("down\n");
        return;
      }
      self.registry.metrics().then((body) => res.writeHead(200, { "Content-Type": self.registry.contentType }).end(body));
    });
    ref.self = new FakeExporter(server, job);
    return ref.self;
  }

  /** A gauge for a catalog family (exporters' counters are served as gauges: the fake sets their value directly). */
  gauge<F extends GaugeFamily>(f: F): Gauge<LabelOf<F>> {
    return new Gauge<LabelOf<F>>({ name: f.name, help: f.help, labelNames: f.labels as readonly LabelOf<F>[], registers: [this.registry] });
  }

  /** host:port, as a static target. */
  get target(): string {
    return `127.0.0.1:${this.server.port}`;
  }

  close(): Promise<void> {
    return this.server.close();
  }
}

export interface GpuState {
  utilizationPercent: number;
  framebufferUsedMiB: number;
  framebufferFreeMiB: number;
  temperatureCelsius: number;
  /** The pod using the GPU, as the exporter's pod attribution labels it (absent: an idle GPU). */
  user?: { pod: string; namespace: string; container: string };
}

/** The DCGM exporter's default counters for a few GPUs of one node, with the labels the exporter 4.x sets. */
export class FakeDcgmExporter {
  private readonly util;
  private readonly fbUsed;
  private readonly fbFree;
  private readonly temp;

  private constructor(readonly exporter: FakeExporter, readonly hostname: string) {
    this.util = exporter.gauge(M.dcgmGpuUtil);
    this.fbUsed = exporter.gauge(M.dcgmFbUsed);
    this.fbFree = exporter.gauge(M.dcgmFbFree);
    this.temp = exporter.gauge(M.dcgmGpuTemp);
  }

  static async start(hostname = "gpu-node-1"): Promise<FakeDcgmExporter> {
    return new FakeDcgmExporter(await FakeExporter.start("dcgm-exporter"), hostname);
  }

  set(gpu: number, state: GpuState): void {
    const labels = {
      gpu: String(gpu),
      UUID: `GPU-0000000${gpu}-e2e0-0000-0000-${Buffer.from(this.hostname).toString("hex").slice(-12).padStart(12, "0")}`,
      pci_bus_id: `00000000:0${gpu}:00.0`,
      device: `nvidia${gpu}`,
      modelName: "NVIDIA H100 80GB HBM3",
      Hostname: this.hostname,
      DCGM_FI_DRIVER_VERSION: "550.54.15",
      ...(state.user ?? {}),
    };
    this.util.set(labels, state.utilizationPercent);
    this.fbUsed.set(labels, state.framebufferUsedMiB);
    this.fbFree.set(labels, state.framebufferFreeMiB);
    this.temp.set(labels, state.temperatureCelsius);
  }
}

/** redis_exporter reaching a Redis with maxmemory set. */
export class FakeRedisExporter {
  private readonly up;
  private readonly used;
  private readonly max;

  private constructor(readonly exporter: FakeExporter) {
    this.up = exporter.gauge(M.redisUp);
    this.used = exporter.gauge(M.redisMemoryUsedBytes);
    this.max = exporter.gauge(M.redisMemoryMaxBytes);
  }

  static async start(): Promise<FakeRedisExporter> {
    return new FakeRedisExporter(await FakeExporter.start("redis-exporter"));
  }

  set(state: { up: boolean; usedBytes: number; maxBytes: number }): void {
    this.up.set(state.up ? 1 : 0);
    this.used.set(state.usedBytes);
    this.max.set(state.maxBytes);
  }
}

/** postgres_exporter: backends split by database and state, as the real one reports them. */
export class FakePostgresExporter {
  private readonly up;
  private readonly activity;
  private readonly maxConnections;

  private constructor(readonly exporter: FakeExporter) {
    this.up = exporter.gauge(M.pgUp);
    this.activity = exporter.gauge(M.pgStatActivityCount);
    this.maxConnections = exporter.gauge(M.pgSettingsMaxConnections);
  }

  static async start(): Promise<FakePostgresExporter> {
    return new FakePostgresExporter(await FakeExporter.start("postgres-exporter"));
  }

  set(state: { up: boolean; idle: number; active: number; maxConnections: number }): void {
    this.up.set(state.up ? 1 : 0);
    this.activity.set({ datname: "ai_platform", state: "idle", usename: "app" }, state.idle);
    this.activity.set({ datname: "ai_platform", state: "active", usename: "app" }, state.active);
    this.maxConnections.set(state.maxConnections);
  }
}
