/**
 * One alert pipeline on loopback: the demo platform and fake exporters as scrape targets, the pinned Prometheus and
 * Alertmanager (built from their Go modules) loaded with the rendered files and flags, and a fake Slack. Each pipeline has its own ports and directory, so
 * several run side by side.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { DemoPlatform, DemoService, INSTANCES } from "./demo-service";
import { FakeDcgmExporter, FakeExporter, FakePostgresExporter, FakeRedisExporter } from "./fake-exporters";
import { SEED_CHANNELS } from "./contract";
import { FakeSlack, RateLimit } from "./fake-slack";
import { HEARTBEAT_URL_KEY, SLACK_BOT_TOKEN_KEY, SLACK_WEBHOOK_URL_KEY, slackChannelWebhookKey } from "../../../components/alertmanager-config";
import { WEB_AUTH_AUTHORIZATION_KEY, WEB_AUTH_PASSWORD_KEY, WEB_CONFIG_KEY } from "../../../components/web-auth-config";
import { SlackChannelKey } from "../../../config/schema";
import { requireTool } from "../../support/tools";
import { Daemon, startDaemon } from "./processes";
import { SimulatedEndpoint } from "./loopback-discovery";
import { componentEndpoint, sourceEndpoint } from "./simulated-cluster";
import { RenderedStack, compressAlertmanagerFlags, compressPrometheusFlags, compressRuleFile, loopbackAlertmanagerYml, loopbackPrometheusYml, replaceFlags } from "./stack-files";

export interface PipelineOptions {
  /** Names the run's directory and logs. */
  readonly name: string;
  readonly rendered: RenderedStack;
  /** Time compression factor F (1: the rendered timings). See COMPRESSION in stack-files.ts. */
  readonly compression: number;
  /** Pods discovered besides the demo platform and the fake exporters (benchmarks add synthetic targets). */
  readonly extraEndpoints?: (self: { prometheus: string }) => readonly SimulatedEndpoint[];
  /** Leave out the default targets (the demo platform and the fakes). */
  readonly noDefaultTargets?: boolean;
  /** Slack's per-channel rate limit (default: none). */
  readonly slackRateLimit?: RateLimit;
  /** Channels the Slack app is a member of, in bot-token mode (default: all six). */
  readonly slackBotMemberOf?: readonly string[];
}

export interface AlertState {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: "pending" | "firing";
  activeAt: string;
  value: string;
}

export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

/** Demo services scraped as jobs (learning-engine is the one the ServiceDown scenarios take down). */
export const SCRAPED_DEMO_SERVICES: readonly DemoService[] = ["gateway", "api-server", "mcpjungle", "max-serve", "memory-engine", "drift-monitor", "learning-engine"];

/** The pod the fake DCGM exporter attributes GPU 1 to. */
export const GPU_USER = { pod: "max-serve-7d9f-0", namespace: "ai-platform", container: "max-serve" } as const;

/** GPU nodes, one DCGM exporter pod each. */
export const GPU_NODES = ["gpu-node-0", "gpu-node-1"] as const;

/** Two GPUs per node at 40% and 60 °C (GPU 1 of the first node in use), Redis at half its maxmemory, 15 of 100 PostgreSQL connections. */
export function setHealthy(gpuNodes: readonly FakeDcgmExporter[], redis: FakeRedisExporter, postgres: FakePostgresExporter): void {
  gpuNodes.forEach((dcgm, node) => {
    dcgm.set(0, { utilizationPercent: 40, framebufferUsedMiB: 20_000, framebufferFreeMiB: 60_000, temperatureCelsius: 60 });
    dcgm.set(1, { utilizationPercent: 40, framebufferUsedMiB: 20_000, framebufferFreeMiB: 60_000, temperatureCelsius: 60, ...(node === 0 ? { user: GPU_USER } : {}) });
  });
  redis.set({ up: true, usedBytes: 50e6, maxBytes: 100e6 });
  postgres.set({ up: true, idle: 10, active: 5, maxConnections: 100 });
}

export class Pipeline {
  private constructor(
    readonly dir: string,
    readonly demo: DemoPlatform,
    /** The DCGM exporter of each GPU node (two nodes, two GPUs each). */
    readonly gpuNodes: readonly FakeDcgmExporter[],
    readonly redis: FakeRedisExporter,
    readonly postgres: FakePostgresExporter,
    readonly slack: FakeSlack,
    /** Qdrant's stand-in: serves an empty exposition, so its target is up and its job has a target. */
    readonly qdrant: FakeExporter,
    private am: Daemon,
    readonly prometheus: Daemon,
    /** Pods the discovery lists. */
    readonly endpointCount: number,
  ) {}

  get alertmanager(): Daemon {
    return this.am;
  }

  /** The run's copy of the mounted Secrets: Alertmanager's files and the web-auth Secret's, named by their keys. */
  get secretsDir(): string {
    return path.join(this.dir, "secrets");
  }

