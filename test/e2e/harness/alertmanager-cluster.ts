/**
 * A stack's Alertmanager cluster on loopback: as many pinned Alertmanager processes as the rendered StatefulSet has
 * replicas, each with the rendered alertmanager.yml (loopbackAlertmanagerYml) and the rendered flags, gossiping with
 * each other; and as many pinned Prometheus processes as its StatefulSet has, each with the rendered prometheus.yml and
 * rule files, whose rendered Alertmanager discovery is fed every container port of every Alertmanager pod (as
 * Kubernetes pod discovery reports them), so that the rendered relabelling decides where alerts go.
 *
 * Flags (`loopbackClusterArgs`): only addresses change. `--cluster.listen-address` keeps its form with 127.0.0.1 and
 * the replica's own port; `$(POD_IP)` in `--cluster.advertise-address` (which Kubernetes expands from the pod IP)
 * becomes 127.0.0.1, with the replica's port; each rendered `--cluster.peer` (`<statefulset>-<i>.<headless>...:<port>`)
 * becomes replica i's loopback address. Gossip and push-pull intervals and the settle timeout are what the render
 * says (it sets none: Alertmanager's defaults). Time, as in the rest of the suite (COMPRESSION in stack-files.ts), is
 * divided by F, and so is `CLUSTER_COMPRESSION`'s one addition, the peer timeout.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { HEARTBEAT_URL_KEY, SLACK_BOT_TOKEN_KEY, SLACK_WEBHOOK_URL_KEY, slackChannelWebhookKey } from "../../../components/alertmanager-config";
import { WEB_AUTH_AUTHORIZATION_KEY, WEB_AUTH_PASSWORD_KEY, WEB_CONFIG_KEY } from "../../../components/web-auth-config";
import { SlackChannelKey } from "../../../config/schema";
import { Doc, loadManifests, renderedStack } from "../../support/render";
import { requireTool } from "../../support/tools";
import { SEED_CHANNELS } from "./contract";
import { DemoPlatform, INSTANCES } from "./demo-service";
import { FakeDcgmExporter, FakeExporter, FakePostgresExporter, FakeRedisExporter } from "./fake-exporters";
import { FakeSlack } from "./fake-slack";
import { SimulatedEndpoint } from "./loopback-discovery";
import { GPU_NODES, SCRAPED_DEMO_SERVICES, setHealthy } from "./pipeline";
import { Daemon, freePort, startDaemon, waitFor } from "./processes";
import { componentEndpoint, sourceEndpoint } from "./simulated-cluster";
import {
  RenderedStack,
  compressAlertmanagerFlags,
  compressPrometheusFlags,
  compressRuleFile,
  loopbackAlertmanagerYml,
  loopbackPrometheusYml,
  replaceFlags,
  scaleDuration,
} from "./stack-files";

const LOOPBACK = "127.0.0.1";

/** What a cluster run adds to COMPRESSION (stack-files.ts). */
export const CLUSTER_COMPRESSION = {
  /**
   * Divided by F: `--cluster.peer-timeout`, the rendered value or else Alertmanager's default (15s). A replica at
   * position p waits p peer timeouts before it sends, then sends only what the notification log gossiped by the
   * others does not already hold; divided like the route timings, the wait keeps its proportion to them (the
   * heartbeat's 1m repeat stays longer than two peer timeouts). Not divided: gossip, push-pull and settle, which are
   * network timings.
   */
  peerTimeout: "divided by F",
} as const;

/** Alertmanager's own default of `--cluster.peer-timeout`. */
export const ALERTMANAGER_PEER_TIMEOUT_DEFAULT = "15s";

/** Loopback ports of one replica: its API and its gossip port (TCP and UDP, as memberlist binds both). */
export interface ReplicaPorts {
  readonly web: number;
  readonly cluster: number;
}

function flagValues(args: readonly string[], flag: string): string[] {
  return args.filter((a) => a.startsWith(`${flag}=`)).map((a) => a.slice(flag.length + 1));
}

