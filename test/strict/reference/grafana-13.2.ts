/**
 * What Grafana 13.2.0 reads from the files this stack gives it: grafana.ini settings, GF_* environment variables, the
 * datasource and dashboard provisioning files, and which datasource plugins the image carries.
 *
 * Sources, and how close each is to the pin (the github.com/grafana/grafana snapshot is 3.2 GB, over the 500 MB the
 * fetch tool brings, so no tree at tag v13.2.0 could be read whole; the file index holds one version per path):
 *  - docs/sources/administration/provisioning/index.md (stored version with the `prune` note "Grafana v11.1 and
 *    higher"): provisioning file layout, required fields, datasource and provider keys, common jsonData keys;
 *  - pkg/services/provisioning/datasources/types.go (stored version): the apiVersion 1 YAML names of a datasource
 *    (upsertDataSourceFromConfigV1) and the apiVersion 0 snake_case names they replaced (`removed` below);
 *  - conf/defaults.ini (stored version, a 9.x/10.x file) and pkg/setting/setting_plugins.go (stored 13.x version:
 *    preinstall_disabled, preinstall_auto_update, public_key_retrieval_disabled, update_strategy, the default
 *    preinstall list): section and key names, value types and the enums their comments give;
 *  - packaging/docker/run.sh (stored version): the image-level GF_PATHS_* variables and the `__FILE` suffix;
 *  - grafana/grafana issues #130921, #131490, #131956, #132528 and PRs #117757, #120936, #129166 (2026): from 13.x the
 *    Loki, Jaeger, PostgreSQL, MySQL, MSSQL, Elasticsearch and InfluxDB datasources are no longer compiled in but ship
 *    in the image under data/plugins-bundled (13 plugins in the 13.2 packages); Prometheus is bundled and still core.
 *
 * Grafana decodes provisioning YAML without strict mode and reads grafana.ini key by key: an unknown or misspelled key
 * is silently ignored. Every key the stack writes must therefore be listed here.
 */
import { Block, Spec, anything, block, bool, either, exactly, grafanaDuration, int, listOf, mapOf, oneOf, str, uint } from "../validate";

export const GRAFANA_REFERENCE_VERSION = "13.2.0";

// ---------------------------------------------------------------------------------------------------------------
// grafana.ini

const LOG_LEVELS = ["debug", "info", "warn", "error", "critical"] as const;

