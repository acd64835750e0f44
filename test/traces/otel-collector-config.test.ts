import { load } from "js-yaml";
import { ConfigError, parseStackConfig } from "../../config/parse";
import {
  COLLECTOR_EXPORTERS,
  COLLECTOR_PROCESSORS,
  COLLECTOR_QUEUE_DIR,
  EXPORTER_RETRY,
  LOG_PROCESSORS,
  METRIC_PROCESSORS,
  OTLP_LOG_LABELS,
  buildOtelCollectorConfig,
  persistentQueueSize,
  goMemLimit,
  otelCollectorYaml,
  spikeLimitMiB,
} from "../../components/otel-collector-config";

const BOT_TOKEN = "xoxb-1-2-test";
const parse = (extra: Record<string, string> = {}) => parseStackConfig({ "observability:slackBotToken": BOT_TOKEN, ...extra }).settings;
const defaults = parse().otelCollector;
const build = (over: Partial<typeof defaults> = {}) =>
  buildOtelCollectorConfig({ settings: { ...defaults, ...over }, environment: "prod", clusterName: "ai-platform-prod", serversNamespace: "observability" });

describe("collector config.yaml builder", () => {
  const c = build();

  it.each([
    ["otlp gRPC", () => c.receivers.otlp.protocols.grpc, 4317],
    ["otlp HTTP", () => c.receivers.otlp.protocols.http, 4318],
    ["jaeger gRPC", () => c.receivers.jaeger.protocols.grpc, 14250],
    ["jaeger Thrift HTTP", () => c.receivers.jaeger.protocols.thrift_http, 14268],
    ["jaeger Thrift compact", () => c.receivers.jaeger.protocols.thrift_compact, 6831],
    ["jaeger Thrift binary", () => c.receivers.jaeger.protocols.thrift_binary, 6832],
    ["zipkin", () => c.receivers.zipkin, 9411],
    ["health_check", () => c.extensions.health_check, 13133],
    ["prometheus exporter", () => c.exporters.prometheus as { endpoint: string }, 8889],
  ])("binds %s to 0.0.0.0:%#", (_name, get, port) => {
    expect(get().endpoint).toBe(`0.0.0.0:${port}`);
  });

  it("serves internal metrics on 0.0.0.0:8888 through a pull reader, not the removed address key", () => {
    const metrics = c.service.telemetry.metrics;
    expect(metrics.readers).toEqual([
      { pull: { exporter: { prometheus: { host: "0.0.0.0", port: 8888, without_scope_info: true, without_units: true, without_type_suffix: false } } } },
    ]);
    expect(JSON.stringify(c.service.telemetry)).not.toContain("address");
  });

  it("runs memory_limiter, k8s_attributes, resource first and batch last in every pipeline, the signal's own steps between", () => {
    expect(COLLECTOR_PROCESSORS).toEqual(["memory_limiter", "k8s_attributes", "resource", "batch"]);
    const head = ["memory_limiter", "k8s_attributes", "resource"];
    expect(c.service.pipelines.traces.processors).toEqual([...head, "batch"]);
    expect(c.service.pipelines.logs.processors).toEqual([...head, ...LOG_PROCESSORS, "batch"]);
    expect(c.service.pipelines.metrics.processors).toEqual([...head, ...METRIC_PROCESSORS, "batch"]);
    for (const pipeline of Object.values(c.service.pipelines)) expect(pipeline.processors.every((p) => p in c.processors)).toBe(true);
  });

  it("gives logs Promtail's stream label names, with level and logger lifted to the resource", () => {
    const inserted = c.processors["resource/logs"].attributes.map((a) => a.key);
    const lifted = c.processors["groupbyattrs/logs"].keys;
    expect([...inserted, ...lifted].sort()).toEqual([...OTLP_LOG_LABELS].sort());
    expect(c.processors["resource/logs"].attributes).toContainEqual({ key: "namespace", from_attribute: "k8s.namespace.name", action: "insert" });
    expect(c.processors["transform/logs"].log_statements.join("\n")).toContain('log.attributes["level"], log.severity_text');
    // No per-pod label: the pod stays structured metadata.
    expect(OTLP_LOG_LABELS).not.toContain("pod");
  });

  it("labels metrics with their resource and the sender's service, without per-pod attributes", () => {
    expect(c.exporters.prometheus).toMatchObject({ resource_to_telemetry_conversion: { enabled: true } });
    const attrs = c.processors["resource/metrics"].attributes;
    expect(attrs).toContainEqual({ key: "service", from_attribute: "service.name", action: "insert" });
    expect(attrs.filter((a) => a.action === "delete").map((a) => a.key).sort()).toEqual(["k8s.pod.name", "k8s.pod.uid"]);
  });

  it("retries without the 5-minute give-up, in memory by default and on file_storage when persistent", () => {
    for (const e of [COLLECTOR_EXPORTERS.traces, COLLECTOR_EXPORTERS.logs]) {
      expect(c.exporters[e]).toMatchObject({ retry_on_failure: EXPORTER_RETRY, sending_queue: { enabled: true } });
      expect((c.exporters[e] as any).sending_queue.storage).toBeUndefined();
    }
    expect(EXPORTER_RETRY.max_elapsed_time).toBe("0s");
    const p = build({ queue: "persistent", queueStorageSize: "4Gi" });
    expect(p.extensions["file_storage/queue"]).toMatchObject({ directory: COLLECTOR_QUEUE_DIR, compaction: { directory: COLLECTOR_QUEUE_DIR } });
    expect(p.service.extensions).toContain("file_storage/queue");
    for (const e of [COLLECTOR_EXPORTERS.traces, COLLECTOR_EXPORTERS.logs]) {
      expect(p.exporters[e]).toMatchObject({ sending_queue: { storage: "file_storage/queue", queue_size: persistentQueueSize("4Gi", defaults.batchSize) } });
    }
  });

  it("sizes the persistent queues to fit their volume, and refuses a volume too small", () => {
    // 4Gi x 0.8 / 2 exporters / (2 x 1024 items x 1 KiB)
    expect(persistentQueueSize("4Gi", 1024)).toBe(819);
    expect(() => persistentQueueSize("10Mi", 1024)).toThrow(/otelCollector.queueStorageSize "10Mi" holds only 2 batches/);
  });

  it("limits memory to the configured MiB with a check interval and a spike allowance", () => {
    expect(c.processors.memory_limiter).toEqual({ check_interval: "1s", limit_mib: 512, spike_limit_mib: 128 });
    expect(build({ memoryLimitMiB: 1000 }).processors.memory_limiter).toMatchObject({ limit_mib: 1000, spike_limit_mib: 250 });
    expect(spikeLimitMiB(100)).toBe(25);
  });

  it("batches after 10s or 1024 items, never sending more than twice that", () => {
    expect(c.processors.batch).toEqual({ timeout: "10s", send_batch_size: 1024, send_batch_max_size: 2048 });
    const b = build({ batchTimeout: "2s", batchSize: 300 }).processors.batch;
    expect(b).toEqual({ timeout: "2s", send_batch_size: 300, send_batch_max_size: 600 });
    expect(b.send_batch_max_size).toBeGreaterThanOrEqual(b.send_batch_size);
  });

  it("enriches with pod, namespace, deployment and node, associating by pod IP, UID or connection", () => {
    const k = c.processors.k8s_attributes;
    expect(k.extract.metadata).toEqual(expect.arrayContaining(["k8s.pod.name", "k8s.namespace.name", "k8s.deployment.name", "k8s.node.name"]));
    expect(k.pod_association.at(-1)).toEqual({ sources: [{ from: "connection" }] });
    expect(k.passthrough).toBe(false);
  });

  it("stamps environment and cluster on every resource", () => {
    expect(c.processors.resource.attributes).toEqual([
      { key: "deployment.environment.name", value: "prod", action: "upsert" },
      { key: "k8s.cluster.name", value: "ai-platform-prod", action: "upsert" },
    ]);
  });

  it("sends traces to Jaeger over OTLP gRPC, logs to Loki's /otlp and metrics to the Prometheus endpoint", () => {
    expect(c.exporters[COLLECTOR_EXPORTERS.traces]).toMatchObject({ endpoint: "jaeger-ingest.observability.svc:4317", tls: { insecure: true } });
    expect(c.exporters[COLLECTOR_EXPORTERS.logs]).toMatchObject({ endpoint: "http://loki.observability.svc:3100/otlp" });
    expect(c.service.pipelines.traces).toMatchObject({ receivers: ["otlp", "jaeger", "zipkin"], exporters: ["otlp_grpc/jaeger"] });
    expect(c.service.pipelines.logs).toMatchObject({ receivers: ["otlp"], exporters: ["otlp_http/loki"] });
    expect(c.service.pipelines.metrics).toMatchObject({ receivers: ["otlp"], exporters: ["prometheus"] });
  });

  it("declares every component a pipeline names, and uses every declared one", () => {
    const pipelines = Object.values(c.service.pipelines);
    const used = (kind: "receivers" | "exporters") => new Set(pipelines.flatMap((p) => p[kind]));
    expect([...used("receivers")].sort()).toEqual(Object.keys(c.receivers).sort());
    expect([...used("exporters")].sort()).toEqual(Object.keys(c.exporters).sort());
    expect(c.service.extensions).toEqual(Object.keys(c.extensions));
  });

  it("uses the 0.146+ component names and none of the removed components", () => {
    const types = [...Object.keys(c.receivers), ...Object.keys(c.processors), ...Object.keys(c.exporters), ...Object.keys(c.extensions)].map(
      (id) => id.split("/")[0],
    );
    for (const removed of ["jaeger_exporter", "loki", "logging", "otlp_exporter", "otlphttp", "k8sattributes", "prometheusremotewrite"]) {
      expect(types).not.toContain(removed);
    }
    // `jaeger` and `otlp` exist only as receivers; as exporters they are removed or renamed.
    expect(Object.keys(c.exporters).map((id) => id.split("/")[0]).sort()).toEqual(["otlp_grpc", "otlp_http", "prometheus"]);
    expect(Object.keys(c.processors)).toContain("k8s_attributes");
  });

  it("renders YAML without anchors, so shared processor lists are written out in each pipeline", () => {
    const text = otelCollectorYaml(c);
    expect(text).not.toMatch(/[&*]ref_\d/);
    expect(load(text)).toEqual(JSON.parse(JSON.stringify(c)));
  });

  it("rejects a batch size below 1", () => {
    expect(() => build({ batchSize: 0 })).toThrow("collector batch size 0 must be at least 1");
  });
});

