import { IMAGES } from "../../components/images";
import * as pulumi from "@pulumi/pulumi";
import { load } from "js-yaml";
import { FORBIDDEN_ENV, GRAFANA_SECRETS_DIR } from "../../components/grafana-config";
import { GENERATED_PASSWORD_LENGTH } from "../../components/grafana";
import { DATASOURCE_UIDS } from "../../dashboards/datasources";
import { CONFIG_CHECKSUM_ANNOTATION, configChecksum } from "../../components/kube";
import { buildDashboards } from "../../dashboards";
import { find, runStack, StackRun } from "../support/program";

// The prod stack file sets no grafanaAdminPassword: the password is generated.
let stack: StackRun;
beforeAll(async () => {
  stack = await runStack("prod");
});

const deployment = () => find(stack.manifests, "Deployment", "grafana");
const pod = () => deployment().spec.template.spec;
const container = () => pod().containers[0];
const nonSecrets = () => stack.manifests.filter((m) => m.kind !== "Secret");

describe("Grafana component", () => {
  it("runs one replica, recreated on update, with its database on a claim sized from config", () => {
    expect(deployment().metadata.namespace).toBe("observability");
    expect(deployment().spec.replicas).toBe(1);
    expect(deployment().spec.strategy).toEqual({ type: "Recreate" });
    const pvc = find(stack.manifests, "PersistentVolumeClaim", "grafana-data");
    expect(pvc.spec.resources.requests.storage).toBe("10Gi");
    expect(pod().volumes).toContainEqual({ name: "data", persistentVolumeClaim: { claimName: "grafana-data" } });
    expect(container().volumeMounts).toContainEqual({ name: "data", mountPath: "/var/lib/grafana" });
  });

  it("pins Grafana 13.2.0 (full image, bundled datasource plugins) and mounts nothing over them", () => {
    expect(container().image).toBe(`docker.io/grafana/grafana:13.2.0@${IMAGES.grafana.digest}`);
    for (const m of container().volumeMounts) expect(m.mountPath.startsWith("/usr/share/grafana")).toBe(false);
  });

  it("serves on 3000 inside the cluster only", () => {
    const svc = find(stack.manifests, "Service", "grafana");
    expect(svc.spec.type).toBe("ClusterIP");
    expect(svc.spec.ports).toEqual([{ name: "http", port: 3000, targetPort: "http" }]);
    expect(stack.manifests.filter((m) => m.kind === "Ingress")).toEqual([]);
  });

  it("runs restricted as uid 472 on a read-only root filesystem with a writable /tmp", () => {
    expect(pod().securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 472, fsGroup: 472 });
    expect(container().securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
    expect(pod().volumes).toContainEqual({ name: "tmp", emptyDir: { sizeLimit: "256Mi" } });
    expect(pod().automountServiceAccountToken).toBe(false);
  });

  it("is probed on /api/health and bounded in resources", () => {
    for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) expect(container()[probe].httpGet).toEqual({ path: "/api/health", port: "http" });
    expect(container().resources.limits.memory).toBeDefined();
  });

  it("rolls the pod when grafana.ini, a provisioning file or a dashboard changes", () => {
    const data = (name: string) => find(stack.manifests, "ConfigMap", name).data;
    const dashboards = stack.manifests.filter((m) => m.kind === "ConfigMap" && m.metadata.name.startsWith("grafana-dashboard-") && m.metadata.name !== "grafana-dashboard-providers");
    const expected = configChecksum(data("grafana-config"), data("grafana-datasources"), data("grafana-dashboard-providers"), ...dashboards.map((m) => (m as any).data));
    expect(deployment().spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION]).toBe(expected);
  });

  it("provisions every dashboard from its own ConfigMap into one directory", () => {
    const dashboards = stack.manifests.filter((m) => m.kind === "ConfigMap" && m.metadata.name.startsWith("grafana-dashboard-") && m.metadata.name !== "grafana-dashboard-providers");
    expect(dashboards.length).toBe(Object.keys(buildDashboards()).length);
    const projected = pod().volumes.find((v: { name: string }) => v.name === "dashboards").projected.sources.map((s: any) => s.configMap.name);
    expect(projected).toEqual(dashboards.map((m) => m.metadata.name));
    expect(container().volumeMounts).toContainEqual({ name: "dashboards", mountPath: "/etc/grafana/dashboards", readOnly: true });
    const providers = load(find(stack.manifests, "ConfigMap", "grafana-dashboard-providers").data["dashboards.yaml"]) as { providers: Record<string, any>[] };
    expect(providers.providers[0]).toMatchObject({ folder: "AI Platform", options: { path: "/etc/grafana/dashboards" } });
  });

  it("never sets a plugin download variable", () => {
    const names = (container().env as { name: string }[]).map((e) => e.name);
    for (const forbidden of FORBIDDEN_ENV) expect(names).not.toContain(forbidden);
  });
});

