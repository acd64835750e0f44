/**
 * An exact, dependency-free evaluator of Kubernetes NetworkPolicy (networking.k8s.io/v1) semantics, for tests: given
 * the NetworkPolicy objects as rendered (plain JSON, as in a manifest), the namespaces' labels and two endpoints, it
 * says whether a connection is allowed, and on each side which policy and rule allowed it.
 *
 * The semantics implemented (from the NetworkPolicy API reference and the API server's defaulting and validation):
 *
 * - A pod is isolated for a direction when at least one policy in its namespace selects it (`spec.podSelector`) and
 *   has that direction in its effective `policyTypes`. Without `policyTypes` (absent or empty) the API server defaults
 *   it to `["Ingress"]`, plus `"Egress"` when `spec.egress` is a non-empty list (`egress: []` does not count).
 * - Policies are additive: a connection is allowed on a side if that side is not isolated, or if any rule of any
 *   policy that isolates it matches. There is no deny rule and no order.
 * - A connection is allowed when egress is allowed at the source AND ingress is allowed at the destination. An
 *   external address (`{ kind: "ip" }`) is outside the cluster, so its own side is never restricted.
 * - A rule matches when one of its peers matches (absent or empty `from`/`to`: every peer, in or out of the cluster)
 *   and one of its ports matches (absent or empty `ports`: every port and protocol). `ingress: []`, or no `ingress`
 *   at all, with Ingress in `policyTypes` allows nothing; likewise for egress.
 * - A peer is exactly one of: `podSelector` (pods in the policy's own namespace), `namespaceSelector` (every pod in
 *   the matching namespaces), both (the pods matching the pod selector within the matching namespaces: AND), or
 *   `ipBlock` (addresses in `cidr` and in none of `except`). Selector peers never match an external address.
 * - A rule port matches on protocol (default TCP; TCP, UDP and SCTP are distinct) and, if `port` is set, on the port:
 *   a number, a number range `port..endPort` (inclusive), or a name. A name is looked up among the DESTINATION pod's
 *   container ports with the rule's protocol (for ingress rules the policy's own pod, for egress rules the peer), and
 *   matches when that port's number is the connection's; a destination without such a name, or an external address,
 *   does not match.
 * - Label selectors: `matchLabels` and `matchExpressions` (In, NotIn, Exists, DoesNotExist) are ANDed; an empty
 *   selector `{}` matches every object, a null/absent one matches none (in peers, absence has the meaning above; an
 *   absent `spec.podSelector` decodes to the empty selector on the server, so it selects every pod of the namespace).
 * - Every namespace carries `kubernetes.io/metadata.name: <name>`, set by the API server (it wins over any other value
 *   given). A namespace a pod names but `namespaces` leaves out is taken to exist with that label only.
 *
 * Policies the API server would reject are reported by throwing, so that a test does not assert on an object that
 * could never be applied: a peer with no field, or with `ipBlock` and a selector; an `except` not strictly inside its
 * `cidr`; `endPort` without a numeric `port`, or below it; a named port that is not a valid port name (e.g. `"80"`);
 * an unknown protocol or selector operator; In/NotIn without values, Exists/DoesNotExist with values.
 *
 * Not modelled (cluster- and plugin-dependent, which is why tests should not rely on them):
 * - `ipBlock` against pods. Here a pod matches an `ipBlock` peer only if the endpoint has an `ip`, compared as is.
 *   Real clusters differ: pod IPs are ephemeral, and SNAT/DNAT (Services, node masquerading, load balancers) may
 *   rewrite addresses before or after policy enforcement. Select pods with selectors; keep `ipBlock` for addresses
 *   outside the cluster.
 * - Traffic from the pod's own node (kubelet probes), hostNetwork pods, loopback, Services (a test names the backing
 *   pod and its target port), and reply packets of an allowed connection (always allowed).
 * - IPv6 (`cidr`s and addresses must be IPv4; anything else throws).
 */

