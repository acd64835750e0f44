/**
 * The ingress.* keys (Jaeger's UI, Prometheus, Alertmanager) and the Ingress builder: each refusal names the key and
 * the value received; the builder's annotations for TLS, cert-manager, Jaeger's authentication and an https backend.
 */
import { ConfigError, parseStackConfig } from "../../config/parse";
import { buildServerIngress } from "../../components/server-ingress-config";

const BOT_TOKEN = "xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx";
const GOOD = {
  controllerNamespace: "ingress-nginx",
  jaeger: { enabled: true, host: "jaeger.example.com", tlsSecretName: "jaeger-tls", authUrl: "https://auth.example.com/oauth2/auth" },
  prometheus: { enabled: true, host: "prometheus.example.com", tlsSecretName: "prometheus-tls", certManagerIssuer: "letsencrypt" },
  alertmanager: { enabled: true, host: "alertmanager.example.com", className: "nginx", tlsSecretName: "alertmanager-tls" },
};

function parse(ingress: unknown, extra: Record<string, string> = {}) {
  return parseStackConfig({ "observability:slackBotToken": BOT_TOKEN, "observability:ingress": JSON.stringify(ingress), ...extra });
}
function problemsOf(ingress: unknown, extra: Record<string, string> = {}): string[] {
  try {
    parse(ingress, extra);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map((p) => `${p.key}: ${p.message}`);
    throw e;
  }
  return [];
}

describe("ingress config", () => {
  it("exposes nothing by default", () => {
    const i = parseStackConfig({ "observability:slackBotToken": BOT_TOKEN }).settings.ingress;
    expect([i.jaeger.enabled, i.prometheus.enabled, i.alertmanager.enabled, i.controllerNamespace]).toEqual([false, false, false, ""]);
  });

  it("accepts all three with TLS, Jaeger with an auth URL or a basic-auth Secret", () => {
    expect(problemsOf(GOOD)).toEqual([]);
    expect(problemsOf({ ...GOOD, jaeger: { ...GOOD.jaeger, authUrl: "", authSecretName: "jaeger-htpasswd" } })).toEqual([]);
  });

  const without = (server: "jaeger" | "prometheus" | "alertmanager", change: Record<string, unknown>) => ({ ...GOOD, [server]: { ...GOOD[server], ...change } });
  it.each([
    ["Prometheus without a TLS Secret", without("prometheus", { tlsSecretName: "" }), "observability:ingress.prometheus.tlsSecretName", 'got ""; expected the TLS Secret'],
    ["Alertmanager without a TLS Secret", without("alertmanager", { tlsSecretName: "" }), "observability:ingress.alertmanager.tlsSecretName", "without TLS"],
    ["Jaeger without a TLS Secret", without("jaeger", { tlsSecretName: "" }), "observability:ingress.jaeger.tlsSecretName", 'got ""'],
    ["Jaeger without authentication", without("jaeger", { authUrl: "" }), "observability:ingress.jaeger.authUrl", "Jaeger's UI has no login"],
    ["Jaeger with two authentications", without("jaeger", { authSecretName: "htpasswd" }), "observability:ingress.jaeger.authSecretName", 'got "htpasswd"'],
    ["an auth URL that is no URL", without("jaeger", { authUrl: "auth.example.com" }), "observability:ingress.jaeger.authUrl", 'got "auth.example.com"'],
    ["an enabled Ingress without a host", without("prometheus", { host: "" }), "observability:ingress.prometheus.host", 'got ""'],
    ["no controller namespace", { ...GOOD, controllerNamespace: "" }, "observability:ingress.controllerNamespace", "ingress.jaeger, ingress.prometheus, ingress.alertmanager is enabled"],
    ["a controller namespace that is no namespace name", { ...GOOD, controllerNamespace: "Ingress_NGINX" }, "observability:ingress.controllerNamespace", 'got "Ingress_NGINX"'],
    ["a misspelled key", without("prometheus", { tlsSecret: "x" }), "observability:ingress.prometheus.tlsSecret", "tlsSecretName"],
  ])("rejects %s, naming the key and value", (_what, ingress, key, text) => {
    const problems = problemsOf(ingress);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`${key}:`);
    expect(problems[0]).toContain(text);
  });

  it("needs no controller namespace when the stack makes no NetworkPolicies", () => {
    expect(problemsOf({ ...GOOD, controllerNamespace: "" }, { "observability:network": JSON.stringify({ policies: false }) })).toEqual([]);
  });
});

describe("the Ingress builder", () => {
  const settings = parse(GOOD).settings.ingress;
  it("serves the host with TLS only, to the server's Service port", () => {
    const ing = buildServerIngress({ server: "prometheus", settings: settings.prometheus, namespace: "observability" });
    expect(ing.spec).toEqual({
      tls: [{ hosts: ["prometheus.example.com"], secretName: "prometheus-tls" }],
      rules: [{ host: "prometheus.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "prometheus", port: { name: "http" } } } }] } }],
    });
    expect(ing.annotations).toEqual({ "cert-manager.io/cluster-issuer": "letsencrypt" });
    expect(buildServerIngress({ server: "jaeger", settings: settings.jaeger, namespace: "observability" }).spec.rules[0].http.paths[0].backend.service).toEqual({ name: "jaeger", port: { name: "http-ui" } });
  });

  it("puts Jaeger behind the controller's authentication", () => {
    expect(buildServerIngress({ server: "jaeger", settings: settings.jaeger, namespace: "observability" }).annotations).toEqual({ "nginx.ingress.kubernetes.io/auth-url": "https://auth.example.com/oauth2/auth" });
    const basic = buildServerIngress({ server: "jaeger", settings: { ...settings.jaeger, authUrl: "", authSecretName: "jaeger-htpasswd" }, namespace: "observability" });
    expect(basic.annotations).toEqual({ "nginx.ingress.kubernetes.io/auth-type": "basic", "nginx.ingress.kubernetes.io/auth-secret": "jaeger-htpasswd", "nginx.ingress.kubernetes.io/auth-realm": "Jaeger" });
  });

  it("speaks https to the backend with tls.mode on, verifying it against the servers' Secret and the Service name", () => {
    const ing = buildServerIngress({ server: "alertmanager", settings: settings.alertmanager, namespace: "observability", backendTlsSecret: "observability-servers-tls" });
    expect(ing.annotations).toEqual({
      "nginx.ingress.kubernetes.io/backend-protocol": "HTTPS",
      "nginx.ingress.kubernetes.io/proxy-ssl-verify": "on",
      "nginx.ingress.kubernetes.io/proxy-ssl-secret": "observability/observability-servers-tls",
      "nginx.ingress.kubernetes.io/proxy-ssl-name": "alertmanager.observability.svc",
      "nginx.ingress.kubernetes.io/proxy-ssl-server-name": "on",
    });
    expect(ing.spec.ingressClassName).toBe("nginx");
  });

  it("refuses to build without TLS, or Jaeger's without authentication, naming the key", () => {
    expect(() => buildServerIngress({ server: "prometheus", settings: { ...settings.prometheus, tlsSecretName: "" }, namespace: "observability" })).toThrow('ingress.prometheus.tlsSecretName: got ""');
    expect(() => buildServerIngress({ server: "jaeger", settings: { ...settings.jaeger, authUrl: "" }, namespace: "observability" })).toThrow('ingress.jaeger.authUrl: got ""');
  });
});
