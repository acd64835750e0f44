import {
  connection,
  Endpoint,
  IpEndpoint,
  Manifest,
  namespaceLabels,
  NetworkPolicy,
  PodEndpoint,
  podsOf,
  policyTypesOf,
  selectorMatches,
  Verdict,
  World,
  worldOf,
} from "../support/network-policy";

// The evaluator's own tests, on hand-written policies: each asserts the exact verdict of both sides.

const NAMESPACES = { servers: { team: "obs" }, agents: {}, apps: { tier: "app" }, "kube-system": {} };

const grafana: PodEndpoint = { kind: "pod", name: "grafana", namespace: "servers", labels: { app: "grafana" }, ports: [{ name: "http", containerPort: 3000 }] };
const prometheus: PodEndpoint = { kind: "pod", name: "prometheus", namespace: "servers", labels: { app: "prometheus" }, ports: [{ name: "web", containerPort: 9090 }] };
const collector: PodEndpoint = {
  kind: "pod",
  name: "collector",
  namespace: "agents",
  labels: { app: "collector" },
  ports: [
    { name: "otlp-grpc", containerPort: 4317 },
    { name: "otlp-http", containerPort: 4318, protocol: "TCP" },
    { name: "jaeger-compact", containerPort: 6831, protocol: "UDP" },
  ],
};
const coredns: PodEndpoint = {
  kind: "pod",
  name: "coredns",
  namespace: "kube-system",
  labels: { "k8s-app": "kube-dns" },
  ports: [
    { name: "dns", containerPort: 53, protocol: "UDP" },
    { name: "dns-tcp", containerPort: 53, protocol: "TCP" },
  ],
};
const web: PodEndpoint = { kind: "pod", name: "web", namespace: "apps", labels: { app: "web" } };
/** Labelled like Prometheus, in another namespace. */
const appsPrometheus: PodEndpoint = { kind: "pod", name: "apps-prometheus", namespace: "apps", labels: { app: "prometheus" } };
const agentsPrometheus: PodEndpoint = { kind: "pod", name: "agents-prometheus", namespace: "agents", labels: { app: "prometheus" } };
const internet: IpEndpoint = { kind: "ip", ip: "203.0.113.7" };

function policy(namespace: string, name: string, spec: NetworkPolicy["spec"]): NetworkPolicy {
  return { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name, namespace }, spec };
}
const world = (...policies: NetworkPolicy[]): World => ({ policies, namespaces: NAMESPACES });

const OPEN: Verdict = { isolated: false, isolatedBy: [], allowed: true, allowedBy: [] };
const denied = (...isolatedBy: string[]): Verdict => ({ isolated: true, isolatedBy, allowed: false, allowedBy: [] });
/** Isolated by `isolatedBy` and allowed by the given `policy#rule` refs. */
const allowedBy = (isolatedBy: string[], ...refs: string[]): Verdict => ({
  isolated: true,
  isolatedBy,
  allowed: true,
  allowedBy: refs.map((r) => ({ policy: r.split("#")[0], rule: Number(r.split("#")[1]) })),
});

const DENY_INGRESS = (ns: string) => policy(ns, "deny-ingress", { podSelector: {}, policyTypes: ["Ingress"] });
const DENY_EGRESS = (ns: string) => policy(ns, "deny-egress", { podSelector: {}, policyTypes: ["Egress"] });

