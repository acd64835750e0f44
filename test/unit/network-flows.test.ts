/**
 * The rendered NetworkPolicies of both stacks, evaluated (test/support/network-policy.ts): every flow the stack needs
 * is allowed, and the ones that must not be are denied.
 */
import { connection, Endpoint, podsOf, worldOf, World, PodEndpoint } from "../support/network-policy";
import { CHECKED_STACKS, loadManifests, renderedStack } from "../support/render";

const platformPod = (labels: Record<string, string> = { app: "gateway" }): PodEndpoint => ({ kind: "pod", namespace: "ai-platform", labels });
const strangerPod: PodEndpoint = { kind: "pod", namespace: "batch-jobs", labels: { app: "anything" } };
const SLACK: Endpoint = { kind: "ip", ip: "203.0.113.10" };
const INGRESS_CONTROLLER: PodEndpoint = { kind: "pod", namespace: "ingress-nginx", labels: { app: "controller" } };
const API_SERVER: Endpoint = { kind: "ip", ip: "10.96.0.1" };

describe.each(CHECKED_STACKS)("the %s stack's NetworkPolicies", (stack) => {
  let world: World;
  let pods: Record<string, PodEndpoint>;
  const pod = (name: string) => {
    const key = Object.keys(pods).find((k) => k.endsWith(`/${name}`));
    if (!key) throw new Error(`no workload ${name}`);
    return pods[key];
  };
  // Loki is one workload, or in simple scalable mode (prod-thanos) a write target that takes pushes and a read target
  // that answers queries (network-flows-scale-out.test.ts covers the targets' own flows).
  const loki = (role: "write" | "read") => (Object.keys(pods).some((k) => k.endsWith("/loki")) ? pod("loki") : pod(`loki-${role}`));
  const allowed = (from: Endpoint, to: Endpoint, port: number, protocol: "TCP" | "UDP" = "TCP") => connection(world, from, to, port, protocol).allowed;

  beforeAll(() => {
    const docs = loadManifests(renderedStack(stack).file) as any[];
    world = worldOf(docs);
    pods = podsOf(docs);
  });

  it("isolate every pod of both namespaces for ingress and egress", () => {
    for (const p of Object.values(pods)) {
      const c = connection(world, strangerPod, p, 1);
      expect({ pod: p.name, ingress: c.ingress.isolated }).toEqual({ pod: p.name, ingress: true });
      expect({ pod: p.name, egress: connection(world, p, SLACK, 80).egress.isolated }).toEqual({ pod: p.name, egress: true });
    }
  });

  it("allow every flow the stack needs", () => {
    const flows: [string, Endpoint, Endpoint, number, ("TCP" | "UDP")?][] = [
      ["Prometheus scrapes Alertmanager", pod("prometheus"), pod("alertmanager"), 9093],
      ["Prometheus scrapes a platform pod", pod("prometheus"), platformPod(), 8080],
      ["Prometheus scrapes the DCGM exporter", pod("prometheus"), pod("dcgm-exporter"), 9400],
      ["Prometheus scrapes Promtail", pod("prometheus"), pod("promtail"), 9080],
      ["Prometheus scrapes Loki", pod("prometheus"), loki("write"), 3100],
      ["Prometheus scrapes Jaeger", pod("prometheus"), pod("jaeger"), 8888],
      ["Prometheus scrapes the collector", pod("prometheus"), pod("otel-collector"), 8888],
      ["Prometheus scrapes the collector's exporter", pod("prometheus"), pod("otel-collector"), 8889],
      ["Prometheus scrapes the Redis exporter", pod("prometheus"), pod("redis-exporter"), 9121],
      ["Prometheus scrapes the PostgreSQL exporter", pod("prometheus"), pod("postgres-exporter"), 9187],
      ["Prometheus scrapes Grafana", pod("prometheus"), pod("grafana"), 3000],
      ["Prometheus scrapes itself", pod("prometheus"), pod("prometheus"), 9090],
      ["Prometheus reads the API server", pod("prometheus"), API_SERVER, 443],
      ["Alertmanager gossips over TCP", pod("alertmanager"), pod("alertmanager"), 9094],
      ["Alertmanager gossips over UDP", pod("alertmanager"), pod("alertmanager"), 9094, "UDP"],
      ["Alertmanager posts to Slack", pod("alertmanager"), SLACK, 443],
      ["Grafana queries Prometheus", pod("grafana"), pod("prometheus"), 9090],
      ["Grafana queries Loki", pod("grafana"), loki("read"), 3100],
      ["Grafana queries Jaeger", pod("grafana"), pod("jaeger"), 16686],
      ["Grafana queries PostgreSQL", pod("grafana"), platformPod({ app: "postgres" }), 5432],
      ["a user reaches Grafana through an ingress controller", { kind: "pod", namespace: "ingress-nginx", labels: { app: "controller" } }, pod("grafana"), 3000],
      ["Promtail pushes to Loki", pod("promtail"), loki("write"), 3100],
      ["Promtail reads the API server", pod("promtail"), API_SERVER, 6443],
      ["the collector sends spans to Jaeger", pod("otel-collector"), pod("jaeger"), 4317],
      ["the collector sends logs to Loki", pod("otel-collector"), loki("write"), 3100],
      ["the collector's k8s_attributes reads the API server", pod("otel-collector"), API_SERVER, 443],
      ["a platform pod sends OTLP gRPC to the collector", platformPod(), pod("otel-collector"), 4317],
      ["a platform pod sends OTLP HTTP to the collector", platformPod(), pod("otel-collector"), 4318],
      ["a platform pod sends Jaeger compact thrift to the collector", platformPod(), pod("otel-collector"), 6831, "UDP"],
      ["a platform pod sends Zipkin to the collector", platformPod(), pod("otel-collector"), 9411],
      ["the Redis exporter reaches Redis", pod("redis-exporter"), platformPod({ app: "redis" }), 6379],
      ["the PostgreSQL exporter reaches PostgreSQL", pod("postgres-exporter"), platformPod({ app: "postgres" }), 5432],
      ["the DCGM exporter resolves names", pod("dcgm-exporter"), { kind: "ip", ip: "10.96.0.10" }, 53, "UDP"],
      ["Loki resolves names over TCP", loki("write"), { kind: "pod", namespace: "kube-system", labels: { "k8s-app": "kube-dns" } }, 53],
    ];
    const denied = flows.filter(([, from, to, port, protocol]) => !allowed(from, to, port, protocol)).map(([what]) => what);
    expect(denied).toEqual([]);
  });

  type Flow = [string, Endpoint, Endpoint, number, ("TCP" | "UDP")?];
  const MUST_NOT = (): Flow[] => [
      ["a platform pod creates an Alertmanager silence", platformPod(), pod("alertmanager"), 9093],
      ["a platform pod queries Prometheus", platformPod(), pod("prometheus"), 9090],
      ["a platform pod pushes to Loki", platformPod(), loki("write"), 3100],
      ["any pod pushes to Loki", strangerPod, loki("write"), 3100],
      ["a platform pod sends OTLP straight to Jaeger", platformPod(), pod("jaeger"), 4317],
      ["a platform pod sends Jaeger gRPC straight to Jaeger", platformPod(), pod("jaeger"), 14250],
      ["any pod sends OTLP HTTP straight to Jaeger", strangerPod, pod("jaeger"), 4318],
      ["a pod outside the telemetry namespaces sends OTLP to the collector", strangerPod, pod("otel-collector"), 4317],
      ["a platform pod reaches the collector's own metrics", platformPod(), pod("otel-collector"), 8888],
      ["Grafana joins the Alertmanager gossip", pod("grafana"), pod("alertmanager"), 9094],
      ["Alertmanager connects anywhere but 443", pod("alertmanager"), SLACK, 80],
      ["Loki connects out", loki("write"), SLACK, 443],
      ["Jaeger connects out", pod("jaeger"), SLACK, 443],
      ["Promtail reaches Prometheus", pod("promtail"), pod("prometheus"), 9090],
      ["the DCGM exporter connects out", pod("dcgm-exporter"), SLACK, 443],
      ["Grafana reaches the internet", pod("grafana"), SLACK, 443],
      ["a platform pod scrapes the DCGM exporter", platformPod(), pod("dcgm-exporter"), 9400],
      // Nothing is exposed through an Ingress in either stack (network-flows-ingress.test.ts has the exposed case).
      ["an ingress controller reaches Prometheus", INGRESS_CONTROLLER, pod("prometheus"), 9090],
      ["an ingress controller reaches Alertmanager", INGRESS_CONTROLLER, pod("alertmanager"), 9093],
      ["an ingress controller reaches Jaeger's UI", INGRESS_CONTROLLER, pod("jaeger"), 16686],
  ];

  it("deny what must not be", () => {
    const open = MUST_NOT().filter(([, from, to, port, protocol]) => allowed(from, to, port, protocol)).map(([what]) => what);
    expect(open).toEqual([]);
  });

  it("would show a planted allow-all policy in the servers namespace as open flows", () => {
    const servers = pod("prometheus").namespace;
    const planted = { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "planted", namespace: servers }, spec: { podSelector: {}, ingress: [{}] } };
    const saved = world;
    world = { ...saved, policies: [...saved.policies, planted] };
    try {
      const open = MUST_NOT().filter(([, from, to, port, protocol]) => allowed(from, to, port, protocol)).map(([what]) => what);
      expect(open).toEqual(expect.arrayContaining(["a platform pod creates an Alertmanager silence", "any pod pushes to Loki", "a platform pod sends OTLP straight to Jaeger"]));
    } finally {
      world = saved;
    }
  });
});

