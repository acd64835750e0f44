/**
 * The rule-file builder: what it renders (the seed's alerts with their exact names, thresholds and durations, the
 * label contract, runbook links) and what it rejects.
 */
import { load } from "js-yaml";
import { RULE_SOURCES, allAlerts, allRuleGroups, buildRuleFiles, runbookUrl, validateRuleFiles } from "../../rules/rule-files";
import { AlertRule, RuleGroup } from "../../rules/types";
import { TEST_RUNBOOK_BASE } from "./support";

interface RenderedRule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RenderedFile {
  groups: { name: string; rules: RenderedRule[] }[];
}

const files = buildRuleFiles({ runbookBaseUrl: TEST_RUNBOOK_BASE });
const parsed = Object.fromEntries(Object.entries(files).map(([name, text]) => [name, load(text) as RenderedFile]));
const renderedAlerts = Object.values(parsed).flatMap((f) => f.groups.flatMap((g) => g.rules.filter((r) => r.alert)));
const byName = (name: string) => renderedAlerts.find((r) => r.alert === name);

/** The seed's 18 alerts: name, threshold as it appears in the expression, duration, severity, category. */
const SEED_ALERTS: [string, string, string, string, string][] = [
  ["HighGatewayLatency", "> 2", "5m", "warning", "latency"],
  ["HighMCPJungleLatency", "> 2", "5m", "warning", "latency"],
  ["HighMaxServeLatency", "> 2", "5m", "warning", "latency"],
  ["HighMemoryEngineLatency", "> 2", "5m", "warning", "latency"],
  ["HighErrorRate", "> 0.01", "5m", "warning", "errors"],
  ["HighMaxServeErrorRate", "> 0.01", "5m", "warning", "errors"],
  ["HighMCPErrorRate", "> 0.01", "5m", "warning", "errors"],
  ["HighGPUUtilization", "> 90", "5m", "warning", "gpu"],
  ["HighGPUMemory", "> 90", "5m", "warning", "gpu"],
  ["HighGPUTemperature", "> 85", "5m", "warning", "gpu"],
  ["DriftDetected", "> 0.15", "1m", "warning", "drift"],
  ["HighDriftScore", "> 0.25", "1m", "critical", "drift"],
  ["BudgetExceeded", ">= 1", "1m", "critical", "budget"],
  ["BudgetWarning", "> 0.8", "5m", "warning", "budget"],
  ["ServiceDown", "== 0", "2m", "critical", "infra"],
  ["HighRequestQueueDepth", "> 100", "5m", "warning", "infra"],
  ["PostgreSQLPoolExhausted", "> 90", "5m", "warning", "infra"],
  ["RedisMemoryHigh", "> 0.9", "5m", "warning", "infra"],
];

