/**
 * The pure builders' TLS for Loki, Jaeger and their clients (the collector, Promtail, Grafana's datasources, the
 * kubelet probes): what each renders with TLS on, that nothing of it renders with TLS off, and each refusal of a
 * planted bad input.
 */
import { buildDatasources } from "../../components/grafana-config";
import { buildJaegerConfig } from "../../components/jaeger-config";
import { httpProbe, overHttps, tcpProbe } from "../../components/kube";
import { buildLokiConfig } from "../../components/loki-config";
import { buildOtelCollectorConfig } from "../../components/otel-collector-config";
import { buildPromtailConfig } from "../../components/promtail-config";
import { parseStackConfig } from "../../config/parse";

const settings = parseStackConfig({ "observability:slackBotToken": "xoxb-1-2-test" }).settings;
const TLS = { certFile: "/etc/x/tls/tls.crt", keyFile: "/etc/x/tls/tls.key" };
const SERVER_TLS = { cert_file: TLS.certFile, key_file: TLS.keyFile };

describe("Loki", () => {
  const build = (tls?: typeof TLS) => buildLokiConfig({ settings: settings.loki, httpPort: 3100, grpcPort: 9095, ...(tls ? { tls } : {}) });
  it("puts the certificate on its HTTP server only with TLS on", () => {
    expect(build(TLS).server.http_tls_config).toEqual(SERVER_TLS);
    expect(Object.keys(build().server)).toEqual(["http_listen_port", "grpc_listen_port", "log_level"]);
  });
  it("refuses a relative certificate", () => {
    expect(() => build({ ...TLS, keyFile: "tls/tls.key" })).toThrow('"keyFile":"tls/tls.key"');
  });
});

describe("Jaeger", () => {
  const build = (tls?: typeof TLS) => buildJaegerConfig({ settings: settings.jaeger, ...(tls ? { tls } : {}) });
  it("puts the certificate on every listener but the metrics reader and the loopback query gRPC", () => {
    const c = build(TLS);
    const listeners = [c.extensions.jaeger_query.http, c.extensions.healthcheckv2.http, c.receivers.otlp.protocols.grpc, c.receivers.otlp.protocols.http, c.receivers.jaeger.protocols.grpc];
    expect(listeners.map((l) => l.tls)).toEqual(Array(5).fill(SERVER_TLS));
    expect(c.extensions.jaeger_query.grpc.tls).toBeUndefined();
    expect(JSON.stringify(build())).not.toContain("tls");
  });
  it("refuses a relative certificate", () => {
    expect(() => build({ ...TLS, certFile: "tls.crt" })).toThrow('"certFile":"tls.crt"');
  });
});

describe("the collector", () => {
  const build = (serverCaFile?: string) =>
    buildOtelCollectorConfig({ settings: settings.otelCollector, environment: "dev", clusterName: "c", serversNamespace: "observability", ...(serverCaFile ? { serverCaFile } : {}) });
  it("exports over TLS verified against the CA with it, in plaintext without", () => {
    const on = build("/etc/otelcol-contrib/server-tls/ca.crt").exporters;
    expect(on["otlp_grpc/jaeger"].tls).toEqual({ ca_file: "/etc/otelcol-contrib/server-tls/ca.crt" });
    expect(on["otlp_http/loki"]).toMatchObject({ endpoint: "https://loki.observability.svc:3100/otlp", tls: { ca_file: "/etc/otelcol-contrib/server-tls/ca.crt" } });
    const off = build().exporters;
    expect(off["otlp_grpc/jaeger"].tls).toEqual({ insecure: true });
    expect(off["otlp_http/loki"]).not.toHaveProperty("tls");
    expect(off["otlp_http/loki"].endpoint).toBe("http://loki.observability.svc:3100/otlp");
  });
  it("refuses a CA path that is not absolute", () => {
    expect(() => build("ca.crt")).toThrow('"ca.crt"');
  });
});

describe("Promtail", () => {
  const build = (lokiPushUrl: string, lokiCaFile?: string) =>
    buildPromtailConfig({ lokiPushUrl, httpPort: 9080, clusterName: "c", maxAge: "168h", ...(lokiCaFile ? { lokiCaFile } : {}) });
  it("pushes over https verified against the CA with it, and as before without", () => {
    expect(build("https://loki.observability.svc:3100/loki/api/v1/push", "/etc/promtail/server-ca/ca.crt").clients[0]).toMatchObject({ tls_config: { ca_file: "/etc/promtail/server-ca/ca.crt" } });
    expect(build("http://loki.observability.svc:3100/loki/api/v1/push").clients[0]).not.toHaveProperty("tls_config");
  });
  it("refuses https without a CA, a CA with http, and a relative CA", () => {
    expect(() => build("https://loki:3100/x")).toThrow('"https://loki:3100/x" is https but no lokiCaFile');
    expect(() => build("http://loki:3100/x", "/ca.crt")).toThrow('got "http://loki:3100/x"');
    expect(() => build("https://loki:3100/x", "ca.crt")).toThrow('lokiCaFile "ca.crt"');
  });
});

describe("Grafana's Loki and Jaeger datasources", () => {
  const base = { prometheusUrl: "http://prometheus:9090", prometheusAuth: { user: "o", passwordFile: "/p" }, scrapeInterval: "15s" };
  const ca = "/etc/grafana/server-tls/ca.crt";
  it("verify against the CA over https", () => {
    const ds = buildDatasources({ ...base, lokiUrl: "https://loki:3100", lokiCaFile: ca, jaegerUrl: "https://jaeger:16686", jaegerCaFile: ca }).datasources;
    for (const uid of ["loki", "jaeger"]) {
      const d = ds.find((x) => x.uid === uid)!;
      expect({ uid, tls: d.jsonData.tlsAuthWithCACert, ca: d.secureJsonData }).toEqual({ uid, tls: true, ca: { tlsCACert: `$__file{${ca}}` } });
    }
    const plain = buildDatasources({ ...base, lokiUrl: "http://loki:3100", jaegerUrl: "http://jaeger:16686" }).datasources;
    expect(plain.filter((d) => d.secureJsonData?.tlsCACert !== undefined || d.jsonData.tlsAuthWithCACert !== undefined)).toEqual([]);
  });
  it("refuse https without a CA and a CA with http", () => {
    expect(() => buildDatasources({ ...base, lokiUrl: "https://loki:3100", jaegerUrl: "http://jaeger:16686" })).toThrow('lokiUrl "https://loki:3100" is https but no lokiCaFile');
    expect(() => buildDatasources({ ...base, lokiUrl: "http://loki:3100", jaegerUrl: "http://jaeger:16686", jaegerCaFile: ca })).toThrow('jaegerUrl "http://jaeger:16686" is not https');
  });
});

describe("the probes", () => {
  it("switch an httpGet probe to HTTPS and refuse any other probe", () => {
    expect(overHttps(httpProbe("/ready", "http")).httpGet).toEqual({ path: "/ready", port: "http", scheme: "HTTPS" });
    expect(() => overHttps(tcpProbe("http"))).toThrow("httpGet");
  });
});
