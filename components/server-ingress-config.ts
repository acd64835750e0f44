/**
 * The Ingresses of Jaeger's UI, Prometheus and Alertmanager as data (config/ingress-schema.ts has the keys and their
 * checks). Each serves its host only with TLS; Jaeger's carries ingress-nginx's authentication annotations, since its
 * UI has no login. Behind tls.mode the controller speaks https to the backend and verifies it against the servers'
 * Secret's ca.crt and the Service's name.
 */
import type { ExposedServer, IngressSettings } from "../config/ingress-schema";
import { SERVICES } from "./services";

const NGINX = "nginx.ingress.kubernetes.io";

/** The Service port (by name) each exposed server is reached on. */
export const EXPOSED_PORTS: Readonly<Record<ExposedServer, { readonly name: string; readonly port: number }>> = {
  jaeger: SERVICES.jaeger.ports.ui,
  prometheus: SERVICES.prometheus.ports.http,
  alertmanager: SERVICES.alertmanager.ports.http,
};

export interface ServerIngressArgs {
  readonly server: ExposedServer;
  readonly settings: IngressSettings[ExposedServer];
  /** The servers namespace. */
  readonly namespace: string;
  /** The servers' TLS Secret when tls.mode is on: the backend speaks https and is verified against its ca.crt. */
  readonly backendTlsSecret?: string;
}

export interface ServerIngressData {
  readonly name: string;
  readonly annotations: Record<string, string>;
  readonly spec: {
    ingressClassName?: string;
    tls: { hosts: string[]; secretName: string }[];
    rules: { host: string; http: { paths: { path: string; pathType: "Prefix"; backend: { service: { name: string; port: { name: string } } } }[] } }[];
  };
}

export function buildServerIngress(a: ServerIngressArgs): ServerIngressData {
  const s = a.settings;
  const where = `ingress.${a.server}`;
  if (!s.enabled) throw new Error(`${where}: an Ingress is built only when enabled`);
  if (s.host === "") throw new Error(`${where}.host: got ""; expected a host name`);
  if (s.tlsSecretName === "") throw new Error(`${where}.tlsSecretName: got ""; expected a TLS Secret (there is no plain-HTTP Ingress)`);
  const annotations: Record<string, string> = {};
  if (s.certManagerIssuer) annotations["cert-manager.io/cluster-issuer"] = s.certManagerIssuer;
  if ("authUrl" in s) {
    if (s.authUrl !== "") annotations[`${NGINX}/auth-url`] = s.authUrl;
    else if (s.authSecretName !== "") {
      annotations[`${NGINX}/auth-type`] = "basic";
      annotations[`${NGINX}/auth-secret`] = s.authSecretName;
      annotations[`${NGINX}/auth-realm`] = "Jaeger";
    } else throw new Error(`${where}.authUrl: got ""; expected authUrl or authSecretName (Jaeger's UI has no login of its own)`);
  }
  const service = SERVICES[a.server].name;
  if (a.backendTlsSecret) {
    annotations[`${NGINX}/backend-protocol`] = "HTTPS";
    annotations[`${NGINX}/proxy-ssl-verify`] = "on";
    annotations[`${NGINX}/proxy-ssl-secret`] = `${a.namespace}/${a.backendTlsSecret}`;
    annotations[`${NGINX}/proxy-ssl-name`] = `${service}.${a.namespace}.svc`;
    annotations[`${NGINX}/proxy-ssl-server-name`] = "on";
  }
  return {
    name: service,
    annotations,
    spec: {
      ...(s.className ? { ingressClassName: s.className } : {}),
      tls: [{ hosts: [s.host], secretName: s.tlsSecretName }],
      rules: [{ host: s.host, http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: service, port: { name: EXPOSED_PORTS[a.server].name } } } }] } }],
    },
  };
}