describe("selectorMatches", () => {
  const labels = { app: "grafana", tier: "web" };

  it("matches everything with an empty selector and nothing with a null one", () => {
    expect(selectorMatches({}, labels)).toBe(true);
    expect(selectorMatches({}, {})).toBe(true);
    expect(selectorMatches(undefined, labels)).toBe(false);
    expect(selectorMatches(null, {})).toBe(false);
  });

  it("requires every matchLabels entry", () => {
    expect(selectorMatches({ matchLabels: { app: "grafana" } }, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: "grafana", tier: "web" } }, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: "grafana", tier: "db" } }, labels)).toBe(false);
    expect(selectorMatches({ matchLabels: { zone: "a" } }, labels)).toBe(false);
  });

  it("evaluates In, NotIn, Exists and DoesNotExist, a missing key satisfying NotIn and DoesNotExist", () => {
    const m = (operator: "In" | "NotIn" | "Exists" | "DoesNotExist", key: string, values?: string[]) =>
      selectorMatches({ matchExpressions: [{ key, operator, ...(values ? { values } : {}) }] }, labels);
    expect(m("In", "app", ["grafana", "loki"])).toBe(true);
    expect(m("In", "app", ["loki"])).toBe(false);
    expect(m("In", "zone", ["a"])).toBe(false);
    expect(m("NotIn", "app", ["loki"])).toBe(true);
    expect(m("NotIn", "app", ["grafana"])).toBe(false);
    expect(m("NotIn", "zone", ["a"])).toBe(true);
    expect(m("Exists", "app")).toBe(true);
    expect(m("Exists", "zone")).toBe(false);
    expect(m("DoesNotExist", "zone")).toBe(true);
    expect(m("DoesNotExist", "app")).toBe(false);
  });

  it("ANDs matchLabels with every expression", () => {
    const sel = { matchLabels: { app: "grafana" }, matchExpressions: [{ key: "tier", operator: "In" as const, values: ["web"] }] };
    expect(selectorMatches(sel, labels)).toBe(true);
    expect(selectorMatches(sel, { app: "grafana", tier: "db" })).toBe(false);
    expect(selectorMatches(sel, { app: "loki", tier: "web" })).toBe(false);
  });

  it("rejects expressions the API server rejects", () => {
    expect(() => selectorMatches({ matchExpressions: [{ key: "a", operator: "In", values: [] }] }, {})).toThrow(/needs values/);
    expect(() => selectorMatches({ matchExpressions: [{ key: "a", operator: "Exists", values: ["x"] }] }, {})).toThrow(/takes no values/);
    expect(() => selectorMatches({ matchExpressions: [{ key: "a", operator: "Gt" as never, values: ["1"] }] }, {})).toThrow(/unknown selector operator "Gt"/);
  });
});

describe("namespaces", () => {
  it("carry kubernetes.io/metadata.name, listed or not, whatever value was given", () => {
    expect(namespaceLabels({ namespaces: NAMESPACES }, "servers")).toEqual({ team: "obs", "kubernetes.io/metadata.name": "servers" });
    expect(namespaceLabels({ namespaces: {} }, "elsewhere")).toEqual({ "kubernetes.io/metadata.name": "elsewhere" });
    expect(namespaceLabels({ namespaces: { x: { "kubernetes.io/metadata.name": "y" } } }, "x")).toEqual({ "kubernetes.io/metadata.name": "x" });
  });

  it("are selected by that label even when the map leaves it out", () => {
    const w: World = {
      policies: [policy("servers", "from-apps", { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "apps" } } }] }] })],
      namespaces: { servers: {} },
    };
    expect(connection(w, web, grafana, 3000).ingress).toEqual(allowedBy(["servers/from-apps"], "servers/from-apps#0"));
    expect(connection(w, collector, grafana, 3000).ingress).toEqual(denied("servers/from-apps"));
  });
});

describe("no policy", () => {
  it("allows everything, neither side isolated", () => {
    for (const [from, to] of [
      [grafana, prometheus],
      [collector, internet],
      [internet, web],
    ] as [Endpoint, Endpoint][]) {
      expect(connection(world(), from, to, 443)).toEqual({ allowed: true, egress: OPEN, ingress: OPEN });
    }
  });
});

describe("default deny ingress", () => {
  const w = world(DENY_INGRESS("servers"));

  it("denies ingress to every pod of its namespace, from pods and from outside", () => {
    expect(connection(w, web, grafana, 3000)).toEqual({ allowed: false, egress: OPEN, ingress: denied("servers/deny-ingress") });
    expect(connection(w, prometheus, grafana, 3000)).toEqual({ allowed: false, egress: OPEN, ingress: denied("servers/deny-ingress") });
    expect(connection(w, internet, prometheus, 9090)).toEqual({ allowed: false, egress: OPEN, ingress: denied("servers/deny-ingress") });
  });

  it("leaves egress, and other namespaces, alone", () => {
    expect(connection(w, grafana, web, 80)).toEqual({ allowed: true, egress: OPEN, ingress: OPEN });
    expect(connection(w, grafana, internet, 443)).toEqual({ allowed: true, egress: OPEN, ingress: OPEN });
  });

  it("selects only the pods its podSelector matches", () => {
    const only = world(policy("servers", "grafana-deny", { podSelector: { matchLabels: { app: "grafana" } }, policyTypes: ["Ingress"] }));
    expect(connection(only, web, grafana, 3000).ingress).toEqual(denied("servers/grafana-deny"));
    expect(connection(only, web, prometheus, 9090).ingress).toEqual(OPEN);
  });

  it("denies with ingress: [] as with no ingress, and allows everything with ingress: [{}]", () => {
    const empty = world(policy("servers", "empty", { podSelector: {}, policyTypes: ["Ingress"], ingress: [] }));
    expect(connection(empty, web, grafana, 3000).ingress).toEqual(denied("servers/empty"));
    const all = world(policy("servers", "all", { podSelector: {}, policyTypes: ["Ingress"], ingress: [{}] }));
    for (const from of [web, prometheus, internet] as Endpoint[]) {
      expect(connection(all, from, grafana, 3000)).toEqual({ allowed: true, egress: OPEN, ingress: allowedBy(["servers/all"], "servers/all#0") });
      expect(connection(all, from, grafana, 53, "UDP").ingress).toEqual(allowedBy(["servers/all"], "servers/all#0"));
    }
  });

  it("reads an empty from or ports list as every peer or every port", () => {
    const w2 = world(policy("servers", "lists", { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [], ports: [{ port: 3000 }] }, { from: [{ podSelector: {} }], ports: [] }] }));
    expect(connection(w2, internet, grafana, 3000).ingress).toEqual(allowedBy(["servers/lists"], "servers/lists#0"));
    expect(connection(w2, internet, grafana, 3001).ingress).toEqual(denied("servers/lists"));
    expect(connection(w2, prometheus, grafana, 3001, "SCTP").ingress).toEqual(allowedBy(["servers/lists"], "servers/lists#1"));
    expect(connection(w2, prometheus, grafana, 3000).ingress).toEqual(allowedBy(["servers/lists"], "servers/lists#0", "servers/lists#1"));
  });
});

