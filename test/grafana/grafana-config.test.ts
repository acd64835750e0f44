import type { LRParser } from "@lezer/lr";
import { load } from "js-yaml";
import {
  DASHBOARD_FOLDER,
  Datasource,
  DatasourcesArgs,
  GRAFANA_DASHBOARDS_DIR,
  MAX_DASHBOARD_BYTES,
  buildDashboardProviders,
  buildDatasources,
  buildGrafanaIni,
  dashboardConfigMaps,
  escapeDollars,
  grafanaIni,
  provisioningYaml,
} from "../../components/grafana-config";
import { DATASOURCE_TYPES, DATASOURCE_UIDS } from "../../dashboards/datasources";
import { ALL_METRICS, Histogram, bucket } from "../../telemetry/catalog";

// The parser ships ESM type declarations only; its CommonJS build is what jest loads.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const promql = (require("@prometheus-io/lezer-promql") as { parser: LRParser }).parser;

const base: DatasourcesArgs = {
  prometheusUrl: "http://prometheus.observability.svc:9090",
  prometheusAuth: { user: "observability", passwordFile: "/etc/grafana/web-auth/password" },
  lokiUrl: "http://loki.observability.svc:3100",
  jaegerUrl: "http://jaeger.observability.svc:16686",
  scrapeInterval: "15s",
};
const postgres = { host: "postgres.ai-platform.svc", port: 5432, database: "ai_platform", user: "observability_ro", sslMode: "require" };

const byUid = (ds: Datasource[]) => Object.fromEntries(ds.map((d) => [d.uid, d]));

