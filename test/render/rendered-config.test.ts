/**
 * The config files inside the rendered manifests, checked by the real tools: what `pulumi up` would deploy is exactly
 * what promtool and amtool accept.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { load } from "js-yaml";
import { Doc, loadManifests, render } from "../support/render";
import { requireTool, runTool } from "../support/tools";

const CHANNELS = ["#ai-platform-alerts", "#ai-platform-critical", "#ai-platform-gpu", "#ai-platform-drift", "#ai-platform-budget", "#ai-platform-infra"];

let docs: Doc[];
let dir: string;
beforeAll(() => {
  const run = render(["--stack", "dev"]);
  if (run.status !== 0) throw new Error(run.stderr);
  docs = loadManifests(run.file);
  dir = mkdtempSync(path.join(tmpdir(), "rendered-"));
});

const configMap = (name: string) => {
  const cm = docs.find((d) => d.kind === "ConfigMap" && d.metadata.name === name);
  if (!cm) throw new Error(`no ConfigMap ${name}`);
  return cm.data as Record<string, string>;
};

describe("rendered rule files", () => {
  it("pass promtool check rules", () => {
    const promtool = requireTool("promtool");
    const rulesDir = path.join(dir, "rules");
    mkdirSync(rulesDir, { recursive: true });
    const files = Object.entries(configMap("prometheus-rules")).map(([name, text]) => {
      writeFileSync(path.join(rulesDir, name), text);
      return path.join(rulesDir, name);
    });
    expect(files.length).toBeGreaterThanOrEqual(8);
    const r = runTool(promtool, ["check", "rules", ...files]);
    expect(r.stdout + r.stderr).not.toContain("FAILED");
    expect(r.status).toBe(0);
  });

  it("carry the seed's thresholds and durations", () => {
    const all = Object.values(configMap("prometheus-rules")).join("\n");
    for (const alert of ["HighGatewayLatency", "HighErrorRate", "HighGPUTemperature", "DriftDetected", "HighDriftScore", "BudgetExceeded", "ServiceDown", "RedisMemoryHigh", "PostgreSQLPoolExhausted"]) {
      expect(all).toContain(`alert: ${alert}`);
    }
    expect(all).toMatch(/> 0\.25/);
    expect(all).toMatch(/> 0\.15/);
    expect(all).toMatch(/> 85/);
  });
});

describe("rendered alertmanager.yml", () => {
  it("passes amtool check-config", () => {
    const amtool = requireTool("amtool");
    const file = path.join(dir, "alertmanager.yml");
    writeFileSync(file, configMap("alertmanager-config")["alertmanager.yml"]);
    const r = runTool(amtool, ["check-config", file]);
    expect(r.stdout).toContain("SUCCESS");
    expect(r.status).toBe(0);
  });

  it("names every Slack channel of the seed", () => {
    const config = load(configMap("alertmanager-config")["alertmanager.yml"]) as { receivers: { slack_configs?: { channel: string }[] }[] };
    const channels = config.receivers.flatMap((r) => (r.slack_configs ?? []).map((s) => s.channel));
    expect(channels.sort()).toEqual([...CHANNELS].sort());
  });
});

describe("the seed's numbers in the rendered stack", () => {
  it("scrapes every 15s, keeps 90 days and serves on the seed's ports", () => {
    const prom = load(configMap("prometheus-config")["prometheus.yml"]) as { global: Record<string, string> };
    expect(prom.global.scrape_interval).toBe("15s");
    const sts = docs.find((d) => d.kind === "StatefulSet" && d.metadata.name === "prometheus") as Record<string, any>;
    expect(sts.spec.template.spec.containers[0].args).toContain("--storage.tsdb.retention.time=90d");
    const ports = docs.filter((d) => d.kind === "Service").flatMap((s) => (s as Record<string, any>).spec.ports.map((p: { port: number }) => p.port));
    expect(ports).toEqual(expect.arrayContaining([9090, 9093]));
  });

  it("has every port of the seed's port table and every receiver port (DCGM on 9400, see README)", () => {
    const ports = new Set<string>();
    for (const d of docs as Record<string, any>[]) {
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
    const loki = load(configMap("loki-config")["loki.yaml"]) as Record<string, any>;
    expect(loki.limits_config).toMatchObject({ retention_period: "2160h", ingestion_rate_mb: 16, max_global_streams_per_user: 10000, max_query_parallelism: 32 });
    const collector = load(Object.values(configMap("otel-collector-config"))[0]) as Record<string, any>;
    expect(collector.processors.batch).toMatchObject({ timeout: "10s", send_batch_size: 1024 });
    expect(collector.processors.memory_limiter.limit_mib).toBe(512);
  });
});
