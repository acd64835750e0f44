/** Where TLS on the servers shows in a run of the program: empty when tls.mode is off. */
import { find, StackRun } from "./program";

export function tlsTraces(run: StackRun): string[] {
  const out: string[] = [];
  if (run.manifests.some((m) => m.kind === "Certificate")) out.push("Certificate");
  if (run.recorded.some((r) => r.type.includes("ServerTls"))) out.push("ServerTls component");
  for (const m of run.manifests) if (JSON.stringify(m).includes('"server-tls"')) out.push(`${m.kind}/${m.metadata.name} mounts server-tls`);
  for (const m of run.manifests) if (JSON.stringify(m).includes('"HTTPS"')) out.push(`${m.kind}/${m.metadata.name} probes or proxies over HTTPS`);
  const data = (name: string, key: string) => find(run.manifests, "ConfigMap", name).data[key] as string;
  const prom = data("prometheus-config", "prometheus.yml");
  if (/tls_config|scheme: https/.test(prom)) out.push("prometheus.yml uses TLS");
  if (data("grafana-datasources", "datasources.yaml").includes("tlsCACert")) out.push("datasource uses TLS");
  if (data("loki-config", "loki.yaml").includes("tls")) out.push("loki.yaml has TLS");
  if (data("jaeger-config", "config.yaml").includes("tls")) out.push("jaeger config has TLS");
  if (/https:|ca_file/.test(data("otel-collector-config", "config.yaml"))) out.push("collector exports over TLS");
  if (/https:|tls_config/.test(data("promtail-config", "promtail.yaml"))) out.push("promtail pushes over TLS");
  return out;
}