export type Labels = Readonly<Record<string, string>>;
export type Protocol = "TCP" | "UDP" | "SCTP";
export type PolicyType = "Ingress" | "Egress";

export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  readonly values?: readonly string[];
}

export interface LabelSelector {
  readonly matchLabels?: Labels;
  readonly matchExpressions?: readonly LabelSelectorRequirement[];
}

export interface IPBlock {
  readonly cidr: string;
  readonly except?: readonly string[];
}

export interface NetworkPolicyPeer {
  readonly podSelector?: LabelSelector;
  readonly namespaceSelector?: LabelSelector;
  readonly ipBlock?: IPBlock;
}

export interface NetworkPolicyPort {
  readonly protocol?: Protocol;
  readonly port?: number | string;
  readonly endPort?: number;
}

export interface NetworkPolicyIngressRule {
  readonly from?: readonly NetworkPolicyPeer[];
  readonly ports?: readonly NetworkPolicyPort[];
}

export interface NetworkPolicyEgressRule {
  readonly to?: readonly NetworkPolicyPeer[];
  readonly ports?: readonly NetworkPolicyPort[];
}

/** A NetworkPolicy as in a manifest; `metadata.namespace` defaults to `default`. */
export interface NetworkPolicy {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly spec: {
    readonly podSelector?: LabelSelector;
    readonly policyTypes?: readonly PolicyType[];
    readonly ingress?: readonly NetworkPolicyIngressRule[];
    readonly egress?: readonly NetworkPolicyEgressRule[];
  };
}

export interface ContainerPort {
  readonly name?: string;
  readonly containerPort: number;
  /** Defaults to TCP. */
  readonly protocol?: Protocol;
}

/** A (non-hostNetwork) pod. `name` only labels it in messages; `ip` only matters to `ipBlock` peers. */
export interface PodEndpoint {
  readonly kind: "pod";
  readonly name?: string;
  readonly namespace: string;
  readonly labels: Labels;
  readonly ports?: readonly ContainerPort[];
  readonly ip?: string;
}

/** An address outside the cluster. */
export interface IpEndpoint {
  readonly kind: "ip";
  readonly ip: string;
}

export type Endpoint = PodEndpoint | IpEndpoint;

export interface World {
  readonly policies: readonly NetworkPolicy[];
  /** Namespace name -> its labels (`kubernetes.io/metadata.name` is implied). */
  readonly namespaces: Readonly<Record<string, Labels>>;
}

/** One rule of one policy: `policy` is `<namespace>/<name>`, `rule` the index in its `ingress` or `egress` list. */
export interface RuleRef {
  readonly policy: string;
  readonly rule: number;
}

/** One side of a connection: egress at the source, or ingress at the destination. */
export interface Verdict {
  /** Whether some policy isolates this side (always false for an external address). */
  readonly isolated: boolean;
  /** The policies (`<namespace>/<name>`, in input order) that select the pod for this direction. */
  readonly isolatedBy: readonly string[];
  /** `!isolated || allowedBy.length > 0`. */
  readonly allowed: boolean;
  /** Every rule that matches the connection, in policy then rule order; empty when not isolated. */
  readonly allowedBy: readonly RuleRef[];
}

export interface Connection {
  readonly allowed: boolean;
  readonly egress: Verdict;
  readonly ingress: Verdict;
}

export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

const PROTOCOLS: readonly string[] = ["TCP", "UDP", "SCTP"];

/**
 * Whether a Kubernetes label selector matches a set of labels: `matchLabels` and every `matchExpressions` entry must
 * hold. `{}` matches everything; `undefined`/`null` matches nothing. NotIn and DoesNotExist hold when the key is absent.
 */
