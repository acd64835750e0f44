/**
 * The dev stack's trace path on loopback: the pinned Collector and Jaeger v2 (built from their Go modules) run the
 * rendered config files, changed only by `loopbackTraceConfigs` (addresses, Badger's directories, no
 * `k8s_attributes`). Spans go in through every receiver the collector serves, each with its own service name, and
 * must come out of Jaeger's query API carrying the environment and cluster the collector stamps on them, and still
 * be there after Jaeger restarts on the same Badger directories. The collector's two Prometheus endpoints are scraped,
 * and its logs pipeline must deliver OTLP protobuf where Loki's `/otlp/v1/logs` would be.
 *
 * Everything is sent at the start: the rendered batch processor holds data up to its 10s timeout, and the checks then
 * wait on the same flush rather than one each.
 */

import { randomBytes } from "node:crypto";
import { createSocket } from "node:dgram";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { load } from "js-yaml";
import { CLUSTER_ATTRIBUTE, ENVIRONMENT_ATTRIBUTE } from "../../components/otel-collector-config";
import { batchBinary, emitBatchBinary, emitBatchCompact, JaegerBatch, postSpansGrpc } from "./harness/jaeger-thrift";
import { sleep, waitFor } from "./harness/processes";
import { Upstream, runTelemetrygen, traceBackends } from "./harness/upstream-process";
import { OTLP_LOG_LABELS } from "../../components/otel-collector-config";
import { ConfigTree, decodeOtlpLogs, LoopbackTraceConfigs, loopbackTraceConfigs, OtlpLogSink, RenderedTraceConfigs, renderTraceConfigs } from "./harness/trace-files";

const STACK = "dev";
const LOOPBACK = "127.0.0.1";
/** Unique per run, so a body found at the Loki stand-in cannot come from anything but this run's telemetrygen. */
const RUN = randomBytes(4).toString("hex");
const LOG_BODY = `e2e-traces log record ${RUN}`;
const METRICS_SERVICE = "e2e-telemetrygen-metrics";
/**
 * The Prometheus exporter writes a resource's attributes (our environment and cluster) only into `target_info`, and
 * only for a resource with a `service.instance.id`, which telemetrygen does not set on its own.
 */
const METRICS_INSTANCE = `e2e-${RUN}`;
const LOGS_SERVICE = "e2e-telemetrygen-logs";
const LOGS_NAMESPACE = "ai-platform";
const LOGS_LEVEL = "Error";
/** The rendered batch timeout is 10s; twice that plus the exporters' first retry. */
const ARRIVAL_MS = 40_000;

// ---- spans, one service per receiver ----------------------------------------------------------------------------

const randomId = (bytes: number): bigint => BigInt(`0x${randomBytes(bytes).toString("hex")}`) || 1n;
const hex = (id: bigint, bytes: number): string => id.toString(16).padStart(bytes * 2, "0");

interface Sent {
  readonly service: string;
  /** Known for the spans the test encodes itself; telemetrygen picks its own. */
  readonly traceId?: string;
  readonly operation?: string;
}

function jaegerBatch(service: string): { batch: JaegerBatch; sent: Sent } {
  const traceId = randomId(16);
  const operation = `${service} op`;
  const nowMicros = BigInt(Date.now()) * 1000n;
  const batch: JaegerBatch = {
    serviceName: service,
    processTags: { "host.name": "e2e-host", "e2e.run": RUN },
    spans: [{ traceId, spanId: randomId(8), operationName: operation, startMicros: nowMicros - 5_000n, durationMicros: 4_000n, tags: { "span.kind": "server", "e2e.ok": true, "e2e.count": 3n, "e2e.ratio": 0.5 } }],
  };
  return { batch, sent: { service, traceId: hex(traceId, 16), operation } };
}

function sendUdp(port: number, datagram: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = createSocket("udp4");
    socket.send(datagram, port, LOOPBACK, (error) => {
      socket.close();
      if (error) reject(error);
      else resolve();
    });
  });
}

async function post(url: string, contentType: string, body: Buffer | string): Promise<void> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": contentType }, body, signal: AbortSignal.timeout(10_000) });
  if (res.status >= 300) throw new Error(`POST ${url}: ${res.status} ${await res.text()}`);
}

/**
 * Every receiver and protocol of the collector's config, the collector's metric label for it, and how the test sends
 * one trace through it. The list is checked against the rendered config, so a receiver added there fails the test
 * until it is sent through here.
 */
