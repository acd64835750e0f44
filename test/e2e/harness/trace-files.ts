/**
 * The trace path's config files exactly as the render writes them (the `config.yaml` of the ConfigMaps
 * `otel-collector-config` and `jaeger-config`), the one rewrite that lets them run on loopback
 * (`loopbackTraceConfigs`), and the stand-in for Loki's OTLP endpoint the collector's logs exporter posts to.
 */
import { createSocket } from "node:dgram";
import * as http from "node:http";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import { dump, load } from "js-yaml";
import { COLLECTOR_EXPORTERS } from "../../../components/otel-collector-config";
import { SERVICES } from "../../../components/services";
import { readStackFile } from "../../../scripts/lib/stack-file";
import { Doc, loadManifests, renderedStack, ROOT } from "../../support/render";
import { LoopbackServer, serve } from "./http";
import { freePort } from "./processes";

/** A parsed config file of the collector framework (both the Collector and Jaeger v2 use its shape). */
export type ConfigTree = Record<string, any>;

export interface RenderedTraceConfigs {
  readonly stack: string;
  /** The stack's `clusterName` as its stack file sets it, read apart from the render to check what the render did. */
  readonly clusterName: string;
  readonly collectorYaml: string;
  readonly jaegerYaml: string;
  /** The pods' terminationGracePeriodSeconds: how long Kubernetes waits after SIGTERM before it kills. */
  readonly graceSeconds: { readonly collector: number; readonly jaeger: number };
}

function graceSeconds(docs: Doc[], name: string): number {
  const workload = docs.find((d) => (d.kind === "Deployment" || d.kind === "StatefulSet") && d.metadata.name === name) as any;
  // Kubernetes' default when the pod spec leaves it out.
  return workload?.spec?.template?.spec?.terminationGracePeriodSeconds ?? 30;
}

function configYaml(docs: Doc[], name: string): string {
  const cm = docs.find((d) => d.kind === "ConfigMap" && d.metadata.name === name);
  const text = (cm?.data as Record<string, string> | undefined)?.["config.yaml"];
  if (!text) throw new Error(`rendered stack has no ConfigMap ${JSON.stringify(name)} with a config.yaml`);
  return text;
}

/** Runs `npm run render -- --stack <stack>` (the CLI users run) and reads both config files out of the manifests. */
export function renderTraceConfigs(stack = "dev"): RenderedTraceConfigs {
  const run = renderedStack(stack);
  if (run.status !== 0) throw new Error(`render --stack ${stack} failed:\n${run.stderr}`);
  const docs = loadManifests(run.file);
  const stackFile = readStackFile(path.join(ROOT, `Pulumi.${stack}.yaml`));
  return {
    stack,
    clusterName: stackFile.config["observability:clusterName"] ?? "ai-platform",
    collectorYaml: configYaml(docs, `${SERVICES.otelCollector.name}-config`),
    jaegerYaml: configYaml(docs, `${SERVICES.jaeger.name}-config`),
    graceSeconds: { collector: graceSeconds(docs, SERVICES.otelCollector.name), jaeger: graceSeconds(docs, SERVICES.jaeger.name) },
  };
}

// ---- the loopback rewrite ----------------------------------------------------------------------------------------

export interface LoopbackTraceConfigs {
  readonly collector: ConfigTree;
  readonly jaeger: ConfigTree;
  readonly collectorYaml: string;
  readonly jaegerYaml: string;
  /**
   * The port each listener got, keyed by where it sits in the config: `receivers.jaeger.protocols.thrift_compact`,
   * `exporters.prometheus`, `service.telemetry.metrics.readers.0.pull.exporter.prometheus`, ...
   */
  readonly collectorPorts: Readonly<Record<string, number>>;
  readonly jaegerPorts: Readonly<Record<string, number>>;
}

/** Listeners in the rendered files: every interface (a Service must reach them) or, for Jaeger's query gRPC, localhost. */
const LISTEN = /^(?:0\.0\.0\.0|localhost):\d+$/;
const LOOPBACK = "127.0.0.1";

