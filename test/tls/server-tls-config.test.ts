/**
 * TLS on Prometheus' and Alertmanager's servers, piece by piece: the config keys and their cross-checks, the
 * certificate's names and spec, the web config's tls_server_config, Prometheus' client blocks, Grafana's datasource
 * and the probes. Each check is shown failing on a planted bad input.
 */
import { load } from "js-yaml";
import { ConfigError, parseStackConfig } from "../../config/parse";
import { buildDatasources } from "../../components/grafana-config";
import { authorizedHttpProbe, authorizedWgetCommand } from "../../components/kube";
import { PrometheusConfigArgs, buildPrometheusConfig } from "../../components/prometheus-config";
import {
  SERVER_TLS_CERTIFICATE_SECRET,
  ServerNamesArgs,
  TlsSettings,
  certificateSpec,
  clientTls,
  serverDnsNames,
  serverTlsSecretName,
  tlsServerConfig,
} from "../../components/server-tls-config";
import { buildWebConfig, hashWebPassword, webConfigFor } from "../../components/web-auth-config";
import { readStackFile } from "../../scripts/lib/stack-file";
import { ROOT } from "../support/program";
import { makeServerCertificates } from "../support/server-certs";
import * as path from "node:path";

const BOT_TOKEN = "xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx";
function problemsOf(tls: unknown): string[] {
  try {
    parseStackConfig({ "observability:slackBotToken": BOT_TOKEN, "observability:tls": JSON.stringify(tls) });
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map((p) => `${p.key}: ${p.message}`);
    throw e;
  }
  return [];
}
const settingsOf = (tls: unknown) => parseStackConfig({ "observability:slackBotToken": BOT_TOKEN, "observability:tls": JSON.stringify(tls) }).settings.tls;

describe("tls config", () => {
  it("is off by default, and both stack files keep it off", () => {
    expect(parseStackConfig({ "observability:slackBotToken": BOT_TOKEN }).settings.tls).toEqual({ mode: "off", secretName: "", issuer: { kind: "ClusterIssuer", name: "" }, agentsCaConfigMap: "" });
    for (const stack of ["dev", "prod"]) {
      const file = readStackFile(path.join(ROOT, `Pulumi.${stack}.yaml`));
      expect({ stack, tls: file.config["observability:tls"] }).toEqual({ stack, tls: undefined });
    }
  });

  it("accepts secret mode with a Secret and cert-manager mode with an issuer", () => {
    expect(problemsOf({ mode: "secret", secretName: "servers-tls", agentsCaConfigMap: "servers-ca" })).toEqual([]);
    expect(problemsOf({ mode: "cert-manager", issuer: { kind: "Issuer", name: "internal-ca" }, agentsCaConfigMap: "servers-ca" })).toEqual([]);
  });

  it.each([
    ["secret mode without secretName", { mode: "secret", agentsCaConfigMap: "ca" }, "observability:tls.secretName", 'when tls.mode is "secret"'],
    ["cert-manager mode without an issuer name", { mode: "cert-manager", agentsCaConfigMap: "ca" }, "observability:tls.issuer.name", 'ClusterIssuer when tls.mode is "cert-manager"'],
    ["a secretName that mode cert-manager ignores", { mode: "cert-manager", secretName: "mine", issuer: { name: "ca" }, agentsCaConfigMap: "ca" }, "observability:tls.secretName", 'got "mine"'],
    ["an unknown mode", { mode: "on" }, "observability:tls.mode", 'got "on"'],
    ["an unknown issuer kind", { mode: "cert-manager", issuer: { kind: "CertIssuer", name: "ca" }, agentsCaConfigMap: "ca" }, "observability:tls.issuer.kind", 'got "CertIssuer"'],
    ["a Secret name that is no DNS name", { mode: "secret", secretName: "Servers_TLS", agentsCaConfigMap: "ca" }, "observability:tls.secretName", 'got "Servers_TLS"'],
    ["TLS on without the agents' CA ConfigMap", { mode: "secret", secretName: "servers-tls" }, "observability:tls.agentsCaConfigMap", 'ConfigMap in agentsNamespace (observability-agents)'],
    ["an agents' CA ConfigMap with TLS off", { mode: "off", agentsCaConfigMap: "servers-ca" }, "observability:tls.agentsCaConfigMap", 'got "servers-ca"'],
    ["an agents' CA ConfigMap name that is no DNS name", { mode: "secret", secretName: "s", agentsCaConfigMap: "Servers CA" }, "observability:tls.agentsCaConfigMap", 'got "Servers CA"'],
    ["a misspelled key", { mode: "secret", secret: "x" }, "observability:tls.secret", "secretName"],
  ])("refuses %s, naming the key and value", (_what, tls, key, text) => {
    const problems = problemsOf(tls);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`${key}:`);
    expect(problems[0]).toContain(text);
  });
});

