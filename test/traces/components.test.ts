import { IMAGES } from "../../components/images";
import * as path from "node:path";
import { load } from "js-yaml";
import { readStackFile } from "../../scripts/lib/stack-file";
import { find, ROOT, runStack, StackRun } from "../support/program";

/** The prod stack with two platform namespaces that get the collector's short name. */
const prodCollector = JSON.parse(readStackFile(path.join(ROOT, "Pulumi.prod.yaml")).config["observability:otelCollector"]) as Record<string, unknown>;
const PLATFORM_NAMESPACES = ["ai-platform", "ai-agents"];

let stack: StackRun;
beforeAll(async () => {
  stack = await runStack("prod", { "observability:otelCollector": JSON.stringify({ ...prodCollector, platformNamespaces: PLATFORM_NAMESPACES }) });
});

const container = (w: Record<string, any>) => w.spec.template.spec.containers[0];
/** A Service by namespace too: the collector's name exists in the platform namespaces as well. */
const service = (name: string, namespace = "observability") => {
  const svc = stack.manifests.find((m) => m.kind === "Service" && m.metadata.name === name && m.metadata.namespace === namespace);
  if (!svc) throw new Error(`no Service ${namespace}/${name}`);
  return svc as Record<string, any>;
};
const portsOf = (list: { port?: number; containerPort?: number; protocol?: string }[]) =>
  list.map((p) => `${p.port ?? p.containerPort}/${p.protocol ?? "TCP"}`).sort();

/** The seed's port table and receiver list, per service. */
const SEED_PORTS = {
  "otel-collector": ["4317/TCP", "4318/TCP", "8888/TCP", "13133/TCP", "14250/TCP", "14268/TCP", "6831/UDP", "6832/UDP", "9411/TCP"],
  jaeger: ["16686/TCP", "14250/TCP"],
};

describe("OpenTelemetry Collector component", () => {
  const deployment = () => find(stack.manifests, "Deployment", "otel-collector");

  it("exposes every port of the seed, the Thrift ones over UDP, plus the Prometheus exporter", () => {
    const svc = service("otel-collector");
    expect(svc.spec.type).toBe("ClusterIP");
    const ports = portsOf(svc.spec.ports);
    expect(ports).toEqual(expect.arrayContaining(SEED_PORTS["otel-collector"]));
    expect(ports).toEqual([...SEED_PORTS["otel-collector"], "8889/TCP"].sort());
    expect(portsOf(container(deployment()).ports)).toEqual(ports);
    for (const p of svc.spec.ports) expect(p.targetPort).toBe(p.name);
  });

  it("runs the pinned contrib image with its config file, GOMEMLIMIT at 80% of the memory limit", () => {
    const c = container(deployment());
    expect(c.image).toBe(`docker.io/otel/opentelemetry-collector-contrib:0.158.0@${IMAGES.otelCollector.digest}`);
    expect(c.args).toEqual(["--config=/etc/otelcol-contrib/config.yaml"]);
    expect(c.resources.limits.memory).toBe("768Mi");
    expect(c.env).toEqual([{ name: "GOMEMLIMIT", value: "614MiB" }]);
    const config = load(find(stack.manifests, "ConfigMap", "otel-collector-config").data["config.yaml"]) as Record<string, any>;
    expect(config.processors.memory_limiter.limit_mib).toBe(512);
    expect(config.processors.resource.attributes.map((a: { value: string }) => a.value)).toEqual(["prod", "ai-platform-prod"]);
  });

  it("leaves its replicas to the autoscaler, spread and covered by a disruption budget, restricted and read-only", () => {
    const d = deployment();
    // prod's HorizontalPodAutoscaler owns the count: an apply that set it would undo every scaling decision.
    expect(d.spec.replicas).toBeUndefined();
    const hpa = find(stack.manifests, "HorizontalPodAutoscaler", "otel-collector");
    expect(hpa.apiVersion).toBe("autoscaling/v2");
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: "otel-collector" });
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([2, 6]);
    expect(hpa.spec.metrics.map((m: any) => [m.resource.name, m.resource.target.averageUtilization])).toEqual([["cpu", 70], ["memory", 70]]);
    expect(d.spec.template.spec.topologySpreadConstraints.map((c: any) => c.topologyKey)).toEqual(["kubernetes.io/hostname", "topology.kubernetes.io/zone"]);
    expect(find(stack.manifests, "PodDisruptionBudget", "otel-collector").spec.maxUnavailable).toBe(1);
    expect(d.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
    expect(container(d).securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
    expect(d.spec.template.metadata.annotations["checksum/config"]).toMatch(/^[0-9a-f]{64}$/);
  });

  it("is probed on the health check extension", () => {
    const c = container(deployment());
    expect(c.readinessProbe.httpGet).toEqual({ path: "/", port: "health" });
    expect(c.livenessProbe.httpGet).toEqual({ path: "/", port: "health" });
  });

  it("may only read pods, namespaces and replica sets, through its own service account", () => {
    const role = find(stack.manifests, "ClusterRole", "observability-otel-collector");
    expect(role.rules).toEqual([
      { apiGroups: [""], resources: ["pods", "namespaces"], verbs: ["get", "list", "watch"] },
      { apiGroups: ["apps"], resources: ["replicasets"], verbs: ["get", "list", "watch"] },
    ]);
    const binding = find(stack.manifests, "ClusterRoleBinding", "observability-otel-collector");
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "otel-collector", namespace: "observability" }]);
    expect(deployment().spec.template.spec.serviceAccountName).toBe("otel-collector");
  });

  it("gives each configured platform namespace the short name otel-collector", () => {
    for (const ns of PLATFORM_NAMESPACES) {
      expect(service("otel-collector", ns).spec).toEqual({ type: "ExternalName", externalName: "otel-collector.observability.svc.cluster.local" });
    }
  });
});