function single(args: readonly string[], flag: string): string {
  const values = flagValues(args, flag);
  if (values.length !== 1) throw new Error(`rendered Alertmanager args have ${values.length} ${flag} flags, expected one: ${args.join(" ")}`);
  return values[0];
}

/** `host:port` -> port; IPv6 brackets allowed. */
function portOf(address: string): number {
  const m = /:(\d+)$/.exec(address);
  if (!m) throw new Error(`no port in address ${JSON.stringify(address)}`);
  return Number(m[1]);
}

/**
 * Replica `ordinal`'s flags on loopback, from the rendered StatefulSet's args (see the file comment). Fails when the
 * rendered args are not those of a cluster of `ports.length` replicas: a lone Alertmanager has nothing to test here.
 */
export function loopbackClusterArgs(
  rendered: readonly string[],
  ordinal: number,
  ports: readonly ReplicaPorts[],
  files: { readonly configFile: string; readonly storagePath: string; readonly webConfigFile: string },
  compression: number,
  prometheusArgs: readonly string[],
): string[] {
  const listen = single(rendered, "--cluster.listen-address");
  if (listen === "") throw new Error("rendered Alertmanager has gossip off (--cluster.listen-address empty)");
  const gossipPort = portOf(listen);
  const advertise = single(rendered, "--cluster.advertise-address");
  if (!advertise.includes("$(POD_IP)") || portOf(advertise) !== gossipPort) {
    throw new Error(`rendered --cluster.advertise-address=${advertise} is not the pod IP on the gossip port ${gossipPort}`);
  }
  const peers = flagValues(rendered, "--cluster.peer");
  if (peers.length !== ports.length) throw new Error(`rendered Alertmanager has ${peers.length} --cluster.peer flags for ${ports.length} replicas`);
  const own = ports[ordinal];
  const peerArgs = peers.map((peer) => {
    const m = /^[a-z0-9-]+-(\d+)\.[a-z0-9.-]+:(\d+)$/.exec(peer);
    if (!m || Number(m[2]) !== gossipPort || !ports[Number(m[1])]) throw new Error(`rendered --cluster.peer=${peer} is not a replica's pod on port ${gossipPort}`);
    return `--cluster.peer=${LOOPBACK}:${ports[Number(m[1])].cluster}`;
  });
  const peerTimeout = flagValues(rendered, "--cluster.peer-timeout")[0] ?? ALERTMANAGER_PEER_TIMEOUT_DEFAULT;
  let args = replaceFlags(
    rendered.filter((a) => !a.startsWith("--cluster.peer=") && !a.startsWith("--cluster.peer-timeout=")),
    {
      "--config.file": files.configFile,
      "--storage.path": files.storagePath,
      "--web.listen-address": `${LOOPBACK}:${own.web}`,
      "--web.config.file": files.webConfigFile,
      "--cluster.listen-address": `${LOOPBACK}:${own.cluster}`,
      "--cluster.advertise-address": advertise.replace("$(POD_IP)", LOOPBACK).replace(/:\d+$/, `:${own.cluster}`),
    },
  );
  args = [...args, ...peerArgs, `--cluster.peer-timeout=${scaleDuration(peerTimeout, compression)}`];
  return compression === 1 ? args : compressAlertmanagerFlags(args, compression, prometheusArgs);
}

interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: { containers: { name: string; ports?: { name?: string; containerPort: number; protocol?: "TCP" | "UDP" }[] }[] };
}
type StatefulSet = Doc & { spec: { replicas: number; serviceName: string; template: PodTemplate } };

export function renderedStatefulSet(docs: readonly Doc[], name: string): StatefulSet {
  const sts = docs.find((d) => d.kind === "StatefulSet" && d.metadata.name === name);
  if (!sts) throw new Error(`rendered stack has no StatefulSet ${JSON.stringify(name)}`);
  return sts as StatefulSet;
}

/**
 * Every container port of replica i's pod as pod discovery reports it, each at the loopback address of what serves it
 * (API port: the replica's web port; gossip ports: its cluster port). The http port is also behind the Service the
 * stack scrapes through, the gossip ports behind the headless one.
 */