  /** The first GPU node's exporter, where the incidents heat a GPU. */
  get dcgm(): FakeDcgmExporter {
    return this.gpuNodes[0];
  }

  /**
   * Starts Alertmanager again on the same port and config after `stop()`. With `freshStorage` it gets an empty
   * --storage.path: no notification log and no silences, as a pod without its volume would. `withoutFlags` drops
   * rendered flags from then on (negative controls).
   */
  async restartAlertmanager(opts: { freshStorage?: boolean; withoutFlags?: readonly string[] } = {}): Promise<void> {
    await this.am.stop();
    let args = this.am.args;
    if (opts.freshStorage) args = replaceFlags(args, { "--storage.path": path.join(this.dir, `alertmanager-data-fresh-${Date.now()}`) });
    if (opts.withoutFlags) args = args.filter((a) => !opts.withoutFlags!.some((f) => a === f || a.startsWith(`${f}=`)));
    if (args !== this.am.args) this.am = new Daemon(this.am.name, this.am.binary, args, this.am.port, this.am.logFile, this.am.authorization);
    await this.am.start();
  }

  /** A counter or gauge from a daemon's own /metrics, summed over the series matching the label subset. */
  async selfMetric(daemon: Daemon, name: string, labels: Readonly<Record<string, string>> = {}): Promise<number> {
    const res = await daemon.request("/metrics");
    let total = 0;
    for (const line of (await res.text()).split("\n")) {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
      if (!m || m[1] !== name) continue;
      const set = m[2] ?? "";
      if (Object.entries(labels).every(([k, v]) => set.includes(`${k}="${v}"`))) total += Number(m[3]);
    }
    return total;
  }

  static async start(opts: PipelineOptions): Promise<Pipeline> {
    const prometheusBin = requireTool("prometheus");
    const alertmanagerBin = requireTool("alertmanager");
    const dir = mkdtempSync(path.join(tmpdir(), `e2e-${opts.name}-`));
    const [demo, gpuNodes, redis, postgres, slack, qdrant] = await Promise.all([
      DemoPlatform.start(),
      Promise.all(GPU_NODES.map((node) => FakeDcgmExporter.start(node))),
      FakeRedisExporter.start(),
      FakePostgresExporter.start(),
      FakeSlack.start({ channels: Object.values(SEED_CHANNELS), rateLimit: opts.slackRateLimit, botMemberOf: opts.slackBotMemberOf }),
      FakeExporter.start("qdrant"),
    ]);
    setHealthy(gpuNodes, redis, postgres);

    const F = opts.compression;
    const rulesDir = path.join(dir, "rules");
    const secretsDir = path.join(dir, "secrets");
    mkdirSync(rulesDir);
    mkdirSync(secretsDir);
    for (const [name, text] of Object.entries(opts.rendered.ruleFiles)) writeFileSync(path.join(rulesDir, name), F === 1 ? text : compressRuleFile(text, F));
    // The Secret's files, named by its keys, for every mode: the rendered config reads those of its own.
    writeFileSync(path.join(secretsDir, SLACK_BOT_TOKEN_KEY), slack.botToken);
    for (const [key, channel] of Object.entries(SEED_CHANNELS)) writeFileSync(path.join(secretsDir, slackChannelWebhookKey(key as SlackChannelKey)), slack.webhookUrl(channel));
    writeFileSync(path.join(secretsDir, SLACK_WEBHOOK_URL_KEY), slack.legacyWebhookUrl);
    writeFileSync(path.join(secretsDir, HEARTBEAT_URL_KEY), slack.heartbeatUrl);
    // The web-auth Secret's files as rendered: both servers' web config, the password Prometheus sends, the probes' header.
    const auth = opts.rendered.webAuth;
    const webConfigFile = path.join(secretsDir, WEB_CONFIG_KEY);
    writeFileSync(webConfigFile, auth.webConfigYml);
    writeFileSync(path.join(secretsDir, WEB_AUTH_PASSWORD_KEY), auth.password);
    writeFileSync(path.join(secretsDir, WEB_AUTH_AUTHORIZATION_KEY), auth.authorization);
    const sdDir = path.join(dir, "discovery");
    mkdirSync(sdDir);

    const alertmanagerYml = path.join(dir, "alertmanager.yml");
    writeFileSync(alertmanagerYml, loopbackAlertmanagerYml(opts.rendered, { slack: { secretsDir, proxyUrl: slack.proxyUrl, caFile: slack.caFile }, compression: F }));
    const alertmanager = await startDaemon((port) => {
      let args = replaceFlags(opts.rendered.alertmanagerArgs, {
        "--config.file": alertmanagerYml,
        "--storage.path": path.join(dir, "alertmanager-data"),
        "--web.listen-address": `127.0.0.1:${port}`,
        "--web.config.file": webConfigFile,
      });
      // Gossip off: a lone Alertmanager otherwise listens on 0.0.0.0:9094 and waits for peers.
      if (!args.includes("--cluster.listen-address=")) args = [...args, "--cluster.listen-address="];
      if (F !== 1) args = compressAlertmanagerFlags(args, F, opts.rendered.prometheusArgs);
      return new Daemon("alertmanager", alertmanagerBin, args, port, path.join(dir, "alertmanager.log"), auth.authorization);
    });

    const prometheusYml = path.join(dir, "prometheus.yml");
    let endpointCount = 0;
    const prometheus = await startDaemon((port) => {
      const self = `127.0.0.1:${port}`;
      const settings = opts.rendered.settings;
      const endpoints: SimulatedEndpoint[] = [componentEndpoint(settings, "alertmanager", `127.0.0.1:${alertmanager.port}`)];
      if (!opts.noDefaultTargets) {
        // Prometheus scrapes itself, as in the cluster: the no-targets alert reads its discovery metrics.
        endpoints.push(componentEndpoint(settings, "prometheus", self));
        endpoints.push(sourceEndpoint(settings, "qdrant", qdrant.target));
        for (const s of SCRAPED_DEMO_SERVICES) for (let i = 0; i < INSTANCES; i++) endpoints.push(sourceEndpoint(settings, s, demo.target(s, i), i));
        gpuNodes.forEach((n, i) => endpoints.push(componentEndpoint(settings, "dcgmExporter", n.exporter.target, i, { node: GPU_NODES[i] })));
        endpoints.push(componentEndpoint(settings, "redisExporter", redis.exporter.target));
        endpoints.push(componentEndpoint(settings, "postgresExporter", postgres.exporter.target));
      }
      endpoints.push(...(opts.extraEndpoints?.({ prometheus: self }) ?? []));
      endpointCount = endpoints.length;
      writeFileSync(prometheusYml, loopbackPrometheusYml(opts.rendered, { endpoints, sdDir, rulesDir, secretsDir, compression: F }));
      let args = replaceFlags(opts.rendered.prometheusArgs, {
        "--config.file": prometheusYml,
        "--storage.tsdb.path": path.join(dir, "prometheus-data"),
        "--web.listen-address": self,
        "--web.config.file": webConfigFile,
      });
      if (F !== 1) args = compressPrometheusFlags(args, F);
      return new Daemon("prometheus", prometheusBin, args, port, path.join(dir, "prometheus.log"), auth.authorization);
    });
    return new Pipeline(dir, demo, gpuNodes, redis, postgres, slack, qdrant, alertmanager, prometheus, endpointCount);
  }

