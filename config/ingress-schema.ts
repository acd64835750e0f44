/**
 * Optional Ingresses for Jaeger's UI, Prometheus and Alertmanager (Grafana's is grafana.ingress): the config keys and
 * their cross-checks. Each refuses to render without TLS; Jaeger's, whose UI has no login of its own, also without an
 * authentication setting of the ingress controller (ingress-nginx's auth-url or basic-auth Secret).
 */
import { Infer, Problem, boolean, dnsSubdomain, object, string } from "./fields";

/** The keys every exposed server shares with grafana.ingress. */
function common(what: string) {
  return {
    enabled: boolean({ description: `create an Ingress for ${what}`, default: false }),
    host: dnsSubdomain({ description: "host name (required when enabled)", default: "", allowEmpty: true }),
    className: dnsSubdomain({ description: "ingressClassName (empty: cluster default)", default: "", allowEmpty: true }),
    tlsSecretName: dnsSubdomain({ description: "TLS Secret in the servers namespace (required when enabled: there is no plain-HTTP Ingress)", default: "", allowEmpty: true }),
    certManagerIssuer: dnsSubdomain({
      description: "a cert-manager ClusterIssuer that issues the certificate into tlsSecretName (empty: the Secret is provided otherwise)",
      default: "",
      allowEmpty: true,
    }),
  };
}

const DNS_LABEL_OR_EMPTY = /^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)?$/;

export const ingressField = object(
  {
    description:
      "optional Ingresses for Jaeger's UI, Prometheus and Alertmanager (Grafana's is grafana.ingress); the annotations are ingress-nginx's; behind tls.mode the backends are reached over https",
  },
  {
    controllerNamespace: string({
      description: "namespace of the ingress controller's pods, the only peers the NetworkPolicies admit to an exposed server's port (required when one is enabled)",
      default: "",
      pattern: DNS_LABEL_OR_EMPTY,
      allowed: "an RFC 1123 label (a namespace name) or empty",
    }),
    jaeger: object(
      { description: "Jaeger's UI and query API, which have no login: the Ingress requires authUrl or authSecretName" },
      {
        ...common("Jaeger's UI"),
        authUrl: string({
          description: "external authentication (ingress-nginx auth-url, e.g. an oauth2-proxy's /oauth2/auth); one of authUrl and authSecretName is required",
          default: "",
          pattern: /^https?:\/\/[^\s"']+$/,
          allowEmpty: true,
          allowed: "an http or https URL, or empty",
        }),
        authSecretName: dnsSubdomain({
          description: "basic authentication: a Secret in the servers namespace whose key auth is an htpasswd file (ingress-nginx auth-secret)",
          default: "",
          allowEmpty: true,
        }),
      },
    ),
    prometheus: object({ description: "Prometheus (its own basic auth applies)" }, common("Prometheus")),
    alertmanager: object({ description: "Alertmanager (its own basic auth applies)" }, common("Alertmanager")),
  },
);

export type IngressSettings = Infer<typeof ingressField>;
export const EXPOSED_SERVERS = ["jaeger", "prometheus", "alertmanager"] as const;
export type ExposedServer = (typeof EXPOSED_SERVERS)[number];

/** Problems of the ingress keys: host and TLS per enabled Ingress, Jaeger's authentication, the controller's namespace. */
export function ingressProblems(ingress: IngressSettings, networkPolicies: boolean, prefix: string): Problem[] {
  const problems: Problem[] = [];
  const key = (path: string) => `${prefix}ingress.${path}`;
  for (const server of EXPOSED_SERVERS) {
    const i = ingress[server];
    if (!i.enabled) continue;
    if (i.host === "") problems.push({ key: key(`${server}.host`), message: `got ""; expected a host name when ingress.${server}.enabled is true` });
    if (i.tlsSecretName === "") {
      problems.push({
        key: key(`${server}.tlsSecretName`),
        message:
          `got ""; expected the TLS Secret's name when ingress.${server}.enabled is true (set ingress.${server}.certManagerIssuer too to have ` +
          `cert-manager issue it): without TLS, credentials and queries cross the network in plain text`,
      });
    }
  }
  const j = ingress.jaeger;
  if (j.enabled && j.authUrl === "" && j.authSecretName === "") {
    problems.push({
      key: key("jaeger.authUrl"),
      message: `got ""; expected an authentication URL, or ingress.jaeger.authSecretName, when ingress.jaeger.enabled is true: Jaeger's UI has no login, and every trace would be open to anyone reaching the host`,
    });
  }
  if (j.authUrl !== "" && j.authSecretName !== "") {
    problems.push({ key: key("jaeger.authSecretName"), message: `got ${JSON.stringify(j.authSecretName)}; expected "" when ingress.jaeger.authUrl is set (one authentication, not two)` });
  }
  const enabled = EXPOSED_SERVERS.filter((s) => ingress[s].enabled);
  if (networkPolicies && enabled.length > 0 && ingress.controllerNamespace === "") {
    problems.push({
      key: key("controllerNamespace"),
      message: `got ""; expected the ingress controller's namespace when ${enabled.map((s) => `ingress.${s}`).join(", ")} is enabled: the NetworkPolicies admit only it to the exposed port`,
    });
  }
  return problems;
}
