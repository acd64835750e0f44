/**
 * The prod stack with Jaeger's UI, Prometheus and Alertmanager exposed through Ingresses (tls.mode cert-manager):
 * the rendered NetworkPolicies, evaluated (test/support/network-policy.ts), admit the ingress controller's namespace
 * to exactly the exposed ports and nothing else; the rendered Ingresses carry TLS, Jaeger's its authentication, and
 * speak https to the backends; the policy pack's ingress-tls rule passes them and fails a copy stripped of TLS.
 */
import { connection, Endpoint, podsOf, PodEndpoint, worldOf, World } from "../support/network-policy";
import { find, runStack, StackRun } from "../support/program";
import { ingressTls } from "../../policy/checks";

const CONTROLLER: PodEndpoint = { kind: "pod", namespace: "ingress-nginx", labels: { "app.kubernetes.io/name": "ingress-nginx" } };
const OTHER_CONTROLLER: PodEndpoint = { kind: "pod", namespace: "traefik", labels: { app: "traefik" } };
const INGRESS = {
  controllerNamespace: "ingress-nginx",
  jaeger: { enabled: true, host: "jaeger.example.com", className: "nginx", tlsSecretName: "jaeger-tls", authSecretName: "jaeger-htpasswd" },
  prometheus: { enabled: true, host: "prometheus.example.com", className: "nginx", tlsSecretName: "prometheus-tls", certManagerIssuer: "letsencrypt" },
  alertmanager: { enabled: true, host: "alertmanager.example.com", className: "nginx", tlsSecretName: "alertmanager-tls" },
};

let stack: StackRun;
let world: World;
let pods: Record<string, PodEndpoint>;
const pod = (name: string) => Object.values(pods).find((p) => (p.name ?? "").endsWith(`/${name}`))!;
const allowed = (from: Endpoint, to: Endpoint, port: number, protocol: "TCP" | "UDP" = "TCP") => connection(world, from, to, port, protocol).allowed;

beforeAll(async () => {
  stack = await runStack("prod", {
    "observability:tls": JSON.stringify({ mode: "cert-manager", issuer: { kind: "ClusterIssuer", name: "internal-ca" }, agentsCaConfigMap: "servers-ca" }),
    "observability:ingress": JSON.stringify(INGRESS),
  });
  world = worldOf(stack.manifests as never);
  pods = podsOf(stack.manifests as never);
});

describe("the NetworkPolicies with the servers exposed", () => {
  it("admit the ingress controller to each exposed port", () => {
    const flows: [string, Endpoint, Endpoint, number][] = [
      ["the controller reaches Prometheus", CONTROLLER, pod("prometheus"), 9090],
      ["the controller reaches Alertmanager", CONTROLLER, pod("alertmanager"), 9093],
      ["the controller reaches Jaeger's UI", CONTROLLER, pod("jaeger"), 16686],
      ["Grafana still queries Jaeger", pod("grafana"), pod("jaeger"), 16686],
    ];
    expect(flows.filter(([, from, to, port]) => !allowed(from, to, port)).map(([what]) => what)).toEqual([]);
  });

  it("admit it to nothing else, and no other namespace to the exposed ports", () => {
    const flows: [string, Endpoint, Endpoint, number, ("TCP" | "UDP")?][] = [
      ["the controller joins the Alertmanager gossip", CONTROLLER, pod("alertmanager"), 9094],
      ["the controller joins the Alertmanager gossip over UDP", CONTROLLER, pod("alertmanager"), 9094, "UDP"],
      ["the controller sends OTLP to Jaeger", CONTROLLER, pod("jaeger"), 4317],
      ["the controller sends Jaeger gRPC to Jaeger", CONTROLLER, pod("jaeger"), 14250],
      ["the controller reads Jaeger's metrics", CONTROLLER, pod("jaeger"), 8888],
      ["the controller reaches Jaeger's health check", CONTROLLER, pod("jaeger"), 13133],
      ["the controller pushes to Loki", CONTROLLER, pod("loki"), 3100],
      ["the controller sends OTLP to the collector", CONTROLLER, pod("otel-collector"), 4317],
      ["another namespace reaches Prometheus", OTHER_CONTROLLER, pod("prometheus"), 9090],
      ["another namespace reaches Alertmanager", OTHER_CONTROLLER, pod("alertmanager"), 9093],
      ["another namespace reaches Jaeger's UI", OTHER_CONTROLLER, pod("jaeger"), 16686],
    ];
    expect(flows.filter(([, from, to, port, protocol]) => allowed(from, to, port, protocol)).map(([what]) => what)).toEqual([]);
  });
});

describe("the rendered Ingresses", () => {
  it("serve each host with TLS and speak verified https to the backends", () => {
    for (const [name, host, port] of [["prometheus", "prometheus.example.com", "http"], ["alertmanager", "alertmanager.example.com", "http"], ["jaeger", "jaeger.example.com", "http-ui"]]) {
      const ing = find(stack.manifests, "Ingress", name);
      expect(ing.metadata.namespace).toBe("observability");
      expect(ing.spec.tls).toEqual([{ hosts: [host], secretName: `${name}-tls` }]);
      expect(ing.spec.rules[0].http.paths[0].backend.service).toEqual({ name, port: { name: port } });
      expect(ing.metadata.annotations).toMatchObject({
        "nginx.ingress.kubernetes.io/backend-protocol": "HTTPS",
        "nginx.ingress.kubernetes.io/proxy-ssl-secret": "observability/observability-servers-tls",
        "nginx.ingress.kubernetes.io/proxy-ssl-name": `${name}.observability.svc`,
      });
    }
    const annotations = (name: string) => (find(stack.manifests, "Ingress", name).metadata as unknown as { annotations: Record<string, string> }).annotations;
    expect(annotations("prometheus")["cert-manager.io/cluster-issuer"]).toBe("letsencrypt");
    expect(annotations("jaeger")).toMatchObject({ "nginx.ingress.kubernetes.io/auth-type": "basic", "nginx.ingress.kubernetes.io/auth-secret": "jaeger-htpasswd" });
  });

  it("pass the policy pack's ingress-tls rule, which fails a copy without TLS", () => {
    const ingresses = stack.manifests.filter((m) => m.kind === "Ingress") as Record<string, any>[];
    expect(ingresses.map((i) => i.metadata.name).sort()).toEqual(["alertmanager", "jaeger", "prometheus"]);
    const ctx = { agentsNamespace: "observability-agents", digestsRequired: false } as never;
    expect(ingresses.flatMap((i) => ingressTls(i as never, ctx))).toEqual([]);
    const stripped = { ...ingresses[0], spec: { ...ingresses[0].spec, tls: [] } };
    expect(ingressTls(stripped as never, ctx)).toEqual([`host ${JSON.stringify(ingresses[0].spec.rules[0].host)} is served without TLS`]);
  });
});
