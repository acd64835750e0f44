/**
 * The local cluster's certificates, made with openssl (Node's crypto makes keys but cannot sign certificates): one CA,
 * the API server's serving certificate for loopback, a client certificate per component and for the admin, and the
 * service-account token signing key. Each client's identity is its certificate's CN (user) and O (groups), which is
 * what RBAC then sees.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

function openssl(args: readonly string[], cwd: string): void {
  const r = spawnSync("openssl", args, { cwd, encoding: "utf8" });
  if (r.error) throw new Error(`openssl is needed to make the cluster's certificates: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
}

export interface ClientIdentity {
  /** File stem: `<name>.crt`, `<name>.key`. */
  readonly name: string;
  readonly user: string;
  readonly groups?: readonly string[];
}

export interface Pki {
  readonly dir: string;
  readonly caCert: string;
  readonly caKey: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly serviceAccountKey: string;
  readonly serviceAccountPub: string;
  client(name: string): { cert: string; key: string };
}

/** Days of validity: a cluster lives minutes, but a user may keep one up for a working day or a week. */
const DAYS = "30";

export function makePki(dir: string, clients: readonly ClientIdentity[]): Pki {
  mkdirSync(dir, { recursive: true });
  openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", DAYS, "-subj", "/CN=observability-test-ca", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"], dir);

  // Clients in the cluster reach the API server as kubernetes.default.svc; this fixture only on 127.0.0.1, but the
  // names cost nothing and keep a future in-cluster client from failing on the certificate.
  const serverNames = ["DNS:localhost", "DNS:kubernetes", "DNS:kubernetes.default", "DNS:kubernetes.default.svc", "DNS:kubernetes.default.svc.cluster.local", "IP:127.0.0.1", "IP:10.96.0.1"];
  sign(dir, "apiserver", "/CN=kube-apiserver", ["subjectAltName=" + serverNames.join(","), "extendedKeyUsage=serverAuth", "keyUsage=critical,digitalSignature,keyEncipherment"]);

  for (const c of clients) {
    const subject = `/CN=${c.user}${(c.groups ?? []).map((g) => `/O=${g}`).join("")}`;
    sign(dir, c.name, subject, ["extendedKeyUsage=clientAuth", "keyUsage=critical,digitalSignature,keyEncipherment"]);
  }

  openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "sa.key"], dir);
  openssl(["pkey", "-in", "sa.key", "-pubout", "-out", "sa.pub"], dir);

  return {
    dir,
    caCert: join(dir, "ca.crt"),
    caKey: join(dir, "ca.key"),
    serverCert: join(dir, "apiserver.crt"),
    serverKey: join(dir, "apiserver.key"),
    serviceAccountKey: join(dir, "sa.key"),
    serviceAccountPub: join(dir, "sa.pub"),
    client: (name) => ({ cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) }),
  };
}

function sign(dir: string, name: string, subject: string, extensions: readonly string[]): void {
  openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subject], dir);
  writeFileSync(join(dir, `${name}.ext`), extensions.join("\n") + "\n");
  openssl(["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", `${name}.crt`, "-days", DAYS, "-extfile", `${name}.ext`], dir);
}

/** A kubeconfig with the certificates embedded, so it can be copied anywhere and read by any client. */
export function kubeconfig(server: string, caCert: string, client: { cert: string; key: string }, user: string): string {
  const b64 = (f: string) => readFileSync(f).toString("base64");
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: observability-local",
    "  cluster:",
    `    server: ${server}`,
    `    certificate-authority-data: ${b64(caCert)}`,
    "users:",
    `- name: ${user}`,
    "  user:",
    `    client-certificate-data: ${b64(client.cert)}`,
    `    client-key-data: ${b64(client.key)}`,
    "contexts:",
    "- name: observability-local",
    "  context:",
    "    cluster: observability-local",
    `    user: ${user}`,
    "current-context: observability-local",
    "",
  ].join("\n");
}