export function selectorMatches(selector: LabelSelector | null | undefined, labels: Labels): boolean {
  if (selector == null) return false;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (!Object.prototype.hasOwnProperty.call(labels, key) || labels[key] !== value) return false;
  }
  for (const req of selector.matchExpressions ?? []) {
    const values = req.values ?? [];
    const has = Object.prototype.hasOwnProperty.call(labels, req.key);
    switch (req.operator) {
      case "In":
      case "NotIn": {
        if (values.length === 0) throw new Error(`selector operator ${req.operator} on "${req.key}" needs values`);
        const inValues = has && values.includes(labels[req.key]);
        if (req.operator === "In" ? !inValues : inValues) return false;
        break;
      }
      case "Exists":
      case "DoesNotExist":
        if (values.length > 0) throw new Error(`selector operator ${req.operator} on "${req.key}" takes no values`);
        if (req.operator === "Exists" ? !has : has) return false;
        break;
      default:
        throw new Error(`unknown selector operator ${JSON.stringify((req as { operator: unknown }).operator)}`);
    }
  }
  return true;
}

/** A namespace's labels as the API server has them: the given ones plus `kubernetes.io/metadata.name`. */
export function namespaceLabels(world: Pick<World, "namespaces">, name: string): Labels {
  const given = Object.prototype.hasOwnProperty.call(world.namespaces, name) ? world.namespaces[name] : {};
  return { ...given, [NAMESPACE_NAME_LABEL]: name };
}

/** `<namespace>/<name>` of a policy. */
export function policyId(policy: NetworkPolicy): string {
  return `${policyNamespace(policy)}/${policy.metadata.name}`;
}

/** The effective policyTypes, defaulted as the API server does when the list is absent or empty. */
export function policyTypesOf(policy: NetworkPolicy): readonly PolicyType[] {
  const given = policy.spec.policyTypes ?? [];
  for (const t of given) {
    if (t !== "Ingress" && t !== "Egress") throw new Error(`${policyId(policy)}: unknown policyType ${JSON.stringify(t)}`);
  }
  if (given.length > 0) return given;
  return (policy.spec.egress ?? []).length > 0 ? ["Ingress", "Egress"] : ["Ingress"];
}

/**
 * Whether `from` may open a connection to `to` on `port` (a number, or the name of one of `to`'s container ports with
 * that protocol) and `protocol`, under the world's policies. Throws on an unknown named port and on invalid policies.
 */
export function connection(world: World, from: Endpoint, to: Endpoint, port: number | string, protocol: Protocol = "TCP"): Connection {
  checkProtocol(protocol, "connection protocol");
  checkEndpoint(from);
  checkEndpoint(to);
  const ids = new Set<string>();
  for (const p of world.policies) {
    checkPolicy(p);
    if (ids.has(policyId(p))) throw new Error(`two policies are ${policyId(p)}`);
    ids.add(policyId(p));
  }
  const portNumber = resolveConnectionPort(to, port, protocol);
  const traffic: Traffic = { port: portNumber, protocol, destination: to };
  const egress = from.kind === "ip" ? EXTERNAL : sideVerdict(world, "Egress", from, to, traffic);
  const ingress = to.kind === "ip" ? EXTERNAL : sideVerdict(world, "Ingress", to, from, traffic);
  return { allowed: egress.allowed && ingress.allowed, egress, ingress };
}

/** A manifest as loaded from YAML: only `kind` and `metadata` are looked at before the kind is known. */
export interface Manifest {
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Labels };
  readonly [field: string]: unknown;
}

const WORKLOAD_KINDS: readonly string[] = ["Deployment", "StatefulSet", "DaemonSet"];

/**
 * One pod endpoint per Deployment, StatefulSet and DaemonSet, keyed (and named) `<kind>/<name>`: its namespace
 * (default `default`), its pod template's labels, and its `containers`' ports (init containers, sidecars included,
 * are left out). Other kinds are ignored; two workloads with one key (in different namespaces) throw.
 */