describe("Jaeger component", () => {
  const deployment = () => find(stack.manifests, "Deployment", "jaeger");

  it("exposes the seed's UI and gRPC ports; its OTLP receiver only on jaeger-ingest, the Service the collector exports to", () => {
    const ports = portsOf(service("jaeger").spec.ports);
    expect(ports).toEqual(expect.arrayContaining([...SEED_PORTS.jaeger]));
    expect(ports).not.toContain("4317/TCP");
    expect(ports).not.toContain("4318/TCP");
    expect(portsOf(service("jaeger-ingest").spec.ports)).toEqual(["4317/TCP"]);
    expect(service("jaeger-ingest").spec.selector).toEqual(service("jaeger").spec.selector);
  });

  it("runs one replica of the pinned v2 image, recreated rather than rolled", () => {
    const d = deployment();
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.strategy).toEqual({ type: "Recreate" });
    expect(container(d).image).toBe("docker.io/jaegertracing/jaeger:2.13.0");
    expect(container(d).args).toEqual(["--config", "/etc/jaeger/config.yaml"]);
  });

  it("keeps Badger on a claim sized from config, writable through fsGroup 10001", () => {
    const claim = find(stack.manifests, "PersistentVolumeClaim", "jaeger-data");
    expect(claim.spec).toEqual({ accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "100Gi" } } });
    const pod = deployment().spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsUser: 10001, fsGroup: 10001 });
    expect(pod.volumes).toContainEqual({ name: "data", persistentVolumeClaim: { claimName: "jaeger-data" } });
    expect(container(deployment()).volumeMounts).toContainEqual({ name: "data", mountPath: "/badger" });
    expect(container(deployment()).securityContext.readOnlyRootFilesystem).toBe(true);
    const config = load(find(stack.manifests, "ConfigMap", "jaeger-config").data["config.yaml"]) as Record<string, any>;
    expect(config.extensions.jaeger_storage.backends.badger_main.badger).toMatchObject({ ephemeral: false, ttl: { spans: "336h" } });
  });

  it("is probed on /status of healthcheckv2, with time to open a large store", () => {
    const c = container(deployment());
    for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) expect(probe.httpGet).toEqual({ path: "/status", port: "health" });
    expect(c.startupProbe.failureThreshold * c.startupProbe.periodSeconds).toBeGreaterThanOrEqual(600);
  });
});

describe("scrape jobs", () => {
  const jobs = () => (load(find(stack.manifests, "ConfigMap", "prometheus-config").data["prometheus.yml"]) as { scrape_configs: Record<string, any>[] }).scrape_configs;

  it.each([
    ["otel-collector", "otel-collector", "metrics"],
    ["otel-collector-metrics", "otel-collector", "prom-exporter"],
    ["jaeger", "jaeger", "metrics"],
  ])("job %s selects the %s pods on a container port they have", (job, workload, portName) => {
    const scrape = jobs().find((j) => j.job_name === job);
    const keep = (label: string) => scrape?.relabel_configs.find((r: { source_labels?: string[] }) => r.source_labels?.[0] === label)?.regex;
    const d = find(stack.manifests, "Deployment", workload);
    expect(keep("__meta_kubernetes_pod_label_app_kubernetes_io_name")).toBe(d.spec.template.metadata.labels["app.kubernetes.io/name"]);
    expect(keep("__meta_kubernetes_pod_container_port_name")).toBe(portName);
    expect(container(d).ports.map((p: { name: string }) => p.name)).toContain(portName);
  });
});
