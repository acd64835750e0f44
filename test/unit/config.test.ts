import { readFileSync } from "node:fs";
import * as path from "node:path";
import { durationSeconds, quantityValue } from "../../config/fields";
import { ConfigError, parseStackConfig } from "../../config/parse";
import { SECRET_KEYS, SLACK_CHANNEL_KEYS, SLACK_WEBHOOK_KEYS, slackWebhookKey, stackSchema } from "../../config/schema";
import { parseStackFile } from "../../scripts/lib/stack-file";

const ROOT = path.resolve(__dirname, "../..");
const BOT_TOKEN = "xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx";
const WEBHOOK = "https://hooks.slack.com/services/T000/B000/XXXX";

/** Raw config as Pulumi hands it to the program: full keys, objects as JSON strings. */
function raw(values: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = { "observability:slackBotToken": BOT_TOKEN };
  for (const [k, v] of Object.entries(values)) out[`observability:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
  return out;
}

function problemsOf(values: Record<string, unknown>): string[] {
  try {
    parseStackConfig(raw(values));
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map((p) => `${p.key}: ${p.message}`);
    throw e;
  }
  return [];
}

describe("stack config defaults", () => {
  const { settings, secrets } = parseStackConfig(raw({}));

  it("applies the seed's retention and intervals", () => {
    expect(settings.prometheus.retention).toBe("90d");
    expect(settings.prometheus.scrapeInterval).toBe("15s");
    expect(settings.prometheus.evaluationInterval).toBe("15s");
    expect(settings.loki.retention).toBe("2160h");
    expect(durationSeconds(settings.loki.retention)).toBe(90 * 86400);
  });

  it("applies the seed's Loki and collector tuning", () => {
    expect(settings.loki.ingestionRateMB).toBe(16);
    expect(settings.loki.maxGlobalStreamsPerUser).toBe(10000);
    expect(settings.loki.queryParallelism).toBe(32);
    expect(settings.otelCollector.memoryLimitMiB).toBe(512);
    expect(settings.otelCollector.batchTimeout).toBe("10s");
    expect(settings.otelCollector.batchSize).toBe(1024);
  });

  it("names the two namespaces and leaves optional secrets unset", () => {
    expect(settings.serversNamespace).toBe("observability");
    expect(settings.agentsNamespace).toBe("observability-agents");
    expect(settings.gpu.nodeSelector).toEqual({ "nvidia.com/gpu.present": "true" });
    expect(settings.sources.qdrant.port).toBe(6333);
    expect(settings.sources.gateway).toEqual({ enabled: true, namespace: "ai-platform", service: "gateway", port: "metrics", path: "/metrics" });
    expect(secrets).toEqual({ slackBotToken: BOT_TOKEN });
    expect(settings.slack.mode).toBe("bot-token");
  });

  it("keeps the defaults of an object's other keys when one key is set", () => {
    const { settings: s } = parseStackConfig(raw({ prometheus: { retention: "30d" } }));
    expect(s.prometheus.retention).toBe("30d");
    expect(s.prometheus.scrapeInterval).toBe("15s");
    expect(s.prometheus.resources.memory).toBe("2Gi");
  });

  it("reads top-level scalars that Pulumi passes as strings", () => {
    const { settings: s } = parseStackConfig(raw({ protectData: "true", storageClass: "fast-ssd" }));
    expect(s.protectData).toBe(true);
    expect(s.storageClass).toBe("fast-ssd");
  });

  it("treats an empty optional secret (the Pulumi.yaml default) as unset", () => {
    const { secrets: s } = parseStackConfig({ ...raw({}), "observability:grafanaAdminPassword": "", "observability:heartbeatUrl": "" });
    expect(s.grafanaAdminPassword).toBeUndefined();
    expect(s.heartbeatUrl).toBeUndefined();
  });
});

describe("stack config validation", () => {
  // Each case: config, the full key the error must name, and a fragment of what is allowed.
  const cases: [string, Record<string, unknown>, string, string][] = [
    ["a typo inside prometheus", { prometheus: { retension: "90d" } }, "observability:prometheus.retension", 'did you mean "retention"'],
    ["a malformed duration", { prometheus: { scrapeInterval: "15x" } }, "observability:prometheus.scrapeInterval", "a duration"],
    ["a duration with Go units where Prometheus syntax is needed", { prometheus: { retention: "1.5h" } }, "observability:prometheus.retention", "units ms, s, m, h, d, w, y"],
    ["a malformed quantity", { prometheus: { storageSize: "100GB" } }, "observability:prometheus.storageSize", "Kubernetes quantity"],
    ["a negative count", { prometheus: { replicas: -1 } }, "observability:prometheus.replicas", "an integer from 1 to 5"],
    ["a count given as a string", { alertmanager: { replicas: "3" } }, "observability:alertmanager.replicas", "an integer"],
    ["a fractional count", { otelCollector: { batchSize: 10.5 } }, "observability:otelCollector.batchSize", "an integer"],
    ["a Loki retention not a multiple of the 24h index period", { loki: { retention: "36h" } }, "observability:loki.retention", "a multiple of 24h"],
    ["a wrong type for a boolean", { protectData: "yes" }, "observability:protectData", "true or false"],
    ["a namespace that is not a DNS label", { serversNamespace: "Observability_NS" }, "observability:serversNamespace", "RFC 1123 label"],
    ["an unknown top-level key", { retention: "90d" }, "observability:retention", "allowed keys"],
    ["an object given as a scalar", { loki: "big" }, "observability:loki", "an object with keys"],
    ["an unpinned image override", { images: { prometheus: "quay.io/prometheus/prometheus:latest" } }, "observability:images.prometheus", "pinned by tag or digest"],
    ["an image override for an unknown component", { images: { tempo: "grafana/tempo:2.8.0" } }, "observability:images.tempo", "allowed keys"],
    ["a bad node selector label key", { gpu: { nodeSelector: { "bad key": "true" } } }, "observability:gpu.nodeSelector.bad key", "label key"],
    ["a port out of range", { sources: { gateway: { port: 70000 } } }, "observability:sources.gateway.port", "port number from 1 to 65535"],
    ["a burst below the rate", { loki: { ingestionRateMB: 16, ingestionBurstSizeMB: 8 } }, "observability:loki.ingestionBurstSizeMB", "at least loki.ingestionRateMB"],
    ["a collector container limit below the memory limiter", { otelCollector: { memoryLimitMiB: 1024 } }, "observability:otelCollector.resources.memoryLimit", "more than otelCollector.memoryLimitMiB"],
    ["a memory limit below the request", { grafana: { resources: { memory: "2Gi", memoryLimit: "1Gi" } } }, "observability:grafana.resources.memoryLimit", "at least the memory request"],
    ["an ingress without a host", { grafana: { ingress: { enabled: true, tlsSecretName: "grafana-tls" } } }, "observability:grafana.ingress.host", "a host name"],
    ["an ingress without TLS", { grafana: { ingress: { enabled: true, host: "grafana.example.com" } } }, "observability:grafana.ingress.tlsSecretName", "plain text"],
    ["the same namespace twice", { agentsNamespace: "observability" }, "observability:agentsNamespace", "other than serversNamespace"],
    ["an sslmode Postgres does not know", { postgres: { sslMode: "on" } }, "observability:postgres.sslMode", '"verify-full"'],
  ];

  it.each(cases)("rejects %s", (_name, values, key, allowed) => {
    const problems = problemsOf(values);
    const mine = problems.filter((p) => p.startsWith(`${key}: `));
    expect(mine).toHaveLength(1);
    expect(mine[0]).toContain(allowed);
  });

  it("rejects a bad value showing the value received", () => {
    expect(problemsOf({ prometheus: { scrapeInterval: "15x" } })).toEqual([
      'observability:prometheus.scrapeInterval: got "15x"; expected a duration such as 15s, 5m, 90d (units ms, s, m, h, d, w, y), at least 1s',
    ]);
  });

  it("rejects a missing Slack bot token in the default mode", () => {
    expect(() => parseStackConfig({})).toThrow(/observability:slackBotToken: is required with slack.mode "bot-token"/);
  });

  it("rejects a malformed secret without echoing it", () => {
    const secret = "http://not-https.example/hook-token-123";
    try {
      parseStackConfig({ "observability:slack": JSON.stringify({ mode: "legacy-webhook" }), "observability:slackWebhookUrl": secret });
      throw new Error("expected a ConfigError");
    } catch (e) {
      expect((e as Error).message).toContain("observability:slackWebhookUrl");
      expect((e as Error).message).not.toContain("hook-token-123");
    }
  });

  it("rejects a token that is not a bot token, without echoing it", () => {
    for (const token of ["xoxp-1234567890-1234567890123-usertokenusertoken", WEBHOOK]) {
      const message = (() => {
        try {
          parseStackConfig({ "observability:slackBotToken": token });
        } catch (e) {
          return (e as Error).message;
        }
        return "";
      })();
      expect(message).toContain("observability:slackBotToken: got (value hidden: secret); expected a Slack bot token, xoxb-");
      expect(message).not.toContain(token);
    }
  });

  const webhooks = Object.fromEntries(SLACK_WEBHOOK_KEYS.map((k) => [`observability:${k}`, `${WEBHOOK}/${k}`]));
  const perChannel = { "observability:slack": JSON.stringify({ mode: "webhook-per-channel" }) };

  it("reads one webhook per channel in webhook-per-channel mode", () => {
    const { settings, secrets } = parseStackConfig({ ...perChannel, ...webhooks });
    expect(settings.slack.mode).toBe("webhook-per-channel");
    expect(SLACK_CHANNEL_KEYS.map((c) => secrets[slackWebhookKey(c)])).toEqual(SLACK_WEBHOOK_KEYS.map((k) => `${WEBHOOK}/${k}`));
  });

  it("names each channel whose webhook is missing in webhook-per-channel mode", () => {
    const { "observability:slackWebhookGpu": _gpu, "observability:slackWebhookInfra": _infra, ...some } = webhooks;
    const problems = (() => {
      try {
        parseStackConfig({ ...perChannel, ...some });
      } catch (e) {
        return (e as ConfigError).problems.map((p) => p.key);
      }
      return [];
    })();
    expect(problems).toEqual(["observability:slackWebhookGpu", "observability:slackWebhookInfra"]);
  });

  it.each([
    ["a channel webhook in bot-token mode", { "observability:slackBotToken": BOT_TOKEN, "observability:slackWebhookGpu": WEBHOOK }, "observability:slackWebhookGpu", 'belongs to slack.mode "webhook-per-channel"'],
    ["the legacy URL in bot-token mode", { "observability:slackBotToken": BOT_TOKEN, "observability:slackWebhookUrl": WEBHOOK }, "observability:slackWebhookUrl", 'belongs to slack.mode "legacy-webhook"'],
    ["a bot token in webhook-per-channel mode", { ...perChannel, ...webhooks, "observability:slackBotToken": BOT_TOKEN }, "observability:slackBotToken", 'belongs to slack.mode "bot-token"'],
    ["the legacy URL in webhook-per-channel mode", { ...perChannel, ...webhooks, "observability:slackWebhookUrl": WEBHOOK }, "observability:slackWebhookUrl", 'belongs to slack.mode "legacy-webhook"'],
    ["an unknown mode", { "observability:slack": JSON.stringify({ mode: "email" }) }, "observability:slack.mode", '"webhook-per-channel"'],
  ])("rejects %s, naming the key", (_name, config, key, fragment) => {
    let problems: readonly { key: string; message: string }[] = [];
    try {
      parseStackConfig(config);
    } catch (e) {
      problems = (e as ConfigError).problems;
    }
    const mine = problems.filter((p) => p.key === key);
    expect(mine).toHaveLength(1);
    expect(mine[0].message).toContain(fragment);
  });

  it("derives every channel's webhook key from the channel", () => {
    expect(SLACK_CHANNEL_KEYS.map(slackWebhookKey)).toEqual([...SLACK_WEBHOOK_KEYS]);
  });

  it("reports every problem together", () => {
    const problems = problemsOf({ prometheus: { retension: "90d", replicas: 0 }, loki: { retention: "1h" }, bogus: true });
    expect(problems.map((p) => p.split(":")[1].split(" ")[0])).toEqual(
      expect.arrayContaining(["bogus", "prometheus.retension", "prometheus.replicas", "loki.retention"]),
    );
    expect(problems).toHaveLength(4);
  });

  it("ignores keys of other namespaces", () => {
    expect(() => parseStackConfig({ ...raw({}), "kubernetes:context": "prod-cluster" })).not.toThrow();
  });
});

describe("dev and prod stack files", () => {
  for (const stack of ["dev", "prod"]) {
    it(`parses Pulumi.${stack}.yaml`, () => {
      const file = parseStackFile(readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8"), `Pulumi.${stack}.yaml`);
      const { settings } = parseStackConfig(file.config);
      expect(settings.prometheus.retention).toBe("90d");
      expect(settings.loki.retention).toBe("2160h");
    });
  }

  it("gives prod more replicas, larger volumes and protection than dev", () => {
    const load = (s: string) => parseStackConfig(parseStackFile(readFileSync(path.join(ROOT, `Pulumi.${s}.yaml`), "utf8"), s).config).settings;
    const dev = load("dev");
    const prod = load("prod");
    expect(prod.protectData).toBe(true);
    expect(dev.protectData).toBe(false);
    expect(prod.prometheus.replicas).toBeGreaterThan(dev.prometheus.replicas);
    expect(prod.alertmanager.replicas).toBeGreaterThan(dev.alertmanager.replicas);
    for (const c of ["prometheus", "loki", "jaeger", "grafana", "alertmanager"] as const) {
      expect(quantityValue(prod[c].storageSize)).toBeGreaterThan(quantityValue(dev[c].storageSize));
    }
  });
});

describe("config schema", () => {
  it("lists exactly the fields marked secret as secret keys", () => {
    const marked = Object.entries(stackSchema).filter(([, f]) => f.secret).map(([k]) => k);
    expect([...SECRET_KEYS].sort()).toEqual(marked.sort());
  });

  it("parses quantities and durations to numbers", () => {
    expect(quantityValue("100Gi")).toBe(100 * 2 ** 30);
    expect(quantityValue("500m")).toBe(0.5);
    expect(quantityValue("1e3")).toBe(1000);
    expect(durationSeconds("1h30m")).toBe(5400);
    expect(durationSeconds("1.5s")).toBe(1.5);
    expect(() => durationSeconds("5x")).toThrow(/malformed duration "5x"/);
  });
});
