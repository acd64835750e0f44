/**
 * The prod metrics path on loopback: an HA pair of the pinned Prometheus, each with a Thanos sidecar uploading to an
 * S3 bucket (SeaweedFS), Thanos Query over both sidecars and a Store Gateway, and the Compactor. Every process runs
 * its rendered args (thanos-files.ts: made by components/thanos-config.ts) and rendered files; the run changes only
 * listen addresses and ports, file paths, the object store's endpoint and credentials (plain HTTP on loopback), Query's
 * DNS service discovery (the same endpoints, as loopback addresses), Kubernetes discovery of the scrape targets (as in
 * pipeline.ts), the 1s scrape interval, and Prometheus' block durations (`BLOCK_COMPRESSION`).
 */
import { dump, load } from "js-yaml";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { SERVICES } from "../../../components/services";
import { WEB_AUTH_PASSWORD_KEY, WEB_CONFIG_KEY } from "../../../components/web-auth-config";
import { requireTool } from "../../support/tools";
import { FakeExporter } from "./fake-exporters";
import { Daemon, waitFor } from "./processes";
import { S3Store, freePorts } from "./seaweedfs";
import { getObject, listObjects } from "./s3";
import { sourceEndpoint } from "./simulated-cluster";
import { RenderedStack, durationMs, formatDuration, loopbackPrometheusYml, replaceFlags } from "./stack-files";
import { RenderedContainer, RenderedThanos } from "./thanos-files";

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
  /** The stack on object storage: its prometheus.yml, web auth and settings. */
  readonly rendered: RenderedStack;
  /** The same stack's Thanos args and files. */
  readonly thanos: RenderedThanos;
}

interface ObjstoreYaml {
  type: string;
  config: { bucket: string; endpoint: string; insecure?: boolean; access_key?: string; secret_key?: string; [k: string]: unknown };
}

/**
 * The rendered objstore.yml pointed at the run's store: its endpoint, plain HTTP, its credentials; every other key
 * (bucket, region, addressing) as rendered.
 */
function loopbackObjstore(rendered: string, s3: S3Store): { yml: string; bucket: string } {
  const doc = load(rendered) as ObjstoreYaml;
  if (doc.type !== "S3") throw new Error(`rendered objstore.yml is of type ${doc.type}, not S3`);
  const { address, credentials } = s3.endpoint;
  const config = { ...doc.config, endpoint: address, insecure: true, access_key: credentials.accessKeyId, secret_key: credentials.secretAccessKey };
  return { yml: dump({ ...doc, config }, { noRefs: true, lineWidth: -1 }), bucket: doc.config.bucket };
}

/** Every `*_file` path of a YAML document moved into `dir` (same file name), as the mounted Secret's copy there. */
function moveFiles(value: unknown, dir: string): unknown {
  if (Array.isArray(value)) return value.map((v) => moveFiles(v, dir));
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k.endsWith("_file") && typeof v === "string" ? path.join(dir, path.posix.basename(v)) : moveFiles(v, dir)]));
}

/** The downward-API variables of a rendered container: the pod name where it asks for metadata.name. */
function downwardEnv(c: RenderedContainer, pod: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of c.env) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.fieldRef?.fieldPath === "metadata.name") env[e.name] = pod;
    else throw new Error(`rendered env ${e.name} comes from ${JSON.stringify(e.valueFrom)}, which the loopback run does not provide`);
  }
  return env;
}

/**
 * Query's endpoint file on loopback: each rendered address (an SRV name of the sidecars' or the Store Gateway's
 * Service) replaced by the addresses it resolves to in the cluster, here the processes' loopback ports.
 */
function loopbackEndpoints(rendered: string, resolve: { sidecars: readonly string[]; store: string }): string {
  const doc = load(rendered) as { endpoints: { address: string }[] };
  const endpoints = doc.endpoints.flatMap(({ address }) => {
    if (address.includes(`.${SERVICES.thanosSidecar.name}.`)) return resolve.sidecars.map((a) => ({ address: a }));
    if (address.includes(`.${SERVICES.thanosStore.name}`)) return [{ address: resolve.store }];
    throw new Error(`rendered Query endpoint ${address} names neither the sidecars nor the Store Gateway`);
  });
  return dump({ ...doc, endpoints }, { noRefs: true, lineWidth: -1 });
}

function scaleFlag(args: readonly string[], flag: string, factor: number): string[] {
  const current = args.find((a) => a.startsWith(`${flag}=`));
  if (!current) throw new Error(`Prometheus flags have no ${flag}: ${args.join(" ")}`);
  return replaceFlags(args, { [flag]: formatDuration(durationMs(current.slice(flag.length + 1)) / factor) });
}

