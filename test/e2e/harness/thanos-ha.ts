/**
 * The prod metrics path on loopback: an HA pair of the pinned Prometheus, each with a Thanos sidecar uploading to an
 * S3 bucket (SeaweedFS), Thanos Query over both sidecars and a Store Gateway, and the Compactor. Every Thanos process
 * runs the flags of components/thanos-config.ts, the builders the stack renders them with; only addresses, ports and
 * paths are the run's. Prometheus runs the rendered prometheus.yml and flags of the stack (loopback discovery, as in
 * pipeline.ts) with one change of timing, `BLOCK_COMPRESSION`.
 */
import { load } from "js-yaml";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { REPLICA_LABEL } from "../../../components/services";
import {
  thanosCompactArgs,
  thanosEndpointConfig,
  thanosObjstoreConfig,
  thanosQueryArgs,
  thanosSidecarArgs,
  thanosSidecarPrometheusClientConfig,
  thanosStoreArgs,
} from "../../../components/thanos-config";
import { PrometheusConfig } from "../../../components/prometheus-config";
import { WEB_AUTH_PASSWORD_KEY, WEB_CONFIG_KEY } from "../../../components/web-auth-config";
import { requireTool } from "../../support/tools";
import { FakeExporter } from "./fake-exporters";
import { Daemon, waitFor } from "./processes";
import { S3Store, freePorts } from "./seaweedfs";
import { getObject, listObjects } from "./s3";
import { sourceEndpoint } from "./simulated-cluster";
import { RenderedStack, durationMs, formatDuration, loopbackPrometheusYml, replaceFlags } from "./stack-files";

/** The bucket the stack is configured with in the test (any name: the store is the run's own). */
export const BUCKET = "metrics";

/** The scrape job whose targets the test counts (three pods of the gateway, each a fake exporter). */
export const JOB = "gateway";
export const TARGETS = 3;

/**
 * Prometheus cuts a block when its head spans 1.5 block durations, and the sidecar uploads only cut blocks: with the
 * rendered 2h, the first upload would come after three hours. Both `--storage.tsdb.min-block-duration` and
 * `--storage.tsdb.max-block-duration` (hidden flags of Prometheus) are divided by this factor, 2h -> 30s, so blocks are
 * cut and shipped within a minute or two. Both by the same factor: the sidecar still sees min = max (local compaction
 * off), which it checks before it uploads anything; a rendered pair that differs still differs here.
 */
export const BLOCK_COMPRESSION = 240;

export type Replica = "a" | "b";
export const REPLICAS: readonly Replica[] = ["a", "b"];

export interface Sample {
  metric: Record<string, string>;
  value?: [number, string];
  values?: [number, string][];
}

export interface BlockMeta {
  ulid: string;
  minTime: number;
  maxTime: number;
  thanos: { labels: Record<string, string>; source: string };
}

/** One Prometheus of the pair and its sidecar. */
export interface PrometheusReplica {
  readonly replica: Replica;
  /** The pod name, which the rendered replica label is read from. */
  readonly pod: string;
  readonly dataDir: string;
  readonly prometheus: Daemon;
  readonly sidecar: Daemon;
  /** The sidecar's StoreAPI, host:port. */
  readonly grpc: string;
}

export interface ThanosHaOptions {
  readonly name: string;
  /** The prod stack (its rendered prometheus.yml and Prometheus flags). */
  readonly rendered: RenderedStack;
  /** Retention per resolution as the stack's config gives it to the Compactor. */
  readonly retention: Parameters<typeof thanosCompactArgs>[0]["retention"];
}

function scaleFlag(args: readonly string[], flag: string, factor: number): string[] {
  const current = args.find((a) => a.startsWith(`${flag}=`));
  if (!current) throw new Error(`Prometheus flags have no ${flag}: ${args.join(" ")}`);
  return replaceFlags(args, { [flag]: formatDuration(durationMs(current.slice(flag.length + 1)) / factor) });
}

/**
 * The rendered replica label's value names the pod through an environment variable (`$(POD_NAME)` is Kubernetes'
 * syntax in args, `${POD_NAME}` Prometheus' in its config file): the variables it names, set to the pod name here as
 * the downward API does in the cluster.
 */
function replicaEnv(config: PrometheusConfig, pod: string): Record<string, string> {
  const value = config.global.external_labels?.[REPLICA_LABEL];
  if (value === undefined) throw new Error(`rendered prometheus.yml has no external label ${REPLICA_LABEL}: ${JSON.stringify(config.global.external_labels)}`);
  const vars = [...value.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g)].map((m) => m[1]);
  if (vars.length === 0) throw new Error(`rendered external label ${REPLICA_LABEL}=${JSON.stringify(value)} is the same on every replica`);
  return Object.fromEntries(vars.map((v) => [v, pod]));
}

export class ThanosHa {
  store: Daemon | undefined;
  query: Daemon | undefined;

  private constructor(
    readonly opts: ThanosHaOptions,
    readonly dir: string,
    readonly s3: S3Store,
    readonly objstoreFile: string,
    readonly targets: readonly FakeExporter[],
    readonly replicas: Readonly<Record<Replica, PrometheusReplica>>,
  ) {}

