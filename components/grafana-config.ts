/**
 * Grafana 13.2's files: grafana.ini, the datasource provisioning file and the dashboard provider file, plus the
 * dashboard JSON files grouped into ConfigMaps. Everything here is a pure function of typed input.
 *
 * Grafana must keep working without internet access: from 13.2 the Prometheus, Loki, Jaeger and PostgreSQL
 * datasources are plugins bundled in the image rather than compiled in, and by default Grafana tries to download and
 * update plugins at every start. The [plugins] and [analytics] settings below turn every such call off, so the bundled
 * copies are the ones that load, online and air-gapped alike.
 */
import { dump } from "js-yaml";
import { DATASOURCE_TYPES, DATASOURCE_UIDS } from "../dashboards/datasources";
import { HTTP_ERRORS } from "../rules/errors";
import { RATE_WINDOW, selector } from "../rules/promql";
import { M, bucket } from "../telemetry/catalog";

/** grafana.ini is mounted here and named by GF_PATHS_CONFIG; the image's own /etc/grafana/grafana.ini is unused. */
export const GRAFANA_CONFIG_DIR = "/etc/grafana/config";
export const GRAFANA_INI_FILE = "grafana.ini";
/** The image's GF_PATHS_PROVISIONING and GF_PATHS_DATA. They are set as env in the image, which beats grafana.ini. */
export const GRAFANA_PROVISIONING_DIR = "/etc/grafana/provisioning";
export const GRAFANA_DATA_DIR = "/var/lib/grafana";
/** Dashboard JSON files, outside the data volume so they always come from the ConfigMaps. */
export const GRAFANA_DASHBOARDS_DIR = "/etc/grafana/dashboards";
export const GRAFANA_SECRETS_DIR = "/etc/grafana/secrets";
/** The web-auth Secret's password file: Prometheus requires basic auth (components/web-auth.ts). */
export const GRAFANA_WEB_AUTH_DIR = "/etc/grafana/web-auth";
/** The servers' TLS Secret, only its ca.crt (tls.mode not off): Prometheus' certificate is verified against it. */
export const GRAFANA_SERVER_TLS_DIR = "/etc/grafana/server-tls";

/** Keys of the Grafana Secret (file names under GRAFANA_SECRETS_DIR). */
export const ADMIN_PASSWORD_KEY = "admin-password";
export const SECRET_KEY_KEY = "secret-key";
export const POSTGRES_PASSWORD_KEY = "postgres-password";

export const DASHBOARD_FOLDER = { title: "AI Platform", uid: "ai-platform" } as const;

/** Environment variables that make Grafana download plugins at start, fatal offline when synchronous. Never set. */
export const FORBIDDEN_ENV = ["GF_INSTALL_PLUGINS", "GF_PLUGINS_PREINSTALL", "GF_PLUGINS_PREINSTALL_SYNC", "GF_PLUGINS_PREINSTALL_ASYNC"] as const;

/**
 * A ConfigMap holds at most 1 MiB including its metadata; a dashboard file must leave room for that. Dashboards go one
 * per ConfigMap, so only a single oversized dashboard can hit the limit.
 */
export const MAX_DASHBOARD_BYTES = 900 * 1024;

// ---------------------------------------------------------------------------------------------------------------
// grafana.ini

export type IniValue = string | number | boolean;
/** Section name -> key -> value, in output order. */
export type GrafanaIni = Record<string, Record<string, IniValue>>;

export interface GrafanaIniArgs {
  readonly httpPort: number;
  /** The external host when an Ingress exposes Grafana; absent when only reachable inside the cluster. */
  readonly externalHost?: string;
  /** Whether the Ingress terminates TLS (then links use https and cookies are Secure). */
  readonly tls?: boolean;
}

