import { compareManifests, Manifest, REDACTED, RenderError, summarize, toManifests, toYaml } from "../../scripts/lib/manifests";
import type { RecordedResource } from "../../scripts/lib/mock-program";
import { parseStackFile, SECRET_PLACEHOLDERS } from "../../scripts/lib/stack-file";
import { parseStackConfig } from "../../config/parse";

const SIG = "4dabf18193072939515e22adb298388d";
const secretOf = (value: unknown) => ({ [SIG]: "1b47061264138c4ac30d75fd1eb44270", value });

function k8s(kind: string, name: string | undefined, extra: Record<string, unknown> = {}, namespace = "observability"): RecordedResource {
  const apiVersion = kind === "Deployment" ? "apps/v1" : "v1";
  return {
    type: `kubernetes:${apiVersion === "v1" ? "core/v1" : apiVersion}:${kind}`,
    name: name ?? "anon",
    custom: true,
    inputs: { apiVersion, kind, metadata: name === undefined ? { namespace } : { name, namespace }, ...extra },
  };
}

describe("toManifests", () => {
  it("redacts every value of a Secret, secret-marked or not", () => {
    const [m] = toManifests([k8s("Secret", "slack", { stringData: { url: secretOf("https://hooks.slack.com/x"), plain: "visible" } })]);
    expect(m.stringData).toEqual({ url: REDACTED, plain: REDACTED });
  });

  it("redacts a Secret whose whole data map is secret-marked", () => {
    const [m] = toManifests([k8s("Secret", "slack", { data: secretOf({ url: "aHR0cHM=" }) })]);
    expect(m.data).toEqual({ url: REDACTED });
  });

  it("fails when a secret-marked value sits in a ConfigMap", () => {
    const leak = k8s("ConfigMap", "am-config", { data: { "alertmanager.yml": secretOf("api_url: https://hooks.slack.com/x") } });
    expect(() => toManifests([leak])).toThrow(RenderError);
    expect(() => toManifests([leak])).toThrow(/am-config\.data\.alertmanager\.yml: holds a secret value outside a Kubernetes Secret/);
  });

  it("fails when a known secret appears in plain text outside a Secret", () => {
    const leak = k8s("Deployment", "grafana", { spec: { env: [{ name: "PASS", value: "hunter2-hunter2" }] } });
    expect(() => toManifests([leak], ["hunter2-hunter2"])).toThrow(/contains the plaintext of a secret config value/);
  });

  it("fails on an object without metadata.name, and on duplicates", () => {
    expect(() => toManifests([k8s("ConfigMap", undefined)])).toThrow(/metadata.name is not set/);
    expect(() => toManifests([k8s("ConfigMap", "a"), k8s("ConfigMap", "a")])).toThrow(/declared twice/);
  });

  it("skips component resources and non-Kubernetes resources", () => {
    const out = toManifests([
      { type: "observability:kube:Namespaces", name: "ns", custom: false, inputs: {} },
      { type: "random:index/randomPassword:RandomPassword", name: "pw", custom: true, inputs: { length: 24 } },
      k8s("ConfigMap", "a"),
    ]);
    expect(out.map((m) => m.metadata.name)).toEqual(["a"]);
  });

  it("orders by kind dependency, then namespace, then name", () => {
    const out = toManifests([
      k8s("Deployment", "b"),
      k8s("ConfigMap", "z"),
      k8s("Deployment", "a", {}, "alpha"),
      { ...k8s("Namespace", "observability"), inputs: { apiVersion: "v1", kind: "Namespace", metadata: { name: "observability" } } },
    ]);
    expect(out.map((m) => `${m.kind}/${m.metadata.namespace ?? ""}/${m.metadata.name}`)).toEqual([
      "Namespace//observability",
      "ConfigMap/observability/z",
      "Deployment/alpha/a",
      "Deployment/observability/b",
    ]);
    expect(compareManifests(out[0], out[0])).toBe(0);
  });
});

