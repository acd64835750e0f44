/**
 * The keys of promtail.yaml for Promtail 3.6.11, as far as this stack uses them, with their siblings.
 *
 * Read from github.com/grafana/loki at tag v3.6.11 (Promtail lives in that repository):
 *  - docs/sources/send-data/promtail/configuration.md: the file's blocks (server, clients, positions, scrape_configs,
 *    relabel_configs, kubernetes_sd_config) and their keys;
 *  - docs/sources/send-data/promtail/stages/*.md: the keys of each pipeline stage (cri, json, timestamp, labels,
 *    structured_metadata, labelallow, ...), the named timestamp formats and the action_on_failure values;
 *  - docs/sources/shared/configuration.md at the same tag, `server` block: Promtail's server block embeds dskit's
 *    server config (clients/pkg/promtail/server/server.go, `yaml:",inline"`), so every dskit server key is valid;
 *  - the Go types behind the durations and enums: clients/pkg/promtail/client/config.go, positions/positions.go,
 *    scrapeconfig/scrapeconfig.go, logentry/stages/{timestamp,util,extensions,stage}.go, and the vendored
 *    prometheus/prometheus model/relabel (relabel actions) and discovery/kubernetes (roles, keys);
 *  - docs/sources/setup/upgrade/_index.md: keys of older Promtail versions (`removed` below).
 *
 * Two parsers read this file. The blocks are decoded with yaml.UnmarshalStrict (dskit's cfg loader), so an unknown
 * key there stops Promtail; every pipeline stage is decoded with mapstructure.Decode without ErrorUnused, so a
 * misspelled key inside a stage is silently ignored upstream: this reference is the only thing that catches it.
 * Every Promtail duration is a Go time.Duration, whatever the generic placeholder in the docs says.
 */
import { Block, Spec, block, bool, bytes, either, float, goDuration, int, listOf, mapOf, nothing, oneOf, str, timeLayout, uint, undescribed } from "../validate";

export const PROMTAIL_REFERENCE_TAG = "v3.6.11";

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const labelName = str(LABEL_NAME, "a label name ([a-zA-Z_][a-zA-Z0-9_]*)");
const labelMap = (of: Spec) => mapOf(of, LABEL_NAME, "a label name ([a-zA-Z_][a-zA-Z0-9_]*)");
const strings = listOf(str());

/** Named layouts of the timestamp stage (logentry/stages/util.go convertDateLayout); anything else is a Go layout. */
export const TIMESTAMP_FORMATS = ["ANSIC", "UnixDate", "RubyDate", "RFC822", "RFC822Z", "RFC850", "RFC1123", "RFC1123Z", "RFC3339", "RFC3339Nano", "Unix", "UnixMs", "UnixUs", "UnixNs"] as const;

/** Relabel actions of the vendored Prometheus (model/relabel/relabel.go). */
export const RELABEL_ACTIONS = ["replace", "keep", "drop", "keepequal", "dropequal", "hashmod", "labelmap", "labeldrop", "labelkeep", "lowercase", "uppercase"] as const;

const tlsServer = block({ cert: str(), key: str(), client_ca: str(), cert_file: str(), key_file: str(), client_auth_type: str(), client_ca_file: str() });

const server = block({
  // Promtail's own keys.
  disable: bool,
  profiling_enabled: bool,
  health_check_target: bool,
  enable_runtime_reload: bool,
  external_url: str(),
  // dskit's server config, inlined.
  http_listen_network: str(),
  http_listen_address: str(),
  http_listen_port: uint,
  http_listen_conn_limit: int,
  grpc_listen_network: str(),
  grpc_listen_address: str(),
  grpc_listen_port: uint,
  grpc_listen_conn_limit: int,
  grpc_collect_max_streams_by_conn: bool,
  proxy_protocol_enabled: bool,
  tls_cipher_suites: str(),
  tls_min_version: oneOf(["", "VersionTLS10", "VersionTLS11", "VersionTLS12", "VersionTLS13"]),
  http_tls_config: tlsServer,
  grpc_tls_config: tlsServer,
  register_instrumentation: bool,
  report_grpc_codes_in_instrumentation_label_enabled: bool,
  graceful_shutdown_timeout: goDuration,
  http_server_read_timeout: goDuration,
  http_server_read_header_timeout: goDuration,
  http_server_write_timeout: goDuration,
  http_server_idle_timeout: goDuration,
  http_log_closed_connections_without_response_enabled: bool,
  grpc_server_max_recv_msg_size: int,
  grpc_server_max_send_msg_size: int,
  grpc_server_max_concurrent_streams: int,
  grpc_server_max_connection_idle: goDuration,
  grpc_server_max_connection_age: goDuration,
  grpc_server_max_connection_age_grace: goDuration,
  grpc_server_keepalive_time: goDuration,
  grpc_server_keepalive_timeout: goDuration,
  grpc_server_min_time_between_pings: goDuration,
  grpc_server_ping_without_stream_allowed: bool,
  grpc_server_num_workers: int,
  grpc_server_stats_tracking_enabled: bool,
  grpc_server_recv_buffer_pools_enabled: bool,
  log_format: oneOf(["logfmt", "json"]),
  log_level: oneOf(["debug", "info", "warn", "error"]),
  log_source_ips_enabled: bool,
  log_source_ips_full: bool,
  log_source_ips_header: str(),
  log_source_ips_regex: str(),
  log_request_headers: bool,
  log_request_at_info_level_enabled: bool,
  log_request_exclude_headers_list: str(),
  trace_request_headers: bool,
  trace_request_exclude_headers_list: str(),
  http_path_prefix: str(),
  cluster_validation: block({
    label: str(),
    grpc: block({ enabled: bool, soft_validation: bool }),
    http: block({ enabled: bool, soft_validation: bool, excluded_paths: str(), excluded_user_agents: str() }),
  }),
});

