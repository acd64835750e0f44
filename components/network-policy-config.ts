/**
 * The stack's NetworkPolicies as data: each namespace denies all ingress and egress, then one policy per workload
 * allows exactly the flows the stack needs, named after the workload. Peers are selected by the workloads'
 * `app.kubernetes.io/name` label and by the `kubernetes.io/metadata.name` label Kubernetes sets on every namespace.
 * Kubelet probes come from the node and are not subject to these policies in the common network plugins.
 */
import { selectorLabels } from "./kube/labels";
import { LOKI_SCALABLE, PortSpec, SERVICES, ServiceKey, ServiceSpec } from "./services";

const NS_LABEL = "kubernetes.io/metadata.name";

export interface NetworkPolicyArgs {
  readonly namespaces: { readonly servers: string; readonly agents: string };
  /** Namespaces whose pods may send telemetry to the collector's receiver ports. */
  readonly telemetryNamespaces: readonly string[];
  readonly apiServer: { readonly cidrs: readonly string[]; readonly ports: readonly number[] };
  /** Where Alertmanager may connect on 443 (Slack, the heartbeat). */
  readonly slackCidrs: readonly string[];
  /** Which optional workloads exist. */
  readonly deployed: { readonly dcgmExporter: boolean; readonly redisExporter: boolean; readonly postgresExporter: boolean };
  /** The platform's Redis and PostgreSQL, as `host:port`; an in-cluster `<svc>.<ns>.svc` host is reached by namespace. */
  readonly redis?: { readonly host: string; readonly port: number };
  readonly postgres?: { readonly host: string; readonly port: number };
  /** Thanos is on (objectStorage.buckets.metrics): its flows, and the object store it reaches. */
  readonly thanos?: { readonly objectStorage: ObjectStorageTarget };
  /** Loki runs in simple scalable mode (objectStorage.buckets.logs): its targets' flows replace the single binary's. */
  readonly lokiScalable?: { readonly objectStorage: ObjectStorageTarget };
}

/** The object store: `host:port` of its endpoint and the ranges it may be in (network.objectStorageCidrs). */
export interface ObjectStorageTarget {
  readonly host: string;
  readonly port: number;
  readonly cidrs: readonly string[];
}

export interface NetworkPolicyPort {
  readonly port: number;
  readonly protocol: "TCP" | "UDP";
}

export interface NetworkPolicyPeer {
  readonly podSelector?: { readonly matchLabels: Record<string, string> };
  readonly namespaceSelector?: { readonly matchLabels?: Record<string, string> };
  readonly ipBlock?: { readonly cidr: string };
}

export interface NetworkPolicyRule {
  readonly peers?: readonly NetworkPolicyPeer[];
  readonly ports?: readonly NetworkPolicyPort[];
}

export interface NetworkPolicySpecData {
  readonly name: string;
  readonly namespace: string;
  readonly podSelector: { readonly matchLabels?: Record<string, string> };
  readonly policyTypes: readonly ("Ingress" | "Egress")[];
  readonly ingress?: readonly Record<string, unknown>[];
  readonly egress?: readonly Record<string, unknown>[];
}

const portOf = (p: PortSpec): NetworkPolicyPort => ({ port: p.port, protocol: p.protocol ?? "TCP" });

function namespaceOf(spec: ServiceSpec, ns: NetworkPolicyArgs["namespaces"]): string {
  return spec.namespace === "servers" ? ns.servers : ns.agents;
}

/** The pods of one of the stack's workloads, from a policy in `policyNamespace`. */
function podsOf(key: ServiceKey, ns: NetworkPolicyArgs["namespaces"], policyNamespace: string): NetworkPolicyPeer {
  const spec = SERVICES[key];
  const pods = { matchLabels: selectorLabels({ name: spec.name }) };
  const where = namespaceOf(spec, ns);
  return where === policyNamespace ? { podSelector: pods } : { podSelector: pods, namespaceSelector: { matchLabels: { [NS_LABEL]: where } } };
}

const inNamespace = (name: string): NetworkPolicyPeer => ({ namespaceSelector: { matchLabels: { [NS_LABEL]: name } } });
const ANY_POD: NetworkPolicyPeer = { namespaceSelector: {} };

/** `<service>.<namespace>.svc[.<domain>]`: that namespace; anything else is outside the cluster. */
export function inClusterNamespace(host: string): string | undefined {
  return /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(\.|$)/.exec(host)?.[2];
}