export function buildGrafanaIni(args: GrafanaIniArgs): GrafanaIni {
  const external = args.externalHost ? `${args.tls ? "https" : "http"}://${args.externalHost}/` : undefined;
  return {
    server: {
      http_port: args.httpPort,
      // Links in alerts, shared URLs and OAuth redirects are built from root_url; without an Ingress they stay local.
      ...(external ? { domain: args.externalHost as string, root_url: external } : {}),
      enable_gzip: true,
    },
    // SQLite on the persistent volume: Grafana's own state (users, stars, preferences). Datasources and dashboards are
    // provisioned from files, so losing the volume loses no configuration.
    database: { type: "sqlite3", path: "grafana.db" },
    security: {
      admin_user: "admin",
      disable_gravatar: true,
      cookie_secure: Boolean(args.tls),
      cookie_samesite: "lax",
      allow_embedding: false,
    },
    users: { allow_sign_up: false, allow_org_create: false, default_theme: "system" },
    "auth.anonymous": { enabled: false },
    analytics: {
      reporting_enabled: false,
      check_for_updates: false,
      check_for_plugin_updates: false,
      feedback_links_enabled: false,
    },
    news: { news_feed_enabled: false },
    snapshots: { external_enabled: false },
    plugins: {
      // No background installer: the bundled datasource plugins load from the image, nothing is fetched or updated.
      preinstall_disabled: true,
      // If someone re-enables preinstall, an update failure would unload a running datasource (grafana#132528).
      preinstall_auto_update: false,
      public_key_retrieval_disabled: true,
      // The plugin catalog needs grafana.com; installs happen by changing the image, never from the UI.
      plugin_admin_enabled: false,
    },
    // Logs to stdout only, where Promtail collects them; the root filesystem is read-only.
    log: { mode: "console", level: "info" },
    metrics: { enabled: true },
  };
}

/** INI text; booleans and numbers written as Grafana reads them. */
export function grafanaIni(ini: GrafanaIni): string {
  const sections = Object.entries(ini).map(([section, keys]) => {
    const lines = Object.entries(keys).map(([k, v]) => {
      const text = String(v);
      if (/[\r\n]/.test(text)) throw new Error(`grafana.ini [${section}] ${k}: value ${JSON.stringify(text)} must be one line`);
      return `${k} = ${text}`;
    });
    return [`[${section}]`, ...lines].join("\n");
  });
  return `${sections.join("\n\n")}\n`;
}

// ---------------------------------------------------------------------------------------------------------------
// Datasources

export interface PostgresDatasourceArgs {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly sslMode: string;
  /** Path of the mounted password file; absent: no password (trust or certificate authentication). */
  readonly passwordFile?: string;
  /** Path of the mounted server CA, for verify-ca and verify-full; absent: the image's system roots. */
  readonly caFile?: string;
}

/** HTTP basic authentication of a datasource, the password read from a mounted file when Grafana provisions it. */
export interface DatasourceBasicAuth {
  readonly user: string;
  readonly passwordFile: string;
}

export interface DatasourcesArgs {
  readonly prometheusUrl: string;
  /** The user Prometheus requires and the mounted file with its password. Absent: no authentication (Thanos Query, reachable from Grafana alone). */
  readonly prometheusAuth?: DatasourceBasicAuth;
  /** What serves prometheusUrl. Default Prometheus; Thanos when Grafana queries through Thanos Query. */
  readonly prometheusType?: "Prometheus" | "Thanos";
  /** The mounted CA file Prometheus' certificate is verified against (TLS on; prometheusUrl is then https). */
  readonly prometheusCaFile?: string;
  readonly lokiUrl: string;
  readonly jaegerUrl: string;
  /** Prometheus' scrape interval: Grafana's lower bound for $__interval and rate windows. */
  readonly scrapeInterval: string;
  /** The platform's PostgreSQL; absent when postgres is disabled. */
  readonly postgres?: PostgresDatasourceArgs;
}

export interface Datasource {
  name: string;
  uid: string;
  type: string;
  access: "proxy";
  url: string;
  isDefault: boolean;
  editable: false;
  user?: string;
  basicAuth?: boolean;
  basicAuthUser?: string;
  jsonData: Record<string, unknown>;
  secureJsonData?: Record<string, string>;
}

export interface DatasourcesFile {
  apiVersion: 1;
  /** Datasources no longer in the file are deleted (e.g. PostgreSQL after postgres.enabled turns false). */
  prune: true;
  datasources: Datasource[];
}

/**
 * A literal `$` in a provisioning file must be written `$$`: Grafana expands `$VAR`, `${VAR}`, `$__env{}` and
 * `$__file{}` in every value before use. Grafana's own link variables (`${__value.raw}`, `$__tags`) need it.
 */
export function escapeDollars(text: string): string {
  return text.replace(/\$/g, "$$$$");
}

/** Loki stream label and Prometheus target label that carry the service; the span resource attribute maps onto it. */
/** A span's service.name, as the `service` stream label both log paths carry. */
export const SERVICE_TAG = [{ key: "service.name", value: "service" }];
const TRACE_WINDOW = { spanStartTimeShift: "-5m", spanEndTimeShift: "5m" };