/** The sections the stack writes, with their keys as defaults.ini and setting_plugins.go name them. */
export const GRAFANA_INI_13_2: Readonly<Record<string, Block>> = {
  "": block({ app_mode: oneOf(["production", "development"]), instance_name: str(), force_migration: bool }),
  paths: block({ data: str(), temp_data_lifetime: grafanaDuration, logs: str(), plugins: str(), provisioning: str(), bundled_plugins: str() }),
  server: block({
    protocol: oneOf(["http", "https", "h2", "socket"]),
    http_addr: str(),
    http_port: uint,
    domain: str(),
    enforce_domain: bool,
    root_url: str(/^https?:\/\/\S+\/$/, "an absolute http(s) URL ending in '/'"),
    serve_from_sub_path: bool,
    router_logging: bool,
    static_root_path: str(),
    enable_gzip: bool,
    cert_file: str(),
    cert_key: str(),
    socket: str(),
    cdn_url: str(),
    read_timeout: int,
  }),
  database: block({
    type: oneOf(["sqlite3", "mysql", "postgres"]),
    host: str(),
    name: str(),
    user: str(),
    password: str(),
    url: str(),
    max_idle_conn: int,
    max_open_conn: int,
    conn_max_lifetime: int,
    log_queries: bool,
    ssl_mode: str(),
    isolation_level: str(),
    ca_cert_path: str(),
    client_key_path: str(),
    client_cert_path: str(),
    server_cert_name: str(),
    path: str(),
    cache_mode: oneOf(["private", "shared"]),
    locking_attempt_timeout_sec: int,
  }),
  security: block({
    disable_initial_admin_creation: bool,
    admin_user: str(),
    admin_password: str(),
    admin_email: str(),
    secret_key: str(),
    encryption_provider: str(),
    available_encryption_providers: str(),
    disable_gravatar: bool,
    data_source_proxy_whitelist: str(),
    disable_brute_force_login_protection: bool,
    cookie_secure: bool,
    cookie_samesite: oneOf(["lax", "strict", "none", "disabled"]),
    allow_embedding: bool,
    strict_transport_security: bool,
    strict_transport_security_max_age_seconds: int,
    strict_transport_security_preload: bool,
    strict_transport_security_subdomains: bool,
    x_content_type_options: bool,
    x_xss_protection: bool,
    content_security_policy: bool,
    content_security_policy_template: str(),
  }),
  users: block({
    allow_sign_up: bool,
    allow_org_create: bool,
    auto_assign_org: bool,
    auto_assign_org_id: int,
    auto_assign_org_role: oneOf(["Viewer", "Editor", "Admin"]),
    verify_email_enabled: bool,
    login_hint: str(),
    password_hint: str(),
    default_theme: oneOf(["dark", "light", "system"]),
    default_locale: str(),
    home_page: str(),
    external_manage_link_url: str(),
    external_manage_link_name: str(),
    external_manage_info: str(),
    viewers_can_edit: bool,
    editors_can_admin: bool,
    user_invite_max_lifetime_duration: grafanaDuration,
    hidden_users: str(),
  }),
  "auth.anonymous": block({ enabled: bool, org_name: str(), org_role: oneOf(["Viewer", "Editor", "Admin"]), hide_version: bool }),
  analytics: block({
    reporting_enabled: bool,
    reporting_distributor: str(),
    check_for_updates: bool,
    check_for_plugin_updates: bool,
    google_analytics_ua_id: str(),
    google_analytics_4_id: str(),
    google_tag_manager_id: str(),
    rudderstack_write_key: str(),
    rudderstack_data_plane_url: str(),
    rudderstack_sdk_url: str(),
    rudderstack_config_url: str(),
    application_insights_connection_string: str(),
    application_insights_endpoint_url: str(),
    feedback_links_enabled: bool,
  }),
  news: block({ news_feed_enabled: bool, news_feed_url: str() }),
  snapshots: block({ external_enabled: bool, external_snapshot_url: str(), external_snapshot_name: str(), public_mode: bool, snapshot_remove_expired: bool }),
  plugins: block({
    enable_alpha: bool,
    app_tls_skip_verify_insecure: bool,
    allow_loading_unsigned_plugins: str(),
    disable_plugins: str(),
    forward_host_env_vars: str(),
    plugin_admin_enabled: bool,
    plugin_admin_external_manage_enabled: bool,
    plugin_catalog_url: str(),
    plugin_catalog_hidden_plugins: str(),
    public_key_retrieval_disabled: bool,
    public_key_retrieval_on_startup: bool,
    preinstall_disabled: bool,
    preinstall: str(),
    preinstall_sync: str(),
    preinstall_async: bool,
    preinstall_auto_update: bool,
    cdn_base_url: str(),
    log_backend_requests: bool,
    update_strategy: oneOf(["latest", "minor"]),
  }),
  log: block({ mode: str(/^(console|file|syslog)( (console|file|syslog))*$/, "console, file or syslog, space separated"), level: oneOf(LOG_LEVELS), filters: str() }),
  "log.console": block({ level: oneOf(["", ...LOG_LEVELS]), format: oneOf(["text", "console", "json"]) }),
  metrics: block({ enabled: bool, interval_seconds: int, disable_total_stats: bool, basic_auth_username: str(), basic_auth_password: str() }),
};

/**
 * GF_* variables that are not `GF_<SECTION>_<KEY>` of grafana.ini but read by the image's run.sh (GF_PATHS_CONFIG
 * picks the file) or by Grafana's own plugin installer.
 */
export const GRAFANA_IMAGE_ENV = ["GF_PATHS_CONFIG", "GF_PATHS_HOME", "GF_INSTALL_PLUGINS", "GF_INSTALL_PLUGINS_FORCE", "GF_AWS_PROFILES"] as const;