describe("default deny egress", () => {
  const dns = policy("servers", "allow-dns", {
    podSelector: {},
    policyTypes: ["Egress"],
    egress: [
      {
        to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
        ports: [
          { port: 53, protocol: "UDP" },
          { port: 53, protocol: "TCP" },
        ],
      },
    ],
  });

  it("blocks even DNS", () => {
    const w = world(DENY_EGRESS("servers"));
    expect(connection(w, grafana, coredns, 53, "UDP")).toEqual({ allowed: false, egress: denied("servers/deny-egress"), ingress: OPEN });
    expect(connection(w, grafana, internet, 443)).toEqual({ allowed: false, egress: denied("servers/deny-egress"), ingress: OPEN });
    // Ingress is not restricted by an Egress-only policy.
    expect(connection(w, web, grafana, 3000)).toEqual({ allowed: true, egress: OPEN, ingress: OPEN });
  });

  it("allows DNS, and only DNS, once a DNS egress rule is added", () => {
    const w = world(DENY_EGRESS("servers"), dns);
    const both = ["servers/deny-egress", "servers/allow-dns"];
    expect(connection(w, grafana, coredns, 53, "UDP")).toEqual({ allowed: true, egress: allowedBy(both, "servers/allow-dns#0"), ingress: OPEN });
    expect(connection(w, grafana, coredns, "dns-tcp")).toEqual({ allowed: true, egress: allowedBy(both, "servers/allow-dns#0"), ingress: OPEN });
    expect(connection(w, grafana, coredns, 80).egress).toEqual(denied(...both));
    expect(connection(w, grafana, { kind: "ip", ip: "8.8.8.8" }, 53, "UDP").egress).toEqual(denied(...both));
    // The same labels in another namespace are not kube-dns.
    expect(connection(w, grafana, { ...coredns, namespace: "apps" }, 53, "UDP").egress).toEqual(denied(...both));
    // Other namespaces are not restricted.
    expect(connection(w, web, internet, 443)).toEqual({ allowed: true, egress: OPEN, ingress: OPEN });
  });
});

describe("both sides", () => {
  it("allow a connection only when egress at the source and ingress at the destination both allow it", () => {
    const egressToGrafana = policy("apps", "to-grafana", {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [{ to: [{ namespaceSelector: { matchLabels: { team: "obs" } }, podSelector: { matchLabels: { app: "grafana" } } }], ports: [{ port: 3000 }] }],
    });
    const ingressFromApps = policy("servers", "from-apps", {
      podSelector: { matchLabels: { app: "grafana" } },
      policyTypes: ["Ingress"],
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { tier: "app" } } }] }],
    });
    expect(connection(world(egressToGrafana), web, grafana, 3000)).toEqual({ allowed: true, egress: allowedBy(["apps/to-grafana"], "apps/to-grafana#0"), ingress: OPEN });
    expect(connection(world(egressToGrafana, DENY_INGRESS("servers")), web, grafana, 3000)).toEqual({
      allowed: false,
      egress: allowedBy(["apps/to-grafana"], "apps/to-grafana#0"),
      ingress: denied("servers/deny-ingress"),
    });
    expect(connection(world(DENY_EGRESS("apps"), ingressFromApps), web, grafana, 3000)).toEqual({
      allowed: false,
      egress: denied("apps/deny-egress"),
      ingress: allowedBy(["servers/from-apps"], "servers/from-apps#0"),
    });
    expect(connection(world(DENY_EGRESS("apps"), egressToGrafana, ingressFromApps), web, grafana, 3000)).toEqual({
      allowed: true,
      egress: allowedBy(["apps/deny-egress", "apps/to-grafana"], "apps/to-grafana#0"),
      ingress: allowedBy(["servers/from-apps"], "servers/from-apps#0"),
    });
  });
});