export class ThanosHa {
  store: Daemon | undefined;
  storeGrpc = "";
  query: Daemon | undefined;

  private constructor(
    readonly opts: ThanosHaOptions,
    readonly dir: string,
    readonly s3: S3Store,
    /** The bucket as rendered: the store has it, the Thanos processes read its objstore.yml. */
    readonly bucket: string,
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
    const objstore = loopbackObjstore(opts.thanos.objstoreYml, s3);
    await s3.createBucket(objstore.bucket);
    // The Secret's file: it holds the bucket's keys.
    const objstoreFile = path.join(dir, "objstore.yml");
    writeFileSync(objstoreFile, objstore.yml, { mode: 0o600 });

    const targets = await Promise.all(Array.from({ length: TARGETS }, () => FakeExporter.start(JOB)));
    const settings = opts.rendered.settings;
    const endpoints = targets.map((t, i) => sourceEndpoint(settings, JOB, t.target, i));
    const secretsDir = path.join(dir, "secrets");
    const sdDir = path.join(dir, "discovery");
    const rulesDir = path.join(dir, "rules");
    for (const d of [secretsDir, sdDir, rulesDir]) mkdirSync(d);
    // The web-auth Secret's files, named by its keys.
    const auth = opts.rendered.webAuth;
    const webConfigFile = path.join(secretsDir, WEB_CONFIG_KEY);
    writeFileSync(webConfigFile, auth.webConfigYml);
    writeFileSync(path.join(secretsDir, WEB_AUTH_PASSWORD_KEY), auth.password);
    // Compression only for the 1s scrape interval (COMPRESSION in stack-files.ts); no rule files: the test reads raw series.
    const prometheusYml = path.join(dir, "prometheus.yml");
    writeFileSync(prometheusYml, loopbackPrometheusYml(opts.rendered, { endpoints, sdDir, rulesDir, secretsDir, compression: 60 }));
    const clientFile = path.join(dir, "sidecar-prometheus-client.yml");
    writeFileSync(clientFile, dump(moveFiles(load(opts.thanos.sidecarClientYml), secretsDir), { noRefs: true, lineWidth: -1 }));

    const started: Partial<Record<Replica, PrometheusReplica>> = {};
    for (const replica of REPLICAS) {
      // The StatefulSet's pod names.
      const pod = `prometheus-${REPLICAS.indexOf(replica)}`;
      const dataDir = path.join(dir, `prometheus-${replica}-data`);
      const [promPort, grpcPort, httpPort] = await freePorts(3);
      let args = replaceFlags(opts.thanos.prometheus.args, {
        "--config.file": prometheusYml,
        "--storage.tsdb.path": dataDir,
        "--web.listen-address": `127.0.0.1:${promPort}`,
        "--web.config.file": webConfigFile,
      });
      for (const flag of ["--storage.tsdb.min-block-duration", "--storage.tsdb.max-block-duration"]) args = scaleFlag(args, flag, BLOCK_COMPRESSION);
      const prometheus = new Daemon(`prometheus-${replica}`, prometheusBin, args, promPort, path.join(dir, `prometheus-${replica}.log`), auth.authorization, downwardEnv(opts.thanos.prometheus, pod));
      await prometheus.start();
      const sidecarArgs = replaceFlags(opts.thanos.sidecar.args, {
        "--tsdb.path": dataDir,
        "--prometheus.url": prometheus.url,
        "--prometheus.http-client-file": clientFile,
        "--objstore.config-file": objstoreFile,
        "--grpc-address": `127.0.0.1:${grpcPort}`,
        "--http-address": `127.0.0.1:${httpPort}`,
      });
      const sidecar = new Daemon(`sidecar-${replica}`, thanosBin, sidecarArgs, httpPort, path.join(dir, `sidecar-${replica}.log`), undefined, downwardEnv(opts.thanos.sidecar, pod));
      await sidecar.start(60_000);
      started[replica] = { replica, pod, dataDir, prometheus, sidecar, grpc: `127.0.0.1:${grpcPort}` };
    }
    return new ThanosHa(opts, dir, s3, objstore.bucket, objstoreFile, targets, started as Record<Replica, PrometheusReplica>);
  }

  /** Every block in the bucket (its meta.json), oldest first. */
  async blocks(): Promise<BlockMeta[]> {
    const keys = (await listObjects(this.s3.endpoint, this.bucket)).filter((k) => /^[0-9A-Z]{26}\/meta\.json$/.test(k));
    const metas = await Promise.all(keys.map(async (k) => JSON.parse(await getObject(this.s3.endpoint, this.bucket, k)) as BlockMeta));
    return metas.sort((x, y) => x.minTime - y.minTime);
  }