/** The grafana.ini key a GF_* variable sets (`GF_SECURITY_SECRET_KEY` -> [security] secret_key), if any. */
export function iniKeyOfEnv(name: string): { section: string; key: string } | undefined {
  const bare = name.replace(/__FILE$/, "");
  for (const [section, spec] of Object.entries(GRAFANA_INI_13_2)) {
    if (section === "") continue;
    const prefix = `GF_${section.toUpperCase().replace(/[.-]/g, "_")}_`;
    if (!bare.startsWith(prefix)) continue;
    const key = Object.keys(spec.keys).find((k) => k.toUpperCase() === bare.slice(prefix.length));
    if (key) return { section, key };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Datasource plugins in the image

export type PluginAvailability = "core" | "bundled";

/**
 * Datasource plugin ids that load from the 13.2 image with `[plugins] preinstall_disabled = true`: core plugins are
 * compiled in; bundled ones are shipped in data/plugins-bundled and load without any download. A type not listed here
 * would have to come from grafana.com, which preinstall_disabled (and an air-gapped cluster) rules out.
 */
export const GRAFANA_DATASOURCE_PLUGINS: Readonly<Record<string, { readonly availability: readonly PluginAvailability[]; readonly aliases?: readonly string[] }>> = {
  // Built-in pseudo datasources (annotations, dashboard and mixed queries, expressions).
  grafana: { availability: ["core"] },
  datasource: { availability: ["core"] },
  mixed: { availability: ["core"] },
  __expr__: { availability: ["core"] },
  // Bundled and, in 13.2, still compiled in (PR #129166 ships both before core removal).
  prometheus: { availability: ["core", "bundled"] },
  // Bundled (seen unloaded from data/plugins-bundled on a 13.2 boot, issue #132528).
  loki: { availability: ["bundled"] },
  jaeger: { availability: ["bundled"] },
  "grafana-postgresql-datasource": { availability: ["bundled"], aliases: ["postgres"] },
  mysql: { availability: ["bundled"] },
  mssql: { availability: ["bundled"] },
  elasticsearch: { availability: ["bundled"] },
  influxdb: { availability: ["bundled"] },
};

/** The plugin id behind a datasource `type`, resolving aliases; undefined when the image does not carry it. */
export function pluginOfType(type: string): string | undefined {
  if (type in GRAFANA_DATASOURCE_PLUGINS) return type;
  return Object.entries(GRAFANA_DATASOURCE_PLUGINS).find(([, p]) => p.aliases?.includes(type))?.[0];
}

// ---------------------------------------------------------------------------------------------------------------
// Provisioning files

const tlsJsonData: Record<string, Spec> = { tlsAuth: bool, tlsAuthWithCACert: bool, tlsSkipVerify: bool, serverName: str(), timeout: either(int, str(/^\d+$/, "seconds")) };

const traceTags = listOf(block({ key: str(), value: str() }, { required: ["key"] }));

/**
 * jsonData keys per plugin. jsonData is plugin-defined, so keys beyond these are allowed (`open`); the keys listed are
 * type-checked, and the nested blocks the stack uses (derived fields, trace links) are closed.
 */
export const JSON_DATA: Readonly<Record<string, Block>> = {
  prometheus: block(
    {
      ...tlsJsonData,
      httpMethod: oneOf(["GET", "POST"]),
      timeInterval: grafanaDuration,
      queryTimeout: grafanaDuration,
      customQueryParameters: str(),
      manageAlerts: bool,
      alertmanagerUid: str(),
      prometheusType: oneOf(["Prometheus", "Cortex", "Mimir", "Thanos"]),
      prometheusVersion: str(),
      cacheLevel: oneOf(["Low", "Medium", "High", "None"]),
      incrementalQueryOverlapWindow: grafanaDuration,
      disableRecordingRules: bool,
      exemplarTraceIdDestinations: listOf(block({ name: str(), datasourceUid: str(), url: str(), urlDisplayLabel: str() }, { required: ["name"] })),
    },
    { open: true },
  ),
  loki: block(
    {
      ...tlsJsonData,
      maxLines: either(uint, str(/^\d+$/, "a number of lines")),
      manageAlerts: bool,
      alertmanagerUid: str(),
      derivedFields: listOf(
        block(
          { name: str(), matcherType: oneOf(["regex", "label"]), matcherRegex: str(), url: str(), urlDisplayLabel: str(), datasourceUid: str(), targetBlank: bool },
          { required: ["name", "matcherRegex"] },
        ),
      ),
    },
    { open: true },
  ),
  jaeger: block(
    {
      ...tlsJsonData,
      tracesToLogsV2: block({
        datasourceUid: str(),
        spanStartTimeShift: grafanaDuration,
        spanEndTimeShift: grafanaDuration,
        tags: traceTags,
        filterByTraceID: bool,
        filterBySpanID: bool,
        customQuery: bool,
        query: str(),
      }),
      tracesToMetrics: block({
        datasourceUid: str(),
        spanStartTimeShift: grafanaDuration,
        spanEndTimeShift: grafanaDuration,
        tags: traceTags,
        queries: listOf(block({ name: str(), query: str() }, { required: ["query"] })),
      }),
      nodeGraph: block({ enabled: bool }),
      spanBar: block({ type: oneOf(["None", "Duration", "Tag"]), tag: str() }),
      traceIdTimeParams: block({ enabled: bool }),
    },
    { open: true },
  ),
  "grafana-postgresql-datasource": block(
    {
      ...tlsJsonData,
      database: str(),
      sslmode: oneOf(["disable", "require", "verify-ca", "verify-full"]),
      tlsConfigurationMethod: oneOf(["file-path", "file-content"]),
      sslRootCertFile: str(),
      sslCertFile: str(),
      sslKeyFile: str(),
      postgresVersion: int,
      timescaledb: bool,
      maxOpenConns: uint,
      maxIdleConns: uint,
      maxIdleConnsAuto: bool,
      connMaxLifetime: uint,
      timeInterval: grafanaDuration,
    },
    { open: true },
  ),
};

/** Datasource keys of apiVersion 0 files, renamed in apiVersion 1 (types.go upsertDataSourceFromConfigV0). */
const V0_DATASOURCE_KEYS: Record<string, string> = {
  org_id: "apiVersion 0 key; apiVersion 1 names it orgId",
  org_name: "apiVersion 0 key; apiVersion 1 names it orgName",
  basic_auth: "apiVersion 0 key; apiVersion 1 names it basicAuth",
  basic_auth_user: "apiVersion 0 key; apiVersion 1 names it basicAuthUser",
  with_credentials: "apiVersion 0 key; apiVersion 1 names it withCredentials",
  is_default: "apiVersion 0 key; apiVersion 1 names it isDefault",
  json_data: "apiVersion 0 key; apiVersion 1 names it jsonData",
  secure_json_data: "apiVersion 0 key; apiVersion 1 names it secureJsonData",
};

/** One entry of `datasources:`; jsonData is checked separately against JSON_DATA by plugin. */
export const DATASOURCE_V1 = block(
  {
    orgId: int,
    orgName: str(),
    version: int,
    name: str(),
    type: str(),
    access: oneOf(["proxy", "direct"]),
    url: str(),
    user: str(),
    database: str(),
    basicAuth: bool,
    basicAuthUser: str(),
    withCredentials: bool,
    isDefault: bool,
    correlations: listOf(anything),
    jsonData: mapOf(anything),
    secureJsonData: mapOf(str()),
    editable: bool,
    uid: str(/^[a-zA-Z0-9_-]{1,40}$/, "a uid of at most 40 letters, digits, '-' or '_'"),
  },
  { required: ["name", "type", "access"], removed: V0_DATASOURCE_KEYS },
);

export const DATASOURCES_FILE_V1: Block = block(
  {
    apiVersion: exactly(1),
    datasources: listOf(DATASOURCE_V1),
    deleteDatasources: listOf(block({ orgId: int, orgName: str(), name: str() }, { required: ["name"] })),
    prune: bool,
  },
  { required: ["apiVersion"], removed: { delete_datasources: "apiVersion 0 key; apiVersion 1 names it deleteDatasources" } },
);

export const DASHBOARD_PROVIDERS_FILE_V1: Block = block(
  {
    apiVersion: exactly(1),
    providers: listOf(
      block(
        {
          name: str(),
          orgId: int,
          folder: str(),
          folderUid: str(),
          type: oneOf(["file"]),
          disableDeletion: bool,
          updateIntervalSeconds: uint,
          allowUiUpdates: bool,
          options: block({ path: str(/^\//, "an absolute path"), foldersFromFilesStructure: bool }, { required: ["path"] }),
        },
        { required: ["name", "options"], removed: { org_id: "apiVersion 0 key; apiVersion 1 names it orgId" } },
      ),
    ),
  },
  { required: ["apiVersion", "providers"] },
);