describe("the shared stores' egress (prod-ha: Jaeger on in-cluster Elasticsearch, Grafana on PostgreSQL at 10.20.0.0/16)", () => {
  let world: World;
  let pods: Record<string, PodEndpoint>;
  const pod = (name: string) => Object.values(pods).find((p) => (p.name ?? "").endsWith(`/${name}`)) as PodEndpoint;
  const allowed = (from: Endpoint, to: Endpoint, port: number) => connection(world, from, to, port, "TCP").allowed;
  const ES: PodEndpoint = { kind: "pod", namespace: "search", labels: { app: "elasticsearch" } };
  const DB: Endpoint = { kind: "ip", ip: "10.20.3.4" };

  beforeAll(() => {
    const docs = loadManifests(renderedStack("prod-ha").file) as any[];
    world = worldOf(docs);
    pods = podsOf(docs);
  });

  it("let Jaeger reach Elasticsearch on its port and Grafana its database, nothing else", () => {
    expect({
      jaegerToSearch: allowed(pod("jaeger"), ES, 9200),
      grafanaToDatabase: allowed(pod("grafana"), DB, 5432),
      jaegerToSearchOtherPort: allowed(pod("jaeger"), ES, 9300),
      jaegerToPlatform: allowed(pod("jaeger"), platformPod(), 9200),
      jaegerToDatabase: allowed(pod("jaeger"), DB, 5432),
      grafanaToDatabaseOutsideItsRange: allowed(pod("grafana"), { kind: "ip", ip: "203.0.113.10" }, 5432),
      grafanaToSearch: allowed(pod("grafana"), ES, 9200),
    }).toEqual({
      jaegerToSearch: true,
      grafanaToDatabase: true,
      jaegerToSearchOtherPort: false,
      jaegerToPlatform: false,
      jaegerToDatabase: false,
      grafanaToDatabaseOutsideItsRange: false,
      grafanaToSearch: false,
    });
  });

  it("are not in prod, whose Jaeger is on Badger and Grafana on SQLite", () => {
    const docs = loadManifests(renderedStack("prod").file) as any[];
    const prod = worldOf(docs);
    const prodPods = podsOf(docs);
    const jaeger = Object.values(prodPods).find((p) => (p.name ?? "").endsWith("/jaeger")) as PodEndpoint;
    expect(connection(prod, jaeger, ES, 9200, "TCP").allowed).toBe(false);
  });
});