function rule(r: NetworkPolicyRule, direction: "from" | "to"): Record<string, unknown> {
  return {
    ...(r.peers ? { [direction]: r.peers } : {}),
    ...(r.ports ? { ports: r.ports.map((p) => ({ port: p.port, protocol: p.protocol })) } : {}),
  };
}

/** A rule whose peer list is empty would allow every peer: such a rule (no namespace, no CIDR given) is left out. */
const hasPeers = (r: NetworkPolicyRule) => r.peers === undefined || r.peers.length > 0;

function policy(
  name: string,
  namespace: string,
  pods: Record<string, string> | undefined,
  ingress: readonly NetworkPolicyRule[] | undefined,
  egress: readonly NetworkPolicyRule[] | undefined,
): NetworkPolicySpecData {
  return {
    name,
    namespace,
    podSelector: pods ? { matchLabels: pods } : {},
    policyTypes: [...(ingress ? (["Ingress"] as const) : []), ...(egress ? (["Egress"] as const) : [])],
    ...(ingress ? { ingress: ingress.filter(hasPeers).map((r) => rule(r, "from")) } : {}),
    ...(egress ? { egress: egress.filter(hasPeers).map((r) => rule(r, "to")) } : {}),
  };
}

/** A database of the platform: its namespace when in the cluster, else any address, on its port only. */
function serviceAt(target: { host: string; port: number }): NetworkPolicyRule {
  const ns = inClusterNamespace(target.host);
  return { peers: [ns ? inNamespace(ns) : { ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ port: target.port, protocol: "TCP" }] };
}

/** `redis://host:port` (6379 when no port is given) as host and port. */
export function redisTarget(address: string): { host: string; port: number } {
  const m = /^rediss?:\/\/([^\s/:]+)(?::(\d+))?$/.exec(address);
  if (!m) throw new Error(`redis.address ${JSON.stringify(address)}: expected redis://host:port`);
  return { host: m[1], port: m[2] ? Number(m[2]) : 6379 };
}

/** Namespaces whose pods may send telemetry: those of the enabled metric sources, the collector's and the network config's. */
export function telemetryNamespaces(c: {
  readonly sources: Readonly<Record<string, { readonly enabled: boolean; readonly namespace: string }>>;
  readonly otelCollector: { readonly platformNamespaces: readonly string[] };
  readonly network: { readonly telemetryNamespaces: readonly string[] };
}): string[] {
  const all = [...Object.values(c.sources).filter((s) => s.enabled).map((s) => s.namespace), ...c.otelCollector.platformNamespaces, ...c.network.telemetryNamespaces];
  return [...new Set(all)].sort();
}