/**
 * A port free on 127.0.0.1 for TCP and UDP both (the Jaeger agent ports are UDP) and not handed out before in this
 * run: ports are all chosen before either process binds any.
 */
async function freeLoopbackPort(taken: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await freePort();
    if (taken.has(port)) continue;
    const udpFree = await new Promise<boolean>((resolve) => {
      const socket = createSocket("udp4");
      socket.once("error", () => resolve(false));
      socket.bind(port, LOOPBACK, () => socket.close(() => resolve(true)));
    });
    if (!udpFree) continue;
    taken.add(port);
    return port;
  }
  throw new Error("found no port free on 127.0.0.1 for both TCP and UDP");
}

/**
 * Moves every listener of a parsed config to 127.0.0.1 on a free port: `endpoint: 0.0.0.0:<port>` (or
 * `localhost:<port>`) anywhere, and the `host`/`port` pair of the Prometheus readers. Returns the ports by path.
 */
async function moveListeners(tree: ConfigTree, taken: Set<number>): Promise<Record<string, number>> {
  const ports: Record<string, number> = {};
  const walk = async (node: unknown, at: string[]): Promise<void> => {
    if (Array.isArray(node)) {
      for (const [i, item] of node.entries()) await walk(item, [...at, String(i)]);
      return;
    }
    if (typeof node !== "object" || node === null) return;
    const obj = node as Record<string, unknown>;
    if (typeof obj.endpoint === "string" && LISTEN.test(obj.endpoint)) {
      const port = await freeLoopbackPort(taken);
      obj.endpoint = `${LOOPBACK}:${port}`;
      ports[at.join(".")] = port;
    }
    if (obj.host === "0.0.0.0" && typeof obj.port === "number") {
      const port = await freeLoopbackPort(taken);
      obj.host = LOOPBACK;
      obj.port = port;
      ports[at.join(".")] = port;
    }
    for (const [k, v] of Object.entries(obj)) await walk(v, [...at, k]);
  };
  await walk(tree, []);
  return ports;
}

/** `http://loki.observability.svc:3100/otlp` with another host and port: scheme and path stay as rendered. */
function withAddress(endpoint: string, address: string): string {
  const m = /^(\w+:\/\/)?[^/]+(\/.*)?$/.exec(endpoint);
  if (!m) throw new Error(`not an endpoint: ${JSON.stringify(endpoint)}`);
  return `${m[1] ?? ""}${address}${m[2] ?? ""}`;
}

/** Fails on any address left that is not loopback, so a listener or destination added to the render cannot slip by. */
function assertLoopbackOnly(tree: unknown, file: string, at = ""): void {
  if (typeof tree === "string") {
    if (/^(?:\w+:\/\/)?[\w.-]+:\d+(?:\/|$)/.test(tree) && !/^(?:\w+:\/\/)?127\.0\.0\.1:\d+(?:\/|$)/.test(tree)) {
      throw new Error(`${file}: ${at} = ${JSON.stringify(tree)} is not on loopback after the rewrite; loopbackTraceConfigs does not know it`);
    }
    return;
  }
  if (typeof tree === "object" && tree !== null) {
    for (const [k, v] of Object.entries(tree)) {
      if (k === "host" && v !== LOOPBACK && typeof v === "string") throw new Error(`${file}: ${at}.host = ${v} is not loopback`);
      assertLoopbackOnly(v, file, at ? `${at}.${k}` : k);
    }
  }
}

