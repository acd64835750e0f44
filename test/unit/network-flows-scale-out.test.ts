/**
 * The NetworkPolicies of the prod stack on object storage (stack variant prod-thanos: Thanos, Loki in simple scalable
 * mode), evaluated as in network-flows.test.ts: the new flows are allowed, Thanos Query (no authentication of its own)
 * and Loki's targets are closed to everyone else, and the bucket is reachable only in network.objectStorageCidrs.
 */
import { connection, Endpoint, podsOf, worldOf, World, PodEndpoint } from "../support/network-policy";
import { loadManifests, renderedStack } from "../support/render";

const platformPod: PodEndpoint = { kind: "pod", namespace: "ai-platform", labels: { app: "gateway" } };
const BUCKET: Endpoint = { kind: "ip", ip: "52.218.1.20" };
const ELSEWHERE: Endpoint = { kind: "ip", ip: "203.0.113.10" };

describe("the prod-thanos stack's NetworkPolicies", () => {
  let world: World;
  let pods: Record<string, PodEndpoint>;
  const pod = (key: string) => {
    const p = pods[key];
    if (!p) throw new Error(`no workload ${key}; have ${Object.keys(pods).join(", ")}`);
    return p;
  };
  const allowed = (from: Endpoint, to: Endpoint, port: number) => connection(world, from, to, port, "TCP").allowed;

  beforeAll(() => {
    const docs = loadManifests(renderedStack("prod-thanos").file) as any[];
    world = worldOf(docs);
    pods = podsOf(docs);
  });

  type Flow = [string, () => Endpoint, () => Endpoint, number];
  const NEEDED: Flow[] = [
    ["Query reaches a sidecar's StoreAPI", () => pod("Deployment/thanos-query"), () => pod("StatefulSet/prometheus"), 10901],
    ["Query reaches the Store Gateway", () => pod("Deployment/thanos-query"), () => pod("StatefulSet/thanos-store"), 10901],
    ["Grafana queries Thanos Query", () => pod("Deployment/grafana"), () => pod("Deployment/thanos-query"), 10902],
    ["Prometheus scrapes a sidecar", () => pod("StatefulSet/prometheus"), () => pod("StatefulSet/prometheus"), 10902],
    ["Prometheus scrapes Query", () => pod("StatefulSet/prometheus"), () => pod("Deployment/thanos-query"), 10902],
    ["Prometheus scrapes the Store Gateway", () => pod("StatefulSet/prometheus"), () => pod("StatefulSet/thanos-store"), 10902],
    ["Prometheus scrapes the Compactor", () => pod("StatefulSet/prometheus"), () => pod("StatefulSet/thanos-compact"), 10902],
    ["a sidecar uploads to the bucket", () => pod("StatefulSet/prometheus"), () => BUCKET, 443],
    ["the Store Gateway reads the bucket", () => pod("StatefulSet/thanos-store"), () => BUCKET, 443],
    ["the Compactor reaches the bucket", () => pod("StatefulSet/thanos-compact"), () => BUCKET, 443],
    ["Promtail pushes to Loki's write target", () => pod("DaemonSet/promtail"), () => pod("StatefulSet/loki-write"), 3100],
    ["the collector pushes to Loki's write target", () => pod("Deployment/otel-collector"), () => pod("StatefulSet/loki-write"), 3100],
    ["Grafana queries Loki's read target", () => pod("Deployment/grafana"), () => pod("Deployment/loki-read"), 3100],
    ["a write pod gossips with a backend pod", () => pod("StatefulSet/loki-write"), () => pod("StatefulSet/loki-backend"), 7946],
    ["a read pod queries the ingesters", () => pod("Deployment/loki-read"), () => pod("StatefulSet/loki-write"), 9095],
    ["a read pod reaches the scheduler on the backend", () => pod("Deployment/loki-read"), () => pod("StatefulSet/loki-backend"), 9095],
    ["a read pod reaches the compactor's API", () => pod("Deployment/loki-read"), () => pod("StatefulSet/loki-backend"), 3100],
    ["Loki's write target flushes to the bucket", () => pod("StatefulSet/loki-write"), () => BUCKET, 443],
    ["Loki's backend compacts in the bucket", () => pod("StatefulSet/loki-backend"), () => BUCKET, 443],
    ["Prometheus scrapes Loki's read target", () => pod("StatefulSet/prometheus"), () => pod("Deployment/loki-read"), 3100],
  ];
  const MUST_NOT: Flow[] = [
    ["a platform pod queries Thanos Query, which has no authentication", () => platformPod, () => pod("Deployment/thanos-query"), 10902],
    ["Promtail queries Thanos Query", () => pod("DaemonSet/promtail"), () => pod("Deployment/thanos-query"), 10902],
    ["a platform pod reads a sidecar's StoreAPI", () => platformPod, () => pod("StatefulSet/prometheus"), 10901],
    ["Grafana reads the Store Gateway around Query", () => pod("Deployment/grafana"), () => pod("StatefulSet/thanos-store"), 10901],
    ["a platform pod pushes to Loki's write target", () => platformPod, () => pod("StatefulSet/loki-write"), 3100],
    ["a platform pod queries Loki's read target", () => platformPod, () => pod("Deployment/loki-read"), 3100],
    ["a platform pod joins Loki's gossip", () => platformPod, () => pod("StatefulSet/loki-write"), 7946],
    ["the Compactor reaches an address outside objectStorageCidrs", () => pod("StatefulSet/thanos-compact"), () => ELSEWHERE, 443],
    ["Loki's backend reaches an address outside objectStorageCidrs", () => pod("StatefulSet/loki-backend"), () => ELSEWHERE, 443],
    ["Query connects to the bucket", () => pod("Deployment/thanos-query"), () => BUCKET, 443],
  ];

  it("isolate every new pod for ingress and egress", () => {
    for (const key of ["Deployment/thanos-query", "StatefulSet/thanos-store", "StatefulSet/thanos-compact", "StatefulSet/loki-write", "Deployment/loki-read", "StatefulSet/loki-backend"]) {
      const p = pod(key);
      expect({ key, ingress: connection(world, platformPod, p, 1, "TCP").ingress.isolated, egress: connection(world, p, ELSEWHERE, 80, "TCP").egress.isolated }).toEqual({ key, ingress: true, egress: true });
    }
  });

  it("allow every flow Thanos and the scalable Loki need", () => {
    expect(NEEDED.filter(([, from, to, port]) => !allowed(from(), to(), port)).map(([what]) => what)).toEqual([]);
  });

  it("deny what must not be", () => {
    expect(MUST_NOT.filter(([, from, to, port]) => allowed(from(), to(), port)).map(([what]) => what)).toEqual([]);
  });

  it("would show a planted allow-all ingress and egress policy as open flows", () => {
    const servers = pod("Deployment/thanos-query").namespace;
    const planted = { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "planted", namespace: servers }, spec: { podSelector: {}, ingress: [{}], egress: [{}] } };
    const saved = world;
    world = { ...saved, policies: [...saved.policies, planted] };
    try {
      const open = MUST_NOT.filter(([, from, to, port]) => allowed(from(), to(), port)).map(([what]) => what);
      // Promtail's egress is governed in the agents namespace, which the planted policy leaves alone.
      expect(open).toEqual(MUST_NOT.map(([what]) => what).filter((what) => what !== "Promtail queries Thanos Query"));
    } finally {
      world = saved;
    }
  });
});