  /** The bucket, the targets, and both Prometheus replicas with their sidecars, all ready. */
  static async start(opts: ThanosHaOptions): Promise<ThanosHa> {
    const prometheusBin = requireTool("prometheus");
    const thanosBin = requireTool("thanos");
    const dir = mkdtempSync(path.join(tmpdir(), `e2e-${opts.name}-`));
    const s3 = await S3Store.start(dir);
    await s3.createBucket(BUCKET);
    // The Secret's file: the objstore config holds the bucket's keys.
    const objstoreFile = path.join(dir, "objstore.yml");
    const { address, region, credentials } = s3.endpoint;
    writeFileSync(
      objstoreFile,
      thanosObjstoreConfig({ endpoint: address, bucket: BUCKET, region, insecure: true, credentials: { accessKey: credentials.accessKeyId, secretKey: credentials.secretAccessKey } }),
      { mode: 0o600 },
    );

    const targets = await Promise.all(Array.from({ length: TARGETS }, () => FakeExporter.start(JOB)));
    const settings = opts.rendered.settings;
    const endpoints = targets.map((t, i) => sourceEndpoint(settings, JOB, t.target, i));
    const secretsDir = path.join(dir, "secrets");
    const sdDir = path.join(dir, "discovery");
    const rulesDir = path.join(dir, "rules");
    for (const d of [secretsDir, sdDir, rulesDir]) mkdirSync(d);
    const auth = opts.rendered.webAuth;
    const webConfigFile = path.join(secretsDir, WEB_CONFIG_KEY);
    const passwordFile = path.join(secretsDir, WEB_AUTH_PASSWORD_KEY);
    writeFileSync(webConfigFile, auth.webConfigYml);
    writeFileSync(passwordFile, auth.password);
    // Compression only for the 1s scrape interval (COMPRESSION in stack-files.ts); no rule files: the test reads raw series.
    const prometheusYml = path.join(dir, "prometheus.yml");
    const yml = loopbackPrometheusYml(opts.rendered, { endpoints, sdDir, rulesDir, secretsDir, compression: 60 });
    writeFileSync(prometheusYml, yml);
    const config = load(yml) as PrometheusConfig;
    const clientFile = path.join(dir, "sidecar-prometheus-client.yml");
    writeFileSync(clientFile, thanosSidecarPrometheusClientConfig({ username: auth.username, passwordFile }));

    const started: Partial<Record<Replica, PrometheusReplica>> = {};
    for (const replica of REPLICAS) {
      const pod = `prometheus-${replica === "a" ? 0 : 1}`;
      const dataDir = path.join(dir, `prometheus-${replica}-data`);
      const [promPort, grpcPort, httpPort] = await freePorts(3);
      let args = replaceFlags(opts.rendered.prometheusArgs, {
        "--config.file": prometheusYml,
        "--storage.tsdb.path": dataDir,
        "--web.listen-address": `127.0.0.1:${promPort}`,
        "--web.config.file": webConfigFile,
      });
      for (const flag of ["--storage.tsdb.min-block-duration", "--storage.tsdb.max-block-duration"]) args = scaleFlag(args, flag, BLOCK_COMPRESSION);
      const prometheus = new Daemon(`prometheus-${replica}`, prometheusBin, args, promPort, path.join(dir, `prometheus-${replica}.log`), auth.authorization, replicaEnv(config, pod));
      await prometheus.start();
      const sidecarArgs = thanosSidecarArgs({
        tsdbPath: dataDir,
        prometheusUrl: prometheus.url,
        prometheusClientConfigFile: clientFile,
        objstoreConfigFile: objstoreFile,
        grpcAddress: `127.0.0.1:${grpcPort}`,
        httpAddress: `127.0.0.1:${httpPort}`,
      });
      const sidecar = new Daemon(`sidecar-${replica}`, thanosBin, sidecarArgs, httpPort, path.join(dir, `sidecar-${replica}.log`));
      await sidecar.start(60_000);
      started[replica] = { replica, pod, dataDir, prometheus, sidecar, grpc: `127.0.0.1:${grpcPort}` };
    }
    return new ThanosHa(opts, dir, s3, objstoreFile, targets, started as Record<Replica, PrometheusReplica>);
  }

  /** Every block in the bucket (its meta.json), oldest first. */
  async blocks(): Promise<BlockMeta[]> {
    const keys = (await listObjects(this.s3.endpoint, BUCKET)).filter((k) => /^[0-9A-Z]{26}\/meta\.json$/.test(k));
    const metas = await Promise.all(keys.map(async (k) => JSON.parse(await getObject(this.s3.endpoint, BUCKET, k)) as BlockMeta));
    return metas.sort((x, y) => x.minTime - y.minTime);
  }