export function podsOf(manifests: readonly Manifest[]): Record<string, PodEndpoint> {
  const pods: Record<string, PodEndpoint> = {};
  for (const m of manifests) {
    if (m == null || !WORKLOAD_KINDS.includes(m.kind)) continue;
    const key = `${m.kind}/${m.metadata.name}`;
    if (Object.prototype.hasOwnProperty.call(pods, key)) throw new Error(`podsOf: two workloads are ${key}`);
    const template = (m.spec as { template?: { metadata?: { labels?: Labels }; spec?: { containers?: { ports?: ContainerPort[] }[] } } } | undefined)
      ?.template;
    const ports = (template?.spec?.containers ?? []).flatMap((c) => c.ports ?? []);
    pods[key] = {
      kind: "pod",
      name: key,
      namespace: m.metadata.namespace ?? "default",
      labels: { ...(template?.metadata?.labels ?? {}) },
      ports: ports.map((p) => ({ ...(p.name !== undefined ? { name: p.name } : {}), containerPort: p.containerPort, protocol: p.protocol ?? "TCP" })),
    };
  }
  return pods;
}

/**
 * The world of a set of manifests: its NetworkPolicies, and its Namespaces' labels merged over `namespaces` (for
 * namespaces that exist but are not in the manifests).
 */
export function worldOf(manifests: readonly Manifest[], namespaces: Readonly<Record<string, Labels>> = {}): World {
  const ns: Record<string, Labels> = { ...namespaces };
  for (const m of manifests) {
    if (m?.kind === "Namespace") ns[m.metadata.name] = { ...(ns[m.metadata.name] ?? {}), ...(m.metadata.labels ?? {}) };
  }
  const policies = manifests.filter((m) => m?.kind === "NetworkPolicy") as unknown as NetworkPolicy[];
  return { policies, namespaces: ns };
}

// ---------------------------------------------------------------------------------------------------------------

interface Traffic {
  readonly port: number;
  readonly protocol: Protocol;
  /** Where the connection goes: named ports are resolved against it, on either side. */
  readonly destination: Endpoint;
}

const EXTERNAL: Verdict = { isolated: false, isolatedBy: [], allowed: true, allowedBy: [] };

function policyNamespace(policy: NetworkPolicy): string {
  return policy.metadata.namespace ?? "default";
}

/** Egress at `subject` towards `peer`, or ingress at `subject` from `peer`. */
function sideVerdict(world: World, direction: PolicyType, subject: PodEndpoint, peer: Endpoint, traffic: Traffic): Verdict {
  const isolatedBy: string[] = [];
  const allowedBy: RuleRef[] = [];
  for (const policy of world.policies) {
    const ns = policyNamespace(policy);
    if (ns !== subject.namespace) continue;
    if (!selectorMatches(policy.spec.podSelector ?? {}, subject.labels)) continue;
    if (!policyTypesOf(policy).includes(direction)) continue;
    const id = policyId(policy);
    isolatedBy.push(id);
    const rules: readonly (NetworkPolicyIngressRule | NetworkPolicyEgressRule)[] = (direction === "Ingress" ? policy.spec.ingress : policy.spec.egress) ?? [];
    rules.forEach((rule, index) => {
      const peers = direction === "Ingress" ? (rule as NetworkPolicyIngressRule).from : (rule as NetworkPolicyEgressRule).to;
      const peerOk = peers == null || peers.length === 0 || peers.some((p) => peerMatches(world, ns, p, peer));
      const portOk = rule.ports == null || rule.ports.length === 0 || rule.ports.some((p) => portMatches(p, traffic));
      if (peerOk && portOk) allowedBy.push({ policy: id, rule: index });
    });
  }
  const isolated = isolatedBy.length > 0;
  return { isolated, isolatedBy, allowed: !isolated || allowedBy.length > 0, allowedBy };
}