  /** Starts the Store Gateway on the bucket, ready after its first sync of the bucket. */
  async startStore(): Promise<Daemon> {
    const [grpcPort, httpPort] = await freePorts(2);
    const args = replaceFlags(this.opts.thanos.storeArgs, {
      "--data-dir": path.join(this.dir, "store-data"),
      "--objstore.config-file": this.objstoreFile,
      "--grpc-address": `127.0.0.1:${grpcPort}`,
      "--http-address": `127.0.0.1:${httpPort}`,
    });
    this.store = new Daemon("store", requireTool("thanos"), args, httpPort, path.join(this.dir, "store.log"));
    await this.store.start(60_000);
    this.storeGrpc = `127.0.0.1:${grpcPort}`;
    return this.store;
  }

  /** Starts Query over both sidecars and the Store Gateway, ready when it has all three healthy. */
  async startQuery(): Promise<Daemon> {
    const [grpcPort, httpPort] = await freePorts(2);
    const sidecars = REPLICAS.map((r) => this.replicas[r].grpc);
    const endpointFile = path.join(this.dir, "query-endpoints.yml");
    writeFileSync(endpointFile, loopbackEndpoints(this.opts.thanos.queryEndpointsYml, { sidecars, store: this.storeGrpc }));
    const args = replaceFlags(this.opts.thanos.queryArgs, {
      "--endpoint.sd-config-file": endpointFile,
      "--grpc-address": `127.0.0.1:${grpcPort}`,
      "--http-address": `127.0.0.1:${httpPort}`,
    });
    const query = new Daemon("query", requireTool("thanos"), args, httpPort, path.join(this.dir, "query.log"));
    await query.start(60_000);
    this.query = query;
    const all = [...sidecars, this.storeGrpc];
    await waitFor(`Query connected to ${all.join(", ")}`, async () => {
      const healthy = await this.healthyEndpoints();
      return all.every((e) => healthy.includes(e)) ? true : undefined;
    }, { timeoutMs: 30_000, intervalMs: 250 });
    return query;
  }

  /** The StoreAPI endpoints Query has connected and whose last check passed. */
  async healthyEndpoints(): Promise<string[]> {
    if (!this.query) throw new Error("Query is not started");
    const body = (await (await this.query.request("/api/v1/stores")).json()) as { data?: Record<string, { name: string; lastError: string | null }[]> };
    return Object.values(body.data ?? {}).flat().filter((s) => !s.lastError).map((s) => s.name);
  }

  /** A query through Thanos Query (`time` in ms), with or without deduplication. */
  async instant(expr: string, opts: { dedup: boolean; time?: number }): Promise<Sample[]> {
    if (!this.query) throw new Error("Query is not started");
    const params = new URLSearchParams({ query: expr, dedup: String(opts.dedup) });
    if (opts.time !== undefined) params.set("time", String(opts.time / 1000));
    const res = await this.query.request(`/api/v1/query?${params}`);
    const body = (await res.json()) as { status: string; error?: string; data?: { result: Sample[] } };
    if (body.status !== "success" || !body.data) throw new Error(`query ${expr} failed: ${body.error ?? res.status}`);
    return body.data.result;
  }

  /**
   * The Compactor with its rendered flags (`--wait` among them: it iterates until stopped), stopped once its first
   * iteration has completed. Returns its counters at that moment and its log.
   */
  async runCompactor(timeoutMs = 60_000): Promise<{ args: readonly string[]; iterations: number; halted: number; retries: number; log: string }> {
    const [httpPort] = await freePorts(1);
    const args = replaceFlags(this.opts.thanos.compactArgs, {
      "--data-dir": path.join(this.dir, "compact-data"),
      "--objstore.config-file": this.objstoreFile,
      "--http-address": `127.0.0.1:${httpPort}`,
    });
    const compact = new Daemon("compact", requireTool("thanos"), args, httpPort, path.join(this.dir, "compact.log"));
    await compact.start(30_000);
    const metric = async (name: string): Promise<number> => {
      const text = await (await compact.request("/metrics")).text();
      const m = new RegExp(`^${name} (\\S+)$`, "m").exec(text);
      return m ? Number(m[1]) : NaN;
    };
    try {
      await waitFor("the Compactor's first iteration", async () => ((await metric("thanos_compact_iterations_total")) >= 1 ? true : undefined), { timeoutMs, intervalMs: 500 }).catch((e: Error) => {
        throw new Error(`${e.message}\n--- compact.log ---\n${compact.logTail()}`);
      });
      return { args, iterations: await metric("thanos_compact_iterations_total"), halted: await metric("thanos_compact_halted"), retries: await metric("thanos_compact_retries_total"), log: compact.logTail(200) };
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
