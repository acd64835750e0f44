/**
 * Basic authentication of Prometheus and Alertmanager, as pure functions: the web config both read with
 * `--web.config.file` (one user, its password bcrypt-hashed), the deterministic bcrypt salt that keeps that file
 * byte-identical for a given password, and the Authorization header value the probes send.
 *
 * Why the salt is derived rather than random: the web config is rendered on every `pulumi preview` and `pulumi up`.
 * A random salt would give a new hash each time, so the Secret would change and the pods roll on every deploy. The salt
 * is the first 16 bytes of HMAC-SHA256(key: WEB_AUTH_SALT_CONTEXT, message: the password), in bcrypt's own base64.
 * The same password then always gives the same hash, and two passwords give different salts. The price: anyone who
 * can read the web config can test guesses at HMAC speed through the salt, bypassing bcrypt's cost. Those readers can
 * read the Secret's plaintext password file anyway, so nothing is lost inside the cluster; the hash must not be
 * published elsewhere.
 */
import * as bcrypt from "bcryptjs";
import { createHmac } from "node:crypto";
import { dump } from "js-yaml";
import type { TlsServerConfig } from "./server-tls-config";

/** The one user of Prometheus' and Alertmanager's HTTP servers (Prometheus, Grafana and the probes log in as it). */
export const WEB_AUTH_USERNAME = "observability";

/** bcrypt cost (log2 rounds): 10, about 50 ms per check on one core. The servers check it on every request. */
export const BCRYPT_COST = 10;

/** The HMAC key the salt is derived with; changing it changes every hash (and rolls the pods once). */
export const WEB_AUTH_SALT_CONTEXT = "ai-platform-observability/web-auth/bcrypt-salt/v1";

/** bcrypt ignores everything past the 72nd byte of a password; longer ones are refused rather than truncated. */
export const BCRYPT_MAX_PASSWORD_BYTES = 72;

/** Keys of the web-auth Secret (file names where it is mounted). */
export const WEB_CONFIG_KEY = "web-config.yml";
export const WEB_AUTH_PASSWORD_KEY = "password";
/** `Basic <base64(user:password)>`, the Authorization header value, for the exec probes that cannot build one. */
export const WEB_AUTH_AUTHORIZATION_KEY = "authorization";

/** bcrypt's base64 alphabet (not RFC 4648's: `./` first, then letters and digits), without padding. */
const BCRYPT_ALPHABET = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Bytes in bcrypt's base64: 16 bytes give the 22 characters of a salt. */
export function bcryptBase64(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const b0 = bytes[i];
    const b1 = i + 1 < bytes.length ? bytes[i + 1] : 0;
    const b2 = i + 2 < bytes.length ? bytes[i + 2] : 0;
    out += BCRYPT_ALPHABET[b0 >> 2] + BCRYPT_ALPHABET[((b0 & 0x03) << 4) | (b1 >> 4)];
    if (i + 1 < bytes.length) out += BCRYPT_ALPHABET[((b1 & 0x0f) << 2) | (b2 >> 6)];
    if (i + 2 < bytes.length) out += BCRYPT_ALPHABET[b2 & 0x3f];
  }
  return out;
}

/** Throws unless bcrypt can hash the password whole: not empty, at most BCRYPT_MAX_PASSWORD_BYTES. */
export function checkWebPassword(password: string): void {
  if (password.length === 0) throw new Error("web auth password must not be empty");
  const bytes = Buffer.byteLength(password, "utf8");
  if (bytes > BCRYPT_MAX_PASSWORD_BYTES) throw new Error(`web auth password is ${bytes} bytes; bcrypt reads at most ${BCRYPT_MAX_PASSWORD_BYTES}`);
}

/** The bcrypt salt string (`$2b$10$` and 22 characters) derived from the password. */
export function webAuthSalt(password: string, cost: number = BCRYPT_COST): string {
  if (!Number.isInteger(cost) || cost < 4 || cost > 31) throw new Error(`bcrypt cost must be an integer from 4 to 31, got ${cost}`);
  const digest = createHmac("sha256", WEB_AUTH_SALT_CONTEXT).update(password, "utf8").digest();
  return `$2b$${String(cost).padStart(2, "0")}$${bcryptBase64(digest.subarray(0, 16))}`;
}

/** The bcrypt hash of the password with its derived salt: the same password always gives the same hash. */
export function hashWebPassword(password: string, cost: number = BCRYPT_COST): string {
  checkWebPassword(password);
  return bcrypt.hashSync(password, webAuthSalt(password, cost));
}

/** The exporter-toolkit web config: `basic_auth_users`, and `tls_server_config` when TLS is on (components/server-tls-config.ts). */
export interface WebConfig {
  tls_server_config?: TlsServerConfig;
  basic_auth_users: Record<string, string>;
}

/** A web config for one user whose password is already bcrypt-hashed. */
export function buildWebConfig(username: string, bcryptHash: string, tls?: TlsServerConfig): WebConfig {
  if (!/^[A-Za-z0-9._-]+$/.test(username)) throw new Error(`web auth user name ${JSON.stringify(username)} must be letters, digits, '.', '_' or '-'`);
  if (!/^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(bcryptHash)) throw new Error("web auth hash is not a bcrypt hash");
  if (tls && (tls.cert_file === "" || tls.key_file === "")) throw new Error("web config tls_server_config needs both cert_file and key_file");
  return { ...(tls ? { tls_server_config: { cert_file: tls.cert_file, key_file: tls.key_file } } : {}), basic_auth_users: { [username]: bcryptHash } };
}

export function webConfigYaml(config: WebConfig): string {
  return dump(config, { noRefs: true, lineWidth: -1 });
}

/** The web config file's text for one user and a plaintext password (hashed here), with TLS when given. */
export function webConfigFor(username: string, password: string, tls?: TlsServerConfig): string {
  return webConfigYaml(buildWebConfig(username, hashWebPassword(password), tls));
}

/** The Authorization header value of HTTP basic authentication. */
export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`;
}
