/**
 * TLS on Loki and Jaeger in the prod stack with tls.mode cert-manager: each server's rendered TLS settings, what it
 * mounts from the issued Secret, its probes, and that every client (Grafana, Promtail, the collector, Prometheus)
 * uses https or TLS and verifies against ca.crt, Promtail from the ConfigMap in the agents namespace.
 */
import { load } from "js-yaml";
import { find, runStack, StackRun } from "../support/program";
import { tlsTraces } from "../support/tls-traces";

let stack: StackRun;
beforeAll(async () => {
  stack = await runStack("prod", {
    "observability:tls": JSON.stringify({ mode: "cert-manager", issuer: { kind: "ClusterIssuer", name: "internal-ca" }, agentsCaConfigMap: "servers-ca" }),
  });
});

const podSpec = (kind: string, name: string) => find(stack.manifests, kind, name).spec.template.spec;
const container = (kind: string, name: string) => podSpec(kind, name).containers[0];
const volume = (kind: string, name: string) => podSpec(kind, name).volumes.find((v: { name: string }) => v.name === "server-tls");
const mount = (kind: string, name: string) => container(kind, name).volumeMounts.find((m: { name: string }) => m.name === "server-tls");
const configOf = (name: string, key: string) => load(find(stack.manifests, "ConfigMap", name).data[key]) as Record<string, any>;
const secretItems = (keys: string[]) => ({ secretName: "observability-servers-tls", defaultMode: 0o440, items: keys.map((k) => ({ key: k, path: k })) });

describe("Loki", () => {
  it("serves HTTP only over TLS with the mounted certificate and key, gRPC left plain", () => {
    const server = configOf("loki-config", "loki.yaml").server;
    expect(server.http_tls_config).toEqual({ cert_file: "/etc/loki/tls/tls.crt", key_file: "/etc/loki/tls/tls.key" });
    expect(server.grpc_tls_config).toBeUndefined();
    expect(volume("StatefulSet", "loki").secret).toEqual(secretItems(["tls.crt", "tls.key"]));
    expect(mount("StatefulSet", "loki")).toEqual({ name: "server-tls", mountPath: "/etc/loki/tls", readOnly: true });
  });

  it("is probed over HTTPS", () => {
    const c = container("StatefulSet", "loki");
    for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) expect({ probe, scheme: c[probe].httpGet.scheme }).toEqual({ probe, scheme: "HTTPS" });
  });
});

describe("Jaeger", () => {
  it("serves the UI and API, both OTLP receivers, the seed's gRPC port and the health check over TLS; the metrics reader stays plain", () => {
    const config = configOf("jaeger-config", "config.yaml");
    const tls = { cert_file: "/etc/jaeger/tls/tls.crt", key_file: "/etc/jaeger/tls/tls.key" };
    expect(config.extensions.jaeger_query.http).toEqual({ endpoint: "0.0.0.0:16686", tls });
    expect(config.receivers.otlp.protocols).toEqual({ grpc: { endpoint: "0.0.0.0:4317", tls }, http: { endpoint: "0.0.0.0:4318", tls } });
    expect(config.receivers.jaeger.protocols.grpc).toEqual({ endpoint: "0.0.0.0:14250", tls });
    expect(config.extensions.healthcheckv2.http.tls).toEqual(tls);
    expect(config.extensions.jaeger_query.grpc).toEqual({ endpoint: "localhost:16685" });
    expect(JSON.stringify(config.service.telemetry)).not.toContain("tls");
    expect(volume("Deployment", "jaeger").secret).toEqual(secretItems(["tls.crt", "tls.key"]));
    expect(mount("Deployment", "jaeger")).toEqual({ name: "server-tls", mountPath: "/etc/jaeger/tls", readOnly: true });
  });

  it("is probed over HTTPS", () => {
    const c = container("Deployment", "jaeger");
    for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) expect({ probe, scheme: c[probe].httpGet.scheme }).toEqual({ probe, scheme: "HTTPS" });
  });
});

describe("the clients", () => {
  it("the collector exports to Jaeger's ingest Service and to Loki over TLS, verifying against its mount of ca.crt only", () => {
    const exporters = configOf("otel-collector-config", "config.yaml").exporters;
    expect(exporters["otlp_grpc/jaeger"]).toMatchObject({ endpoint: "jaeger-ingest.observability.svc:4317", tls: { ca_file: "/etc/otelcol-contrib/server-tls/ca.crt" } });
    expect(exporters["otlp_grpc/jaeger"].tls.insecure).toBeUndefined();
    expect(exporters["otlp_http/loki"]).toMatchObject({ endpoint: "https://loki.observability.svc:3100/otlp", tls: { ca_file: "/etc/otelcol-contrib/server-tls/ca.crt" } });
    expect(volume("Deployment", "otel-collector").secret).toEqual(secretItems(["ca.crt"]));
  });

  it("Promtail pushes over https and verifies Loki against the CA ConfigMap in the agents namespace", () => {
    const client = configOf("promtail-config", "promtail.yaml").clients[0];
    expect(client.url).toBe("https://loki.observability.svc:3100/loki/api/v1/push");
    expect(client.tls_config).toEqual({ ca_file: "/etc/promtail/server-ca/ca.crt" });
    const ds = find(stack.manifests, "DaemonSet", "promtail");
    expect(ds.metadata.namespace).toBe("observability-agents");
    expect(volume("DaemonSet", "promtail")).toEqual({ name: "server-tls", configMap: { name: "servers-ca", items: [{ key: "ca.crt", path: "ca.crt" }] } });
    expect(mount("DaemonSet", "promtail")).toEqual({ name: "server-tls", mountPath: "/etc/promtail/server-ca", readOnly: true });
  });

  it("Grafana's Loki and Jaeger datasources use https and the CA", () => {
    const file = configOf("grafana-datasources", "datasources.yaml") as { datasources: Record<string, any>[] };
    for (const [uid, url] of [["loki", "https://loki.observability.svc:3100"], ["jaeger", "https://jaeger.observability.svc:16686"]]) {
      const ds = file.datasources.find((d) => d.uid === uid)!;
      expect({ uid, url: ds.url, ca: ds.jsonData.tlsAuthWithCACert, file: ds.secureJsonData?.tlsCACert }).toEqual({ uid, url, ca: true, file: "$__file{/etc/grafana/server-tls/ca.crt}" });
    }
  });

  it("Prometheus scrapes Loki over https; Jaeger's metrics reader, which has no TLS, over http", () => {
    const jobs = configOf("prometheus-config", "prometheus.yml").scrape_configs as Record<string, any>[];
    expect(jobs.find((j) => j.job_name === "loki")).toMatchObject({ scheme: "https", tls_config: { ca_file: "/etc/prometheus/tls/ca.crt", server_name: "loki.observability.svc" } });
    expect(jobs.find((j) => j.job_name === "jaeger")!.scheme).toBeUndefined();
  });
});

describe("the off-mode check (off.test.ts)", () => {
  it("finds each new TLS piece in this render", () => {
    expect(tlsTraces(stack)).toEqual(
      expect.arrayContaining([
        "loki.yaml has TLS",
        "jaeger config has TLS",
        "collector exports over TLS",
        "promtail pushes over TLS",
        "StatefulSet/loki mounts server-tls",
        "Deployment/jaeger mounts server-tls",
        "Deployment/otel-collector mounts server-tls",
        "DaemonSet/promtail mounts server-tls",
        "StatefulSet/loki probes or proxies over HTTPS",
        "Deployment/jaeger probes or proxies over HTTPS",
      ]),
    );
  });
});
