import { existsSync, readFileSync, readdirSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { loadManifests, render, renderedStack, RenderRun, validateSchemas } from "../support/render";

const runs: Record<string, RenderRun> = {};

beforeAll(() => {
  runs.dev = render(["--stack", "dev"]);
  runs.devAgain = render(["--stack", "dev"]);
  runs.prod = render(["--stack", "prod"]);
});

describe.each(["dev", "prod"])("render of the %s stack", (stack) => {
  it("exits 0 and writes manifests.yaml", () => {
    const run = runs[stack];
    expect(run.stderr).not.toMatch(/render failed|invalid stack config/);
    expect(run.status).toBe(0);
    expect(existsSync(run.file)).toBe(true);
  });

  it("validates every object against the Kubernetes 1.36 schemas", () => {
    const { status, output } = validateSchemas(runs[stack].file);
    expect(output).toMatch(/ 0 invalid/);
    expect(status).toBe(0);
  });

  it("names every object explicitly", () => {
    for (const doc of loadManifests(runs[stack].file)) {
      expect(typeof doc.metadata.name).toBe("string");
      expect(doc.metadata.name.length).toBeGreaterThan(0);
    }
  });

  it("prints objects per kind and namespace", () => {
    const docs = loadManifests(runs[stack].file);
    expect(runs[stack].stdout).toMatch(/KIND\s+NAMESPACE\s+COUNT/);
    expect(runs[stack].stdout).toContain(`${docs.length} objects`);
  });

  it("puts placeholders, never secrets, in place of the unset Slack credentials", () => {
    expect(runs[stack].stderr).toMatch(stack === "dev" ? /notice: observability:slackWebhookGpu is not set/ : /notice: observability:slackBotToken is not set/);
  });

  it("creates the servers namespace as restricted and the agents namespace as privileged", () => {
    const namespaces = loadManifests(runs[stack].file).filter((d) => d.kind === "Namespace");
    const byName = Object.fromEntries(namespaces.map((n) => [n.metadata.name, n.metadata.labels ?? {}]));
    expect(byName["observability"]["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    expect(byName["observability-agents"]["pod-security.kubernetes.io/enforce"]).toBe("privileged");
    for (const l of Object.values(byName)) {
      expect(l["pod-security.kubernetes.io/warn"]).toBeDefined();
      expect(l["pod-security.kubernetes.io/audit"]).toBeDefined();
    }
  });
});

describe("render of the prod stack on object storage (variant prod-thanos)", () => {
  const run = () => renderedStack("prod-thanos");

  it("validates every object against the Kubernetes 1.36 schemas", () => {
    expect(run().status).toBe(0);
    const { status, output } = validateSchemas(run().file);
    expect(output).toMatch(/ 0 invalid/);
    expect(status).toBe(0);
  });

  it("names every object explicitly and renders Thanos and Loki's three targets", () => {
    const docs = loadManifests(run().file);
    for (const doc of docs) expect(doc.metadata.name.length).toBeGreaterThan(0);
    const workloads = docs.filter((d) => ["Deployment", "StatefulSet"].includes(d.kind)).map((d) => `${d.kind}/${d.metadata.name}`);
    expect(workloads).toEqual(expect.arrayContaining(["Deployment/thanos-query", "StatefulSet/thanos-store", "StatefulSet/thanos-compact", "StatefulSet/loki-write", "Deployment/loki-read", "StatefulSet/loki-backend"]));
    expect(workloads).not.toContain("StatefulSet/loki");
  });
});

describe("render", () => {
  it("is byte-identical across two runs", () => {
    expect(readFileSync(runs.devAgain.file, "utf8")).toBe(readFileSync(runs.dev.file, "utf8"));
  });

  it("fails on a stack file with a bad value, names the key and writes nothing", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "bad-stack-"));
    const stackFile = path.join(dir, "Pulumi.bad.yaml");
    writeFileSync(stackFile, "config:\n  observability:prometheus:\n    retension: 90d\n    replicas: -2\n  observability:loki:\n    storageSize: 10GB\n");
    const out = path.join(dir, "out");
    const run = render(["--stack", "bad", "--config-file", stackFile], out);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain("observability:prometheus.retension");
    expect(run.stderr).toContain("observability:prometheus.replicas: got -2");
    expect(run.stderr).toContain('observability:loki.storageSize: got "10GB"');
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });

  it("fails on a missing stack file, writing nothing", () => {
    const out = mkdtempSync(path.join(tmpdir(), "missing-stack-"));
    const run = render(["--stack", "nosuchstack"], out);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain("cannot read stack file");
    expect(readdirSync(out)).toEqual([]);
  });

  it("rejects an unknown argument with usage", () => {
    const run = render(["--stack", "dev", "--verbose"]);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('unknown argument "--verbose"');
  });
});
