import { buildPromtailConfig, extractedFields, LOKI_STREAM_LABELS, pipelineStages, structuredMetadataFields } from "../../components/promtail-config";
import { LOKI_MAX_SAMPLE_AGE, buildLokiConfig } from "../../components/loki-config";
import { parseStackConfig } from "../../config/parse";
import { LOG_FIELDS } from "../../telemetry/catalog";

const stages = pipelineStages("168h");
const stageNames = stages.map((s) => Object.keys(s)[0]);
const stage = <T>(name: string) => (stages.find((s) => name in s) as Record<string, T>)[name];

describe("promtail pipeline", () => {
  it("runs CRI, then JSON, then timestamp, the too-old drop, labels, structured metadata and the label allow-list", () => {
    expect(stageNames).toEqual(["cri", "json", "timestamp", "drop", "labels", "structured_metadata", "labelallow"]);
  });

  it("drops a line older than Loki accepts before the push, so one stale line cannot fail its batch", () => {
    // Loki refuses a line older than reject_old_samples_max_age and Promtail then counts the whole batch as dropped
    // (PromtailDroppingEntries); dropped here it is counted alone, under its own reason.
    expect(stage("drop")).toEqual({ older_than: "168h", drop_counter_reason: "too_old" });
    const loki = buildLokiConfig({ settings: parseStackConfig({ "observability:slackBotToken": "xoxb-1-2-test" }).settings.loki, httpPort: 3100, grpcPort: 9095 });
    expect(loki.limits_config.reject_old_samples_max_age).toBe(LOKI_MAX_SAMPLE_AGE);
    const rendered = buildPromtailConfig({ lokiPushUrl: "http://l/x", httpPort: 9080, clusterName: "c", maxAge: LOKI_MAX_SAMPLE_AGE });
    expect(rendered.scrape_configs[0].pipeline_stages).toContainEqual({ drop: { older_than: LOKI_MAX_SAMPLE_AGE, drop_counter_reason: "too_old" } });
  });

  it("extracts every field of the seed's log format", () => {
    const expressions = stage<{ expressions: Record<string, string> }>("json").expressions;
    for (const f of LOG_FIELDS) expect(expressions[f.name]).toBe(f.name);
    for (const f of ["timestamp", "level", "logger", "message", "service", "trace_id", "span_id", "model", "batch_size", "latency_ms", "mcp_server", "mcp_operation", "user_id", "session_id", "operation", "drift_score", "threshold", "method", "endpoint", "status_code", "duration_ms"]) {
      expect(extractedFields()).toContain(f);
    }
  });

  it("parses the timestamp field as the entry time, keeping the CRI time when absent", () => {
    expect(stage("timestamp")).toEqual({ source: "timestamp", format: "RFC3339Nano", action_on_failure: "skip" });
  });

  it("keeps labels to the bounded set", () => {
    expect(Object.keys(stage("labels")).sort()).toEqual(["level", "logger", "service"]);
    expect(stage<string>("labelallow")).toEqual(["namespace", "pod", "container", "service", "level", "logger"]);
    for (const f of LOG_FIELDS.filter((x) => x.highCardinality)) expect(LOKI_STREAM_LABELS).not.toContain(f.name);
  });

  it("sends trace, span, user and session ids and the other fields as structured metadata", () => {
    const sm = Object.keys(stage("structured_metadata"));
    expect(sm).toEqual(structuredMetadataFields());
    for (const f of ["trace_id", "span_id", "user_id", "session_id", "model", "drift_score", "duration_ms"]) expect(sm).toContain(f);
    for (const f of [...LOKI_STREAM_LABELS, "timestamp", "message"]) expect(sm).not.toContain(f);
  });

  it("does not rewrite the line, so non-JSON lines pass through unchanged", () => {
    expect(stageNames).not.toContain("output");
    // The one drop is by age; a non-JSON line keeps the CRI time, which is recent.
    expect(stages.filter((x) => "drop" in x)).toEqual([{ drop: { older_than: "168h", drop_counter_reason: "too_old" } }]);
    expect(JSON.stringify(stage("json"))).not.toContain("drop_malformed");
  });
});

describe("promtail.yaml builder", () => {
  const c = buildPromtailConfig({ lokiPushUrl: "http://loki.observability.svc:3100/loki/api/v1/push", httpPort: 9080, clusterName: "ai-platform", maxAge: "168h" });
  const job = c.scrape_configs[0];

  it("listens on 9080 and pushes to Loki with the cluster label", () => {
    expect(c.server.http_listen_port).toBe(9080);
    expect(c.clients[0].url).toBe("http://loki.observability.svc:3100/loki/api/v1/push");
    expect(c.clients[0].external_labels).toEqual({ cluster: "ai-platform" });
  });

  it("keeps positions on the host path", () => {
    expect(c.positions.filename).toBe("/run/promtail/positions.yaml");
  });

  it("discovers pods, keeps this node's, and tails their files under /var/log/pods", () => {
    expect(job.kubernetes_sd_configs).toEqual([{ role: "pod" }]);
    expect(job.relabel_configs[0]).toEqual({ source_labels: ["__meta_kubernetes_pod_node_name"], target_label: "__host__" });
    const path = job.relabel_configs.find((r) => r.target_label === "__path__")!;
    expect(path.replacement).toBe("/var/log/pods/*$1/*.log");
    const targets = job.relabel_configs.map((r) => r.target_label).filter((t) => t && !t.startsWith("__"));
    for (const t of targets) expect(LOKI_STREAM_LABELS).toContain(t);
  });
});