describe("peers", () => {
  it("AND a namespaceSelector and a podSelector in one peer", () => {
    const w = world(
      policy("servers", "and", {
        podSelector: { matchLabels: { app: "grafana" } },
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { tier: "app" } }, podSelector: { matchLabels: { app: "prometheus" } } }] }],
      }),
    );
    expect(connection(w, appsPrometheus, grafana, 3000)).toEqual({ allowed: true, egress: OPEN, ingress: allowedBy(["servers/and"], "servers/and#0") });
    expect(connection(w, web, grafana, 3000).ingress).toEqual(denied("servers/and"));
    expect(connection(w, prometheus, grafana, 3000).ingress).toEqual(denied("servers/and"));
    expect(connection(w, agentsPrometheus, grafana, 3000).ingress).toEqual(denied("servers/and"));
  });

  it("OR two separate peers, a podSelector alone meaning the policy's own namespace", () => {
    const w = world(
      policy("servers", "or", {
        podSelector: { matchLabels: { app: "grafana" } },
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { tier: "app" } } }, { podSelector: { matchLabels: { app: "prometheus" } } }] }],
      }),
    );
    expect(connection(w, appsPrometheus, grafana, 3000).ingress).toEqual(allowedBy(["servers/or"], "servers/or#0"));
    expect(connection(w, web, grafana, 3000).ingress).toEqual(allowedBy(["servers/or"], "servers/or#0"));
    expect(connection(w, prometheus, grafana, 3000).ingress).toEqual(allowedBy(["servers/or"], "servers/or#0"));
    expect(connection(w, agentsPrometheus, grafana, 3000).ingress).toEqual(denied("servers/or"));
    expect(connection(w, collector, grafana, 3000).ingress).toEqual(denied("servers/or"));
    expect(connection(w, internet, grafana, 3000).ingress).toEqual(denied("servers/or"));
  });

  it("read namespaceSelector: {} as every pod of the cluster but no external address, and podSelector: {} as every pod of the namespace", () => {
    const w = world(
      policy("servers", "cluster", { podSelector: { matchLabels: { app: "grafana" } }, ingress: [{ from: [{ namespaceSelector: {} }] }] }),
      policy("servers", "local", { podSelector: { matchLabels: { app: "prometheus" } }, ingress: [{ from: [{ podSelector: {} }] }] }),
    );
    expect(connection(w, collector, grafana, 3000).ingress).toEqual(allowedBy(["servers/cluster"], "servers/cluster#0"));
    expect(connection(w, internet, grafana, 3000).ingress).toEqual(denied("servers/cluster"));
    expect(connection(w, grafana, prometheus, 9090).ingress).toEqual(allowedBy(["servers/local"], "servers/local#0"));
    expect(connection(w, collector, prometheus, 9090).ingress).toEqual(denied("servers/local"));
  });

  it("use matchExpressions in peers", () => {
    const w = world(
      policy("servers", "expr", {
        podSelector: {},
        ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "NotIn", values: ["apps"] }] } }] }],
      }),
    );
    expect(connection(w, collector, grafana, 3000).ingress).toEqual(allowedBy(["servers/expr"], "servers/expr#0"));
    expect(connection(w, web, grafana, 3000).ingress).toEqual(denied("servers/expr"));
  });
});