function peerMatches(world: World, ns: string, peer: NetworkPolicyPeer, endpoint: Endpoint): boolean {
  if (peer.ipBlock != null) {
    const ip = endpoint.ip;
    if (ip === undefined) return false;
    const addr = parseIPv4(ip);
    return inCidr(addr, parseCidr(peer.ipBlock.cidr)) && !(peer.ipBlock.except ?? []).some((e) => inCidr(addr, parseCidr(e)));
  }
  if (endpoint.kind === "ip") return false;
  const inNamespace = peer.namespaceSelector != null ? selectorMatches(peer.namespaceSelector, namespaceLabels(world, endpoint.namespace)) : endpoint.namespace === ns;
  return inNamespace && (peer.podSelector == null || selectorMatches(peer.podSelector, endpoint.labels));
}

function portMatches(rulePort: NetworkPolicyPort, traffic: Traffic): boolean {
  if ((rulePort.protocol ?? "TCP") !== traffic.protocol) return false;
  const port = rulePort.port;
  if (port == null) return true;
  if (typeof port === "number") return rulePort.endPort == null ? traffic.port === port : port <= traffic.port && traffic.port <= rulePort.endPort;
  const dest = traffic.destination;
  if (dest.kind === "ip") return false;
  return (dest.ports ?? []).some((p) => p.name === port && (p.protocol ?? "TCP") === traffic.protocol && p.containerPort === traffic.port);
}

function resolveConnectionPort(to: Endpoint, port: number | string, protocol: Protocol): number {
  if (typeof port === "number") {
    checkPortNumber(port, "connection port");
    return port;
  }
  if (to.kind === "ip") throw new Error(`connection: an external address (${to.ip}) has no named port "${port}"`);
  const found = (to.ports ?? []).find((p) => p.name === port && (p.protocol ?? "TCP") === protocol);
  if (found === undefined) throw new Error(`connection: ${describe(to)} has no ${protocol} port named "${port}"`);
  return found.containerPort;
}

function describe(e: Endpoint): string {
  return e.kind === "ip" ? e.ip : `pod ${e.name ?? JSON.stringify(e.labels)} in ${e.namespace}`;
}

// Validation: what the API server would reject. ------------------------------------------------------------------

function checkProtocol(protocol: unknown, what: string): void {
  if (typeof protocol !== "string" || !PROTOCOLS.includes(protocol)) throw new Error(`${what}: unsupported protocol ${JSON.stringify(protocol)}`);
}