  /** Starts the Store Gateway on the bucket (`objstoreFile`: another bucket config, for negative controls). */
  async startStore(objstoreFile = this.objstoreFile): Promise<Daemon> {
    const [grpcPort, httpPort] = await freePorts(2);
    const dataDir = path.join(this.dir, `store-data-${Date.now()}`);
    const args = thanosStoreArgs({ dataDir, objstoreConfigFile: objstoreFile, grpcAddress: `127.0.0.1:${grpcPort}`, httpAddress: `127.0.0.1:${httpPort}` });
    this.store = new Daemon("store", requireTool("thanos"), args, httpPort, path.join(this.dir, "store.log"));
    // Ready after its first sync of the bucket.
    await this.store.start(60_000);
    this.storeGrpc = `127.0.0.1:${grpcPort}`;
    return this.store;
  }

  storeGrpc = "";

  /** Starts Query over both sidecars and the Store Gateway, ready when it lists all three. */
  async startQuery(): Promise<Daemon> {
    const [grpcPort, httpPort] = await freePorts(2);
    const endpoints = [...REPLICAS.map((r) => this.replicas[r].grpc), this.storeGrpc].filter((e) => e !== "");
    const endpointFile = path.join(this.dir, "query-endpoints.yml");
    writeFileSync(endpointFile, thanosEndpointConfig(endpoints));
    const args = thanosQueryArgs({ endpointConfigFile: endpointFile, grpcAddress: `127.0.0.1:${grpcPort}`, httpAddress: `127.0.0.1:${httpPort}` });
    const query = new Daemon("query", requireTool("thanos"), args, httpPort, path.join(this.dir, "query.log"));
    await query.start(60_000);
    this.query = query;
    await waitFor(`Query connected to ${endpoints.join(", ")}`, async () => {
      const res = await query.request("/api/v1/stores");
      const body = (await res.json()) as { data: Record<string, { name: string; lastError: string | null }[]> };
      const healthy = Object.values(body.data ?? {}).flat().filter((s) => !s.lastError).map((s) => s.name);
      return endpoints.every((e) => healthy.includes(e)) ? true : undefined;
    }, { timeoutMs: 30_000, intervalMs: 250 });
    return query;
  }

  /** A query through Thanos Query (`time` in ms), with or without deduplication. */
  async instant(expr: string, opts: { dedup: boolean; time?: number }): Promise<Sample[]> {
    if (!this.query) throw new Error("Query is not started");
    const params = new URLSearchParams({ query: expr, dedup: String(opts.dedup) });
    if (opts.time !== undefined) params.set("time", String(opts.time / 1000));
    const res = await this.query.request(`/api/v1/query?${params}`);
    const body = (await res.json()) as { status: string; error?: string; warnings?: string[]; data?: { result: Sample[] } };
    if (body.status !== "success" || !body.data) throw new Error(`query ${expr} failed: ${body.error ?? res.status}`);
    return body.data.result;
  }

  /**
   * One run of the Compactor with the rendered flags (`--wait` among them: it iterates until stopped), stopped once
   * its first iteration has completed. Returns its metrics at that moment and its log.
   */
  async runCompactor(timeoutMs = 60_000): Promise<{ iterations: number; halted: number; retries: number; log: string; args: string[] }> {
    const [httpPort] = await freePorts(1);
    const args = thanosCompactArgs({ dataDir: path.join(this.dir, "compact-data"), objstoreConfigFile: this.objstoreFile, retention: this.opts.retention, httpAddress: `127.0.0.1:${httpPort}` });
    const compact = new Daemon("compact", requireTool("thanos"), args, httpPort, path.join(this.dir, "compact.log"));
    await compact.start(30_000);
    const metric = async (name: string): Promise<number> => {
      const text = await (await compact.request("/metrics")).text();
      const m = new RegExp(`^${name} (\\S+)$`, "m").exec(text);
      return m ? Number(m[1]) : NaN;
    };
    try {
      await waitFor("the Compactor's first iteration", async () => ((await metric("thanos_compact_iterations_total")) >= 1 ? true : undefined), { timeoutMs, intervalMs: 500 }).catch((e) => {
        throw new Error(`${(e as Error).message}\n--- compact.log ---\n${compact.logTail()}`);
      });
      return { iterations: await metric("thanos_compact_iterations_total"), halted: await metric("thanos_compact_halted"), retries: await metric("thanos_compact_retries_total"), log: compact.logTail(200), args };
    } finally {
      await compact.stop();
    }
  }

  logs(): string {
    const daemons = [...REPLICAS.flatMap((r) => [this.replicas[r].prometheus, this.replicas[r].sidecar]), this.store, this.query].filter((d): d is Daemon => d !== undefined);
    return [...daemons.map((d) => `--- ${d.name} ---\n${d.logTail(15)}`), `--- seaweedfs ---\n${this.s3.logTail()}`].join("\n");
  }

  async close(): Promise<void> {
    const daemons = [...REPLICAS.flatMap((r) => [this.replicas[r].sidecar, this.replicas[r].prometheus]), this.query, this.store].filter((d): d is Daemon => d !== undefined);
    await Promise.allSettled(daemons.map((d) => d.stop()));
    await this.s3.stop();
    await Promise.allSettled(this.targets.map((t) => t.close()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