describe("ports", () => {
  it("resolve a named ingress port against the destination pod, a number matching only the named port's number", () => {
    const w = world(policy("agents", "otlp", { podSelector: {}, ingress: [{ ports: [{ port: "otlp-grpc" }] }] }));
    expect(connection(w, grafana, collector, 4317)).toEqual({ allowed: true, egress: OPEN, ingress: allowedBy(["agents/otlp"], "agents/otlp#0") });
    expect(connection(w, grafana, collector, "otlp-grpc").ingress).toEqual(allowedBy(["agents/otlp"], "agents/otlp#0"));
    expect(connection(w, grafana, collector, 4318).ingress).toEqual(denied("agents/otlp"));
    expect(connection(w, grafana, collector, 4317, "UDP").ingress).toEqual(denied("agents/otlp"));
  });

  it("do not match a name the destination does not have", () => {
    const w = world(policy("agents", "metrics", { podSelector: {}, ingress: [{ ports: [{ port: "metrics" }] }] }));
    for (const port of [4317, 4318, 8888]) expect(connection(w, grafana, collector, port).ingress).toEqual(denied("agents/metrics"));
  });

  it("resolve a named port with the rule's protocol", () => {
    const udp = world(policy("agents", "udp", { podSelector: {}, ingress: [{ ports: [{ port: "jaeger-compact", protocol: "UDP" }] }] }));
    expect(connection(udp, grafana, collector, 6831, "UDP").ingress).toEqual(allowedBy(["agents/udp"], "agents/udp#0"));
    expect(connection(udp, grafana, collector, 6831, "TCP").ingress).toEqual(denied("agents/udp"));
    const tcp = world(policy("agents", "tcp", { podSelector: {}, ingress: [{ ports: [{ port: "jaeger-compact" }] }] }));
    expect(connection(tcp, grafana, collector, 6831, "UDP").ingress).toEqual(denied("agents/tcp"));
    expect(connection(tcp, grafana, collector, 6831, "TCP").ingress).toEqual(denied("agents/tcp"));
  });

  it("resolve a named egress port against the destination pod, never the source, and never match an external address", () => {
    const w = world(
      policy("servers", "named-egress", { podSelector: { matchLabels: { app: "grafana" } }, policyTypes: ["Egress"], egress: [{ ports: [{ port: "otlp-http" }, { port: "http" }] }] }),
    );
    expect(connection(w, grafana, collector, 4318).egress).toEqual(allowedBy(["servers/named-egress"], "servers/named-egress#0"));
    // "http" is grafana's own port 3000; prometheus has no port of that name.
    expect(connection(w, grafana, prometheus, 3000).egress).toEqual(denied("servers/named-egress"));
    expect(connection(w, grafana, { ...prometheus, ports: [{ name: "http", containerPort: 9090 }] }, 9090).egress).toEqual(
      allowedBy(["servers/named-egress"], "servers/named-egress#0"),
    );
    expect(connection(w, grafana, internet, 4318).egress).toEqual(denied("servers/named-egress"));
    expect(connection(w, grafana, internet, 3000).egress).toEqual(denied("servers/named-egress"));
  });

  it("match an endPort range inclusively, on its protocol", () => {
    const w = world(policy("servers", "range", { podSelector: {}, ingress: [{ ports: [{ port: 32000, endPort: 32768 }] }] }));
    for (const p of [32000, 32001, 32768]) expect(connection(w, web, grafana, p).ingress).toEqual(allowedBy(["servers/range"], "servers/range#0"));
    for (const p of [31999, 32769]) expect(connection(w, web, grafana, p).ingress).toEqual(denied("servers/range"));
    expect(connection(w, web, grafana, 32100, "UDP").ingress).toEqual(denied("servers/range"));
  });

  it("keep TCP, UDP and SCTP distinct, TCP being the default", () => {
    const w = world(
      policy("kube-system", "dns", {
        podSelector: {},
        ingress: [{ ports: [{ port: 53, protocol: "UDP" }] }, { ports: [{ port: 9153 }] }, { ports: [{ protocol: "SCTP" }] }],
      }),
    );
    expect(connection(w, grafana, coredns, 53, "UDP").ingress).toEqual(allowedBy(["kube-system/dns"], "kube-system/dns#0"));
    expect(connection(w, grafana, coredns, 53, "TCP").ingress).toEqual(denied("kube-system/dns"));
    expect(connection(w, grafana, coredns, 9153).ingress).toEqual(allowedBy(["kube-system/dns"], "kube-system/dns#1"));
    expect(connection(w, grafana, coredns, 9153, "UDP").ingress).toEqual(denied("kube-system/dns"));
    // A port entry with only a protocol matches every port of that protocol.
    expect(connection(w, grafana, coredns, 53, "SCTP").ingress).toEqual(allowedBy(["kube-system/dns"], "kube-system/dns#2"));
    expect(connection(w, grafana, coredns, 9999, "SCTP").ingress).toEqual(allowedBy(["kube-system/dns"], "kube-system/dns#2"));
  });

  it("refuse a connection to a named port the destination lacks, or to a named port of an address", () => {
    expect(() => connection(world(), grafana, collector, "metrics")).toThrow(/no TCP port named "metrics"/);
    expect(() => connection(world(), grafana, collector, "jaeger-compact")).toThrow(/no TCP port named "jaeger-compact"/);
    expect(() => connection(world(), grafana, internet, "https")).toThrow(/external address/);
    expect(() => connection(world(), grafana, collector, 0)).toThrow(/not a port number/);
  });
});