const tlsClient = block({ ca_file: str(), cert_file: str(), key_file: str(), ca: str(), cert: str(), key: str(), server_name: str(), insecure_skip_verify: bool, min_version: str(), max_version: str() });

/** prometheus/common HTTPClientConfig, inlined into client and discovery configs. */
const httpClient: Record<string, Spec> = {
  basic_auth: block({ username: str(), username_file: str(), password: str(), password_file: str() }),
  authorization: block({ type: str(), credentials: str(), credentials_file: str() }),
  oauth2: undescribed("oauth2 block"),
  bearer_token: str(),
  bearer_token_file: str(),
  tls_config: tlsClient,
  follow_redirects: bool,
  enable_http2: bool,
  proxy_url: str(),
  no_proxy: str(),
  proxy_from_environment: bool,
  proxy_connect_header: undescribed(),
  http_headers: undescribed(),
};

const client = block(
  {
    url: str(/^https?:\/\/\S+$/, "an http(s) URL of Loki's push API"),
    name: str(),
    headers: mapOf(str()),
    tenant_id: str(),
    batchwait: goDuration,
    batchsize: int,
    ...httpClient,
    backoff_config: block(
      { min_period: goDuration, max_period: goDuration, max_retries: int },
      {
        removed: {
          minbackoff: "Promtail before Loki 1.5; renamed min_period",
          maxbackoff: "Promtail before Loki 1.5; renamed max_period",
          maxretries: "Promtail before Loki 1.5; renamed max_retries",
        },
      },
    ),
    drop_rate_limited_batches: bool,
    external_labels: labelMap(str()),
    timeout: goDuration,
  },
  { required: ["url"] },
);

const positions = block({ filename: str(), sync_period: goDuration, ignore_invalid_yaml: bool });

/** A stage of pipeline_stages names exactly one stage. */
const labelSources = labelMap(either(nothing, str()));

const stages: Record<string, Spec> = {
  docker: block({}),
  cri: block({ max_partial_lines: int, max_partial_line_size: bytes, max_partial_line_size_truncate: bool }),
  regex: block({ expression: str(), source: str() }, { required: ["expression"] }),
  json: block({ expressions: mapOf(either(nothing, str())), source: str(), drop_malformed: bool }, { required: ["expressions"] }),
  logfmt: block({ mapping: mapOf(either(nothing, str())), source: str() }),
  template: block({ source: str(), template: str() }, { required: ["source", "template"] }),
  replace: block({ expression: str(), source: str(), replace: str() }),
  timestamp: block(
    {
      source: str(),
      format: timeLayout(TIMESTAMP_FORMATS),
      fallback_formats: listOf(timeLayout(TIMESTAMP_FORMATS)),
      location: str(),
      action_on_failure: oneOf(["skip", "fudge"]),
    },
    { required: ["source", "format"] },
  ),
  output: block({ source: str() }, { required: ["source"] }),
  labels: labelSources,
  structured_metadata: labelSources,
  // The 2.9 name of structured_metadata; 3.6 still accepts it (StageTypeNonIndexedLabels).
  non_indexed_labels: labelSources,
  static_labels: labelMap(str()),
  labeldrop: listOf(labelName),
  labelallow: listOf(labelName),
  tenant: block({ source: str(), value: str(), label: str() }),
  match: undescribed("match stage"),
  metrics: undescribed("metrics stage"),
  // stages/drop.md at v3.6.11: older_than is parsed by time.ParseDuration; source may be one name or a list.
  drop: block({
    source: either(str(), strings),
    separator: str(),
    expression: str(),
    value: str(),
    older_than: goDuration,
    longer_than: bytes,
    drop_counter_reason: str(),
  }),
  sampling: undescribed("sampling stage"),
  limit: undescribed("limit stage"),
  multiline: undescribed("multiline stage"),
  pack: undescribed("pack stage"),
  decolorize: block({}),
  eventlogmessage: undescribed("eventlogmessage stage"),
  geoip: undescribed("geoip stage"),
};

