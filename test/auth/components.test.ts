/**
 * Basic auth on Prometheus and Alertmanager in the prod stack with webAuthPassword set in config (as `pulumi config set
 * --secret` would): the Secret, the flags, what each consumer mounts and sends, the probes, and the password in no
 * object but Secrets.
 */
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { load } from "js-yaml";
import { toManifests } from "../../scripts/lib/manifests";
import { WEB_AUTH_CHECKSUM_ANNOTATION } from "../../components/web-auth";
import { basicAuthorization, hashWebPassword, webConfigFor } from "../../components/web-auth-config";
import { find, runStack, secretStringData, StackRun } from "../support/program";

const PASSWORD = "configured-web-auth-password-4K8";
let stack: StackRun;
beforeAll(async () => {
  stack = await runStack("prod", { "observability:webAuthPassword": PASSWORD, "observability:heartbeatUrl": "https://heartbeat.example/ping" });
});

const podSpec = (kind: string, name: string) => find(stack.manifests, kind, name).spec.template.spec;
const container = (kind: string, name: string) => podSpec(kind, name).containers[0];
const volume = (kind: string, name: string, volumeName: string) => podSpec(kind, name).volumes.find((v: { name: string }) => v.name === volumeName);
const mount = (kind: string, name: string, volumeName: string) => container(kind, name).volumeMounts.find((m: { name: string }) => m.name === volumeName);
const CONSUMERS = [
  ["StatefulSet", "prometheus"],
  ["StatefulSet", "alertmanager"],
  ["Deployment", "grafana"],
] as const;

describe("the web-auth Secret", () => {
  it("holds the web config with the password's bcrypt hash, the password and the probes' header, all redacted in the render", () => {
    const secret = find(stack.manifests, "Secret", "web-auth");
    expect(secret.metadata.namespace).toBe("observability");
    expect(secret.stringData).toEqual({ "web-config.yml": "REDACTED", password: "REDACTED", authorization: "REDACTED" });
    expect(secretStringData(stack.recorded)["web-auth"]).toEqual({
      "web-config.yml": webConfigFor("observability", PASSWORD),
      password: PASSWORD,
      authorization: basicAuthorization("observability", PASSWORD),
    });
  });

  it("is declared with its values as Pulumi secrets, and no password is generated when one is configured", () => {
    const r = stack.recorded.find((x) => x.type === "kubernetes:core/v1:Secret" && (x.inputs.metadata as { name?: string })?.name === "web-auth")!;
    expect(JSON.stringify(r.inputs.stringData)).toContain("1b47061264138c4ac30d75fd1eb44270");
    expect(stack.recorded.filter((x) => x.type === "random:index/randomPassword:RandomPassword").map((x) => x.name)).not.toContain("web-auth-password");
  });

  it("is exported as the secret stack output webAuthPassword", async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require("../../index") as { webAuthPassword: pulumi.Output<string> };
    expect(pulumi.Output.isInstance(program.webAuthPassword)).toBe(true);
    expect(await pulumi.isSecret(program.webAuthPassword)).toBe(true);
  });
});