describe("ipBlock", () => {
  const w = world(
    policy("servers", "egress-cidr", {
      podSelector: { matchLabels: { app: "grafana" } },
      policyTypes: ["Egress"],
      egress: [{ to: [{ ipBlock: { cidr: "203.0.113.0/24", except: ["203.0.113.0/28"] } }], ports: [{ port: 443 }] }],
    }),
  );

  it("matches addresses in cidr and not in except", () => {
    expect(connection(w, grafana, { kind: "ip", ip: "203.0.113.200" }, 443)).toEqual({
      allowed: true,
      egress: allowedBy(["servers/egress-cidr"], "servers/egress-cidr#0"),
      ingress: OPEN,
    });
    expect(connection(w, grafana, { kind: "ip", ip: "203.0.113.16" }, 443).egress).toEqual(allowedBy(["servers/egress-cidr"], "servers/egress-cidr#0"));
    expect(connection(w, grafana, internet, 443).egress).toEqual(denied("servers/egress-cidr")); // .7 is in the except
    expect(connection(w, grafana, { kind: "ip", ip: "203.0.113.15" }, 443).egress).toEqual(denied("servers/egress-cidr"));
    expect(connection(w, grafana, { kind: "ip", ip: "198.51.100.1" }, 443).egress).toEqual(denied("servers/egress-cidr"));
    expect(connection(w, grafana, { kind: "ip", ip: "203.0.113.200" }, 80).egress).toEqual(denied("servers/egress-cidr"));
  });

  it("matches sources for ingress, 0.0.0.0/0 and /32 included", () => {
    const w2 = world(
      policy("servers", "from-cidrs", { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8"] } }] }, { from: [{ ipBlock: { cidr: "10.1.2.3/32" } }] }] }),
    );
    expect(connection(w2, internet, grafana, 3000).ingress).toEqual(allowedBy(["servers/from-cidrs"], "servers/from-cidrs#0"));
    expect(connection(w2, { kind: "ip", ip: "10.1.2.3" }, grafana, 3000).ingress).toEqual(allowedBy(["servers/from-cidrs"], "servers/from-cidrs#1"));
    expect(connection(w2, { kind: "ip", ip: "10.1.2.4" }, grafana, 3000).ingress).toEqual(denied("servers/from-cidrs"));
  });

  it("matches a pod only through an ip given to it (clusters differ: tests should not rely on it)", () => {
    const w2 = world(policy("servers", "pods-cidr", { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: "10.0.0.0/8" } }] }] }));
    expect(connection(w2, web, grafana, 3000).ingress).toEqual(denied("servers/pods-cidr"));
    expect(connection(w2, { ...web, ip: "10.0.0.5" }, grafana, 3000).ingress).toEqual(allowedBy(["servers/pods-cidr"], "servers/pods-cidr#0"));
  });

  it("rejects what the API server rejects", () => {
    const bad = (peer: object) => () => connection(world(policy("servers", "bad", { podSelector: {}, ingress: [{ from: [peer] }] })), web, grafana, 3000);
    expect(bad({ ipBlock: { cidr: "10.0.0.0/8", except: ["192.168.0.0/16"] } })).toThrow(/not strictly within/);
    expect(bad({ ipBlock: { cidr: "10.0.0.0/8", except: ["10.0.0.0/8"] } })).toThrow(/not strictly within/);
    expect(bad({ ipBlock: { cidr: "10.0.0.0/8" }, podSelector: {} })).toThrow(/cannot be combined/);
    expect(bad({})).toThrow(/must set podSelector, namespaceSelector or ipBlock/);
    expect(bad({ ipBlock: { cidr: "2001:db8::/32" } })).toThrow(/only IPv4/);
  });
});

