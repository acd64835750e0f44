/** Where TLS on Prometheus and Alertmanager shows in a run of the program: empty when tls.mode is off. */
import { find, StackRun } from "./program";

export function tlsTraces(run: StackRun): string[] {
  const out: string[] = [];
  if (run.manifests.some((m) => m.kind === "Certificate")) out.push("Certificate");
  if (run.recorded.some((r) => r.type.includes("ServerTls"))) out.push("ServerTls component");
  for (const m of run.manifests) if (JSON.stringify(m).includes('"server-tls"')) out.push(`${m.kind}/${m.metadata.name} mounts server-tls`);
  const prom = find(run.manifests, "ConfigMap", "prometheus-config").data["prometheus.yml"] as string;
  if (/tls_config|scheme: https/.test(prom)) out.push("prometheus.yml uses TLS");
  if ((find(run.manifests, "ConfigMap", "grafana-datasources").data["datasources.yaml"] as string).includes("tlsCACert")) out.push("datasource uses TLS");
  return out;
}