const NAMES: ServerNamesArgs = {
  namespace: "observability",
  clusterDomain: "cluster.local",
  prometheusService: "prometheus",
  alertmanagerService: "alertmanager",
  alertmanagerHeadless: "alertmanager-headless",
  alertmanagerStatefulSet: "alertmanager",
  alertmanagerReplicas: 3,
  lokiService: "loki",
  jaegerService: "jaeger",
  jaegerIngestService: "jaeger-ingest",
};

describe("the certificate", () => {
  it("covers every server's Service, short and with the cluster domain, and every Alertmanager pod", () => {
    expect(serverDnsNames(NAMES)).toEqual([
      "prometheus.observability.svc",
      "prometheus.observability.svc.cluster.local",
      "alertmanager.observability.svc",
      "alertmanager.observability.svc.cluster.local",
      "alertmanager-0.alertmanager-headless.observability.svc",
      "alertmanager-1.alertmanager-headless.observability.svc",
      "alertmanager-2.alertmanager-headless.observability.svc",
      "loki.observability.svc",
      "loki.observability.svc.cluster.local",
      "jaeger.observability.svc",
      "jaeger.observability.svc.cluster.local",
      "jaeger-ingest.observability.svc",
      "jaeger-ingest.observability.svc.cluster.local",
    ]);
  });

  it("refuses a name that is not a DNS name and a replica count below one", () => {
    expect(() => serverDnsNames({ ...NAMES, clusterDomain: "Cluster_Local" })).toThrow('"prometheus.observability.svc.Cluster_Local" is not a valid DNS name');
    expect(() => serverDnsNames({ ...NAMES, alertmanagerReplicas: 0 })).toThrow("got 0");
    expect(() => serverDnsNames({ ...NAMES, jaegerIngestService: "Jaeger_Ingest" })).toThrow('"Jaeger_Ingest.observability.svc" is not a valid DNS name');
  });

  it("is issued by the configured issuer into the derived Secret", () => {
    const tls = settingsOf({ mode: "cert-manager", issuer: { kind: "Issuer", name: "internal-ca" }, agentsCaConfigMap: "servers-ca" });
    const spec = certificateSpec(tls, serverDnsNames(NAMES));
    expect(spec.secretName).toBe(SERVER_TLS_CERTIFICATE_SECRET);
    expect(spec.issuerRef).toEqual({ group: "cert-manager.io", kind: "Issuer", name: "internal-ca" });
    expect(spec.dnsNames).toContain("alertmanager-2.alertmanager-headless.observability.svc");
    expect(serverTlsSecretName(tls)).toBe(SERVER_TLS_CERTIFICATE_SECRET);
  });

  it("is not made for another mode, nor without an issuer name", () => {
    const off: TlsSettings = { mode: "off", secretName: "", issuer: { kind: "ClusterIssuer", name: "" }, agentsCaConfigMap: "" };
    expect(() => certificateSpec(off, ["a.b.svc"])).toThrow('got "off"');
    expect(() => certificateSpec({ ...off, mode: "cert-manager" }, ["a.b.svc"])).toThrow("observability:tls.issuer.name");
    expect(serverTlsSecretName(off)).toBeUndefined();
    expect(serverTlsSecretName({ ...off, mode: "secret", secretName: "given-tls" })).toBe("given-tls");
    expect(() => serverTlsSecretName({ ...off, mode: "secret" })).toThrow("observability:tls.secretName");
  });
});

describe("the web config", () => {
  const hash = hashWebPassword("a-password-of-some-length");
  it("gets tls_server_config with the mounted certificate and key, relative to the web config", () => {
    expect(buildWebConfig("observability", hash, tlsServerConfig())).toEqual({
      tls_server_config: { cert_file: "../tls/tls.crt", key_file: "../tls/tls.key" },
      basic_auth_users: { observability: hash },
    });
    expect(load(webConfigFor("observability", "a-password-of-some-length", tlsServerConfig()))).toHaveProperty("tls_server_config.key_file", "../tls/tls.key");
  });

  it("stays without it when TLS is off, and refuses a block without a key file", () => {
    expect(Object.keys(buildWebConfig("observability", hash))).toEqual(["basic_auth_users"]);
    expect(() => buildWebConfig("observability", hash, { cert_file: "../tls/tls.crt", key_file: "" })).toThrow("key_file");
  });
});

function promArgs(tls?: PrometheusConfigArgs["tls"]): PrometheusConfigArgs {
  const sources = parseStackConfig({ "observability:slackBotToken": BOT_TOKEN }).settings.sources;
  return {
    clusterName: "c",
    environment: "dev",
    scrapeInterval: "15s",
    evaluationInterval: "15s",
    namespaces: { servers: "observability", agents: "observability-agents" },
    sources,
    exporters: { redis: false, postgres: false },
    limits: () => ({ sampleLimit: 1000, labelLimit: 30, labelNameLengthLimit: 128, labelValueLengthLimit: 512, targetLimit: 50 }) as never,
    restrictedLabels: {},
    rulesDir: "/etc/prometheus/rules",
    webAuth: { username: "observability", passwordFile: "/etc/prometheus/web-auth/password" },
    ...(tls ? { tls } : {}),
  };
}