describe("policyTypes", () => {
  it("default to Ingress alone without an egress section, even with ingress rules", () => {
    const p = policy("servers", "no-types", { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] });
    expect(policyTypesOf(p)).toEqual(["Ingress"]);
    expect(connection(world(p), grafana, internet, 443)).toEqual({ allowed: true, egress: OPEN, ingress: OPEN });
    expect(connection(world(p), prometheus, grafana, 3000).ingress).toEqual(allowedBy(["servers/no-types"], "servers/no-types#0"));
    expect(connection(world(p), web, grafana, 3000).ingress).toEqual(denied("servers/no-types"));
    // With no rules at all, the policy is a default deny for ingress.
    const bare = policy("servers", "bare", { podSelector: {} });
    expect(connection(world(bare), web, grafana, 3000)).toEqual({ allowed: false, egress: OPEN, ingress: denied("servers/bare") });
    // egress: [] is not an egress section; policyTypes: [] is no policyTypes.
    expect(policyTypesOf(policy("servers", "e", { podSelector: {}, egress: [] }))).toEqual(["Ingress"]);
    expect(policyTypesOf(policy("servers", "e", { podSelector: {}, policyTypes: [], egress: [] }))).toEqual(["Ingress"]);
  });

  it("default to Ingress and Egress with an egress section", () => {
    const p = policy("servers", "with-egress", { podSelector: {}, egress: [{ to: [{ podSelector: {} }] }] });
    expect(policyTypesOf(p)).toEqual(["Ingress", "Egress"]);
    expect(connection(world(p), grafana, prometheus, 9090)).toEqual({
      allowed: false,
      egress: allowedBy(["servers/with-egress"], "servers/with-egress#0"),
      ingress: denied("servers/with-egress"),
    });
    expect(connection(world(p), grafana, internet, 443).egress).toEqual(denied("servers/with-egress"));
    expect(connection(world(p), internet, grafana, 3000).ingress).toEqual(denied("servers/with-egress"));
  });

  it("when given, ignore the rules of a direction they leave out", () => {
    const p = policy("servers", "egress-only", { podSelector: {}, policyTypes: ["Egress"], ingress: [{ from: [{ podSelector: {} }] }], egress: [{}] });
    expect(connection(world(p), web, grafana, 3000).ingress).toEqual(OPEN);
    expect(connection(world(p), grafana, internet, 443).egress).toEqual(allowedBy(["servers/egress-only"], "servers/egress-only#0"));
  });
});

describe("several policies selecting one pod", () => {
  const fromPrometheus = policy("servers", "from-prometheus", {
    podSelector: { matchLabels: { app: "grafana" } },
    ingress: [{ from: [{ podSelector: { matchLabels: { app: "prometheus" } } }], ports: [{ port: 3000 }] }],
  });
  const fromApps = policy("servers", "from-apps", {
    podSelector: { matchExpressions: [{ key: "app", operator: "Exists" }] },
    ingress: [{ from: [{ namespaceSelector: { matchLabels: { tier: "app" } } }] }],
  });
  const elsewhere = policy("apps", "from-prometheus", { podSelector: {}, ingress: [{}] });

  it("are additive: each allows what it allows, and the report names every rule that matched", () => {
    const w = world(fromPrometheus, fromApps, elsewhere);
    const both = ["servers/from-prometheus", "servers/from-apps"];
    expect(connection(w, prometheus, grafana, 3000).ingress).toEqual(allowedBy(both, "servers/from-prometheus#0"));
    expect(connection(w, web, grafana, 3000).ingress).toEqual(allowedBy(both, "servers/from-apps#0"));
    expect(connection(w, appsPrometheus, grafana, 3000).ingress).toEqual(allowedBy(both, "servers/from-apps#0"));
    expect(connection(w, prometheus, grafana, 3001).ingress).toEqual(denied(...both));
    expect(connection(w, collector, grafana, 3000).ingress).toEqual(denied(...both));
    // prometheus is selected by from-apps only; a policy of another namespace never selects it.
    expect(connection(w, grafana, prometheus, 9090).ingress).toEqual(denied("servers/from-apps"));
  });

  it("report a connection every policy allows under each of them", () => {
    const also = policy("servers", "also", { podSelector: { matchLabels: { app: "grafana" } }, ingress: [{ ports: [{ port: 3001 }] }, { ports: [{ port: 3000 }] }] });
    const w = world(fromPrometheus, also);
    expect(connection(w, prometheus, grafana, 3000).ingress).toEqual(allowedBy(["servers/from-prometheus", "servers/also"], "servers/from-prometheus#0", "servers/also#1"));
  });
});