/** Trace-to-metrics queries: the HTTP rate, error rate and P95 of the span's service. */
function traceMetricsQueries(): { name: string; query: string }[] {
  const tags = "$__tags";
  const requests = `${M.httpRequestsTotal.name}{${tags}}`;
  const errors = selector(M.httpRequestsTotal.name, HTTP_ERRORS).replace("{", `{${tags}, `);
  return [
    { name: "Request rate", query: `sum(rate(${requests}[${RATE_WINDOW}]))` },
    { name: "Error rate", query: `sum(rate(${errors}[${RATE_WINDOW}]))` },
    {
      name: "P95 latency",
      query: `histogram_quantile(0.95, sum by (le) (rate(${bucket(M.httpRequestDurationSeconds)}{${tags}}[${RATE_WINDOW}])))`,
    },
  ].map((q) => ({ name: q.name, query: escapeDollars(q.query) }));
}

export function buildDatasources(args: DatasourcesArgs): DatasourcesFile {
  if (args.prometheusCaFile !== undefined && !args.prometheusUrl.startsWith("https://")) {
    throw new Error(`grafana datasource: prometheusCaFile is set but prometheusUrl ${JSON.stringify(args.prometheusUrl)} is not https`);
  }
  if (args.prometheusCaFile !== undefined && !/^\/[A-Za-z0-9/._-]+$/.test(args.prometheusCaFile)) {
    throw new Error(`grafana datasource: prometheusCaFile ${JSON.stringify(args.prometheusCaFile)} must be an absolute path of letters, digits and /._-`);
  }
  const uid = DATASOURCE_UIDS;
  const traceLink = escapeDollars("${__value.raw}");
  const datasources: Datasource[] = [
    {
      name: "Prometheus",
      uid: uid.prometheus,
      type: DATASOURCE_TYPES.prometheus,
      access: "proxy",
      url: args.prometheusUrl,
      isDefault: true,
      editable: false,
      ...(args.prometheusAuth ? { basicAuth: true, basicAuthUser: args.prometheusAuth.user } : {}),
      jsonData: {
        httpMethod: "POST",
        ...(args.prometheusType === "Thanos" ? { prometheusType: "Thanos" } : {}),
        timeInterval: args.scrapeInterval,
        // Exemplars recorded with a trace id open the trace in Jaeger.
        exemplarTraceIdDestinations: [{ name: "trace_id", datasourceUid: uid.jaeger }],
        ...(args.prometheusCaFile ? { tlsAuthWithCACert: true } : {}),
      },
      ...(args.prometheusAuth || args.prometheusCaFile
        ? {
            secureJsonData: {
              ...(args.prometheusAuth ? { basicAuthPassword: `$__file{${args.prometheusAuth.passwordFile}}` } : {}),
              ...(args.prometheusCaFile ? { tlsCACert: `$__file{${args.prometheusCaFile}}` } : {}),
            },
          }
        : {}),
    },
    {
      name: "Loki",
      uid: uid.loki,
      type: DATASOURCE_TYPES.loki,
      access: "proxy",
      url: args.lokiUrl,
      isDefault: false,
      editable: false,
      jsonData: {
        maxLines: 1000,
        derivedFields: [
          // Promtail and the collector's OTLP path both store trace_id as structured metadata, not in the line.
          { name: "TraceID", matcherType: "label", matcherRegex: "trace_id", datasourceUid: uid.jaeger, url: traceLink, urlDisplayLabel: "View trace" },
          // Lines that reached Loki unparsed still carry the id inside the JSON text.
          { name: "TraceIDInLine", matcherType: "regex", matcherRegex: '"trace_id":\\s*"(\\w+)"', datasourceUid: uid.jaeger, url: traceLink, urlDisplayLabel: "View trace" },
        ],
      },
    },
    {
      name: "Jaeger",
      uid: uid.jaeger,
      type: DATASOURCE_TYPES.jaeger,
      access: "proxy",
      url: args.jaegerUrl,
      isDefault: false,
      editable: false,
      jsonData: {
        tracesToLogsV2: {
          datasourceUid: uid.loki,
          ...TRACE_WINDOW,
          tags: SERVICE_TAG,
          filterByTraceID: false,
          filterBySpanID: false,
          // The simple mode filters on the log line text, which misses trace_id held in structured metadata.
          customQuery: true,
          query: escapeDollars('{${__tags}} | trace_id="${__span.traceId}"'),
        },
        tracesToMetrics: { datasourceUid: uid.prometheus, ...TRACE_WINDOW, tags: SERVICE_TAG, queries: traceMetricsQueries() },
        nodeGraph: { enabled: true },
      },
    },
  ];
  if (args.postgres) {
    const pg = args.postgres;
    datasources.push({
      name: "PostgreSQL",
      uid: uid.postgres,
      // The plugin id (grafana-postgresql-datasource) since PostgreSQL left core; `postgres` is only an alias.
      type: DATASOURCE_TYPES.postgres,
      access: "proxy",
      url: `${pg.host}:${pg.port}`,
      user: pg.user,
      isDefault: false,
      editable: false,
      jsonData: {
        database: pg.database,
        sslmode: pg.sslMode,
        ...(pg.caFile ? { tlsConfigurationMethod: "file-path", sslRootCertFile: pg.caFile } : {}),
        maxOpenConns: 10,
        maxIdleConns: 2,
        connMaxLifetime: 14400,
        timescaledb: false,
      },
      ...(pg.passwordFile ? { secureJsonData: { password: `$__file{${pg.passwordFile}}` } } : {}),
    });
  }
  const defaults = datasources.filter((d) => d.isDefault);
  if (defaults.length !== 1) throw new Error(`grafana datasources: expected exactly one default, got ${defaults.map((d) => d.name).join(", ") || "none"}`);
  return { apiVersion: 1, prune: true, datasources };
}

