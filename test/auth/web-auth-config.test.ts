import * as bcrypt from "bcryptjs";
import { createHmac } from "node:crypto";
import { load } from "js-yaml";
import {
  BCRYPT_COST,
  WEB_AUTH_SALT_CONTEXT,
  WEB_AUTH_USERNAME,
  basicAuthorization,
  bcryptBase64,
  buildWebConfig,
  hashWebPassword,
  webAuthSalt,
  webConfigFor,
  webConfigYaml,
} from "../../components/web-auth-config";
import { authorizedHttpProbe, authorizedStartupProbe, authorizedWgetCommand } from "../../components/kube";

const PASSWORD = "correct-horse-battery-staple";
/** Computed once from PASSWORD: a change of salt derivation, cost or alphabet changes it, and every Secret with it. */
const KNOWN_HASH = "$2b$10$dfkmr/CHdPHCPcc5QNQyMeY4GHHYFof1L3q4CVRoVh6JY5EcRfa5C";

describe("web auth hash", () => {
  it("gives a known password a stable bcrypt hash that bcrypt accepts", () => {
    const hash = hashWebPassword(PASSWORD);
    expect(hash).toBe(KNOWN_HASH);
    expect(hashWebPassword(PASSWORD)).toBe(hash);
    expect(bcrypt.compareSync(PASSWORD, hash)).toBe(true);
    expect(bcrypt.getRounds(hash)).toBe(BCRYPT_COST);
    expect(BCRYPT_COST).toBe(10);
  });

  it("gives a different password a different salt and hash, which the first password does not match", () => {
    const other = hashWebPassword(`${PASSWORD}!`);
    expect(other).not.toBe(KNOWN_HASH);
    expect(bcrypt.getSalt(other)).not.toBe(bcrypt.getSalt(KNOWN_HASH));
    expect(bcrypt.compareSync(PASSWORD, other)).toBe(false);
    expect(bcrypt.compareSync(`${PASSWORD}!`, other)).toBe(true);
  });

  it("derives the salt from HMAC-SHA256 of the password under the fixed context, in bcrypt's base64", () => {
    const digest = createHmac("sha256", WEB_AUTH_SALT_CONTEXT).update(PASSWORD).digest();
    const salt = webAuthSalt(PASSWORD);
    expect(salt).toBe(`$2b$10$${bcrypt.encodeBase64(digest.subarray(0, 16), 16)}`);
    expect(salt).toMatch(/^\$2b\$10\$[./A-Za-z0-9]{22}$/);
    // bcrypt keeps a canonical salt as given: the hash starts with it.
    expect(KNOWN_HASH.startsWith(salt)).toBe(true);
    expect(webAuthSalt(PASSWORD, 12).startsWith("$2b$12$")).toBe(true);
  });

  it("encodes bytes exactly as bcrypt does, for every length", () => {
    for (let n = 1; n <= 24; n++) {
      const bytes = Buffer.from(Array.from({ length: n }, (_, i) => (i * 97 + n * 13 + 255) & 0xff));
      expect({ n, encoded: bcryptBase64(bytes) }).toEqual({ n, encoded: bcrypt.encodeBase64(bytes, n) });
    }
  });

  it("rejects an empty password and one longer than bcrypt reads, rather than truncating it", () => {
    expect(() => hashWebPassword("")).toThrow("must not be empty");
    expect(() => hashWebPassword("x".repeat(73))).toThrow("73 bytes; bcrypt reads at most 72");
    expect(bcrypt.compareSync("x".repeat(72), hashWebPassword("x".repeat(72)))).toBe(true);
    expect(() => webAuthSalt(PASSWORD, 3)).toThrow("bcrypt cost must be an integer from 4 to 31");
  });
});

describe("web config", () => {
  it("holds exactly basic_auth_users, with the one user and its hash", () => {
    const text = webConfigFor(WEB_AUTH_USERNAME, PASSWORD);
    const doc = load(text) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(["basic_auth_users"]);
    expect(doc.basic_auth_users).toEqual({ observability: KNOWN_HASH });
    expect(text).toBe(`basic_auth_users:\n  observability: ${KNOWN_HASH}\n`);
    expect(text).not.toContain(PASSWORD);
  });

  it("rejects a user name YAML or basic auth could misread, and a value that is no bcrypt hash", () => {
    expect(() => buildWebConfig("a:b", KNOWN_HASH)).toThrow('web auth user name "a:b"');
    expect(() => buildWebConfig(WEB_AUTH_USERNAME, PASSWORD)).toThrow("not a bcrypt hash");
    expect(webConfigYaml(buildWebConfig("u", KNOWN_HASH))).toBe(`basic_auth_users:\n  u: ${KNOWN_HASH}\n`);
  });

  it("builds the Authorization header of basic auth", () => {
    const header = basicAuthorization(WEB_AUTH_USERNAME, PASSWORD);
    expect(header).toBe(`Basic ${Buffer.from(`observability:${PASSWORD}`).toString("base64")}`);
  });
});

describe("authorized probes", () => {
  it("fetch the loopback endpoint with the header read from the file, nothing secret in the command", () => {
    expect(authorizedWgetCommand("/-/ready", 9090, "/etc/prometheus/web-auth/authorization")).toEqual([
      "sh",
      "-c",
      'exec wget -q -O /dev/null --header "Authorization: $(cat /etc/prometheus/web-auth/authorization)" http://127.0.0.1:9090/-/ready',
    ]);
  });

  it("keep the timing fields of the HTTP probes", () => {
    expect(authorizedHttpProbe("/-/healthy", 9093, "/a/authorization", { periodSeconds: 15, failureThreshold: 4 })).toEqual({
      exec: { command: authorizedWgetCommand("/-/healthy", 9093, "/a/authorization") },
      initialDelaySeconds: 0,
      periodSeconds: 15,
      timeoutSeconds: 5,
      failureThreshold: 4,
    });
    expect(authorizedStartupProbe("/-/ready", 9090, "/a/authorization", 1800)).toMatchObject({ periodSeconds: 5, failureThreshold: 360 });
  });

  it("rejects a path or file the shell would expand or split", () => {
    expect(() => authorizedWgetCommand("/-/ready;id", 9090, "/a/b")).toThrow("probe path must be an absolute path");
    expect(() => authorizedWgetCommand("/-/ready", 9090, "/a/$(id)")).toThrow("probe authorization file must be an absolute path");
    expect(() => authorizedWgetCommand("/-/ready", 0, "/a/b")).toThrow("probe port must be a port number");
  });
});
