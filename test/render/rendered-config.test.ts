/**
 * The config files inside the rendered manifests, checked by the pinned releases of the real tools: what `pulumi up`
 * would deploy is exactly what promtool and amtool accept, Kubernetes discovery included, for dev and prod. A broken
 * copy of each file is rejected, so the checks can fail.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as bcrypt from "bcryptjs";
import { dump, load } from "js-yaml";
import { WEB_AUTH_SECRET_NAME } from "../../components/web-auth";
import { WEB_AUTH_PASSWORD_KEY, WEB_AUTH_USERNAME, WEB_CONFIG_KEY } from "../../components/web-auth-config";
import { upstreamBuild } from "../../scripts/upstream/layout";
import { Doc, ROOT, loadManifests, render } from "../support/render";
import { SecretData, renderedSecretData } from "../support/rendered-secrets";
import { requireTool, runTool } from "../support/tools";

const CHANNELS = ["#ai-platform-alerts", "#ai-platform-critical", "#ai-platform-gpu", "#ai-platform-drift", "#ai-platform-budget", "#ai-platform-infra"];

let dir: string;
const stacks: Record<string, Doc[]> = {};
/** The rendered Secrets' values (the render writes them as REDACTED), from the same stack file. */
const secretsOf: Record<string, SecretData> = {};

/** Renders a stack, optionally with extra plaintext config on top of its stack file. */
function renderStack(stack: string, extra: Record<string, string> = {}): Doc[] {
  const args = ["--stack", stack];
  let configFile: string | undefined;
  if (Object.keys(extra).length) {
    const doc = load(readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
    configFile = path.join(dir, `Pulumi.${stack}-extra.yaml`);
    writeFileSync(configFile, dump({ config: { ...doc.config, ...extra } }));
    args.push("--config-file", configFile);
  }
  const run = render(args);
  if (run.status !== 0) throw new Error(run.stderr);
  secretsOf[stack] = renderedSecretData(stack, configFile);
  return loadManifests(run.file);
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "rendered-"));
  stacks.dev = renderStack("dev");
  // prod with a heartbeat: the webhook then reads its URL from a url_file, a field only recent releases have.
  // And with its web auth password set, where dev generates one.
  stacks.prod = renderStack("prod", { "observability:heartbeatUrl": "https://heartbeat.example.com/ping", "observability:webAuthPassword": "rendered-config-web-auth-password" });
}, 240_000);

const configMap = (docs: Doc[], name: string) => {
  const cm = docs.find((d) => d.kind === "ConfigMap" && d.metadata.name === name);
  if (!cm) throw new Error(`no ConfigMap ${name}`);
  return cm.data as Record<string, string>;
};

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

test("the tools are the pinned releases", () => {
  const promtool = runTool(requireTool("promtool"), ["--version"]);
  expect(promtool.stdout + promtool.stderr).toContain(`version ${upstreamBuild("prometheus").version}`);
  const amtool = runTool(requireTool("amtool"), ["--version"]);
  expect(amtool.stdout + amtool.stderr).toContain(`version ${upstreamBuild("alertmanager").version}`);
});