export function alertmanagerPods(sts: StatefulSet, service: string, ports: readonly ReplicaPorts[], node = (i: number) => `node-${i}`): SimulatedEndpoint[] {
  const container = sts.spec.template.spec.containers[0];
  return ports.flatMap((p, i) =>
    (container.ports ?? []).map((cp) => ({
      address: `${LOOPBACK}:${cp.name === "http" ? p.web : p.cluster}`,
      namespace: sts.metadata.namespace!,
      pod: `${sts.metadata.name}-${i}`,
      node: node(i),
      labels: sts.spec.template.metadata.labels,
      port: { name: cp.name, number: cp.containerPort, protocol: cp.protocol ?? "TCP" },
      service: cp.name === "http" ? service : sts.spec.serviceName,
    })),
  );
}

/** A metric from a daemon's /metrics, summed over the series that carry the given labels. */
export async function daemonMetric(daemon: Daemon, name: string, labels: Readonly<Record<string, string>> = {}): Promise<number> {
  const text = await (await daemon.request("/metrics")).text();
  let total = 0;
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (m && m[1] === name && Object.entries(labels).every(([k, v]) => (m[2] ?? "").includes(`${k}="${v}"`))) total += Number(m[3]);
  }
  return total;
}

export interface ClusterStatus {
  /** This replica's peer name. */
  readonly name: string;
  /** "ready" once gossip has settled, "settling" before. */
  readonly status: string;
  readonly peers: readonly { name: string; address: string }[];
  /** Its position among the peers sorted by name: how many peer timeouts it waits before sending. */
  readonly position: number;
}

export async function clusterStatus(am: Daemon): Promise<ClusterStatus> {
  const body = (await (await am.request("/api/v2/status")).json()) as { cluster: { name: string; status: string; peers?: { name: string; address: string }[] } };
  const peers = body.cluster.peers ?? [];
  return { ...body.cluster, peers, position: peers.map((p) => p.name).sort().indexOf(body.cluster.name) };
}

export interface AlertmanagerAlert {
  labels: Record<string, string>;
  status: { state: "active" | "suppressed" | "unprocessed"; silencedBy: string[]; inhibitedBy: string[] };
}

/** The alerts an Alertmanager holds (its API v2), optionally only those carrying the given labels. */
export async function alertmanagerAlerts(am: Daemon, labels: Readonly<Record<string, string>> = {}): Promise<AlertmanagerAlert[]> {
  const all = (await (await am.request("/api/v2/alerts")).json()) as AlertmanagerAlert[];
  return all.filter((a) => Object.entries(labels).every(([k, v]) => a.labels[k] === v));
}

export interface ClusterRunOptions {
  readonly name: string;
  /** The stack as renderStack returns it; its manifests are read again for the StatefulSets. */
  readonly rendered: RenderedStack;
  readonly compression: number;
  /** Replaces the loopback flags of every replica (negative controls, run by hand). */
  readonly alterArgs?: (args: string[]) => string[];
}

/**
 * The demo platform and fake exporters as targets, a fake Slack, the rendered number of Alertmanager replicas in a
 * cluster and of Prometheus replicas each sending to all of them.
 */
export class ClusterRun {
  private constructor(
    readonly dir: string,
    readonly demo: DemoPlatform,
    readonly gpuNodes: readonly FakeDcgmExporter[],
    private readonly others: readonly { close(): Promise<void> }[],
    readonly slack: FakeSlack,
    readonly alertmanagers: readonly Daemon[],
    readonly prometheus: readonly Daemon[],
    readonly ports: readonly ReplicaPorts[],
  ) {}

  get dcgm(): FakeDcgmExporter {
    return this.gpuNodes[0];
  }