const RECEIVERS: readonly {
  readonly key: string;
  readonly service: string;
  /** `receiver` and `transport` labels of otelcol_receiver_accepted_spans_total. */
  readonly metric: { receiver: string; transport: string };
  readonly send: (ports: Readonly<Record<string, number>>, service: string) => Promise<Sent>;
}[] = [
  {
    key: "receivers.otlp.protocols.grpc",
    service: "e2e-otlp-grpc",
    metric: { receiver: "otlp", transport: "grpc" },
    send: async (ports, service) => {
      await runTelemetrygen(["traces", "--otlp-insecure", "--otlp-endpoint", `${LOOPBACK}:${ports["receivers.otlp.protocols.grpc"]}`, "--traces", "1", "--service", service]);
      return { service };
    },
  },
  {
    key: "receivers.otlp.protocols.http",
    service: "e2e-otlp-http",
    metric: { receiver: "otlp", transport: "http" },
    send: async (ports, service) => {
      await runTelemetrygen(["traces", "--otlp-http", "--otlp-insecure", "--otlp-endpoint", `${LOOPBACK}:${ports["receivers.otlp.protocols.http"]}`, "--traces", "1", "--service", service]);
      return { service };
    },
  },
  {
    key: "receivers.zipkin",
    service: "e2e-zipkin",
    metric: { receiver: "zipkin", transport: "http_v2_json" },
    send: async (ports, service) => {
      const traceId = hex(randomId(16), 16);
      const operation = `${service} op`;
      const span = { traceId, id: hex(randomId(8), 8), name: operation, kind: "SERVER", timestamp: Date.now() * 1000 - 5000, duration: 4000, localEndpoint: { serviceName: service }, tags: { "e2e.run": RUN } };
      await post(`http://${LOOPBACK}:${ports["receivers.zipkin"]}/api/v2/spans`, "application/json", JSON.stringify([span]));
      return { service, traceId, operation };
    },
  },
  {
    key: "receivers.jaeger.protocols.thrift_http",
    service: "e2e-jaeger-thrift-http",
    metric: { receiver: "jaeger", transport: "collector_http" },
    send: async (ports, service) => {
      const { batch, sent } = jaegerBatch(service);
      await post(`http://${LOOPBACK}:${ports["receivers.jaeger.protocols.thrift_http"]}/api/traces`, "application/x-thrift", batchBinary(batch));
      return sent;
    },
  },
  {
    key: "receivers.jaeger.protocols.thrift_compact",
    service: "e2e-jaeger-thrift-compact",
    metric: { receiver: "jaeger", transport: "udp_thrift_compact" },
    send: async (ports, service) => {
      const { batch, sent } = jaegerBatch(service);
      await sendUdp(ports["receivers.jaeger.protocols.thrift_compact"], emitBatchCompact(batch));
      return sent;
    },
  },
  {
    key: "receivers.jaeger.protocols.thrift_binary",
    service: "e2e-jaeger-thrift-binary",
    metric: { receiver: "jaeger", transport: "udp_thrift_binary" },
    send: async (ports, service) => {
      const { batch, sent } = jaegerBatch(service);
      await sendUdp(ports["receivers.jaeger.protocols.thrift_binary"], emitBatchBinary(batch));
      return sent;
    },
  },
  {
    key: "receivers.jaeger.protocols.grpc",
    service: "e2e-jaeger-grpc",
    metric: { receiver: "jaeger", transport: "grpc" },
    send: async (ports, service) => {
      const { batch, sent } = jaegerBatch(service);
      await postSpansGrpc(`${LOOPBACK}:${ports["receivers.jaeger.protocols.grpc"]}`, batch);
      return sent;
    },
  },
];

// ---- Jaeger's query API ------------------------------------------------------------------------------------------

interface QueryTrace {
  traceID: string;
  spans: { spanID: string; operationName: string; processID: string }[];
  processes: Record<string, { serviceName: string; tags: { key: string; value: unknown }[] }>;
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

interface Found {
  readonly traceIds: string[];
  readonly operations: string[];
  /** The process tags of the service's spans, as Jaeger shows the resource attributes. */
  readonly tags: Record<string, string>;
}

async function findService(queryUrl: string, service: string): Promise<Found | undefined> {
  const { data } = await getJson<{ data: QueryTrace[] | null }>(`${queryUrl}/api/traces?service=${encodeURIComponent(service)}&lookback=1h&limit=20`);
  if (!data?.length) return undefined;
  const tags: Record<string, string> = {};
  for (const t of data) {
    for (const p of Object.values(t.processes)) {
      if (p.serviceName !== service) continue;
      for (const tag of p.tags) tags[tag.key] = String(tag.value);
    }
  }
  return { traceIds: data.map((t) => t.traceID), operations: data.flatMap((t) => t.spans.map((s) => s.operationName)), tags };
}

// ---- Prometheus text ---------------------------------------------------------------------------------------------

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

async function scrape(url: string): Promise<Sample[]> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
  return parseMetrics(await res.text());
}