describe("invalid policies", () => {
  const run = (spec: NetworkPolicy["spec"]) => () => connection(world(policy("servers", "bad", spec)), web, grafana, 3000);

  it("are rejected as the API server would", () => {
    expect(run({ podSelector: {}, ingress: [{ ports: [{ port: "80" }] }] })).toThrow(/not a valid port name/);
    expect(run({ podSelector: {}, ingress: [{ ports: [{ port: "http", endPort: 90 }] }] })).toThrow(/endPort needs a numeric port/);
    expect(run({ podSelector: {}, ingress: [{ ports: [{ endPort: 90 }] }] })).toThrow(/endPort needs a numeric port/);
    expect(run({ podSelector: {}, ingress: [{ ports: [{ port: 100, endPort: 90 }] }] })).toThrow(/endPort 90 is below port 100/);
    expect(run({ podSelector: {}, ingress: [{ ports: [{ port: 80, protocol: "ICMP" as never }] }] })).toThrow(/unsupported protocol "ICMP"/);
    expect(run({ podSelector: {}, policyTypes: ["ingress" as never] })).toThrow(/unknown policyType "ingress"/);
    expect(() => connection(world(DENY_INGRESS("servers"), DENY_INGRESS("servers")), web, grafana, 3000)).toThrow(/two policies are servers\/deny-ingress/);
  });
});

describe("podsOf and worldOf", () => {
  const manifests: Manifest[] = [
    { kind: "Namespace", metadata: { name: "servers", labels: { team: "obs" } } },
    {
      kind: "Deployment",
      metadata: { name: "grafana", namespace: "servers" },
      spec: {
        template: {
          metadata: { labels: { app: "grafana" } },
          spec: { containers: [{ name: "grafana", ports: [{ name: "http", containerPort: 3000 }] }, { name: "sidecar" }] },
        },
      },
    },
    {
      kind: "StatefulSet",
      metadata: { name: "prometheus", namespace: "servers" },
      spec: { template: { metadata: { labels: { app: "prometheus" } }, spec: { containers: [{ name: "p", ports: [{ name: "web", containerPort: 9090 }] }] } } },
    },
    {
      kind: "DaemonSet",
      metadata: { name: "collector", namespace: "agents" },
      spec: {
        template: {
          metadata: { labels: { app: "collector" } },
          spec: {
            containers: [
              { name: "a", ports: [{ name: "otlp-grpc", containerPort: 4317 }] },
              { name: "b", ports: [{ name: "jaeger-compact", containerPort: 6831, protocol: "UDP" }, { containerPort: 8888 }] },
            ],
          },
        },
      },
    },
    { kind: "Service", metadata: { name: "grafana", namespace: "servers" }, spec: { selector: { app: "grafana" } } },
    {
      kind: "NetworkPolicy",
      metadata: { name: "grafana", namespace: "servers" },
      spec: { podSelector: { matchLabels: { app: "grafana" } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: "prometheus" } } }], ports: [{ port: "http" }] }] },
    },
  ];

  it("derive one endpoint per workload, named <kind>/<name>, with its template's labels and its containers' ports", () => {
    expect(podsOf(manifests)).toEqual({
      "Deployment/grafana": { kind: "pod", name: "Deployment/grafana", namespace: "servers", labels: { app: "grafana" }, ports: [{ name: "http", containerPort: 3000, protocol: "TCP" }] },
      "StatefulSet/prometheus": { kind: "pod", name: "StatefulSet/prometheus", namespace: "servers", labels: { app: "prometheus" }, ports: [{ name: "web", containerPort: 9090, protocol: "TCP" }] },
      "DaemonSet/collector": {
        kind: "pod",
        name: "DaemonSet/collector",
        namespace: "agents",
        labels: { app: "collector" },
        ports: [
          { name: "otlp-grpc", containerPort: 4317, protocol: "TCP" },
          { name: "jaeger-compact", containerPort: 6831, protocol: "UDP" },
          { containerPort: 8888, protocol: "TCP" },
        ],
      },
    });
  });

  it("refuse two workloads with one name", () => {
    expect(() => podsOf([manifests[1], { ...manifests[1], metadata: { name: "grafana", namespace: "other" } }])).toThrow(/two workloads are Deployment\/grafana/);
  });

  it("evaluate rendered manifests directly", () => {
    const pods = podsOf(manifests);
    const w = worldOf(manifests, { agents: {} });
    expect(w.namespaces).toEqual({ agents: {}, servers: { team: "obs" } });
    expect(w.policies.map((p) => p.metadata.name)).toEqual(["grafana"]);
    expect(connection(w, pods["StatefulSet/prometheus"], pods["Deployment/grafana"], "http")).toEqual({
      allowed: true,
      egress: OPEN,
      ingress: allowedBy(["servers/grafana"], "servers/grafana#0"),
    });
    expect(connection(w, pods["DaemonSet/collector"], pods["Deployment/grafana"], 3000).ingress).toEqual(denied("servers/grafana"));
  });
});