describe.each(["dev", "prod"])("%s stack", (stack) => {
  const docs = () => stacks[stack];

  test("rule files pass promtool check rules", () => {
    const files = Object.entries(configMap(docs(), "prometheus-rules")).map(([name, text]) => write(`${stack}/rules/${name}`, text));
    expect(files.length).toBeGreaterThanOrEqual(8);
    const r = runTool(requireTool("promtool"), ["check", "rules", ...files]);
    expect(r.stdout + r.stderr).not.toContain("FAILED");
    expect(r.status).toBe(0);
  });

  test("prometheus.yml as rendered passes promtool check config, Kubernetes discovery included", () => {
    const text = configMap(docs(), "prometheus-config")["prometheus.yml"];
    expect(text).toContain("kubernetes_sd_configs");
    const r = runTool(requireTool("promtool"), ["check", "config", write(`${stack}/prometheus.yml`, text)]);
    expect({ status: r.status, out: r.stdout + r.stderr }).toEqual({ status: 0, out: expect.stringContaining("SUCCESS") });
  });

  test("a prometheus.yml with a broken relabel action or discovery role is rejected", () => {
    const config = load(configMap(docs(), "prometheus-config")["prometheus.yml"]) as Record<string, any>;
    const badAction = JSON.parse(JSON.stringify(config));
    badAction.scrape_configs[0].relabel_configs[0].action = "keepx";
    const badRole = JSON.parse(JSON.stringify(config));
    badRole.scrape_configs[0].kubernetes_sd_configs[0].role = "endpoint-slice";
    for (const [name, broken, error] of [["action", badAction, "keepx"], ["role", badRole, "endpoint-slice"]] as const) {
      const r = runTool(requireTool("promtool"), ["check", "config", write(`${stack}/bad-${name}.yml`, dump(broken))]);
      expect({ status: r.status, out: r.stdout + r.stderr }).toEqual({ status: 1, out: expect.stringContaining(error) });
    }
  });

  test("alertmanager.yml as rendered passes amtool check-config", () => {
    const text = configMap(docs(), "alertmanager-config")["alertmanager.yml"];
    const r = runTool(requireTool("amtool"), ["check-config", write(`${stack}/alertmanager.yml`, text)]);
    expect({ status: r.status, out: r.stdout }).toEqual({ status: 0, out: expect.stringContaining("SUCCESS") });
    if (stack === "prod") expect(text).toContain("url_file");
  });

  test("an alertmanager.yml with a misspelled key or an undefined receiver is rejected", () => {
    const config = load(configMap(docs(), "alertmanager-config")["alertmanager.yml"]) as Record<string, any>;
    const misspelled = JSON.parse(JSON.stringify(config));
    misspelled.route.group_wiat = misspelled.route.group_wait;
    const undefinedReceiver = JSON.parse(JSON.stringify(config));
    undefinedReceiver.route.routes[0].receiver = "slack-nowhere";
    for (const [name, broken, error] of [["key", misspelled, "group_wiat"], ["receiver", undefinedReceiver, "slack-nowhere"]] as const) {
      const r = runTool(requireTool("amtool"), ["check-config", write(`${stack}/bad-am-${name}.yml`, dump(broken))]);
      expect({ status: r.status, out: r.stdout + r.stderr }).toEqual({ status: 1, out: expect.stringContaining(error) });
    }
  });

  test("the web config as rendered passes promtool check web-config and holds the bcrypt hash of the Secret's password", () => {
    const secret = secretsOf[stack][WEB_AUTH_SECRET_NAME];
    const text = secret[WEB_CONFIG_KEY];
    const r = runTool(requireTool("promtool"), ["check", "web-config", write(`${stack}/web-auth/${WEB_CONFIG_KEY}`, text)]);
    expect({ status: r.status, out: r.stdout + r.stderr }).toEqual({ status: 0, out: expect.stringContaining("SUCCESS") });
    const config = load(text) as { basic_auth_users: Record<string, string> };
    expect(Object.keys(config)).toEqual(["basic_auth_users"]);
    expect(bcrypt.compareSync(secret[WEB_AUTH_PASSWORD_KEY], config.basic_auth_users[WEB_AUTH_USERNAME])).toBe(true);
    if (stack === "prod") expect(secret[WEB_AUTH_PASSWORD_KEY]).toBe("rendered-config-web-auth-password");
    // Both servers start with it: the flag names the file where their pod mounts the Secret's key.
    for (const name of ["prometheus", "alertmanager"]) {
      const sts = docs().find((d) => d.kind === "StatefulSet" && d.metadata.name === name) as Record<string, any>;
      const c = sts.spec.template.spec.containers[0];
      const flag = (c.args as string[]).find((a) => a.startsWith("--web.config.file="))!.split("=")[1];
      const mount = c.volumeMounts.find((m: { name: string }) => m.name === "web-auth");
      const volume = sts.spec.template.spec.volumes.find((v: { name: string }) => v.name === "web-auth");
      expect({ name, flag }).toEqual({ name, flag: `${mount.mountPath}/${WEB_CONFIG_KEY}` });
      expect(volume.secret.secretName).toBe(WEB_AUTH_SECRET_NAME);
      expect(volume.secret.items).toContainEqual({ key: WEB_CONFIG_KEY, path: WEB_CONFIG_KEY });
    }
  });

  test("a web config with a plaintext password or a misspelled key is rejected", () => {
    const config = load(secretsOf[stack][WEB_AUTH_SECRET_NAME][WEB_CONFIG_KEY]) as Record<string, any>;
    const plaintext = { basic_auth_users: { [WEB_AUTH_USERNAME]: secretsOf[stack][WEB_AUTH_SECRET_NAME][WEB_AUTH_PASSWORD_KEY] } };
    const misspelled = { basic_auth_user: config.basic_auth_users };
    for (const [name, broken, error] of [["plaintext", plaintext, "bcrypt"], ["key", misspelled, "basic_auth_user"]] as const) {
      const r = runTool(requireTool("promtool"), ["check", "web-config", write(`${stack}/bad-web-${name}.yml`, dump(broken))]);
      expect({ status: r.status, out: r.stdout + r.stderr }).toEqual({ status: 1, out: expect.stringContaining(error) });
    }
  });

  test("alertmanager.yml names every Slack channel of the seed", () => {
    const config = load(configMap(docs(), "alertmanager-config")["alertmanager.yml"]) as { receivers: { slack_configs?: { channel: string }[] }[] };
    const channels = config.receivers.flatMap((r) => (r.slack_configs ?? []).map((s) => s.channel));
    expect(channels.sort()).toEqual([...CHANNELS].sort());
  });
});