describe("Prometheus and Alertmanager", () => {
  it("start with --web.config.file pointing at the mounted Secret", () => {
    expect(container("StatefulSet", "prometheus").args).toContain("--web.config.file=/etc/prometheus/web-auth/web-config.yml");
    expect(container("StatefulSet", "alertmanager").args).toContain("--web.config.file=/etc/alertmanager/web-auth/web-config.yml");
  });

  it("mount from the Secret only the keys each one reads, readable by the pod's group only", () => {
    const items = (kind: string, name: string) => volume(kind, name, "web-auth").secret;
    expect(items("StatefulSet", "prometheus")).toEqual({
      secretName: "web-auth",
      defaultMode: 0o440,
      items: ["web-config.yml", "password", "authorization"].map((k) => ({ key: k, path: k })),
    });
    expect(items("StatefulSet", "alertmanager").items).toEqual(["web-config.yml", "authorization"].map((k) => ({ key: k, path: k })));
    expect(items("Deployment", "grafana").items).toEqual([{ key: "password", path: "password" }]);
    expect(mount("StatefulSet", "prometheus", "web-auth")).toEqual({ name: "web-auth", mountPath: "/etc/prometheus/web-auth", readOnly: true });
    expect(mount("StatefulSet", "alertmanager", "web-auth")).toEqual({ name: "web-auth", mountPath: "/etc/alertmanager/web-auth", readOnly: true });
    expect(mount("Deployment", "grafana", "web-auth")).toEqual({ name: "web-auth", mountPath: "/etc/grafana/web-auth", readOnly: true });
  });

  it("are probed by exec probes that send the mounted header, with today's timing", () => {
    const probe = (path: string, port: number, dir: string) => [
      "sh",
      "-c",
      `exec wget -q -O /dev/null --header "Authorization: $(cat ${dir}/authorization)" http://127.0.0.1:${port}${path}`,
    ];
    const p = container("StatefulSet", "prometheus");
    expect(p.readinessProbe).toEqual({ exec: { command: probe("/-/ready", 9090, "/etc/prometheus/web-auth") }, initialDelaySeconds: 0, periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 3 });
    expect(p.livenessProbe).toEqual({ exec: { command: probe("/-/healthy", 9090, "/etc/prometheus/web-auth") }, initialDelaySeconds: 0, periodSeconds: 15, timeoutSeconds: 5, failureThreshold: 4 });
    expect(p.startupProbe).toEqual({ exec: { command: probe("/-/ready", 9090, "/etc/prometheus/web-auth") }, initialDelaySeconds: 0, periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 360 });
    const a = container("StatefulSet", "alertmanager");
    expect(a.readinessProbe).toEqual({ exec: { command: probe("/-/ready", 9093, "/etc/alertmanager/web-auth") }, initialDelaySeconds: 0, periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 3 });
    expect(a.livenessProbe).toEqual({ exec: { command: probe("/-/healthy", 9093, "/etc/alertmanager/web-auth") }, initialDelaySeconds: 0, periodSeconds: 15, timeoutSeconds: 5, failureThreshold: 4 });
    for (const c of [p, a]) for (const kind of ["readinessProbe", "livenessProbe", "startupProbe"]) expect(c[kind]?.httpGet).toBeUndefined();
  });

  it("send basic auth from the mounted password file when Prometheus alerts Alertmanager and scrapes both", () => {
    const prom = load(find(stack.manifests, "ConfigMap", "prometheus-config").data["prometheus.yml"]) as Record<string, any>;
    const basicAuth = { username: "observability", password_file: "/etc/prometheus/web-auth/password" };
    expect(prom.alerting.alertmanagers.map((a: any) => a.basic_auth)).toEqual([basicAuth]);
    const jobs = prom.scrape_configs.filter((j: any) => j.basic_auth).map((j: any) => [j.job_name, j.basic_auth]);
    expect(jobs).toEqual([
      ["prometheus", basicAuth],
      ["alertmanager", basicAuth],
    ]);
    // The file is where Prometheus mounts the Secret's password key.
    const dir = mount("StatefulSet", "prometheus", "web-auth").mountPath;
    expect(volume("StatefulSet", "prometheus", "web-auth").secret.items.map((i: { path: string }) => `${dir}/${i.path}`)).toContain(basicAuth.password_file);
  });
});

describe("Grafana", () => {
  it("logs its Prometheus datasource in as the basic-auth user, the password from the mounted Secret file", () => {
    const file = load(find(stack.manifests, "ConfigMap", "grafana-datasources").data["datasources.yaml"]) as { datasources: Record<string, any>[] };
    const prom = file.datasources.find((d) => d.uid === "prometheus")!;
    expect(prom).toMatchObject({ basicAuth: true, basicAuthUser: "observability", secureJsonData: { basicAuthPassword: "$__file{/etc/grafana/web-auth/password}" } });
    // Grafana provisions no Alertmanager datasource, so nothing else logs in.
    expect(file.datasources.filter((d) => d.basicAuth).map((d) => d.uid)).toEqual(["prometheus"]);
  });
});

describe("rotation", () => {
  it("rolls every consumer's pods when the password changes: an annotation from the web config (the hash only)", () => {
    const expected = createHash("sha256").update(webConfigFor("observability", PASSWORD)).digest("hex");
    for (const [kind, name] of CONSUMERS) {
      expect({ name, checksum: find(stack.manifests, kind, name).spec.template.metadata.annotations[WEB_AUTH_CHECKSUM_ANNOTATION] }).toEqual({ name, checksum: expected });
    }
  });
});

describe("the password", () => {
  const hash = hashWebPassword(PASSWORD);
  const header = basicAuthorization("observability", PASSWORD);
  it("appears in no object but Secrets, nor does its hash or the header made from it", () => {
    // toManifests refuses a secret-marked value outside a Secret and any listed secret found in plain text.
    expect(() => toManifests(stack.recorded, [PASSWORD, hash, header])).not.toThrow();
    for (const m of stack.manifests.filter((x) => x.kind !== "Secret")) {
      const text = JSON.stringify(m);
      expect({ object: `${m.kind}/${m.metadata.name}`, password: text.includes(PASSWORD), hash: text.includes(hash), header: text.includes(header.slice("Basic ".length)) }).toEqual({
        object: `${m.kind}/${m.metadata.name}`,
        password: false,
        hash: false,
        header: false,
      });
    }
  });

  it("is read from files by every consumer: no env var and no probe or arg carries a credential", () => {
    for (const [kind, name] of CONSUMERS) {
      const c = container(kind, name);
      const text = JSON.stringify({ args: c.args, env: c.env, probes: [c.readinessProbe, c.livenessProbe, c.startupProbe] });
      expect(text).not.toMatch(/Basic [A-Za-z0-9+/]{8,}|observability:[^$"]/);
    }
  });
});
