/**
 * promtail.yaml: tail this node's pod logs, undo the CRI framing, parse the platform's JSON log format, and push to
 * Loki with a small fixed label set. Every other field travels as structured metadata, so a trace id or a user id
 * never creates a stream.
 */
import { dump } from "js-yaml";
import { LOG_FIELDS } from "../telemetry/catalog";

/** Stream labels: bounded by namespaces, pods, containers, services, levels and loggers. Nothing else. */
export const LOKI_STREAM_LABELS = ["namespace", "pod", "container", "service", "level", "logger"] as const;
/** Log fields that become stream labels (the rest of the bounded set comes from discovery). */
const FIELD_LABELS = ["service", "level", "logger"] as const;
/** Fields that are the entry itself rather than metadata about it. */
const ENTRY_FIELDS = ["timestamp", "message"];

/**
 * Every label a Promtail stream carries in Loki: the allowed set, the client's external `cluster`, and `service_name`,
 * which Loki derives from `service` (discover_service_name).
 */
export const PROMTAIL_STREAM_LABEL_SET = [...LOKI_STREAM_LABELS, "cluster", "service_name"] as const;

export const PROMTAIL_POSITIONS_DIR = "/run/promtail";
export const POD_LOGS_DIR = "/var/log/pods";

export interface PromtailConfigArgs {
  /**
   * Loki's reject_old_samples_max_age: a line with an older event time is dropped here, counted by reason
   * (`too_old`), since Loki would refuse it and Promtail would then count the whole batch, good lines too, as dropped.
   */
  readonly maxAge: string;
  readonly lokiPushUrl: string;
  readonly httpPort: number;
  readonly clusterName: string;
  /**
   * The mounted CA file Loki's certificate is verified against (tls.mode not off; lokiPushUrl is then https, and its
   * host is the name verified). Absent: plain HTTP.
   */
  readonly lokiCaFile?: string;
}

export type PipelineStage =
  | { cri: Record<string, never> }
  | { json: { expressions: Record<string, string> } }
  | { timestamp: { source: string; format: string; action_on_failure: "skip" | "fudge" } }
  | { drop: { older_than: string; drop_counter_reason: string } }
  | { labels: Record<string, string | null> }
  | { structured_metadata: Record<string, string | null> }
  | { labelallow: string[] };

/** Fields extracted from each JSON line: every field of the catalog's log format. */
export function extractedFields(): string[] {
  return LOG_FIELDS.map((f) => f.name);
}

/** Fields sent as structured metadata: everything extracted that is neither a label nor the entry itself. */
export function structuredMetadataFields(): string[] {
  return extractedFields().filter((f) => !(FIELD_LABELS as readonly string[]).includes(f) && !ENTRY_FIELDS.includes(f));
}

export function pipelineStages(maxAge: string): PipelineStage[] {
  const nulls = (names: readonly string[]) => Object.fromEntries(names.map((n) => [n, null]));
  return [
    // containerd and CRI-O write `<time> <stream> <P|F> <line>`; this joins partial lines and keeps the line only.
    { cri: {} },
    // A line that is not JSON fails this stage quietly and passes through unchanged with its CRI labels.
    { json: { expressions: Object.fromEntries(extractedFields().map((f) => [f, f])) } },
    // The application's own time, when present; otherwise the CRI time stays.
    { timestamp: { source: "timestamp", format: "RFC3339Nano", action_on_failure: "skip" } },
    // After the timestamp stage, so the age is the event's own.
    { drop: { older_than: maxAge, drop_counter_reason: "too_old" } },
    { labels: nulls(FIELD_LABELS) },
    { structured_metadata: nulls(structuredMetadataFields()) },
    // The guarantee: whatever a future stage adds, only the bounded set reaches Loki as labels.
    { labelallow: [...LOKI_STREAM_LABELS] },
  ];
}

export function buildPromtailConfig(args: PromtailConfigArgs) {
  const https = args.lokiPushUrl.startsWith("https://");
  if (args.lokiCaFile !== undefined && (!https || !/^\/[A-Za-z0-9/._-]+$/.test(args.lokiCaFile))) {
    throw new Error(`promtail: lokiCaFile ${JSON.stringify(args.lokiCaFile)} needs an absolute path and an https lokiPushUrl, got ${JSON.stringify(args.lokiPushUrl)}`);
  }
  if (https && args.lokiCaFile === undefined) throw new Error(`promtail: lokiPushUrl ${JSON.stringify(args.lokiPushUrl)} is https but no lokiCaFile verifies it`);
  return {
    server: { http_listen_port: args.httpPort, grpc_listen_port: 0, log_level: "info" },
    // On a hostPath, so a restarted pod resumes where it stopped instead of re-sending or skipping logs.
    positions: { filename: `${PROMTAIL_POSITIONS_DIR}/positions.yaml`, sync_period: "10s" },
    clients: [
      {
        url: args.lokiPushUrl,
        ...(args.lokiCaFile ? { tls_config: { ca_file: args.lokiCaFile } } : {}),
        external_labels: { cluster: args.clusterName },
        // Retry for about five minutes (Loki restart, rate limit) before dropping a batch.
        backoff_config: { min_period: "500ms", max_period: "30s", max_retries: 15 },
        batchwait: "1s",
        batchsize: 1048576,
      },
    ],
    scrape_configs: [
      {
        job_name: "kubernetes-pods",
        // Promtail narrows pod discovery to spec.nodeName=$HOSTNAME: the DaemonSet sets HOSTNAME to the node name.
        kubernetes_sd_configs: [{ role: "pod" }],
        pipeline_stages: pipelineStages(args.maxAge),
        relabel_configs: [
          { source_labels: ["__meta_kubernetes_pod_node_name"], target_label: "__host__" },
          { source_labels: ["__meta_kubernetes_pod_phase"], regex: "Pending|Succeeded|Failed|Completed", action: "drop" },
          { source_labels: ["__meta_kubernetes_namespace"], target_label: "namespace" },
          { source_labels: ["__meta_kubernetes_pod_name"], target_label: "pod" },
          { source_labels: ["__meta_kubernetes_pod_container_name"], target_label: "container" },
          // Until the line's own `service` field overrides it in the pipeline.
          { source_labels: ["__meta_kubernetes_pod_label_app_kubernetes_io_name"], regex: "(.+)", target_label: "service" },
          {
            source_labels: ["__meta_kubernetes_pod_uid", "__meta_kubernetes_pod_container_name"],
            separator: "/",
            replacement: `${POD_LOGS_DIR}/*$1/*.log`,
            target_label: "__path__",
          },
        ],
      },
    ],
  };
}

export type PromtailConfig = ReturnType<typeof buildPromtailConfig>;

export function promtailYaml(config: PromtailConfig): string {
  return dump(config, { noRefs: true, lineWidth: -1 });
}
