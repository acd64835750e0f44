/**
 * Fails when an alert or recording rule has no promtool unit test: every alert needs a firing case that asserts its
 * severity, category and service labels, a silent case, and a `for` boundary (not firing one evaluation before it
 * fires); every recorded series needs a promql_expr_test.
 */
import { allAlerts, allRuleGroups, buildRuleFiles } from "../../rules/rule-files";
import { AlertRule, RecordingRule, isAlert } from "../../rules/types";
import { AlertTestCase, TEST_RUNBOOK_BASE, promtoolTestFiles, readPromtoolTestFile, seconds } from "./support";

/** Alerts with no `service` label: nothing they watch belongs to one service. */
const SERVICELESS = new Set(["Watchdog"]);
/** Alerts that fire by design at all times, so a silent case cannot exist. */
const ALWAYS_FIRING = new Set(["Watchdog"]);

interface Case extends AlertTestCase {
  file: string;
  group: string;
  /** Alert names this test group expects to fire at some time. */
  firesInGroup: Set<string>;
  evaluationInterval: number;
}

function collectCases(): Case[] {
  const cases: Case[] = [];
  for (const file of promtoolTestFiles()) {
    const doc = readPromtoolTestFile(file);
    const evaluationInterval = seconds(doc.evaluation_interval ?? "1m");
    for (const [i, group] of (doc.tests ?? []).entries()) {
      const tests = group.alert_rule_test ?? [];
      const firesInGroup = new Set(tests.filter((t) => (t.exp_alerts ?? []).length > 0).map((t) => t.alertname));
      for (const t of tests) cases.push({ ...t, file, group: group.name ?? `#${i}`, firesInGroup, evaluationInterval });
    }
  }
  return cases;
}

const cases = collectCases();
const alerts = allAlerts();
const alertNames = alerts.map((a) => a.alert);
const casesOf = (rule: AlertRule) => cases.filter((c) => c.alertname === rule.alert);
const firingCasesOf = (rule: AlertRule) => casesOf(rule).filter((c) => (c.exp_alerts ?? []).length > 0);

test("exempts only alerts that exist, and only where the exemption is true of the rule", () => {
  expect([...SERVICELESS, ...ALWAYS_FIRING].filter((n) => !alertNames.includes(n))).toEqual([]);
  for (const name of SERVICELESS) expect({ name, service: alerts.find((a) => a.alert === name)!.service }).toEqual({ name, service: undefined });
  // An alert without `for` has no boundary to test; only an always-firing one may lack it, or the table below would
  // silently leave out an alert whose `for` was removed.
  expect(alerts.filter((a) => a.for === undefined).map((a) => a.alert)).toEqual([...ALWAYS_FIRING]);
});

describe.each(alerts)("$alert", (rule) => {
  test("has a firing case asserting severity, category and service", () => {
    const firing = firingCasesOf(rule);
    expect(firing.length).toBeGreaterThan(0);
    const asserted = firing.flatMap((c) => (c.exp_alerts ?? []).map((a) => ({ where: `${c.file} ${c.group}`, labels: a.exp_labels ?? {} })));
    expect(asserted.map(({ where, labels }) => ({ where, severity: labels.severity, category: labels.category, service: labels.service }))).toEqual(
      asserted.map(({ where }) => ({
        where,
        severity: rule.severity,
        category: rule.category,
        // A serviceless alert carries no service label; an alert grouped by service names one.
        service: SERVICELESS.has(rule.alert) ? undefined : (rule.service ?? expect.any(String)),
      })),
    );
  });
});

// Filtered tables rather than early returns: an exempt alert is left out of the table, never passed without a check.
describe.each(alerts.filter((a) => !ALWAYS_FIRING.has(a.alert)))("$alert", (rule) => {
  test("has a silent case in a test group where it never fires", () => {
    const silent = casesOf(rule).filter((c) => (c.exp_alerts ?? []).length === 0 && !c.firesInGroup.has(rule.alert));
    expect(silent.length).toBeGreaterThan(0);
  });
});

describe.each(alerts.filter((a) => a.for !== undefined))("$alert", (rule) => {
  test("has a for-boundary case: silent one evaluation before it fires", () => {
    const mine = casesOf(rule);
    const boundary = firingCasesOf(rule).some((f) =>
      mine.some(
        (s) =>
          s.file === f.file &&
          s.group === f.group &&
          (s.exp_alerts ?? []).length === 0 &&
          seconds(f.eval_time) - seconds(s.eval_time) === f.evaluationInterval,
      ),
    );
    expect(boundary).toBe(true);
  });
});

test("test files name only alerts that exist", () => {
  expect(cases.length).toBeGreaterThan(0);
  const unknown = [...new Set(cases.map((c) => c.alertname))].filter((n) => !alertNames.includes(n));
  expect(unknown).toEqual([]);
});

test("test files load only rule files the builder renders, and every one of them", () => {
  const rendered = Object.keys(buildRuleFiles({ runbookBaseUrl: TEST_RUNBOOK_BASE }));
  const referenced = promtoolTestFiles().flatMap((f) => readPromtoolTestFile(f).rule_files);
  expect(referenced.filter((f) => !rendered.includes(f))).toEqual([]);
  expect(rendered.filter((f) => !referenced.includes(f))).toEqual([]);
});

test("every recorded series has a promql_expr_test", () => {
  const exprs = promtoolTestFiles().flatMap((f) =>
    (readPromtoolTestFile(f).tests ?? []).flatMap((g) => (g.promql_expr_test ?? []).map((t) => t.expr)),
  );
  const recorded = allRuleGroups()
    .flatMap((g) => g.rules)
    .filter((r): r is RecordingRule => !isAlert(r))
    .map((r) => r.record);
  expect(recorded.length).toBeGreaterThan(0);
  const untested = recorded.filter((name) => !exprs.some((e) => e.split(/[^A-Za-z0-9_:]/).includes(name)));
  expect(untested).toEqual([]);
});
