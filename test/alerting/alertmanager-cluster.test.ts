/**
 * Prod's Alertmanager cluster as rendered: three replicas gossiping through the headless Service, each advertising its
 * pod IP, and every Prometheus sending to every replica. The last is checked by running the rendered alerting
 * discovery over the pods the rendered workloads would have (every container port of every pod in the namespace, as
 * Kubernetes pod discovery reports them): what is left must be each Alertmanager pod's API port, one target per pod,
 * never a Service that would hand each alert to one replica only.
 */
import { load } from "js-yaml";
import { Doc, loadManifests, renderedStack } from "../support/render";

interface Relabel {
  source_labels?: string[];
  regex?: string;
  action?: string;
  separator?: string;
}
interface AlertmanagersBlock {
  kubernetes_sd_configs?: { role: string; namespaces?: { names: string[] } }[];
  static_configs?: unknown[];
  dns_sd_configs?: unknown[];
  file_sd_configs?: unknown[];
  relabel_configs?: Relabel[];
}
type Labels = Record<string, string>;
type Workload = Doc & { spec: { replicas?: number; template: { metadata: { labels: Labels }; spec: { containers: Record<string, any>[] } } } };

let docs: Doc[];
let alertmanagers: AlertmanagersBlock[];
beforeAll(() => {
  const run = renderedStack("prod");
  if (run.status !== 0) throw new Error(`render --stack prod failed:\n${run.stderr}`);
  docs = loadManifests(run.file);
  const cm = docs.find((d) => d.kind === "ConfigMap" && d.metadata.name === "prometheus-config") as Doc & { data: Record<string, string> };
  alertmanagers = (load(cm.data["prometheus.yml"]) as { alerting: { alertmanagers: AlertmanagersBlock[] } }).alerting.alertmanagers;
});

const workload = (kind: string, name: string) => {
  const w = docs.find((d) => d.kind === kind && d.metadata.name === name);
  if (!w) throw new Error(`rendered prod has no ${kind} ${name}`);
  return w as Workload;
};

/** Keep and drop as Prometheus applies them (anchored regex, `;`-joined sources); any other action fails the test. */
function kept(target: Labels, rules: readonly Relabel[]): boolean {
  for (const r of rules) {
    const value = (r.source_labels ?? []).map((l) => target[l] ?? "").join(r.separator ?? ";");
    const match = new RegExp(`^(?:${r.regex ?? "(.*)"})$`, "s").test(value);
    if (r.action === "keep" && !match) return false;
    else if (r.action === "drop" && match) return false;
    else if (r.action !== "keep" && r.action !== "drop") throw new Error(`relabel action ${JSON.stringify(r.action)} is not simulated here`);
  }
  return true;
}

/**
 * What `role: pod` discovery reports for every pod of every Deployment and StatefulSet in the namespace: one target
 * per container port, at pod IP and container port, with the pod's labels. Pod IPs are 10.0.<workload>.<ordinal>.
 */
function podTargets(namespace: string): Labels[] {
  const workloads = docs.filter((d) => (d.kind === "StatefulSet" || d.kind === "Deployment") && d.metadata.namespace === namespace) as Workload[];
  return workloads.flatMap((w, wi) =>
    Array.from({ length: w.spec.replicas ?? 1 }, (_, i) => {
      const pod = w.kind === "StatefulSet" ? `${w.metadata.name}-${i}` : `${w.metadata.name}-7f9c-${i}`;
      const labels = Object.fromEntries(Object.entries(w.spec.template.metadata.labels).map(([k, v]) => [`__meta_kubernetes_pod_label_${k.replace(/[^a-zA-Z0-9_]/g, "_")}`, v]));
      return w.spec.template.spec.containers.flatMap((c) =>
        (c.ports ?? []).map((p: { name?: string; containerPort: number; protocol?: string }) => ({
          __address__: `10.0.${wi}.${i + 10}:${p.containerPort}`,
          __meta_kubernetes_namespace: namespace,
          __meta_kubernetes_pod_name: pod,
          __meta_kubernetes_pod_ip: `10.0.${wi}.${i + 10}`,
          __meta_kubernetes_pod_container_name: c.name,
          __meta_kubernetes_pod_container_port_number: String(p.containerPort),
          __meta_kubernetes_pod_container_port_protocol: p.protocol ?? "TCP",
          ...(p.name ? { __meta_kubernetes_pod_container_port_name: p.name } : {}),
          ...labels,
        })),
      );
    }).flat(),
  );
}

describe("prod's Alertmanager cluster as rendered", () => {
  it("runs three replicas that gossip on 9094 with every pod of the headless Service, each advertising its pod IP", () => {
    const sts = workload("StatefulSet", "alertmanager");
    expect(sts.spec.replicas).toBe(3);
    const c = sts.spec.template.spec.containers[0];
    const args: string[] = c.args;
    const headless = docs.find((d) => d.kind === "Service" && d.metadata.name === (sts.spec as Record<string, any>).serviceName) as Doc & { spec: Record<string, any> };
    expect(headless.spec.clusterIP).toBe("None");
    const peers = args.filter((a) => a.startsWith("--cluster.peer=")).map((a) => a.slice("--cluster.peer=".length));
    expect(peers).toEqual([0, 1, 2].map((i) => `alertmanager-${i}.${headless.metadata.name}.${sts.metadata.namespace}.svc:9094`));
    expect(args).toContain("--cluster.listen-address=0.0.0.0:9094");
    // Kubernetes expands $(POD_IP) from the container's env, which must be the pod IP itself.
    expect(args).toContain("--cluster.advertise-address=[$(POD_IP)]:9094");
    expect(c.env).toContainEqual({ name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } });
    expect(c.ports.filter((p: any) => p.containerPort === 9094).map((p: any) => p.protocol).sort()).toEqual(["TCP", "UDP"]);
  });

  it("has every Prometheus discover each Alertmanager pod's API port, not a load-balanced Service", () => {
    const sts = workload("StatefulSet", "alertmanager");
    // Every way of listing targets other than pod (or endpoint) discovery could name a Service's virtual IP.
    for (const a of alertmanagers) {
      expect([a.static_configs, a.dns_sd_configs, a.file_sd_configs]).toEqual([undefined, undefined, undefined]);
      for (const sd of a.kubernetes_sd_configs ?? []) expect(["pod", "endpoints", "endpointslice"]).toContain(sd.role);
    }
    const found = alertmanagers.flatMap((a) =>
      (a.kubernetes_sd_configs ?? []).flatMap((sd) =>
        (sd.namespaces?.names ?? [sts.metadata.namespace!]).flatMap((ns) => podTargets(ns)).filter((t) => kept(t, a.relabel_configs ?? [])),
      ),
    );
    const apiPort = sts.spec.template.spec.containers[0].ports.find((p: any) => p.name === "http").containerPort;
    expect(apiPort).toBe(9093);
    expect(found.map((t) => [t.__meta_kubernetes_pod_name, t.__address__.split(":")[1]])).toEqual([0, 1, 2].map((i) => [`alertmanager-${i}`, "9093"]));
    expect(new Set(found.map((t) => t.__address__)).size).toBe(sts.spec.replicas);
    // The two Prometheus replicas read the same file: each sends to all three.
    expect(workload("StatefulSet", "prometheus").spec.replicas).toBe(2);
  });
});