// ---------------------------------------------------------------------------------------------------------------
// Dashboards

export interface DashboardProvidersFile {
  apiVersion: 1;
  providers: {
    name: string;
    orgId: 1;
    folder: string;
    folderUid: string;
    type: "file";
    disableDeletion: boolean;
    allowUiUpdates: boolean;
    updateIntervalSeconds: number;
    options: { path: string; foldersFromFilesStructure: false };
  }[];
}

export function buildDashboardProviders(path: string = GRAFANA_DASHBOARDS_DIR): DashboardProvidersFile {
  return {
    apiVersion: 1,
    providers: [
      {
        name: "ai-platform",
        orgId: 1,
        folder: DASHBOARD_FOLDER.title,
        folderUid: DASHBOARD_FOLDER.uid,
        type: "file",
        // Dashboards are code: the UI cannot save over a file, and removing a file removes its dashboard.
        disableDeletion: false,
        allowUiUpdates: false,
        updateIntervalSeconds: 30,
        options: { path, foldersFromFilesStructure: false },
      },
    ],
  };
}

export interface DashboardConfigMap {
  /** ConfigMap name suffix, derived from the file name. */
  readonly suffix: string;
  /** File name -> JSON text. */
  readonly data: Record<string, string>;
}

const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*\.json$/;

/**
 * One ConfigMap per dashboard file (`<uid>.json` -> JSON text), in file-name order. Rejects names a ConfigMap key
 * cannot hold, two files mapping to one ConfigMap name, and files too large for a ConfigMap.
 */
export function dashboardConfigMaps(dashboards: Readonly<Record<string, object>>): DashboardConfigMap[] {
  const out: DashboardConfigMap[] = [];
  const seen = new Map<string, string>();
  for (const file of Object.keys(dashboards).sort()) {
    if (!FILE_NAME.test(file) || file.length > 200) {
      throw new Error(`dashboard file name ${JSON.stringify(file)} must be <uid>.json with letters, digits, '.', '_' or '-' (at most 200 characters)`);
    }
    const suffix = file
      .slice(0, -".json".length)
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, "-")
      .replace(/^-+|-+$/g, "");
    const clash = seen.get(suffix);
    if (clash) throw new Error(`dashboard files ${JSON.stringify(clash)} and ${JSON.stringify(file)} map to one ConfigMap name ${JSON.stringify(suffix)}`);
    seen.set(suffix, file);
    const text = `${JSON.stringify(dashboards[file], null, 2)}\n`;
    const bytes = Buffer.byteLength(text, "utf8");
    if (bytes > MAX_DASHBOARD_BYTES) {
      throw new Error(`dashboard ${JSON.stringify(file)} is ${bytes} bytes; expected at most ${MAX_DASHBOARD_BYTES} to fit a ConfigMap`);
    }
    out.push({ suffix, data: { [file]: text } });
  }
  return out;
}

export function provisioningYaml(doc: DatasourcesFile | DashboardProvidersFile): string {
  return dump(doc, { noRefs: true, lineWidth: -1 });
}