describe("GOMEMLIMIT", () => {
  it("is 80% of the container memory limit, in MiB", () => {
    expect(goMemLimit("768Mi")).toBe("614MiB");
    expect(goMemLimit("1Gi")).toBe("819MiB");
  });

  it("rejects a limit too small to leave a MiB", () => {
    expect(() => goMemLimit("1Ki")).toThrow('collector memory limit "1Ki" is too small for a GOMEMLIMIT');
  });
});

describe("otelCollector config keys", () => {
  const problems = (value: unknown): string[] => {
    try {
      parse({ "observability:otelCollector": JSON.stringify(value) });
    } catch (e) {
      if (e instanceof ConfigError) return e.problems.map((p) => `${p.key}: ${p.message}`);
      throw e;
    }
    return [];
  };

  it("defaults to no platform aliases on cluster.local", () => {
    expect(defaults.platformNamespaces).toEqual([]);
    expect(defaults.clusterDomain).toBe("cluster.local");
  });

  it("accepts a list of namespaces", () => {
    expect(parse({ "observability:otelCollector": JSON.stringify({ platformNamespaces: ["ai-platform", "agents"] }) }).otelCollector.platformNamespaces).toEqual([
      "ai-platform",
      "agents",
    ]);
  });

  it("rejects a namespace that is not a DNS label, naming its index", () => {
    expect(problems({ platformNamespaces: ["ai-platform", "Bad_NS"] })).toEqual([
      expect.stringMatching(/^observability:otelCollector\.platformNamespaces\[1\]: got "Bad_NS"; expected an RFC 1123 label/),
    ]);
  });

  it("rejects a repeated namespace", () => {
    expect(problems({ platformNamespaces: ["ai-platform", "ai-platform"] })).toEqual([
      'observability:otelCollector.platformNamespaces[1]: got "ai-platform" a second time; expected each value once',
    ]);
  });

  it("rejects a string where a list is expected", () => {
    expect(problems({ platformNamespaces: "ai-platform" })[0]).toMatch(/^observability:otelCollector\.platformNamespaces: got "ai-platform"; expected a list/);
  });

  it("rejects the servers namespace, where the collector's own Service has that name", () => {
    expect(problems({ platformNamespaces: ["observability"] })).toEqual([
      'observability:otelCollector.platformNamespaces[0]: got "observability"; expected a namespace other than serversNamespace, where the collector\'s own Service has that name',
    ]);
  });
});