describe("Prometheus' clients of the servers", () => {
  const tls = clientTls("/etc/prometheus/tls", "observability", "prometheus", "alertmanager", "loki");
  it("send alerts and scrape themselves over https, verifying the Service names against ca.crt", () => {
    const config = buildPrometheusConfig(promArgs(tls));
    expect(config.alerting.alertmanagers[0]).toMatchObject({
      scheme: "https",
      tls_config: { ca_file: "/etc/prometheus/tls/ca.crt", server_name: "alertmanager.observability.svc" },
    });
    const job = (name: string) => config.scrape_configs.find((j) => j.job_name === name)!;
    expect(job("prometheus")).toMatchObject({ scheme: "https", tls_config: { ca_file: "/etc/prometheus/tls/ca.crt", server_name: "prometheus.observability.svc" } });
    expect(job("alertmanager")).toMatchObject({ scheme: "https", tls_config: { server_name: "alertmanager.observability.svc" } });
    // Loki's metrics are on its TLS HTTP server (no basic auth there); Jaeger's metrics reader and Grafana stay plain.
    expect(job("loki")).toMatchObject({ scheme: "https", tls_config: { ca_file: "/etc/prometheus/tls/ca.crt", server_name: "loki.observability.svc" } });
    expect(job("loki").basic_auth).toBeUndefined();
    for (const other of ["grafana", "jaeger"]) expect(job(other).scheme).toBeUndefined();
  });

  it("stay on http without it, and refuse a relative CA file", () => {
    const config = buildPrometheusConfig(promArgs());
    expect(config.alerting.alertmanagers[0].scheme).toBeUndefined();
    expect(config.scrape_configs.some((j) => j.tls_config !== undefined || j.scheme !== undefined)).toBe(false);
    expect(() => buildPrometheusConfig(promArgs({ ...tls, caFile: "tls/ca.crt" }))).toThrow('"caFile":"tls/ca.crt"');
    expect(() => buildPrometheusConfig(promArgs({ ...tls, lokiServerName: "" }))).toThrow('"lokiServerName":""');
  });
});

describe("Grafana's Prometheus datasource", () => {
  const base = { prometheusAuth: { user: "observability", passwordFile: "/etc/grafana/web-auth/password" }, lokiUrl: "http://loki:3100", jaegerUrl: "http://jaeger:16686", scrapeInterval: "15s" };
  it("verifies Prometheus against the mounted CA", () => {
    const ds = buildDatasources({ ...base, prometheusUrl: "https://prometheus.observability.svc:9090", prometheusCaFile: "/etc/grafana/server-tls/ca.crt" }).datasources[0];
    expect(ds.jsonData.tlsAuthWithCACert).toBe(true);
    expect(ds.secureJsonData).toEqual({ basicAuthPassword: "$__file{/etc/grafana/web-auth/password}", tlsCACert: "$__file{/etc/grafana/server-tls/ca.crt}" });
  });

  it("refuses a CA with an http URL or an unsafe path, and has no TLS keys without one", () => {
    expect(() => buildDatasources({ ...base, prometheusUrl: "http://prometheus:9090", prometheusCaFile: "/etc/grafana/server-tls/ca.crt" })).toThrow('"http://prometheus:9090" is not https');
    expect(() => buildDatasources({ ...base, prometheusUrl: "https://prometheus:9090", prometheusCaFile: "/x/ca.crt}" })).toThrow('"/x/ca.crt}"');
    const ds = buildDatasources({ ...base, prometheusUrl: "http://prometheus:9090" }).datasources[0];
    expect(ds.jsonData.tlsAuthWithCACert).toBeUndefined();
    expect(ds.secureJsonData).toEqual({ basicAuthPassword: "$__file{/etc/grafana/web-auth/password}" });
  });
});

describe("the exec probes", () => {
  it("fetch https on loopback without verification when TLS is on, and http as before when off", () => {
    expect(authorizedWgetCommand("/-/ready", 9090, "/a/authorization", "https")[2]).toBe(
      'exec wget -q -O /dev/null --no-check-certificate --header "Authorization: $(cat /a/authorization)" https://127.0.0.1:9090/-/ready',
    );
    expect((authorizedHttpProbe("/-/ready", 9090, "/a/authorization").exec as { command: string[] }).command).toEqual(authorizedWgetCommand("/-/ready", 9090, "/a/authorization"));
    expect(authorizedWgetCommand("/-/ready", 9090, "/a/authorization")[2]).not.toContain("check-certificate");
  });

  it("refuse another scheme", () => {
    expect(() => authorizedWgetCommand("/-/ready", 9090, "/a/authorization", "ftp" as never)).toThrow('got "ftp"');
  });
});

describe("the tests' openssl helper", () => {
  it("refuses a subject alternative name without its DNS: or IP: prefix", () => {
    expect(() => makeServerCertificates("unused", ["localhost"])).toThrow('got ["localhost"]');
  });
});