/**
 * The rendered collector and Jaeger configs made runnable on one machine, changed in exactly these places and no
 * others (a test compares the result with the rendered files after normalising them):
 *
 * - **addresses**: every listener (`0.0.0.0:<port>`, Jaeger's query gRPC `localhost:16685`, the Prometheus readers'
 *   `host`/`port`) moves to `127.0.0.1:<free port>`, so nothing is exposed and two runs never clash; the collector's
 *   trace exporter points at the loopback Jaeger's OTLP gRPC receiver, and its logs exporter at `lokiAddress`
 *   (`host:port`, the rendered scheme and `/otlp` path kept);
 * - **file paths**: Badger's key and value directories and the collector's file_storage directories (the persistent
 *   queue and its compaction) move under `dir`, keeping their rendered path below it;
 * - **`k8s_attributes`** leaves every pipeline and `processors`. It needs a Kubernetes API server: without one its
 *   informers never sync and the collector starts no receiver at all (the health check stays 503), so no span could
 *   arrive. What it would add (pod, namespace, deployment names) is not what this test checks; the `resource`
 *   processor that stamps the environment and cluster stays.
 *
 * Everything else (receivers and their protocols, the memory limiter, batching, the exporters' TLS and paths, Badger's
 * TTL and `ephemeral: false`, telemetry levels) is what the cluster runs.
 */
/**
 * Ports handed out in this process so far: two runs side by side (the outage test runs prod and dev at once) would
 * otherwise be offered the same just-released port and collide at bind.
 */
const taken = new Set<number>();

export async function loopbackTraceConfigs(rendered: RenderedTraceConfigs, opts: { dir: string; lokiAddress: string }): Promise<LoopbackTraceConfigs> {
  const jaeger = load(rendered.jaegerYaml) as ConfigTree;
  const collector = load(rendered.collectorYaml) as ConfigTree;

  const jaegerPorts = await moveListeners(jaeger, taken);
  for (const backend of Object.values(jaeger.extensions.jaeger_storage.backends as Record<string, ConfigTree>)) {
    const dirs = backend.badger?.directories as Record<string, string> | undefined;
    if (!dirs) continue;
    for (const k of Object.keys(dirs)) dirs[k] = path.join(opts.dir, dirs[k]);
  }

  for (const [id, ext] of Object.entries((collector.extensions ?? {}) as Record<string, ConfigTree>)) {
    if (!id.startsWith("file_storage")) continue;
    ext.directory = path.join(opts.dir, ext.directory);
    if (ext.compaction?.directory) ext.compaction.directory = path.join(opts.dir, ext.compaction.directory);
  }

  const collectorPorts = await moveListeners(collector, taken);
  const jaegerOtlp = jaegerPorts["receivers.otlp.protocols.grpc"];
  if (!jaegerOtlp) throw new Error("rendered Jaeger config has no OTLP gRPC receiver for the collector to export to");
  const traces = collector.exporters[COLLECTOR_EXPORTERS.traces] as ConfigTree;
  traces.endpoint = withAddress(traces.endpoint, `${LOOPBACK}:${jaegerOtlp}`);
  const logs = collector.exporters[COLLECTOR_EXPORTERS.logs] as ConfigTree;
  logs.endpoint = withAddress(logs.endpoint, opts.lokiAddress);

  delete collector.processors.k8s_attributes;
  for (const pipeline of Object.values(collector.service.pipelines as Record<string, { processors?: string[] }>)) {
    if (pipeline.processors) pipeline.processors = pipeline.processors.filter((p) => p !== "k8s_attributes");
  }

  assertLoopbackOnly(collector, "collector config.yaml");
  assertLoopbackOnly(jaeger, "jaeger config.yaml");
  const yaml = (tree: ConfigTree) => dump(tree, { noRefs: true, lineWidth: -1 });
  return { collector, jaeger, collectorYaml: yaml(collector), jaegerYaml: yaml(jaeger), collectorPorts, jaegerPorts };
}

// ---- the Loki stand-in -------------------------------------------------------------------------------------------

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  /** The bytes as sent. */
  readonly raw: Buffer;
  /** The bytes after undoing a `Content-Encoding: gzip`, as Loki reads them. */
  readonly body: Buffer;
  readonly at: number;
}

/**
 * Stands where Loki's HTTP port is: records every request, its body as sent and unzipped, and answers each as Loki's
 * OTLP endpoint does a success (200, an empty protobuf ExportLogsServiceResponse), so the exporter neither retries
 * nor drops.
 */
