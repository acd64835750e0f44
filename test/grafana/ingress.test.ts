import { load } from "js-yaml";
import { toManifests } from "../../scripts/lib/manifests";
import { find, runStack, StackRun } from "../support/program";

// dev with an Ingress and every Grafana secret set in config (as `pulumi config set --secret` would).
const ADMIN_PASSWORD = "configured-admin-password-7Q2";
const POSTGRES_PASSWORD = "configured-postgres-password-9Z4";
let stack: StackRun;
beforeAll(async () => {
  stack = await runStack("dev", {
    "observability:grafana": JSON.stringify({ ingress: { enabled: true, host: "grafana.example.com", className: "nginx", tlsSecretName: "grafana-tls", certManagerIssuer: "letsencrypt-prod" } }),
    "observability:grafanaAdminPassword": ADMIN_PASSWORD,
    "observability:postgresPassword": POSTGRES_PASSWORD,
  });
});

describe("Grafana with an Ingress and configured secrets", () => {
  it("creates an Ingress for the host, class and TLS Secret from config", () => {
    const ing = find(stack.manifests, "Ingress", "grafana");
    expect(ing.metadata.namespace).toBe("observability");
    expect(ing.spec.ingressClassName).toBe("nginx");
    expect(ing.spec.tls).toEqual([{ hosts: ["grafana.example.com"], secretName: "grafana-tls" }]);
    // cert-manager's ingress-shim issues the certificate into that Secret.
    expect(ing.metadata.annotations).toEqual({ "cert-manager.io/cluster-issuer": "letsencrypt-prod" });
    expect(ing.spec.rules).toEqual([
      {
        host: "grafana.example.com",
        http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "grafana", port: { name: "http" } } } }] },
      },
    ]);
  });

  it("builds links from the external https URL and marks cookies Secure", () => {
    const ini = find(stack.manifests, "ConfigMap", "grafana-config").data["grafana.ini"] as string;
    expect(ini).toContain("root_url = https://grafana.example.com/");
    expect(ini).toContain("cookie_secure = true");
  });

  it("uses the configured admin password instead of generating one", () => {
    const generated = stack.recorded.filter((r) => r.type === "random:index/randomPassword:RandomPassword").map((r) => r.name);
    expect(generated).not.toContain("grafana-admin-password");
    expect(find(stack.manifests, "Secret", "grafana-secrets").stringData).toEqual({ "admin-password": "REDACTED", "secret-key": "REDACTED", "postgres-password": "REDACTED" });
  });

  it("keeps both passwords out of every non-Secret object", () => {
    // toManifests refuses a secret-marked value outside a Secret and any listed secret found in plain text.
    expect(() => toManifests(stack.recorded, [ADMIN_PASSWORD, POSTGRES_PASSWORD])).not.toThrow();
    for (const m of stack.manifests.filter((x) => x.kind !== "Secret")) {
      expect(JSON.stringify(m)).not.toContain(ADMIN_PASSWORD);
      expect(JSON.stringify(m)).not.toContain(POSTGRES_PASSWORD);
    }
  });

  it("reads the PostgreSQL password from the mounted Secret file", () => {
    const file = load(find(stack.manifests, "ConfigMap", "grafana-datasources").data["datasources.yaml"]) as { datasources: Record<string, any>[] };
    const pg = file.datasources.find((d) => d.uid === "postgres")!;
    expect(pg.secureJsonData).toEqual({ password: "$__file{/etc/grafana/secrets/postgres-password}" });
    expect(pg.jsonData).toMatchObject({ database: "ai_platform", sslmode: "disable" });
  });
});