  static async start(opts: ClusterRunOptions): Promise<ClusterRun> {
    const prometheusBin = requireTool("prometheus");
    const alertmanagerBin = requireTool("alertmanager");
    const docs = loadManifests(renderedStack(opts.rendered.stack).file);
    const amSts = renderedStatefulSet(docs, "alertmanager");
    const promSts = renderedStatefulSet(docs, "prometheus");
    const dir = mkdtempSync(path.join(tmpdir(), `e2e-${opts.name}-`));
    const [demo, gpuNodes, redis, postgres, slack, qdrant] = await Promise.all([
      DemoPlatform.start(),
      Promise.all(GPU_NODES.map((node) => FakeDcgmExporter.start(node))),
      FakeRedisExporter.start(),
      FakePostgresExporter.start(),
      FakeSlack.start({ channels: Object.values(SEED_CHANNELS) }),
      FakeExporter.start("qdrant"),
    ]);
    setHealthy(gpuNodes, redis, postgres);
    const F = opts.compression;
    const rulesDir = path.join(dir, "rules");
    const secretsDir = path.join(dir, "secrets");
    mkdirSync(rulesDir);
    mkdirSync(secretsDir);
    for (const [name, text] of Object.entries(opts.rendered.ruleFiles)) writeFileSync(path.join(rulesDir, name), F === 1 ? text : compressRuleFile(text, F));
    writeFileSync(path.join(secretsDir, SLACK_BOT_TOKEN_KEY), slack.botToken);
    for (const [key, channel] of Object.entries(SEED_CHANNELS)) writeFileSync(path.join(secretsDir, slackChannelWebhookKey(key as SlackChannelKey)), slack.webhookUrl(channel));
    writeFileSync(path.join(secretsDir, SLACK_WEBHOOK_URL_KEY), slack.legacyWebhookUrl);
    writeFileSync(path.join(secretsDir, HEARTBEAT_URL_KEY), slack.heartbeatUrl);
    const auth = opts.rendered.webAuth;
    const webConfigFile = path.join(secretsDir, WEB_CONFIG_KEY);
    writeFileSync(webConfigFile, auth.webConfigYml);
    writeFileSync(path.join(secretsDir, WEB_AUTH_PASSWORD_KEY), auth.password);
    writeFileSync(path.join(secretsDir, WEB_AUTH_AUTHORIZATION_KEY), auth.authorization);
    const configFile = path.join(dir, "alertmanager.yml");
    writeFileSync(configFile, loopbackAlertmanagerYml(opts.rendered, { slack: { secretsDir, proxyUrl: slack.proxyUrl, caFile: slack.caFile }, compression: F }));

    // Ports first: every replica's flags name all of them. Replicas start one after the other, each joining those up.
    const ports: ReplicaPorts[] = [];
    for (let i = 0; i < amSts.spec.replicas; i++) ports.push({ web: await freePort(), cluster: await freePort() });
    const alertmanagers: Daemon[] = [];
    for (let i = 0; i < ports.length; i++) {
      let args = loopbackClusterArgs(opts.rendered.alertmanagerArgs, i, ports, { configFile, storagePath: path.join(dir, `alertmanager-data-${i}`), webConfigFile }, F, opts.rendered.prometheusArgs);
      if (opts.alterArgs) args = opts.alterArgs(args);
      const am = new Daemon(`alertmanager-${i}`, alertmanagerBin, args, ports[i].web, path.join(dir, `alertmanager-${i}.log`), auth.authorization);
      await am.start();
      alertmanagers.push(am);
    }

    const settings = opts.rendered.settings;
    const amPods = alertmanagerPods(amSts, "alertmanager", ports);
    const prometheus: Daemon[] = [];
    for (let k = 0; k < promSts.spec.replicas; k++) {
      const sdDir = path.join(dir, `discovery-${k}`);
      mkdirSync(sdDir);
      const configPath = path.join(dir, `prometheus-${k}.yml`);
      prometheus.push(
        await startDaemon((port) => {
          const self = `${LOOPBACK}:${port}`;
          // Each replica scrapes itself (the no-targets alert reads its own discovery metrics) and the same targets.
          const endpoints: SimulatedEndpoint[] = [...amPods, componentEndpoint(settings, "prometheus", self, k), sourceEndpoint(settings, "qdrant", qdrant.target)];
          for (const s of SCRAPED_DEMO_SERVICES) for (let i = 0; i < INSTANCES; i++) endpoints.push(sourceEndpoint(settings, s, demo.target(s, i), i));
          gpuNodes.forEach((n, i) => endpoints.push(componentEndpoint(settings, "dcgmExporter", n.exporter.target, i, { node: GPU_NODES[i] })));
          endpoints.push(componentEndpoint(settings, "redisExporter", redis.exporter.target));
          endpoints.push(componentEndpoint(settings, "postgresExporter", postgres.exporter.target));
          writeFileSync(configPath, loopbackPrometheusYml(opts.rendered, { endpoints, sdDir, rulesDir, secretsDir, compression: F }));
          let args = replaceFlags(opts.rendered.prometheusArgs, {
            "--config.file": configPath,
            "--storage.tsdb.path": path.join(dir, `prometheus-data-${k}`),
            "--web.listen-address": self,
            "--web.config.file": webConfigFile,
          });
          if (F !== 1) args = compressPrometheusFlags(args, F);
          return new Daemon(`prometheus-${k}`, prometheusBin, args, port, path.join(dir, `prometheus-${k}.log`), auth.authorization);
        }),
      );
    }
    return new ClusterRun(dir, demo, gpuNodes, [redis.exporter, postgres.exporter, qdrant, ...gpuNodes.map((n) => n.exporter)], slack, alertmanagers, prometheus, ports);
  }