/** Every NetworkPolicy of the stack, deny-all first. */
export function buildNetworkPolicies(a: NetworkPolicyArgs): NetworkPolicySpecData[] {
  const ns = a.namespaces;
  const S = ns.servers;
  const A = ns.agents;
  const at = (key: ServiceKey, from: string) => podsOf(key, ns, from);
  const own = (key: ServiceKey) => selectorLabels({ name: SERVICES[key].name });
  const scrape = (key: ServiceKey, from: string): NetworkPolicyRule => {
    const spec: ServiceSpec = SERVICES[key];
    return { peers: [at("prometheus", from)], ports: [portOf(spec.ports[spec.metrics.port])] };
  };
  const apiServer: NetworkPolicyRule = { peers: a.apiServer.cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: a.apiServer.ports.map((port) => ({ port, protocol: "TCP" })) };
  const dns: NetworkPolicyRule = { ports: [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }] };
  const p = SERVICES;
  const out: NetworkPolicySpecData[] = [];
  // Where logs are pushed and queried: the single binary, or the write and read targets in simple scalable mode.
  const lokiPush = (from: string) => (a.lokiScalable ? lokiTarget(LOKI_SCALABLE.write.name, S, from) : at("loki", from));
  const lokiQuery = (from: string) => (a.lokiScalable ? lokiTarget(LOKI_SCALABLE.read.name, S, from) : at("loki", from));

  for (const namespace of [S, A]) {
    out.push(policy("default-deny", namespace, undefined, [], []));
    // Every pod resolves names; the cluster's DNS may be a pod, a node-local cache or an address outside the cluster.
    out.push(policy("allow-dns", namespace, undefined, undefined, [dns]));
  }

  out.push(
    policy(
      "prometheus",
      S,
      own("prometheus"),
      [
        { peers: [at("grafana", S), at("prometheus", S)], ports: [portOf(p.prometheus.ports.http)] },
      ],
      // Its targets are any pod of any namespace (annotated pods, the platform's services), on their own ports.
      [{ peers: [ANY_POD] }, apiServer],
    ),
    policy(
      "alertmanager",
      S,
      own("alertmanager"),
      [
        { peers: [at("prometheus", S)], ports: [portOf(p.alertmanager.ports.http)] },
        { peers: [at("alertmanager", S)], ports: [portOf(p.alertmanager.ports.clusterTcp), portOf(p.alertmanager.ports.clusterUdp)] },
      ],
      [
        { peers: [at("alertmanager", S)], ports: [portOf(p.alertmanager.ports.clusterTcp), portOf(p.alertmanager.ports.clusterUdp)] },
        { peers: a.slackCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ port: 443, protocol: "TCP" }] },
      ],
    ),
    ...(a.lokiScalable
      ? lokiScalablePolicies(S, ns, a.lokiScalable.objectStorage)
      : [
          policy(
            "loki",
            S,
            own("loki"),
            [{ peers: [at("promtail", S), at("otelCollector", S), at("grafana", S), at("prometheus", S)], ports: [portOf(p.loki.ports.http)] }],
            undefined,
          ),
        ]),
    policy(
      "jaeger",
      S,
      own("jaeger"),
      [
        // Spans enter through the collector only.
        { peers: [at("otelCollector", S)], ports: [portOf(p.jaeger.ports.otlpGrpc), portOf(p.jaeger.ports.grpc)] },
        { peers: [at("grafana", S)], ports: [portOf(p.jaeger.ports.ui)] },
        scrape("jaeger", S),
      ],
      undefined,
    ),
    policy(
      "otel-collector",
      S,
      own("otelCollector"),
      [
        {
          peers: a.telemetryNamespaces.map(inNamespace),
          ports: [p.otelCollector.ports.otlpGrpc, p.otelCollector.ports.otlpHttp, p.otelCollector.ports.jaegerGrpc, p.otelCollector.ports.jaegerThriftHttp, p.otelCollector.ports.jaegerCompact, p.otelCollector.ports.jaegerBinary, p.otelCollector.ports.zipkin].map(portOf),
        },
        { peers: [at("prometheus", S)], ports: [portOf(p.otelCollector.ports.metrics), portOf(p.otelCollector.ports.promExporter)] },
      ],
      [
        { peers: [at("jaeger", S)], ports: [portOf(p.jaeger.ports.otlpGrpc)] },
        { peers: [lokiPush(S)], ports: [portOf(p.loki.ports.http)] },
        apiServer,
      ],
    ),
    policy(
      "grafana",
      S,
      own("grafana"),
      // Grafana authenticates every user itself; its clients (an ingress controller, a port-forward) differ per cluster.
      [{ peers: [ANY_POD], ports: [portOf(p.grafana.ports.http)] }],
      [
        { peers: [at("prometheus", S)], ports: [portOf(p.prometheus.ports.http)] },
        { peers: [lokiQuery(S)], ports: [portOf(p.loki.ports.http)] },
        { peers: [at("jaeger", S)], ports: [portOf(p.jaeger.ports.ui)] },
        ...(a.postgres ? [serviceAt(a.postgres)] : []),
      ],
    ),
  );
  if (a.thanos) out.push(...thanosPolicies(S, ns, a.thanos.objectStorage));
  if (a.deployed.redisExporter && a.redis) out.push(policy("redis-exporter", S, own("redisExporter"), [scrape("redisExporter", S)], [serviceAt(a.redis)]));
  if (a.deployed.postgresExporter && a.postgres) out.push(policy("postgres-exporter", S, own("postgresExporter"), [scrape("postgresExporter", S)], [serviceAt(a.postgres)]));

  out.push(policy("promtail", A, own("promtail"), [scrape("promtail", A)], [{ peers: [lokiPush(A)], ports: [portOf(p.loki.ports.http)] }, apiServer]));
  if (a.deployed.dcgmExporter) out.push(policy("dcgm-exporter", A, own("dcgmExporter"), [scrape("dcgmExporter", A)], undefined));
  return out;
}

/** `host:port` of objectStorage.endpoint. */
export function objectStorageTarget(endpoint: string, cidrs: readonly string[]): ObjectStorageTarget {
  const i = endpoint.lastIndexOf(":");
  return { host: endpoint.slice(0, i), port: Number(endpoint.slice(i + 1)), cidrs };
}

/** The object store: its namespace when in the cluster, else the configured ranges, on the endpoint's port only. */
function objectStorageRule(o: ObjectStorageTarget): NetworkPolicyRule {
  const inCluster = inClusterNamespace(o.host);
  return { peers: inCluster ? [inNamespace(inCluster)] : o.cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ port: o.port, protocol: "TCP" }] };
}