const total = (samples: Sample[], name: string, labels: Record<string, string> = {}): number =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((a, s) => a + s.value, 0);

// ---- the normalisation for the "only these places changed" check -------------------------------------------------

/**
 * A config with the fields loopbackTraceConfigs may change replaced by placeholders: each address (host and port,
 * scheme and path kept), the Prometheus readers' host and port, Badger's directories, and without `k8s_attributes`.
 * Written apart from the rewrite on purpose, so a rewrite that touches anything else shows up as a difference.
 */
function normalised(yaml: string): ConfigTree {
  const tree = load(yaml) as ConfigTree;
  const walk = (node: unknown, parentKey: string): unknown => {
    if (Array.isArray(node)) return node.filter((x) => x !== "k8s_attributes").map((x) => walk(x, parentKey));
    if (typeof node !== "object" || node === null) return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
      if (k === "k8s_attributes") continue;
      if (k === "endpoint" && typeof v === "string") out[k] = v.replace(/^(\w+:\/\/)?[^/]+/, "$1<address>");
      else if (k === "host" && parentKey === "prometheus") out[k] = "<host>";
      else if (k === "port" && parentKey === "prometheus") out[k] = "<port>";
      else if (parentKey === "directories" && typeof v === "string") out[k] = "<dir>";
      else out[k] = walk(v, k);
    }
    return out;
  };
  return walk(tree, "") as ConfigTree;
}

// ---- the run -----------------------------------------------------------------------------------------------------

let dir = "";
let rendered: RenderedTraceConfigs;
let configs: LoopbackTraceConfigs;
let sink: OtlpLogSink;
let jaeger: Upstream;
let collector: Upstream;
let jaegerQuery = "";
const sent = new Map<string, Sent>();
const started = Date.now();

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "e2e-traces-"));
  rendered = renderTraceConfigs(STACK);
  sink = await OtlpLogSink.start();
  configs = await loopbackTraceConfigs(rendered, { dir, lokiAddress: sink.address });
  ({ jaeger, collector, jaegerQuery } = traceBackends(configs, dir));
  const cp = configs.collectorPorts;
  await jaeger.start();
  await collector.start();

  const otlpGrpc = `${LOOPBACK}:${cp["receivers.otlp.protocols.grpc"]}`;
  const [spans] = await Promise.all([
    Promise.all(RECEIVERS.map((r) => r.send(cp, r.service))),
    runTelemetrygen(["metrics", "--otlp-insecure", "--otlp-endpoint", otlpGrpc, "--metrics", "5", "--service", METRICS_SERVICE, "--otlp-attributes", `service.instance.id="${METRICS_INSTANCE}"`]),
    runTelemetrygen([
      "logs", "--otlp-insecure", "--otlp-endpoint", otlpGrpc, "--logs", "3", "--body", LOG_BODY, "--service", LOGS_SERVICE,
      // What k8s_attributes would have added in the cluster, and a level as an SDK's severity text.
      "--otlp-attributes", `k8s.namespace.name="${LOGS_NAMESPACE}"`, "--severity-text", LOGS_LEVEL, "--severity-number", "17",
    ]),
  ]);
  for (const s of spans) sent.set(s.service, s);
}, 120_000);