function checkPortNumber(port: unknown, what: string): void {
  if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${what}: ${JSON.stringify(port)} is not a port number`);
}

/** IANA_SVC_NAME, as Kubernetes validates a named port: at most 15 of [a-z0-9-], a letter, no leading, trailing or double '-'. */
function isValidPortName(name: string): boolean {
  return name.length <= 15 && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(name) && /[a-z]/.test(name) && !name.includes("--");
}

function checkEndpoint(e: Endpoint): void {
  if (e.kind === "ip") {
    parseIPv4(e.ip);
    return;
  }
  if (e.kind !== "pod") throw new Error(`unknown endpoint kind ${JSON.stringify((e as { kind: unknown }).kind)}`);
  if (typeof e.namespace !== "string" || e.namespace === "") throw new Error(`a pod endpoint needs a namespace`);
  if (e.ip !== undefined) parseIPv4(e.ip);
  for (const p of e.ports ?? []) {
    checkPortNumber(p.containerPort, `${describe(e)} containerPort`);
    if (p.protocol !== undefined) checkProtocol(p.protocol, `${describe(e)} port`);
  }
}

function checkSelector(selector: LabelSelector, what: string): void {
  try {
    selectorMatches(selector, {});
  } catch (err) {
    throw new Error(`${what}: ${(err as Error).message}`);
  }
}

function checkPolicy(policy: NetworkPolicy): void {
  const id = policy?.metadata?.name !== undefined ? policyId(policy) : "a policy";
  if (policy.kind !== undefined && policy.kind !== "NetworkPolicy") throw new Error(`${id}: kind ${policy.kind} is not a NetworkPolicy`);
  if (policy.apiVersion !== undefined && policy.apiVersion !== "networking.k8s.io/v1") throw new Error(`${id}: apiVersion ${policy.apiVersion} is not networking.k8s.io/v1`);
  if (policy.spec == null) throw new Error(`${id}: no spec`);
  checkSelector(policy.spec.podSelector ?? {}, `${id} podSelector`);
  policyTypesOf(policy);
  const check = (where: string, peersField: string, peers: readonly NetworkPolicyPeer[] | undefined, ports: readonly NetworkPolicyPort[] | undefined) => {
    (peers ?? []).forEach((peer, j) => checkPeer(peer, `${where}.${peersField}[${j}]`));
    (ports ?? []).forEach((port, j) => checkRulePort(port, `${where}.ports[${j}]`));
  };
  (policy.spec.ingress ?? []).forEach((rule, i) => check(`${id} ingress[${i}]`, "from", rule.from, rule.ports));
  (policy.spec.egress ?? []).forEach((rule, i) => check(`${id} egress[${i}]`, "to", rule.to, rule.ports));
}

function checkPeer(peer: NetworkPolicyPeer, where: string): void {
  const selectors = (peer.podSelector != null ? 1 : 0) + (peer.namespaceSelector != null ? 1 : 0);
  if (peer.ipBlock != null) {
    if (selectors > 0) throw new Error(`${where}: ipBlock cannot be combined with podSelector or namespaceSelector`);
    const cidr = parseCidr(peer.ipBlock.cidr);
    for (const e of peer.ipBlock.except ?? []) {
      const ex = parseCidr(e);
      if (!(ex.prefix > cidr.prefix && inCidr(ex.base, cidr))) throw new Error(`${where}: except ${e} is not strictly within cidr ${peer.ipBlock.cidr}`);
    }
    return;
  }
  if (selectors === 0) throw new Error(`${where}: a peer must set podSelector, namespaceSelector or ipBlock`);
  if (peer.podSelector != null) checkSelector(peer.podSelector, `${where}.podSelector`);
  if (peer.namespaceSelector != null) checkSelector(peer.namespaceSelector, `${where}.namespaceSelector`);
}

function checkRulePort(port: NetworkPolicyPort, where: string): void {
  if (port.protocol != null) checkProtocol(port.protocol, where);
  if (typeof port.port === "string") {
    if (!isValidPortName(port.port)) throw new Error(`${where}: "${port.port}" is not a valid port name (a number must be written as a number)`);
  } else if (port.port != null) {
    checkPortNumber(port.port, where);
  }
  if (port.endPort != null) {
    if (typeof port.port !== "number") throw new Error(`${where}: endPort needs a numeric port`);
    checkPortNumber(port.endPort, `${where} endPort`);
    if (port.endPort < port.port) throw new Error(`${where}: endPort ${port.endPort} is below port ${port.port}`);
  }
}

// IPv4. -------------------------------------------------------------------------------------------------------

interface Cidr {
  readonly base: number;
  readonly prefix: number;
}

function parseIPv4(text: string): number {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(String(text));
  if (m === null) throw new Error(`${JSON.stringify(text)} is not an IPv4 address (only IPv4 is supported)`);
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) throw new Error(`${JSON.stringify(text)} is not an IPv4 address`);
  return ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
}

function parseCidr(text: string): Cidr {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(String(text));
  const prefix = m === null ? NaN : Number(m[2]);
  if (m === null || prefix > 32) throw new Error(`${JSON.stringify(text)} is not an IPv4 CIDR (only IPv4 is supported)`);
  return { base: parseIPv4(m[1]), prefix };
}

function inCidr(addr: number, cidr: Cidr): boolean {
  if (cidr.prefix === 0) return true;
  const mask = (0xffffffff << (32 - cidr.prefix)) >>> 0;
  return ((addr & mask) >>> 0) === ((cidr.base & mask) >>> 0);
}