describe("toYaml", () => {
  const m: Manifest = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", namespace: "n" }, data: { z: "on", a: "0755" } };

  it("leads with apiVersion, kind, metadata and quotes YAML 1.1 booleans and octals", () => {
    const text = toYaml([m]);
    expect(text.split("\n").slice(0, 3)).toEqual(["apiVersion: v1", "kind: ConfigMap", "metadata:"]);
    expect(text).toContain("z: 'on'");
    expect(text).toContain("a: '0755'");
  });

  it("joins documents with --- and never emits anchors", () => {
    const shared = { app: "x" };
    const text = toYaml([
      { ...m, metadata: { name: "a", labels: shared } },
      { ...m, metadata: { name: "b", labels: shared } },
    ] as Manifest[]);
    expect(text.split("---\n")).toHaveLength(2);
    expect(text).not.toMatch(/[&*]ref_/);
  });

  it("summarizes objects per kind and namespace", () => {
    expect(summarize([m, { ...m, metadata: { name: "y", namespace: "n" } }])).toContain("ConfigMap  n          2");
  });
});

describe("stack file", () => {
  it("stringifies objects as Pulumi does and keeps other namespaces", () => {
    const f = parseStackFile("config:\n  observability:prometheus:\n    replicas: 2\n  kubernetes:context: prod\n", "x.yaml");
    expect(f.config["observability:prometheus"]).toBe('{"replicas":2}');
    expect(f.config["kubernetes:context"]).toBe("prod");
  });

  it("uses placeholders for encrypted and missing required secrets, with notices", () => {
    const f = parseStackFile("config:\n  observability:grafanaAdminPassword:\n    secure: v1:abc\n", "x.yaml");
    expect(f.config["observability:slackBotToken"]).toBe(SECRET_PLACEHOLDERS.slackBotToken);
    expect(f.config["observability:slackWebhookUrl"]).toBeUndefined();
    expect(f.config["observability:grafanaAdminPassword"]).toBe(SECRET_PLACEHOLDERS.grafanaAdminPassword);
    expect(f.notices.join("\n")).toMatch(/slackBotToken is not set/);
    expect(f.notices.join("\n")).toMatch(/grafanaAdminPassword is encrypted/);
    expect(f.secretKeys).toContain("observability:heartbeatUrl");
  });

  it.each([
    ["webhook-per-channel", ["slackWebhookAlerts", "slackWebhookCritical", "slackWebhookGpu", "slackWebhookDrift", "slackWebhookBudget", "slackWebhookInfra"]],
    ["legacy-webhook", ["slackWebhookUrl"]],
  ])("uses placeholders for exactly the credentials of slack.mode %s, and says the legacy mode is legacy", (mode, keys) => {
    const f = parseStackFile(`config:\n  observability:slack:\n    mode: ${mode}\n`, "x.yaml");
    const slackKeys = Object.keys(f.config).filter((k) => k.startsWith("observability:slack") && k !== "observability:slack");
    expect(slackKeys.sort()).toEqual(keys.map((k) => `observability:${k}`).sort());
    expect(f.notices.some((n) => n.includes('slack.mode is "legacy-webhook"'))).toBe(mode === "legacy-webhook");
  });

  it("has placeholders that pass the secrets' own validation", () => {
    const { slackBotToken, slackWebhookUrl, ...perChannel } = SECRET_PLACEHOLDERS;
    const raw = Object.fromEntries(Object.entries(perChannel).map(([k, v]) => [`observability:${k}`, v]));
    raw["observability:slack"] = JSON.stringify({ mode: "webhook-per-channel" });
    // The object storage credentials are refused without a bucket to use them.
    raw["observability:objectStorage"] = JSON.stringify({ endpoint: "s3.example.com:443", buckets: { metrics: "metrics-bucket" } });
    expect(parseStackConfig(raw).secrets).toEqual(perChannel);
    for (const [mode, key, value] of [["bot-token", "slackBotToken", slackBotToken], ["legacy-webhook", "slackWebhookUrl", slackWebhookUrl]]) {
      expect(parseStackConfig({ "observability:slack": JSON.stringify({ mode }), [`observability:${key}`]: value }).secrets).toEqual({ [key]: value });
    }
  });

  it("rejects a stack file that is not a mapping", () => {
    expect(() => parseStackFile("config: [1, 2]\n", "x.yaml")).toThrow("x.yaml: config: must be a mapping of keys to values");
    expect(() => parseStackFile("config: {a: [\n", "x.yaml")).toThrow(/x.yaml: not valid YAML/);
  });
});