describe("Grafana admin password", () => {
  it("is generated by RandomPassword with at least 24 characters when not configured", () => {
    const generated = stack.recorded.find((r) => r.type === "random:index/randomPassword:RandomPassword" && r.name === "grafana-admin-password");
    expect(generated).toBeDefined();
    expect(Number(generated!.inputs.length)).toBeGreaterThanOrEqual(24);
    expect(GENERATED_PASSWORD_LENGTH).toBeGreaterThanOrEqual(24);
  });

  it("reaches Grafana only as a mounted file from the Secret", () => {
    const env = container().env as { name: string; value?: string }[];
    expect(env).toContainEqual({ name: "GF_SECURITY_ADMIN_PASSWORD__FILE", value: `${GRAFANA_SECRETS_DIR}/admin-password` });
    expect(env.map((e) => e.name)).not.toContain("GF_SECURITY_ADMIN_PASSWORD");
    expect(pod().volumes).toContainEqual({ name: "secrets", secret: { secretName: "grafana-secrets", defaultMode: 0o440 } });
    expect(find(stack.manifests, "Secret", "grafana-secrets").stringData).toMatchObject({ "admin-password": "REDACTED" });
  });

  it("is in no ConfigMap, env literal or other non-Secret object", () => {
    // The mocks generate a password of repeated "m"s; render replaces Secret values with REDACTED.
    const generated = "m".repeat(GENERATED_PASSWORD_LENGTH);
    for (const m of nonSecrets()) expect(JSON.stringify(m)).not.toContain(generated);
    expect(JSON.stringify(stack.manifests)).not.toMatch(/admin\/admin|"admin_password"/);
  });

  it("is exported as a secret stack output", async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require("../../index") as { grafanaAdminPassword: pulumi.Output<string> };
    expect(pulumi.Output.isInstance(program.grafanaAdminPassword)).toBe(true);
    expect(await pulumi.isSecret(program.grafanaAdminPassword)).toBe(true);
  });
});

describe("Grafana datasources", () => {
  const file = () => load(find(stack.manifests, "ConfigMap", "grafana-datasources").data["datasources.yaml"]) as { datasources: Record<string, any>[] };

  it("provisions every datasource uid, exactly one of them default", () => {
    const uids = file().datasources.map((d) => d.uid);
    expect(uids.sort()).toEqual(Object.values(DATASOURCE_UIDS).sort());
    expect(file().datasources.filter((d) => d.isDefault).map((d) => d.uid)).toEqual(["prometheus"]);
  });

  it("points at the stack's own Services", () => {
    const url = Object.fromEntries(file().datasources.map((d) => [d.uid, d.url]));
    expect(url.prometheus).toBe("http://prometheus.observability.svc:9090");
    expect(url.loki).toBe("http://loki.observability.svc:3100");
    expect(url.jaeger).toBe("http://jaeger.observability.svc:16686");
    expect(url.postgres).toBe("postgres.ai-platform.svc:5432");
  });

  it("logs PostgreSQL in with postgresPassword from the mounted Secret, and verifies the server in prod", () => {
    // The stack file sets no password; an enabled postgres renders with the placeholder a deploy must replace.
    const pg = file().datasources.find((d) => d.uid === "postgres")!;
    expect(pg.secureJsonData).toEqual({ password: "$__file{/etc/grafana/secrets/postgres-password}" });
    expect(find(stack.manifests, "Secret", "grafana-secrets").stringData["postgres-password"]).toBeDefined();
    expect(pg.jsonData.sslmode).toBe("verify-full");
  });

  it("mounts the provisioning files where Grafana reads them", () => {
    const mounts = Object.fromEntries((container().volumeMounts as { name: string; mountPath: string }[]).map((m) => [m.name, m.mountPath]));
    expect(mounts.datasources).toBe("/etc/grafana/provisioning/datasources");
    expect(mounts["dashboard-providers"]).toBe("/etc/grafana/provisioning/dashboards");
    expect(mounts.config).toBe("/etc/grafana/config");
    expect(container().env).toContainEqual({ name: "GF_PATHS_CONFIG", value: "/etc/grafana/config/grafana.ini" });
  });
});
