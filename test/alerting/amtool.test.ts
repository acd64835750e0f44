/**
 * The built alertmanager.yml through amtool: it parses, and every category x severity reaches exactly the receivers
 * docs/architecture.md "Contracts" (Routing) names. The expected table is written out here rather than derived from rules/routes.ts, so the
 * test cannot agree with a wrong route tree by construction.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dump } from "js-yaml";
import { AlertmanagerConfig, SLACK_TEMPLATES, buildAlertmanagerConfig, slackDeliveryFiles } from "../../components/alertmanager-config";
import { SLACK_MODES, SlackMode } from "../../config/schema";
import { upstreamBuild } from "../../scripts/upstream/layout";
import { requireTool, runTool } from "../support/tools";

const CATEGORY_RECEIVER = {
  latency: "slack-alerts",
  errors: "slack-alerts",
  gpu: "slack-gpu",
  drift: "slack-drift",
  budget: "slack-budget",
  infra: "slack-infra",
  meta: "slack-alerts",
} as const;
const SEVERITIES = ["critical", "warning", "info"] as const;

function expectedReceivers(category: keyof typeof CATEGORY_RECEIVER, severity: (typeof SEVERITIES)[number]): string {
  return severity === "critical" ? `slack-critical,${CATEGORY_RECEIVER[category]}` : CATEGORY_RECEIVER[category];
}

const amtool = requireTool("amtool");
let dir: string;
let files: Record<string, string>;

function write(name: string, content: string): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

const yaml = (c: AlertmanagerConfig) => dump(c, { noRefs: true, lineWidth: -1 });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "alerting-"));
  files = {};
  for (const mode of SLACK_MODES) {
    const args = { slack: slackDeliveryFiles(mode, dir), externalUrl: "https://alertmanager.example.com" };
    files[`heartbeat ${mode}`] = write(`heartbeat-${mode}.yml`, yaml(buildAlertmanagerConfig({ ...args, heartbeatUrlFile: join(dir, "heartbeat-url") })));
    files[`blackhole ${mode}`] = write(`blackhole-${mode}.yml`, yaml(buildAlertmanagerConfig(args)));
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function routesTest(file: string, expected: string, labels: string[]) {
  return runTool(amtool, ["config", "routes", "test", `--config.file=${file}`, `--verify.receivers=${expected}`, ...labels]);
}

const VARIANTS = (["heartbeat", "blackhole"] as const).flatMap((variant) => SLACK_MODES.map((mode): [string, SlackMode] => [variant, mode]));

describe.each(VARIANTS)("config %s, slack mode %s", (variant, mode) => {
  const file = () => files[`${variant} ${mode}`];
  test("passes amtool check-config", () => {
    const r = runTool(amtool, ["check-config", file()]);
    expect({ status: r.status, out: r.stdout }).toEqual({ status: 0, out: expect.stringContaining("SUCCESS") });
    expect(r.stdout).toContain("5 inhibit rules");
  });

  const cases = Object.keys(CATEGORY_RECEIVER).flatMap((c) => SEVERITIES.map((s) => [c, s] as [keyof typeof CATEGORY_RECEIVER, (typeof SEVERITIES)[number]]));
  test.each(cases)("routes category %s severity %s to exactly its receivers", (category, severity) => {
    const expected = expectedReceivers(category, severity);
    const r = routesTest(file(), expected, ["alertname=SomeAlert", `category=${category}`, `severity=${severity}`, "service=gateway"]);
    expect({ status: r.status, receivers: r.stdout.trim() }).toEqual({ status: 0, receivers: expected });
  });

  test(`routes Watchdog to ${variant} only, even if it were critical`, () => {
    for (const severity of ["info", "critical"]) {
      const r = routesTest(file(), variant, ["alertname=Watchdog", "category=meta", `severity=${severity}`]);
      expect({ status: r.status, receivers: r.stdout.trim() }).toEqual({ status: 0, receivers: variant });
    }
  });

  test("fails --verify.receivers on a wrong expectation", () => {
    const r = routesTest(file(), "slack-gpu", ["alertname=SomeAlert", "category=gpu", "severity=critical", "service=gateway"]);
    expect(r.status).not.toBe(0);
    expect(r.stdout).toContain("Expected receivers did not match");
  });
});

test("runs the pinned amtool", () => {
  expect(runTool(amtool, ["--version"]).stdout + runTool(amtool, ["--version"]).stderr).toContain(`version ${upstreamBuild("alertmanager").version}`);
});

describe("slack message templates", () => {
  const data = {
    receiver: "slack-critical",
    status: "firing",
    alerts: [
      {
        status: "firing",
        labels: { alertname: "HighGatewayLatency", severity: "critical", service: "gateway" },
        annotations: { summary: "Gateway p95 above 2s", description: "p95 is 3.1s", runbook_url: "https://docs.example.com/runbooks.md#highgatewaylatency" },
        startsAt: "2026-01-01T00:00:00Z",
        endsAt: "0001-01-01T00:00:00Z",
        generatorURL: "http://prometheus:9090/graph",
        fingerprint: "0123456789abcdef",
      },
    ],
    groupLabels: { alertname: "HighGatewayLatency", service: "gateway" },
    commonLabels: { alertname: "HighGatewayLatency", severity: "critical", service: "gateway" },
    commonAnnotations: {},
    externalURL: "http://alertmanager:9093",
  };

  function render(text: string, status = "firing") {
    const dataFile = write("data.json", JSON.stringify({ ...data, status }));
    // --template.glob is mandatory; a pattern matching nothing loads only the built-in templates.
    return runTool(amtool, ["template", "render", `--template.glob=${join(dir, "none-*.tmpl")}`, `--template.data=${dataFile}`, `--template.text=${text}`]);
  }

  test("title renders status, count, alertname and service", () => {
    expect(render(SLACK_TEMPLATES.title)).toMatchObject({ status: 0, stdout: "[FIRING:1] HighGatewayLatency on gateway" });
  });

  test("text renders summary, description and the runbook link", () => {
    const r = render(SLACK_TEMPLATES.text);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("*Gateway p95 above 2s* (critical)");
    expect(r.stdout).toContain("p95 is 3.1s");
    expect(r.stdout).toContain("<https://docs.example.com/runbooks.md#highgatewaylatency|Runbook>");
  });

  test("color is danger for a firing critical group", () => {
    expect(render(SLACK_TEMPLATES.color)).toMatchObject({ status: 0, stdout: "danger" });
  });

  test("the mention pages when the group fires, and not when it resolves", () => {
    expect(render(SLACK_TEMPLATES.mention("<!channel>"))).toMatchObject({ status: 0, stdout: "<!channel>" });
    expect(render(SLACK_TEMPLATES.mention("<!channel>"), "resolved")).toMatchObject({ status: 0, stdout: "" });
  });

  test("fails to render a broken template, so the checks above are real", () => {
    expect(render("{{ range .Alerts }").status).not.toBe(0);
  });
});