/**
 * Thanos' flows. Query has no authentication of its own, so only Grafana (its one client) and Prometheus (scrapes)
 * reach it; the sidecars' and Store Gateway's StoreAPI only from Query; the bucket only from the sidecars, Store
 * Gateway and Compactor. The sidecar reaches Prometheus on loopback, which no NetworkPolicy governs. Policies add up,
 * so the sidecars' and Grafana's rules sit in policies of their own next to Prometheus' and Grafana's.
 */
function thanosPolicies(S: string, ns: NetworkPolicyArgs["namespaces"], o: ObjectStorageTarget): NetworkPolicySpecData[] {
  const p = SERVICES;
  const at = (key: ServiceKey) => podsOf(key, ns, S);
  const own = (key: ServiceKey) => selectorLabels({ name: SERVICES[key].name });
  const scrapedOn = (port: PortSpec): NetworkPolicyRule => ({ peers: [at("prometheus")], ports: [portOf(port)] });
  const bucket = objectStorageRule(o);
  return [
    policy(
      "thanos-sidecar",
      S,
      own("prometheus"),
      [{ peers: [at("thanosQuery")], ports: [portOf(p.thanosSidecar.ports.grpc)] }, scrapedOn(p.thanosSidecar.ports.http)],
      [bucket],
    ),
    policy(
      "thanos-query",
      S,
      own("thanosQuery"),
      [{ peers: [at("grafana")], ports: [portOf(p.thanosQuery.ports.http)] }, scrapedOn(p.thanosQuery.ports.http)],
      [
        { peers: [at("prometheus")], ports: [portOf(p.thanosSidecar.ports.grpc)] },
        { peers: [at("thanosStore")], ports: [portOf(p.thanosStore.ports.grpc)] },
      ],
    ),
    policy("thanos-store", S, own("thanosStore"), [{ peers: [at("thanosQuery")], ports: [portOf(p.thanosStore.ports.grpc)] }, scrapedOn(p.thanosStore.ports.http)], [bucket]),
    policy("thanos-compact", S, own("thanosCompact"), [scrapedOn(p.thanosCompact.ports.http)], [bucket]),
    policy("grafana-thanos-query", S, own("grafana"), undefined, [{ peers: [at("thanosQuery")], ports: [portOf(p.thanosQuery.ports.http)] }]),
  ];
}

/** Pods of one Loki target (simple scalable mode), from a policy in `policyNamespace`. */
function lokiTarget(instance: string | undefined, servers: string, policyNamespace: string): NetworkPolicyPeer {
  const pods = { matchLabels: instance ? selectorLabels({ name: SERVICES.loki.name, instance }) : { "app.kubernetes.io/name": SERVICES.loki.name } };
  return servers === policyNamespace ? { podSelector: pods } : { podSelector: pods, namespaceSelector: { matchLabels: { [NS_LABEL]: servers } } };
}

/**
 * Loki's simple scalable mode: every Loki pod talks to every other on HTTP, gRPC and memberlist (distributors to
 * ingesters, queriers to ingesters, the scheduler and index gateway, the compactor's delete API, gossip), and each
 * target reaches the bucket. From outside: pushes (Promtail, the collector) only to write, queries (Grafana) only to
 * read, scrapes from Prometheus to all.
 */
function lokiScalablePolicies(S: string, ns: NetworkPolicyArgs["namespaces"], o: ObjectStorageTarget): NetworkPolicySpecData[] {
  const p = SERVICES;
  const allLoki = lokiTarget(undefined, S, S);
  const internal = [portOf(p.loki.ports.http), portOf(p.loki.ports.grpc), portOf(LOKI_SCALABLE.memberlist.port)];
  const http = [portOf(p.loki.ports.http)];
  const own = (instance: string) => selectorLabels({ name: p.loki.name, instance });
  return [
    policy(
      "loki",
      S,
      { "app.kubernetes.io/name": p.loki.name },
      [{ peers: [allLoki], ports: internal }, { peers: [podsOf("prometheus", ns, S)], ports: http }],
      [{ peers: [allLoki], ports: internal }, objectStorageRule(o)],
    ),
    policy("loki-write", S, own(LOKI_SCALABLE.write.name), [{ peers: [podsOf("promtail", ns, S), podsOf("otelCollector", ns, S)], ports: http }], undefined),
    policy("loki-read", S, own(LOKI_SCALABLE.read.name), [{ peers: [podsOf("grafana", ns, S)], ports: http }], undefined),
  ];
}