  /** Puts the fake exporters back to healthy values. */
  healthyExporters(): void {
    setHealthy(this.gpuNodes, this.redis, this.postgres);
  }

  /** An instant query; `time` in ms since epoch (default: now). */
  async query(expr: string, time?: number): Promise<Sample[]> {
    const params = new URLSearchParams({ query: expr });
    if (time !== undefined) params.set("time", String(time / 1000));
    const res = await this.prometheus.request(`/api/v1/query?${params}`);
    const body = (await res.json()) as { status: string; error?: string; data?: { resultType: string; result: Sample[] } };
    if (body.status !== "success" || !body.data) throw new Error(`query ${expr} failed: ${body.error ?? res.status}`);
    return body.data.result;
  }

  /** Prometheus' pending and firing alerts. */
  async alerts(): Promise<AlertState[]> {
    const res = await this.prometheus.request("/api/v1/alerts");
    const body = (await res.json()) as { data: { alerts: AlertState[] } };
    return body.data.alerts;
  }

  /** An alert of Prometheus by name and label subset, or undefined. */
  async alert(alertname: string, labels: Readonly<Record<string, string>> = {}): Promise<AlertState | undefined> {
    return (await this.alerts()).find((a) => a.labels.alertname === alertname && Object.entries(labels).every(([k, v]) => a.labels[k] === v));
  }

  /**
   * Whether every discovered pod is scraped and answering: as many `up` series as simulated pods at least (a pod may be
   * scraped by more than one job) and none of them 0.
   */
  async allTargetsUp(): Promise<true | undefined> {
    const [total, down] = await Promise.all([this.query("count(up)"), this.query("count(up == 0)")]);
    const n = total.length ? Number(total[0].value[1]) : 0;
    return n >= this.endpointCount && down.length === 0 ? true : undefined;
  }

  /** Number of targets whose last scrape succeeded. */
  async targetsUp(): Promise<number> {
    const r = await this.query("sum(up)");
    return r.length ? Number(r[0].value[1]) : 0;
  }

  /** Daemon logs, for failure messages. */
  logs(): string {
    return `--- prometheus ---\n${this.prometheus.logTail()}\n--- alertmanager ---\n${this.alertmanager.logTail()}`;
  }

  /** Stops every process and server of the run and removes its directory. */
  async close(): Promise<void> {
    await Promise.allSettled([this.prometheus.stop(), this.am.stop()]);
    await Promise.allSettled([this.demo.close(), ...this.gpuNodes.map((n) => n.exporter.close()), this.redis.exporter.close(), this.postgres.exporter.close(), this.slack.close(), this.qdrant.close()]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