  /**
   * Every replica's status once each reports every other as a peer and its gossip as settled, or as they are when
   * that does not happen within the bound (the test then says what is missing).
   */
  async settled(timeoutMs = 60_000): Promise<ClusterStatus[]> {
    const all = () => Promise.all(this.alertmanagers.map((am) => clusterStatus(am)));
    await waitFor(
      `${this.alertmanagers.length} Alertmanager replicas clustered and settled`,
      async () => ((await all()).every((s) => s.status === "ready" && s.peers.length === this.alertmanagers.length) ? true : undefined),
      { timeoutMs, intervalMs: 500 },
    ).catch(() => undefined);
    return all();
  }

  /** An instant query on Prometheus replica k. */
  async query(k: number, expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
    const res = await this.prometheus[k].request(`/api/v1/query?${new URLSearchParams({ query: expr })}`);
    const body = (await res.json()) as { status: string; error?: string; data?: { result: { metric: Record<string, string>; value: [number, string] }[] } };
    if (body.status !== "success" || !body.data) throw new Error(`query ${expr} failed: ${body.error ?? res.status}`);
    return body.data.result;
  }

  /** The Alertmanager API URLs Prometheus replica k sends to (active) and has discovered but dropped. */
  async alertmanagersOf(k: number): Promise<{ active: string[]; dropped: string[] }> {
    const body = (await (await this.prometheus[k].request("/api/v1/alertmanagers")).json()) as { data: { activeAlertmanagers: { url: string }[]; droppedAlertmanagers: { url: string }[] } };
    return { active: body.data.activeAlertmanagers.map((a) => a.url).sort(), dropped: body.data.droppedAlertmanagers.map((a) => a.url).sort() };
  }

  /** Prometheus replica k's firing state of an alert with the given labels. */
  async firing(k: number, alertname: string, labels: Readonly<Record<string, string>> = {}): Promise<boolean> {
    const body = (await (await this.prometheus[k].request("/api/v1/alerts")).json()) as { data: { alerts: { labels: Record<string, string>; state: string }[] } };
    return body.data.alerts.some((a) => a.state === "firing" && a.labels.alertname === alertname && Object.entries(labels).every(([l, v]) => a.labels[l] === v));
  }

  logs(): string {
    return [...this.alertmanagers, ...this.prometheus].map((d) => `--- ${d.name} ---\n${d.logTail(15)}`).join("\n");
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.prometheus, ...this.alertmanagers].map((d) => d.stop()));
    await Promise.allSettled([this.demo.close(), this.slack.close(), ...this.others.map((o) => o.close())]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
