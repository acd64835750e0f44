/**
 * Optional TLS on the servers' HTTP endpoints (Prometheus, Alertmanager, Loki, Jaeger), as pure functions: the Secret the servers read their
 * certificate from (given in config, or issued by cert-manager under a derived name), the DNS names the certificate
 * must cover, the cert-manager Certificate's spec, the web config's `tls_server_config`, and what each client needs to
 * verify the servers against the Secret's ca.crt.
 *
 * Alertmanager's cluster gossip (port 9094) stays unencrypted: it is out of scope here (`--cluster.tls-config` would
 * need its own mutual-TLS setup), and the NetworkPolicies already limit it to Alertmanager's own pods.
 */
import type { StackSettings } from "../config/schema";

/** Keys of a kubernetes.io/tls Secret (cert-manager writes the same three). */
export const TLS_CERT_KEY = "tls.crt";
export const TLS_KEY_KEY = "tls.key";
export const TLS_CA_KEY = "ca.crt";

/** The Secret cert-manager issues into (mode cert-manager). */
export const SERVER_TLS_CERTIFICATE_SECRET = "observability-servers-tls";
/** The Certificate's name. */
export const SERVER_TLS_CERTIFICATE_NAME = "observability-servers";
/** Volume name of the mounted TLS Secret in each consumer's pod. */
export const SERVER_TLS_VOLUME = "server-tls";
/**
 * Where the web config's cert_file and key_file point, relative to the web config file: exporter-toolkit resolves
 * relative paths against the web config's directory, so one web config serves Prometheus (web config in
 * /etc/prometheus/web-auth, TLS Secret in /etc/prometheus/tls) and Alertmanager (the same under /etc/alertmanager).
 */
export const SERVER_TLS_DIR_FROM_WEB_CONFIG = "../tls";

export type TlsSettings = StackSettings["tls"];

/** The TLS Secret the servers mount, or undefined when TLS is off. */
export function serverTlsSecretName(tls: TlsSettings): string | undefined {
  switch (tls.mode) {
    case "off":
      return undefined;
    case "secret":
      if (tls.secretName === "") throw new Error(`observability:tls.secretName: got ""; expected a Secret name with tls.mode "secret"`);
      return tls.secretName;
    case "cert-manager":
      return SERVER_TLS_CERTIFICATE_SECRET;
  }
}

/** The exporter-toolkit `tls_server_config` block: the server's certificate and key from the mounted Secret. */
export interface TlsServerConfig {
  cert_file: string;
  key_file: string;
}

export function tlsServerConfig(dir: string = SERVER_TLS_DIR_FROM_WEB_CONFIG): TlsServerConfig {
  return { cert_file: `${dir}/${TLS_CERT_KEY}`, key_file: `${dir}/${TLS_KEY_KEY}` };
}

export interface ServerNamesArgs {
  readonly namespace: string;
  readonly clusterDomain: string;
  readonly prometheusService: string;
  readonly alertmanagerService: string;
  /** Alertmanager's headless Service and StatefulSet name, for the per-pod names `<statefulset>-<i>.<headless>.<ns>.svc`. */
  readonly alertmanagerHeadless: string;
  readonly alertmanagerStatefulSet: string;
  readonly alertmanagerReplicas: number;
  /** Loki's Service (Grafana, Promtail, the collector and Prometheus verify this name). */
  readonly lokiService: string;
  /** Jaeger's query Service and its OTLP ingest Service (components/services.ts JAEGER_INGEST). */
  readonly jaegerService: string;
  readonly jaegerIngestService: string;
}

const DNS_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The names the certificate covers: every server's Service (short and with the cluster domain) and every Alertmanager pod. */
export function serverDnsNames(a: ServerNamesArgs): string[] {
  if (!Number.isInteger(a.alertmanagerReplicas) || a.alertmanagerReplicas < 1) throw new Error(`alertmanager replicas must be a positive integer, got ${a.alertmanagerReplicas}`);
  const svc = (name: string) => [`${name}.${a.namespace}.svc`, `${name}.${a.namespace}.svc.${a.clusterDomain}`];
  const pods = Array.from({ length: a.alertmanagerReplicas }, (_, i) => `${a.alertmanagerStatefulSet}-${i}.${a.alertmanagerHeadless}.${a.namespace}.svc`);
  const names = [...svc(a.prometheusService), ...svc(a.alertmanagerService), ...pods, ...[a.lokiService, a.jaegerService, a.jaegerIngestService].flatMap(svc)];
  for (const n of names) if (!DNS_NAME.test(n) || n.length > 253) throw new Error(`certificate DNS name ${JSON.stringify(n)} is not a valid DNS name`);
  return names;
}

/** The spec of the cert-manager Certificate (cert-manager.io/v1). */
export interface CertificateSpec {
  secretName: string;
  commonName: string;
  dnsNames: string[];
  usages: string[];
  privateKey: { algorithm: "ECDSA"; size: 256; rotationPolicy: "Always" };
  issuerRef: { group: "cert-manager.io"; kind: "Issuer" | "ClusterIssuer"; name: string };
}

export function certificateSpec(tls: TlsSettings, dnsNames: string[]): CertificateSpec {
  if (tls.mode !== "cert-manager") throw new Error(`a Certificate is made only with tls.mode "cert-manager", got ${JSON.stringify(tls.mode)}`);
  if (tls.issuer.name === "") throw new Error(`observability:tls.issuer.name: got ""; expected an issuer name with tls.mode "cert-manager"`);
  if (dnsNames.length === 0) throw new Error("a Certificate needs at least one DNS name");
  return {
    secretName: SERVER_TLS_CERTIFICATE_SECRET,
    // Short enough for the 64-character limit of a CN; clients match on the DNS names.
    commonName: dnsNames[0],
    dnsNames,
    usages: ["server auth", "digital signature", "key encipherment"],
    privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
    issuerRef: { group: "cert-manager.io", kind: tls.issuer.kind, name: tls.issuer.name },
  };
}

/**
 * What a Prometheus client of the servers needs: its CA file, and the name to verify. Prometheus reaches Alertmanager
 * and its scrape targets by pod IP (discovered), which no certificate names, so `server_name` is the Service's name,
 * which the certificate covers.
 */
export interface ClientTls {
  readonly caFile: string;
  readonly prometheusServerName: string;
  readonly alertmanagerServerName: string;
  /** Loki's Service name: its metrics are on its HTTP server, which is TLS too. */
  readonly lokiServerName: string;
}

export function clientTls(caDir: string, namespace: string, prometheusService: string, alertmanagerService: string, lokiService: string): ClientTls {
  return {
    caFile: `${caDir}/${TLS_CA_KEY}`,
    prometheusServerName: `${prometheusService}.${namespace}.svc`,
    alertmanagerServerName: `${alertmanagerService}.${namespace}.svc`,
    lokiServerName: `${lokiService}.${namespace}.svc`,
  };
}
