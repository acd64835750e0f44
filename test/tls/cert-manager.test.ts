/**
 * tls.mode cert-manager in the prod stack: the Certificate (names, issuer, Secret), what each consumer mounts from
 * the issued Secret, and that every client of Prometheus and Alertmanager uses https and verifies against ca.crt.
 */
import { load } from "js-yaml";
import { find, runStack, StackRun } from "../support/program";
import { tlsTraces } from "../support/tls-traces";

let stack: StackRun;
beforeAll(async () => {
  stack = await runStack("prod", { "observability:tls": JSON.stringify({ mode: "cert-manager", issuer: { kind: "ClusterIssuer", name: "internal-ca" }, agentsCaConfigMap: "servers-ca" }) });
});

const podSpec = (kind: string, name: string) => find(stack.manifests, kind, name).spec.template.spec;
const container = (kind: string, name: string) => podSpec(kind, name).containers[0];
const tlsVolume = (kind: string, name: string) => podSpec(kind, name).volumes.find((v: { name: string }) => v.name === "server-tls");
const tlsMount = (kind: string, name: string) => container(kind, name).volumeMounts.find((m: { name: string }) => m.name === "server-tls");

describe("the Certificate", () => {
  it("is a cert-manager.io/v1 Certificate for every server's Service and each of prod's three Alertmanager pods, issued into the derived Secret", () => {
    const cert = find(stack.manifests, "Certificate", "observability-servers");
    expect(cert.apiVersion).toBe("cert-manager.io/v1");
    expect(cert.metadata.namespace).toBe("observability");
    expect(cert.spec).toMatchObject({
      secretName: "observability-servers-tls",
      issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: "internal-ca" },
      dnsNames: [
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
      ],
    });
    expect(find(stack.manifests, "StatefulSet", "alertmanager").spec.replicas).toBe(3);
  });
});

describe("the servers", () => {
  it("mount the issued Secret's certificate and key beside the web config, which tls_server_config reads as ../tls", () => {
    for (const [name, keys] of [["prometheus", ["tls.crt", "tls.key", "ca.crt"]], ["alertmanager", ["tls.crt", "tls.key"]]] as const) {
      expect(tlsVolume("StatefulSet", name).secret).toEqual({ secretName: "observability-servers-tls", defaultMode: 0o440, items: keys.map((k) => ({ key: k, path: k })) });
      expect(tlsMount("StatefulSet", name)).toEqual({ name: "server-tls", mountPath: `/etc/${name}/tls`, readOnly: true });
      const webAuthDir = container("StatefulSet", name).volumeMounts.find((m: { name: string }) => m.name === "web-auth").mountPath;
      expect(webAuthDir).toBe(`/etc/${name}/web-auth`);
    }
  });

  it("are probed over https on loopback", () => {
    for (const name of ["prometheus", "alertmanager"]) {
      const c = container("StatefulSet", name);
      for (const kind of ["readinessProbe", "livenessProbe", ...(name === "prometheus" ? ["startupProbe"] : [])]) {
        expect(c[kind].exec.command[2]).toMatch(/--no-check-certificate .* https:\/\/127\.0\.0\.1:90\d\d\/-\//);
      }
    }
  });

  it("keep Alertmanager's gossip as it was (TLS there is out of scope) and link to it over https", () => {
    const args = container("StatefulSet", "alertmanager").args as string[];
    expect(args).toContain("--web.external-url=https://alertmanager.observability.svc:9093");
    expect(args.some((a) => a.startsWith("--cluster.tls-config"))).toBe(false);
  });
});

describe("the clients", () => {
  it("Prometheus alerts and scrapes Prometheus, Alertmanager and Loki over https, verifying the Service names against the mounted ca.crt", () => {
    const prom = load(find(stack.manifests, "ConfigMap", "prometheus-config").data["prometheus.yml"]) as Record<string, any>;
    expect(prom.alerting.alertmanagers[0]).toMatchObject({ scheme: "https", tls_config: { ca_file: "/etc/prometheus/tls/ca.crt", server_name: "alertmanager.observability.svc" } });
    const tlsJobs = prom.scrape_configs.filter((j: any) => j.tls_config).map((j: any) => [j.job_name, j.scheme, j.tls_config.server_name]);
    expect(tlsJobs).toEqual([
      ["prometheus", "https", "prometheus.observability.svc"],
      ["alertmanager", "https", "alertmanager.observability.svc"],
      ["loki", "https", "loki.observability.svc"],
    ]);
  });

  it("Grafana's datasource uses https and the CA from its mount of ca.crt only", () => {
    const file = load(find(stack.manifests, "ConfigMap", "grafana-datasources").data["datasources.yaml"]) as { datasources: Record<string, any>[] };
    const ds = file.datasources.find((d) => d.uid === "prometheus")!;
    expect(ds.url).toBe("https://prometheus.observability.svc:9090");
    expect(ds.jsonData.tlsAuthWithCACert).toBe(true);
    expect(ds.secureJsonData.tlsCACert).toBe("$__file{/etc/grafana/server-tls/ca.crt}");
    expect(tlsVolume("Deployment", "grafana").secret.items).toEqual([{ key: "ca.crt", path: "ca.crt" }]);
    expect(tlsMount("Deployment", "grafana").mountPath).toBe("/etc/grafana/server-tls");
  });
});

describe("the off-mode check (off.test.ts)", () => {
  it("finds every TLS piece in this render", () => {
    expect(tlsTraces(stack)).toEqual(expect.arrayContaining(["Certificate", "prometheus.yml uses TLS", "datasource uses TLS", "StatefulSet/prometheus mounts server-tls"]));
  });
});