const pipelineStage = block(stages, { exactlyOne: true });

const relabelConfig = block({
  source_labels: listOf(labelName),
  separator: str(),
  regex: str(),
  modulus: uint,
  target_label: str(),
  replacement: str(),
  action: oneOf(RELABEL_ACTIONS),
});

const kubernetesSd = block(
  {
    api_server: str(),
    role: oneOf(["node", "pod", "service", "endpoints", "endpointslice", "ingress"]),
    kubeconfig_file: str(),
    ...httpClient,
    namespaces: block({ own_namespace: bool, names: strings }),
    selectors: listOf(block({ role: oneOf(["node", "pod", "service", "endpoints", "endpointslice", "ingress"]), label: str(), field: str() })),
    attach_metadata: block({ node: bool, namespace: bool, deployment: bool, job: bool, cronjob: bool }),
  },
  { required: ["role"] },
);

const scrapeConfig = block(
  {
    job_name: str(),
    pipeline_stages: listOf(pipelineStage),
    decompression: block({ enabled: bool, initial_delay: goDuration, format: oneOf(["", "gz", "bz2", "z"]) }),
    journal: undescribed("<journal_config>"),
    encoding: str(),
    syslog: undescribed("<syslog_config>"),
    loki_push_api: undescribed("<loki_push_api_config>"),
    windows_events: undescribed("<windows_events_config>"),
    gcplog: undescribed("<gcplog_config>"),
    // The docs spell it azure_event_hub; scrapeconfig.go reads azure_event_hubs.
    azure_event_hubs: undescribed("<azure_event_hub_config>"),
    kafka: undescribed("<kafka_config>"),
    gelf: undescribed("<gelf_config>"),
    cloudflare: undescribed("<cloudflare>"),
    heroku_drain: undescribed("<heroku_drain>"),
    relabel_configs: listOf(relabelConfig),
    static_configs: listOf(block({ targets: strings, labels: labelMap(str()) })),
    file_sd_configs: undescribed("<file_sd_config>"),
    kubernetes_sd_configs: listOf(kubernetesSd),
    consul_sd_configs: undescribed("<consul_sd_config>"),
    consulagent_sd_configs: undescribed("<consulagent_sd_config>"),
    docker_sd_configs: undescribed("<docker_sd_config>"),
    dns_sd_configs: undescribed(),
    digitalocean_sd_configs: undescribed(),
    dockerswarm_sd_configs: undescribed(),
    serverset_sd_configs: undescribed(),
    nerve_sd_configs: undescribed(),
    marathon_sd_configs: undescribed(),
    gce_sd_configs: undescribed(),
    ec2_sd_configs: undescribed(),
    openstack_sd_configs: undescribed(),
    azure_sd_configs: undescribed(),
    triton_sd_configs: undescribed(),
  },
  { required: ["job_name"], removed: { entry_parser: "removed in Loki/Promtail 2.0; use pipeline_stages" } },
);

/** The top level of promtail.yaml. */
export const PROMTAIL_3_6: Block = block({
  global: block({ file_watch_config: block({ min_poll_frequency: goDuration, max_poll_frequency: goDuration }) }),
  server,
  // The single-client form predates `clients`; still parsed, not described here.
  client: undescribed("deprecated single client; use clients"),
  clients: listOf(client),
  positions,
  scrape_configs: listOf(scrapeConfig),
  limits_config: block({ readline_rate_enabled: bool, readline_rate: float, readline_burst: int, readline_rate_drop: bool, max_streams: int, max_line_size: bytes, max_line_size_truncate: bool }),
  target_config: block({ sync_period: goDuration, stdin: bool }),
  // An empty struct in 3.6 (config.go Options): no key is valid inside it.
  options: block({}),
  tracing: block({ enabled: bool }),
  wal: undescribed("hidden in the reference"),
});