describe("buildRuleFiles", () => {
  test("renders one file per category plus the recording rules", () => {
    expect(Object.keys(files)).toEqual(Object.keys(RULE_SOURCES).sort().map((k) => `${k}.rules.yml`));
  });

  test("is deterministic", () => {
    expect(buildRuleFiles({ runbookBaseUrl: TEST_RUNBOOK_BASE })).toEqual(files);
  });

  test.each(SEED_ALERTS)("renders %s with threshold %s for %s, %s, %s", (name, threshold, duration, severity, category) => {
    const rule = byName(name);
    expect(rule).toBeDefined();
    expect(rule?.expr.endsWith(` ${threshold}`) || rule?.expr.includes(`${threshold})`)).toBe(true);
    expect(rule?.for).toBe(duration);
    expect(rule?.labels).toMatchObject({ severity, category });
  });

  test("only the seed's HighDriftScore, ServiceDown and BudgetExceeded, and ServiceNoTargets (a service not watched at all), are critical; Watchdog is info", () => {
    const bySeverity = (s: string) => renderedAlerts.filter((r) => r.labels?.severity === s).map((r) => r.alert).sort();
    expect(bySeverity("critical")).toEqual(["BudgetExceeded", "HighDriftScore", "ServiceDown", "ServiceNoTargets"]);
    expect(bySeverity("info")).toEqual(["Watchdog"]);
  });

  test("holds the 18 seed alerts, 3 fleet alerts, 1 session-series alert and 22 self-monitoring alerts (7 alerting path, 5 log pipeline, 8 trace pipeline, 2 Thanos)", () => {
    expect(renderedAlerts).toHaveLength(44);
    expect(renderedAlerts.filter((r) => r.labels?.category === "meta")).toHaveLength(22);
  });

  test("gives every alert its labels and annotations, with the runbook anchor of its name", () => {
    for (const r of renderedAlerts) {
      expect(Object.keys(r.annotations ?? {}).sort()).toEqual(["description", "runbook_url", "summary"]);
      expect(r.annotations?.runbook_url).toBe(`${TEST_RUNBOOK_BASE}#${r.alert?.toLowerCase()}`);
      expect(r.labels?.severity).toMatch(/^(critical|warning|info)$/);
    }
  });

  test("puts each alert in the file of its category", () => {
    for (const [name, file] of Object.entries(parsed)) {
      for (const rule of file.groups.flatMap((g) => g.rules)) {
        if (rule.alert) expect(`${rule.labels?.category}.rules.yml`).toBe(name);
        else expect(name).toBe("recording.rules.yml");
      }
    }
  });

  test("latency alerts read each service's own histogram", () => {
    expect(byName("HighGatewayLatency")?.expr).toContain('http_request_duration_seconds_bucket{service="gateway"}');
    expect(byName("HighMCPJungleLatency")?.expr).toContain('mcp_operation_duration_seconds_bucket{service="mcpjungle"}');
    expect(byName("HighMaxServeLatency")?.expr).toContain('inference_duration_seconds_bucket{service="max-serve"}');
    expect(byName("HighMemoryEngineLatency")?.expr).toContain('memory_operation_duration_seconds_bucket{service="memory-engine"}');
    for (const name of ["HighGatewayLatency", "HighMCPJungleLatency", "HighMaxServeLatency", "HighMemoryEngineLatency"]) {
      expect(byName(name)?.expr).toMatch(/^histogram_quantile\(0\.95, sum by \(service, le\)/);
    }
  });

  test("emits no YAML anchors and no folded lines", () => {
    for (const text of Object.values(files)) {
      expect(text).not.toMatch(/[&*]ref_\d/);
      expect(text).not.toMatch(/: [>|]-?\n/);
    }
  });

  test("rejects a runbook base URL with a fragment", () => {
    expect(() => buildRuleFiles({ runbookBaseUrl: "https://example.com/runbooks.md#top" })).toThrow(
      'runbookBaseUrl "https://example.com/runbooks.md#top" is not an http or https URL without a fragment',
    );
  });

  test("rejects a runbook base URL that is not a URL", () => {
    expect(() => buildRuleFiles({ runbookBaseUrl: "docs/runbooks.md" })).toThrow('runbookBaseUrl "docs/runbooks.md"');
  });
});

describe("allRuleGroups", () => {
  test("returns every group once, with unique names", () => {
    const names = allRuleGroups().map((g) => g.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(["latency", "errors", "gpu", "drift", "budget", "service-health", "database", "meta", "gpu-seed-names"]));
  });

  test("runbookUrl appends the lower-case anchor", () => {
    expect(runbookUrl("https://x.test/r.md", "HighGPUMemory")).toBe("https://x.test/r.md#highgpumemory");
  });
});

describe("validateRuleFiles", () => {
  const alert = (over: Partial<AlertRule> = {}): AlertRule => ({
    alert: "SomethingBroke",
    expr: "vector(1)",
    for: "5m",
    severity: "warning",
    category: "infra",
    summary: "something broke",
    description: "it broke",
    ...over,
  });
  const group = (name: string, rules: RuleGroup["rules"]): RuleGroup => ({ name, rules });

  test("accepts the real rule set", () => {
    expect(() => validateRuleFiles(Object.fromEntries(Object.entries(RULE_SOURCES).map(([k, f]) => [k, f()])))).not.toThrow();
    expect(allAlerts().length).toBe(44);
  });

  test("rejects a duplicate alert name across files", () => {
    expect(() =>
      validateRuleFiles({ infra: [group("a", [alert()])], meta: [group("b", [alert({ category: "meta" })])] }),
    ).toThrow('alert "SomethingBroke" is defined twice');
  });

  test("rejects a duplicate group name", () => {
    expect(() => validateRuleFiles({ infra: [group("same", [alert()]), group("same", [alert({ alert: "Other" })])] })).toThrow(
      'group "same" is defined twice',
    );
  });

  test.each(["5x", "", "1.5m", "5 m", "m5"])("rejects for %p", (bad) => {
    expect(() => validateRuleFiles({ infra: [group("g", [alert({ for: bad })])] })).toThrow(
      `alert "SomethingBroke": for ${JSON.stringify(bad)} is not a prometheus duration`,
    );
  });

  test("rejects a bad group interval", () => {
    expect(() => validateRuleFiles({ infra: [{ name: "g", interval: "often", rules: [alert()] }] })).toThrow('interval "often"');
  });

  test("rejects an unknown severity", () => {
    expect(() => validateRuleFiles({ infra: [group("g", [alert({ severity: "page" as never })])] })).toThrow(
      'alert "SomethingBroke": severity "page" is not one of critical, warning, info',
    );
  });

  test("rejects an alert in the file of another category", () => {
    expect(() => validateRuleFiles({ gpu: [group("g", [alert()])] })).toThrow(
      'alert "SomethingBroke": category "infra" does not match its rule file "gpu.rules.yml"',
    );
  });

  test("rejects an alert in the recording rule file", () => {
    expect(() => validateRuleFiles({ recording: [group("g", [alert()])] })).toThrow("recording rules only");
  });

  test("rejects a missing summary", () => {
    expect(() => validateRuleFiles({ infra: [group("g", [alert({ summary: "" })])] })).toThrow('alert "SomethingBroke": summary "" is empty');
  });

  test("rejects a non-PascalCase alert name", () => {
    expect(() => validateRuleFiles({ infra: [group("g", [alert({ alert: "service_down" })])] })).toThrow(
      'alert name "service_down" is not PascalCase',
    );
  });

  test("rejects a label that overrides the label contract", () => {
    expect(() => validateRuleFiles({ infra: [group("g", [alert({ labels: { severity: "critical" } })])] })).toThrow(
      'label "severity" is set by its own field',
    );
  });

  test("rejects a recording rule grouped by a high-cardinality label", () => {
    expect(() =>
      validateRuleFiles({ recording: [group("g", [{ record: "user:memory_items_total:sum", expr: "sum by (service, user_id) (memory_items_total)" }])] }),
    ).toThrow('record "user:memory_items_total:sum": groups by high-cardinality label "user_id"');
  });

  test("rejects a duplicate recorded name", () => {
    const r = { record: "a:b:c", expr: "vector(1)" };
    expect(() => validateRuleFiles({ recording: [group("g", [r, r])] })).toThrow('record "a:b:c" is defined twice');
  });

  test("rejects an invalid recorded name", () => {
    expect(() => validateRuleFiles({ recording: [group("g", [{ record: "a-b", expr: "vector(1)" }])] })).toThrow('record "a-b" is not a valid metric name');
  });
});