afterAll(async () => {
  await Promise.allSettled([collector?.stop(rendered.graceSeconds.collector * 1000), jaeger?.stop(rendered.graceSeconds.jaeger * 1000)]);
  await sink?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  console.log(`traces e2e: ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

describe(`the ${STACK} stack's rendered collector and Jaeger configs on loopback`, () => {
  it("differ from the rendered files only in addresses, Badger's directories and the missing k8s_attributes", () => {
    expect(normalised(configs.collectorYaml)).toEqual(normalised(rendered.collectorYaml));
    expect(normalised(configs.jaegerYaml)).toEqual(normalised(rendered.jaegerYaml));
    // The rewrite did happen, and only to loopback and the run's directory.
    expect(configs.collectorYaml).not.toContain("k8s_attributes");
    expect(rendered.collectorYaml).toContain("k8s_attributes");
    expect(configs.collectorYaml).not.toMatch(/0\.0\.0\.0|\.svc/);
    expect(configs.jaegerYaml).not.toMatch(/0\.0\.0\.0|localhost/);
    expect(configs.collector.exporters["otlp_grpc/jaeger"].endpoint).toBe(`${LOOPBACK}:${configs.jaegerPorts["receivers.otlp.protocols.grpc"]}`);
    expect(configs.collector.exporters["otlp_http/loki"].endpoint).toBe(`http://${sink.address}/otlp`);
    const badger = configs.jaeger.extensions.jaeger_storage.backends.badger_main.badger;
    expect([badger.directories.keys, badger.directories.values].every((d: string) => d.startsWith(`${dir}${path.sep}`))).toBe(true);
  });

  it("sends through every receiver and protocol the rendered collector serves", () => {
    const c = configs.collector;
    const served = Object.entries(c.receivers as Record<string, ConfigTree>).flatMap(([name, r]) => (r.protocols ? Object.keys(r.protocols).map((p) => `receivers.${name}.protocols.${p}`) : [`receivers.${name}`]));
    expect(RECEIVERS.map((r) => r.key).sort()).toEqual(served.sort());
    expect(c.service.pipelines.traces.receivers.sort()).toEqual(Object.keys(c.receivers).sort());
  });
});

describe("spans through every receiver reach Jaeger with the environment and cluster", () => {
  let found: Map<string, Found>;
  beforeAll(async () => {
    found = await waitFor("every receiver's service in Jaeger", async () => {
      const services = (await getJson<{ data: string[] | null }>(`${jaegerQuery}/api/services`)).data ?? [];
      // Thrown, not returned: the timeout's message then names the receivers whose spans never arrived.
      const missing = RECEIVERS.filter((r) => !services.includes(r.service)).map((r) => `${r.key} (${r.service})`);
      if (missing.length) throw new Error(`not in Jaeger's services: ${missing.join(", ")}`);
      const map = new Map<string, Found>();
      for (const r of RECEIVERS) {
        const f = await findService(jaegerQuery, r.service);
        if (!f) throw new Error(`no traces for ${r.service}`);
        map.set(r.service, f);
      }
      return map;
    }, { timeoutMs: ARRIVAL_MS, intervalMs: 500 }).catch((e: Error) => {
      throw new Error(`${e.message}\n--- collector ---\n${collector.logTail()}\n--- jaeger ---\n${jaeger.logTail()}`);
    });
  }, ARRIVAL_MS + 10_000);

  it.each(RECEIVERS.map((r) => [r.key, r.service] as const))("%s: service %s", (_key, service) => {
    const f = found.get(service)!;
    expect(f).toBeDefined();
    expect(f.tags[ENVIRONMENT_ATTRIBUTE]).toBe(STACK);
    expect(f.tags[CLUSTER_ATTRIBUTE]).toBe(rendered.clusterName);
    const s = sent.get(service)!;
    if (s.traceId) expect(f.traceIds).toContain(s.traceId);
    if (s.operation) expect(f.operations).toContain(s.operation);
  });

  it("keeps the Jaeger process tags the client set (the resource processor upserts, it does not replace)", () => {
    const thrift = found.get("e2e-jaeger-thrift-compact")!;
    expect(thrift.tags["e2e.run"]).toBe(RUN);
  });
});

describe("Jaeger restarted on the same Badger directories", () => {
  it("still finds every service's traces", async () => {
    // A clean stop, so what is found afterwards was written by Badger's close and not left to crash recovery.
    // Within the pod's grace period.
    const t0 = Date.now();
    expect(await jaeger.stop(rendered.graceSeconds.jaeger * 1000)).toBe("terminated");
    console.log(`jaeger stopped in ${Date.now() - t0} ms`);
    await sleep(500);
    await jaeger.start();
    const services = (await getJson<{ data: string[] }>(`${jaegerQuery}/api/services`)).data;
    expect(services).toEqual(expect.arrayContaining(RECEIVERS.map((r) => r.service)));
    for (const r of RECEIVERS) {
      const f = await findService(jaegerQuery, r.service);
      expect({ service: r.service, found: f !== undefined }).toEqual({ service: r.service, found: true });
      const s = sent.get(r.service)!;
      if (s.traceId) expect(f!.traceIds).toContain(s.traceId);
      expect(f!.tags[ENVIRONMENT_ATTRIBUTE]).toBe(STACK);
    }
  }, 60_000);
});

describe("the collector's Prometheus endpoints", () => {
  it("its own metrics count the spans each receiver accepted and the exporters sent, under the names the alerts use", async () => {
    const url = `http://${LOOPBACK}:${configs.collectorPorts["service.telemetry.metrics.readers.0.pull.exporter.prometheus"]}/metrics`;
    const samples = await waitFor("collector self-metrics with sent log records", async () => {
      const s = await scrape(url);
      return total(s, "otelcol_exporter_sent_log_records_total") > 0 ? s : undefined;
    }, { timeoutMs: ARRIVAL_MS });
    for (const r of RECEIVERS) {
      expect({ ...r.metric, accepted: total(samples, "otelcol_receiver_accepted_spans_total", r.metric) > 0 }).toEqual({ ...r.metric, accepted: true });
    }
    expect(total(samples, "otelcol_exporter_sent_spans_total", { exporter: "otlp_grpc/jaeger" })).toBeGreaterThanOrEqual(RECEIVERS.length);
    expect(total(samples, "otelcol_exporter_sent_log_records_total", { exporter: "otlp_http/loki" })).toBeGreaterThanOrEqual(3);
    expect(total(samples, "otelcol_receiver_accepted_metric_points_total", { receiver: "otlp" })).toBeGreaterThan(0);
    expect(total(samples, "otelcol_exporter_send_failed_spans_total")).toBe(0);
  });

  it("the Prometheus exporter shows telemetrygen's metrics, with the stamped environment in target_info", async () => {
    const url = `http://${LOOPBACK}:${configs.collectorPorts["exporters.prometheus"]}/metrics`;
    const samples = await waitFor("telemetrygen's metric on the Prometheus exporter", async () => {
      const s = await scrape(url);
      return s.some((x) => x.name === "gen" && x.labels.job === METRICS_SERVICE) ? s : undefined;
    }, { timeoutMs: ARRIVAL_MS });
    expect(samples.find((s) => s.name === "gen" && s.labels.job === METRICS_SERVICE)?.labels.instance).toBe(METRICS_INSTANCE);
    const info = samples.find((s) => s.name === "target_info" && s.labels.job === METRICS_SERVICE);
    expect(info?.labels).toMatchObject({ instance: METRICS_INSTANCE, deployment_environment_name: STACK, k8s_cluster_name: rendered.clusterName });
  });
});

describe("logs to Loki's OTLP endpoint", () => {
  it("arrive as OTLP protobuf (gzip, the exporter's default) at /otlp/v1/logs with telemetrygen's body, environment and cluster", async () => {
    const body = Buffer.from(LOG_BODY, "utf8");
    const req = await waitFor("telemetrygen's log records at the Loki stand-in", () => sink.requests.find((r) => r.body.includes(body)), { timeoutMs: ARRIVAL_MS });
    expect(req.method).toBe("POST");
    expect(req.url).toBe("/otlp/v1/logs");
    expect(req.headers["content-type"]).toBe("application/x-protobuf");
    expect(req.headers["content-encoding"]).toBe("gzip");
    expect(req.raw.length).toBeGreaterThan(0);
    const resource = decodeOtlpLogs(req.body).resources.find((r) => r.attributes["service.name"] === LOGS_SERVICE);
    expect(resource?.attributes).toMatchObject({ [ENVIRONMENT_ATTRIBUTE]: STACK, [CLUSTER_ATTRIBUTE]: rendered.clusterName });
    expect(resource?.bodies).toEqual([LOG_BODY, LOG_BODY, LOG_BODY]);
  });

  it("carry Promtail's stream label names on the resource, the level lifted from each record, for Loki to index", async () => {
    const body = Buffer.from(LOG_BODY);
    const req = await waitFor("telemetrygen's log records at the Loki stand-in", () => sink.requests.find((r) => r.body.includes(body)), { timeoutMs: ARRIVAL_MS });
    const resource = decodeOtlpLogs(req.body).resources.find((r) => r.attributes["service.name"] === LOGS_SERVICE);
    expect(resource?.attributes).toMatchObject({ namespace: LOGS_NAMESPACE, service: LOGS_SERVICE, cluster: rendered.clusterName, level: LOGS_LEVEL });
    // Loki indexes exactly these (otlp_config), so the labels it makes are the ones the dashboards select.
    for (const label of OTLP_LOG_LABELS.filter((l) => l !== "logger")) expect(Object.keys(resource?.attributes ?? {})).toContain(label);
  });
});