describe("the seed's numbers in the rendered stack", () => {
  it("scrapes every 15s, keeps 90 days and serves on the seed's ports", () => {
    const prom = load(configMap(stacks.dev, "prometheus-config")["prometheus.yml"]) as { global: Record<string, string> };
    expect(prom.global.scrape_interval).toBe("15s");
    const sts = stacks.dev.find((d) => d.kind === "StatefulSet" && d.metadata.name === "prometheus") as Record<string, any>;
    expect(sts.spec.template.spec.containers[0].args).toContain("--storage.tsdb.retention.time=90d");
    const ports = stacks.dev.filter((d) => d.kind === "Service").flatMap((s) => (s as Record<string, any>).spec.ports.map((p: { port: number }) => p.port));
    expect(ports).toEqual(expect.arrayContaining([9090, 9093]));
  });

  it("has every port of the seed's port table and every receiver port (DCGM on 9400, see README)", () => {
    const ports = new Set<string>();
    for (const d of stacks.dev as Record<string, any>[]) {
      if (d.kind === "Service") for (const p of d.spec.ports) ports.add(`${p.port}/${p.protocol ?? "TCP"}`);
      if (["Deployment", "StatefulSet", "DaemonSet"].includes(d.kind)) {
        for (const c of d.spec.template.spec.containers) for (const p of c.ports ?? []) ports.add(`${p.containerPort}/${p.protocol ?? "TCP"}`);
      }
    }
    const seed = [9090, 3000, 3100, 9080, 9093, 4317, 4318, 8888, 13133, 16686, 14250, 9121, 9187].map((p) => `${p}/TCP`);
    const receivers = ["14268/TCP", "6831/UDP", "6832/UDP", "9411/TCP", "9400/TCP"];
    expect([...seed, ...receivers].filter((p) => !ports.has(p))).toEqual([]);
  });

  it("keeps logs 90 days and applies the seed's Loki and collector tuning", () => {
    const loki = load(configMap(stacks.dev, "loki-config")["loki.yaml"]) as Record<string, any>;
    expect(loki.limits_config).toMatchObject({ retention_period: "2160h", ingestion_rate_mb: 16, max_global_streams_per_user: 10000, max_query_parallelism: 32 });
    const collector = load(Object.values(configMap(stacks.dev, "otel-collector-config"))[0]) as Record<string, any>;
    expect(collector.processors.batch).toMatchObject({ timeout: "10s", send_batch_size: 1024 });
    expect(collector.processors.memory_limiter.limit_mib).toBe(512);
  });
});