export class OtlpLogSink {
  private constructor(
    private readonly server: LoopbackServer,
    readonly requests: RecordedRequest[],
  ) {}

  static async start(): Promise<OtlpLogSink> {
    const requests: RecordedRequest[] = [];
    const server = await serve((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const raw = Buffer.concat(chunks);
        let body = raw;
        try {
          if (req.headers["content-encoding"] === "gzip") body = gunzipSync(raw);
        } catch {
          // Kept as sent: the test then finds no body text and says what arrived.
        }
        requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, raw, body, at: Date.now() });
        res.writeHead(200, { "content-type": "application/x-protobuf" });
        res.end();
      });
    });
    return new OtlpLogSink(server, requests);
  }

  /** `host:port` for the collector's logs exporter. */
  get address(): string {
    return `${LOOPBACK}:${this.server.port}`;
  }

  close(): Promise<void> {
    return this.server.close();
  }
}

// ---- just enough OTLP protobuf to read a logs export ---------------------------------------------------------------

interface PbField {
  readonly field: number;
  /** Length-delimited payloads; numbers are skipped, nothing here needs them. */
  readonly bytes?: Buffer;
}

function readVarint(buf: Buffer, at: number): [bigint, number] {
  let value = 0n;
  for (let shift = 0n; at < buf.length; shift += 7n) {
    const b = buf[at++];
    value |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) return [value, at];
  }
  throw new Error("protobuf: truncated varint");
}

/** The top-level fields of one message; throws on anything malformed, so garbage is not read as an empty export. */
function pbFields(buf: Buffer): PbField[] {
  const out: PbField[] = [];
  let at = 0;
  while (at < buf.length) {
    const [tag, next] = readVarint(buf, at);
    at = next;
    const field = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    if (wire === 0) at = readVarint(buf, at)[1];
    else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else if (wire === 2) {
      const [len, start] = readVarint(buf, at);
      at = start + Number(len);
      if (at > buf.length) throw new Error("protobuf: length past the end");
      out.push({ field, bytes: buf.subarray(start, at) });
      continue;
    } else throw new Error(`protobuf: wire type ${wire} is not used by OTLP`);
    if (at > buf.length) throw new Error("protobuf: field past the end");
    out.push({ field });
  }
  return out;
}

const sub = (buf: Buffer, field: number): Buffer[] => pbFields(buf).flatMap((f) => (f.field === field && f.bytes ? [f.bytes] : []));
/** AnyValue's `string_value` (field 1), or undefined for the other kinds. */
const anyString = (value: Buffer): string | undefined => sub(value, 1)[0]?.toString("utf8");

export interface OtlpLogs {
  /** One entry per ResourceLogs: its string-valued resource attributes and the string bodies of its records. */
  readonly resources: { readonly attributes: Record<string, string>; readonly bodies: string[] }[];
}

/**
 * An `ExportLogsServiceRequest`: `1: ResourceLogs { 1: Resource { 1: KeyValue attributes }, 2: ScopeLogs
 * { 2: LogRecord { 5: AnyValue body } } }`, `KeyValue { 1: key, 2: AnyValue value }`.
 */
export function decodeOtlpLogs(body: Buffer): OtlpLogs {
  return {
    resources: sub(body, 1).map((rl) => {
      const attributes: Record<string, string> = {};
      for (const resource of sub(rl, 1)) {
        for (const kv of sub(resource, 1)) {
          const k = sub(kv, 1)[0]?.toString("utf8");
          const v = sub(kv, 2)[0];
          const text = v && anyString(v);
          if (k !== undefined && text !== undefined) attributes[k] = text;
        }
      }
      const bodies = sub(rl, 2).flatMap((scope) => sub(scope, 2).flatMap((record) => sub(record, 5).flatMap((b) => anyString(b) ?? [])));
      return { attributes, bodies };
    }),
  };
}