/** Every string value of an object, with its path. */
function strings(value: unknown, path = ""): [string, string][] {
  if (typeof value === "string") return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${path}[${i}]`));
  if (value !== null && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => strings(v, path ? `${path}.${k}` : k));
  return [];
}

/** What Grafana makes of a provisioned value: `$$` is a literal `$` (the only expansion these values use). */
const unescape = (text: string) => text.replace(/\$\$/g, "$");

describe("datasource provisioning", () => {
  const file = buildDatasources({ ...base, postgres: { ...postgres, passwordFile: "/etc/grafana/secrets/postgres-password" } });
  const ds = byUid(file.datasources);

  it("checks PostgreSQL's certificate against a mounted CA when one is given, and names no CA otherwise", () => {
    const withCa = byUid(buildDatasources({ ...base, postgres: { ...postgres, sslMode: "verify-full", caFile: "/etc/postgres-ca/ca.crt" } }).datasources);
    expect(withCa[DATASOURCE_UIDS.postgres].jsonData).toMatchObject({ sslmode: "verify-full", tlsConfigurationMethod: "file-path", sslRootCertFile: "/etc/postgres-ca/ca.crt" });
    expect(ds[DATASOURCE_UIDS.postgres].jsonData.sslRootCertFile).toBeUndefined();
  });

  it("has exactly one default datasource, Prometheus", () => {
    expect(file.datasources.filter((d) => d.isDefault).map((d) => d.uid)).toEqual([DATASOURCE_UIDS.prometheus]);
  });

  it("provisions every uid the dashboards use, with the plugin type they expect", () => {
    for (const [key, uid] of Object.entries(DATASOURCE_UIDS)) {
      expect(ds[uid]).toBeDefined();
      expect(ds[uid].type).toBe(DATASOURCE_TYPES[key as keyof typeof DATASOURCE_TYPES]);
    }
    expect(new Set(file.datasources.map((d) => d.uid)).size).toBe(file.datasources.length);
  });

  it("is read-only and prunes datasources removed from the file", () => {
    expect(file.prune).toBe(true);
    for (const d of file.datasources) expect(d.editable).toBe(false);
  });

  it("points every cross-link at a provisioned uid", () => {
    const linked = strings(file.datasources)
      .filter(([path]) => /datasourceUid$/.test(path))
      .map(([, uid]) => uid);
    expect(linked.length).toBeGreaterThanOrEqual(5);
    for (const uid of linked) expect(ds[uid]).toBeDefined();
  });

  it("links Loki's trace_id (structured metadata and in-line JSON) to Jaeger", () => {
    const fields = ds.loki.jsonData.derivedFields as Record<string, string>[];
    expect(fields).toContainEqual(expect.objectContaining({ matcherType: "label", matcherRegex: "trace_id", datasourceUid: "jaeger" }));
    const inline = fields.find((f) => f.matcherType === "regex");
    expect(new RegExp(inline!.matcherRegex).exec('{"level":"INFO","trace_id":"abc123","span_id":"d"}')?.[1]).toBe("abc123");
    for (const f of fields) expect(unescape(f.url)).toBe("${__value.raw}");
  });

  it("links Jaeger to logs by trace_id in structured metadata and to the service's HTTP metrics", () => {
    const logs = ds.jaeger.jsonData.tracesToLogsV2 as Record<string, any>;
    expect(logs).toMatchObject({ datasourceUid: "loki", customQuery: true, spanStartTimeShift: "-5m", spanEndTimeShift: "5m" });
    expect(unescape(logs.query)).toBe('{${__tags}} | trace_id="${__span.traceId}"');
    expect(logs.tags).toEqual([{ key: "service.name", value: "service" }]);
    const metrics = ds.jaeger.jsonData.tracesToMetrics as Record<string, any>;
    expect(metrics.datasourceUid).toBe("prometheus");
    expect(metrics.queries.map((q: { name: string }) => q.name)).toEqual(["Request rate", "Error rate", "P95 latency"]);
  });

  it("has trace-to-metrics queries that parse and read only catalog metrics", () => {
    const known = new Set(ALL_METRICS.flatMap((m) => (m.type === "histogram" ? [bucket(m as Histogram), m.name] : [m.name])));
    for (const q of (ds.jaeger.jsonData.tracesToMetrics as { queries: { query: string }[] }).queries) {
      const text = unescape(q.query).replace(/\$__tags/g, 'service="gateway"');
      const errors: string[] = [];
      promql.parse(text).iterate({ enter: (n) => void (n.type.isError && errors.push(text.slice(n.from, n.to + 10))) });
      expect(errors).toEqual([]);
      for (const name of text.match(/\b[a-z_]+_(total|bucket|seconds)\b/g) ?? []) expect(known).toContain(name);
    }
  });

  it("escapes every literal $ so Grafana's env expansion leaves the link variables alone", () => {
    for (const [path, value] of strings(file.datasources)) {
      // The password files are read through Grafana's $__file{} expansion, the one `$` meant to expand.
      if (/\.secureJsonData\.(password|basicAuthPassword)$/.test(path) && /^\$__file\{[^}]+\}$/.test(value)) continue;
      expect({ path, ok: /^(?:[^$]|\$\$)*$/.test(value) }).toEqual({ path, ok: true });
    }
    expect(escapeDollars("a$b$$c")).toBe("a$$b$$$$c");
  });

  it("configures PostgreSQL with the database under jsonData and the password from a mounted file", () => {
    expect(ds.postgres).toMatchObject({ url: "postgres.ai-platform.svc:5432", user: "observability_ro" });
    expect(ds.postgres.jsonData).toMatchObject({ database: "ai_platform", sslmode: "require" });
    expect(ds.postgres.secureJsonData).toEqual({ password: "$__file{/etc/grafana/secrets/postgres-password}" });
    expect(JSON.stringify(ds.postgres)).not.toMatch(/"password":"(?!\$__file)/);
  });

  it("logs in to Prometheus as the basic-auth user, the password from a mounted file", () => {
    expect(ds.prometheus).toMatchObject({ basicAuth: true, basicAuthUser: "observability" });
    expect(ds.prometheus.secureJsonData).toEqual({ basicAuthPassword: "$__file{/etc/grafana/web-auth/password}" });
    // Only Prometheus requires it; Loki and Jaeger have no credentials.
    expect(file.datasources.filter((d) => d.basicAuth).map((d) => d.uid)).toEqual([DATASOURCE_UIDS.prometheus]);
  });

  it("leaves PostgreSQL out when it is not configured, and the password out when there is none", () => {
    expect(buildDatasources(base).datasources.map((d) => d.uid)).toEqual(["prometheus", "loki", "jaeger"]);
    const noPassword = byUid(buildDatasources({ ...base, postgres }).datasources);
    expect(noPassword.postgres.secureJsonData).toBeUndefined();
  });

  it("renders YAML that loads back to the same document", () => {
    expect(load(provisioningYaml(file))).toEqual(JSON.parse(JSON.stringify(file)));
  });
});

describe("grafana.ini", () => {
  const ini = buildGrafanaIni({ httpPort: 3000 });

  it("turns off every call to grafana.com and stats.grafana.org (air-gapped clusters)", () => {
    expect(ini.plugins).toMatchObject({ preinstall_disabled: true, preinstall_auto_update: false, public_key_retrieval_disabled: true, plugin_admin_enabled: false });
    expect(ini.analytics).toEqual({ reporting_enabled: false, check_for_updates: false, check_for_plugin_updates: false, feedback_links_enabled: false });
    expect(ini.news).toEqual({ news_feed_enabled: false });
    expect(ini.security.disable_gravatar).toBe(true);
    expect(ini.snapshots).toEqual({ external_enabled: false });
  });

  it("never holds a password, and allows no sign-up or anonymous access", () => {
    const text = grafanaIni(ini);
    expect(text).not.toMatch(/password/i);
    expect(ini.users.allow_sign_up).toBe(false);
    expect(ini["auth.anonymous"].enabled).toBe(false);
  });

  it("listens on the Service port and logs to the console only (read-only root filesystem)", () => {
    expect(ini.server.http_port).toBe(3000);
    expect(ini.log.mode).toBe("console");
    expect(ini.database.type).toBe("sqlite3");
  });

  it("sets root_url and Secure cookies only when exposed with TLS", () => {
    expect(ini.server.root_url).toBeUndefined();
    expect(ini.security.cookie_secure).toBe(false);
    const exposed = buildGrafanaIni({ httpPort: 3000, externalHost: "grafana.example.com", tls: true });
    expect(exposed.server).toMatchObject({ root_url: "https://grafana.example.com/", domain: "grafana.example.com" });
    expect(exposed.security.cookie_secure).toBe(true);
    expect(buildGrafanaIni({ httpPort: 3000, externalHost: "g.example.com", tls: false }).server.root_url).toBe("http://g.example.com/");
  });

  it("writes INI sections with key = value lines", () => {
    const text = grafanaIni({ server: { http_port: 3000 }, "auth.anonymous": { enabled: false } });
    expect(text).toBe("[server]\nhttp_port = 3000\n\n[auth.anonymous]\nenabled = false\n");
  });

  it("rejects a value spanning lines", () => {
    expect(() => grafanaIni({ server: { domain: "a\nb" } })).toThrow('grafana.ini [server] domain: value "a\\nb" must be one line');
  });
});

describe("dashboard provisioning", () => {
  it("puts every file dashboard into the AI Platform folder, read-only in the UI", () => {
    const providers = buildDashboardProviders().providers;
    expect(providers).toHaveLength(1);
    expect(providers[0]).toMatchObject({
      folder: "AI Platform",
      folderUid: DASHBOARD_FOLDER.uid,
      type: "file",
      allowUiUpdates: false,
      options: { path: GRAFANA_DASHBOARDS_DIR, foldersFromFilesStructure: false },
    });
  });

  it("puts each dashboard in its own ConfigMap, in file-name order", () => {
    const maps = dashboardConfigMaps({ "gpu.json": { uid: "gpu" }, "ai-overview.json": { uid: "ai-overview" }, "Router_Cache.json": { uid: "Router_Cache" } });
    expect(maps.map((m) => m.suffix)).toEqual(["router-cache", "ai-overview", "gpu"]);
    expect(JSON.parse(maps[2].data["gpu.json"])).toEqual({ uid: "gpu" });
  });

  it("rejects a file name a ConfigMap key cannot hold", () => {
    expect(() => dashboardConfigMaps({ "my dashboard.json": {} })).toThrow('dashboard file name "my dashboard.json" must be <uid>.json');
    expect(() => dashboardConfigMaps({ "gpu.yaml": {} })).toThrow(/must be <uid>\.json/);
  });

  it("rejects two files that map to one ConfigMap name", () => {
    expect(() => dashboardConfigMaps({ "a_b.json": {}, "a-b.json": {} })).toThrow('dashboard files "a-b.json" and "a_b.json" map to one ConfigMap name "a-b"');
  });

  it("rejects a dashboard too large for a ConfigMap", () => {
    expect(() => dashboardConfigMaps({ "huge.json": { blob: "x".repeat(MAX_DASHBOARD_BYTES) } })).toThrow(/dashboard "huge.json" is \d+ bytes; expected at most 921600/);
  });
});
