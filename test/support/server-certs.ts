/**
 * A per-run CA and a server certificate signed by it, made with openssl, laid out as a kubernetes.io/tls Secret
 * mounts them (tls.crt, tls.key, ca.crt in one directory). For the TLS tests of Prometheus and Alertmanager.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import * as path from "node:path";

function openssl(args: readonly string[], cwd: string): void {
  const r = spawnSync("openssl", args, { cwd, encoding: "utf8" });
  if (r.error || r.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.error?.message ?? r.stderr}`);
}

export interface ServerCertificates {
  readonly dir: string;
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

/** Writes ca.crt, tls.crt and tls.key into `dir` (created); `sans` as openssl writes them: `DNS:localhost`, `IP:127.0.0.1`. */
export function makeServerCertificates(dir: string, sans: readonly string[]): ServerCertificates {
  if (sans.length === 0 || sans.some((s) => !/^(DNS|IP):[A-Za-z0-9.:-]+$/.test(s))) throw new Error(`subject alternative names must be DNS:<name> or IP:<address>, got ${JSON.stringify(sans)}`);
  mkdirSync(dir, { recursive: true });
  const work = path.join(dir, ".ca");
  mkdirSync(work, { recursive: true });
  openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "../ca.crt", "-days", "2", "-subj", "/CN=observability-test-ca", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"], work);
  openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "../tls.key", "-out", "server.csr", "-subj", "/CN=observability-test-server", "-addext", `subjectAltName=${sans.join(",")}`], work);
  openssl(["x509", "-req", "-in", "server.csr", "-CA", "../ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "../tls.crt", "-days", "2", "-copy_extensions", "copy"], work);
  return { dir, caFile: path.join(dir, "ca.crt"), certFile: path.join(dir, "tls.crt"), keyFile: path.join(dir, "tls.key") };
}
