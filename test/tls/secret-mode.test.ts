/**
 * tls.mode secret in the dev stack: no Certificate, the given Secret mounted, and the rendered web config (from the
 * web-auth Secret's plaintext) accepted by the pinned promtool with a per-run certificate laid out as the pods mount
 * it, and refused when the key file is missing or the block misspelled.
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { dump, load } from "js-yaml";
import { find, runStack, secretStringData, StackRun } from "../support/program";
import { makeServerCertificates } from "../support/server-certs";
import { requireTool, runTool } from "../support/tools";

let stack: StackRun;
let dir: string;
beforeAll(async () => {
  stack = await runStack("dev", { "observability:tls": JSON.stringify({ mode: "secret", secretName: "my-servers-tls", agentsCaConfigMap: "my-servers-ca" }) });
  dir = mkdtempSync(path.join(tmpdir(), "tls-secret-mode-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("makes no Certificate and mounts the given Secret", () => {
  expect(stack.manifests.filter((m) => m.kind === "Certificate")).toEqual([]);
  for (const [kind, name] of [["StatefulSet", "prometheus"], ["StatefulSet", "alertmanager"], ["Deployment", "grafana"]] as const) {
    const v = find(stack.manifests, kind, name).spec.template.spec.volumes.find((x: { name: string }) => x.name === "server-tls");
    expect({ name, secret: v.secret.secretName }).toEqual({ name, secret: "my-servers-tls" });
  }
});

describe("the rendered web config with TLS on", () => {
  const webConfig = () => secretStringData(stack.recorded)["web-auth"]["web-config.yml"];
  /** The pod's layout: <dir>/web-auth/web-config.yml and the Secret's files in <dir>/tls. */
  function layout(name: string, text: string, withKey = true): string {
    const root = path.join(dir, name);
    makeServerCertificates(path.join(root, "tls"), ["DNS:localhost", "IP:127.0.0.1"]);
    if (!withKey) rmSync(path.join(root, "tls", "tls.key"));
    mkdirSync(path.join(root, "web-auth"), { recursive: true });
    const file = path.join(root, "web-auth", "web-config.yml");
    writeFileSync(file, text);
    return file;
  }

  it("passes promtool check web-config", () => {
    expect(load(webConfig())).toHaveProperty("tls_server_config", { cert_file: "../tls/tls.crt", key_file: "../tls/tls.key" });
    const r = runTool(requireTool("promtool"), ["check", "web-config", layout("good", webConfig())]);
    expect({ status: r.status, out: r.stdout + r.stderr }).toEqual({ status: 0, out: expect.stringContaining("SUCCESS") });
  });

  it("is refused without the key file, or with the block misspelled", () => {
    const missing = runTool(requireTool("promtool"), ["check", "web-config", layout("no-key", webConfig(), false)]);
    expect({ status: missing.status, out: missing.stdout + missing.stderr }).toEqual({ status: 1, out: expect.stringContaining("tls.key") });
    const parsed = load(webConfig()) as Record<string, unknown>;
    const misspelled = { tls_server_confg: parsed.tls_server_config, basic_auth_users: parsed.basic_auth_users };
    const bad = runTool(requireTool("promtool"), ["check", "web-config", layout("misspelled", dump(misspelled))]);
    expect({ status: bad.status, out: bad.stdout + bad.stderr }).toEqual({ status: 1, out: expect.stringContaining("tls_server_confg") });
  });
});
