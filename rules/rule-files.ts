/**
 * Renders the rule groups to Prometheus rule files, one per category plus one of recording rules, after checking
 * what promtool cannot: names unique across files, the label contract of docs/architecture.md, and that each alert sits in
 * the file of its category. Pure: the Prometheus component puts the result in a ConfigMap.
 */
import { dump } from "js-yaml";
import { HIGH_CARDINALITY_LABELS } from "../telemetry/catalog";
import { budgetGroups } from "./budget";
import { driftGroups } from "./drift";
import { errorGroups } from "./errors";
import { gpuGroups } from "./gpu";
import { infraGroups } from "./infra";
import { latencyGroups } from "./latency";
import { metaGroups } from "./meta";
import { recordingGroups } from "./recording";
import { AlertRule, Category, RecordingRule, RuleGroup, Severity, isAlert } from "./types";

export interface RuleFileOptions {
  /** Published URL of docs/runbooks.md, without a fragment (stack config `runbookBaseUrl`). */
  readonly runbookBaseUrl: string;
}

export type RuleFileKey = Category | "recording";

/** The groups of each rule file, by file key; the file is `<key>.rules.yml`. */
export const RULE_SOURCES: Readonly<Record<RuleFileKey, () => readonly RuleGroup[]>> = {
  latency: latencyGroups,
  errors: errorGroups,
  gpu: gpuGroups,
  drift: driftGroups,
  budget: budgetGroups,
  infra: infraGroups,
  meta: metaGroups,
  recording: recordingGroups,
};

export const ruleFileName = (key: string): string => `${key}.rules.yml`;

const SEVERITIES: readonly Severity[] = ["critical", "warning", "info"];
const CATEGORIES: readonly Category[] = ["latency", "errors", "gpu", "drift", "budget", "infra", "meta"];
/** Labels the builder sets from typed fields; `labels` must not override them. */
const RESERVED_LABELS = ["severity", "category", "service", "alertname"];

/** Prometheus duration syntax: integer units, largest first (what `for` and `interval` accept). */
const PROM_DURATION = /^(?:\d+y)?(?:\d+w)?(?:\d+d)?(?:\d+h)?(?:\d+m)?(?:\d+s)?(?:\d+ms)?$/;
/** PascalCase, so the runbook anchor is simply the name in lower case. */
const ALERT_NAME = /^[A-Z][A-Za-z0-9]*$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const BASE_URL = /^https?:\/\/[^\s#]+$/;

const show = (value: unknown): string => JSON.stringify(value) ?? String(value);

function isDuration(value: unknown): boolean {
  return typeof value === "string" && value !== "" && PROM_DURATION.test(value);
}

/** GitHub's anchor of a `## <AlertName>` heading: the name in lower case (alert names are PascalCase). */
export function runbookAnchor(alert: string): string {
  return alert.toLowerCase();
}

export function runbookUrl(runbookBaseUrl: string, alert: string): string {
  return `${runbookBaseUrl}#${runbookAnchor(alert)}`;
}

/** Every rule group of every file, in file order. */
export function allRuleGroups(sources: Readonly<Record<string, () => readonly RuleGroup[]>> = RULE_SOURCES): RuleGroup[] {
  return Object.values(sources).flatMap((groups) => groups());
}

/** Every alert of every file. */
export function allAlerts(sources: Readonly<Record<string, () => readonly RuleGroup[]>> = RULE_SOURCES): AlertRule[] {
  return allRuleGroups(sources).flatMap((g) => g.rules.filter(isAlert));
}

function checkAlert(rule: AlertRule, where: string, fileKey: string): void {
  const name = show(rule.alert);
  if (typeof rule.alert !== "string" || !ALERT_NAME.test(rule.alert)) {
    throw new Error(`${where}: alert name ${name} is not PascalCase (letters and digits, starting upper case)`);
  }
  if (typeof rule.expr !== "string" || rule.expr.trim() === "") throw new Error(`alert ${name}: expr ${show(rule.expr)} is empty`);
  if (rule.for !== undefined && !isDuration(rule.for)) {
    throw new Error(`alert ${name}: for ${show(rule.for)} is not a prometheus duration (such as 30s, 5m, 1h30m)`);
  }
  if (!SEVERITIES.includes(rule.severity)) {
    throw new Error(`alert ${name}: severity ${show(rule.severity)} is not one of ${SEVERITIES.join(", ")}`);
  }
  if (!CATEGORIES.includes(rule.category)) {
    throw new Error(`alert ${name}: category ${show(rule.category)} is not one of ${CATEGORIES.join(", ")}`);
  }
  if (rule.category !== fileKey) {
    throw new Error(`alert ${name}: category ${show(rule.category)} does not match its rule file ${show(ruleFileName(fileKey))}`);
  }
  if (rule.service !== undefined && (typeof rule.service !== "string" || rule.service === "")) {
    throw new Error(`alert ${name}: service ${show(rule.service)} must be a non-empty job name`);
  }
  for (const key of ["summary", "description"] as const) {
    if (typeof rule[key] !== "string" || rule[key].trim() === "") throw new Error(`alert ${name}: ${key} ${show(rule[key])} is empty`);
  }
  for (const label of Object.keys(rule.labels ?? {})) {
    if (!LABEL_NAME.test(label)) throw new Error(`alert ${name}: label name ${show(label)} is not a valid label name`);
    if (RESERVED_LABELS.includes(label)) throw new Error(`alert ${name}: label ${show(label)} is set by its own field, not by labels`);
  }
}

function checkRecording(rule: RecordingRule, where: string): void {
  const name = show(rule.record);
  if (typeof rule.record !== "string" || !METRIC_NAME.test(rule.record)) {
    throw new Error(`${where}: record ${name} is not a valid metric name`);
  }
  if (typeof rule.expr !== "string" || rule.expr.trim() === "") throw new Error(`record ${name}: expr ${show(rule.expr)} is empty`);
  // Recorded series feed dashboards: grouping them by user or session would copy the fan-out they exist to avoid.
  for (const m of rule.expr.matchAll(/\bby\s*\(([^)]*)\)/g)) {
    const grouped = m[1].split(",").map((s) => s.trim());
    const bad = grouped.find((l) => (HIGH_CARDINALITY_LABELS as readonly string[]).includes(l));
    if (bad) throw new Error(`record ${name}: groups by high-cardinality label ${show(bad)}`);
  }
}

/**
 * Checks the groups of every file together (names must be unique across files). Throws an Error naming the rule
 * or group and the bad value.
 */
export function validateRuleFiles(files: Readonly<Record<string, readonly RuleGroup[]>>): void {
  const groupNames = new Set<string>();
  const alertNames = new Set<string>();
  const recordNames = new Set<string>();
  for (const [fileKey, groups] of Object.entries(files)) {
    for (const group of groups) {
      if (typeof group.name !== "string" || group.name.trim() === "") throw new Error(`rule file ${show(ruleFileName(fileKey))}: group name ${show(group.name)} is empty`);
      if (groupNames.has(group.name)) throw new Error(`group ${show(group.name)} is defined twice; group names must be unique across rule files`);
      groupNames.add(group.name);
      if (group.interval !== undefined && !isDuration(group.interval)) {
        throw new Error(`group ${show(group.name)}: interval ${show(group.interval)} is not a prometheus duration (such as 30s, 1m)`);
      }
      if (group.rules.length === 0) throw new Error(`group ${show(group.name)} has no rules`);
      const where = `group ${show(group.name)}`;
      for (const rule of group.rules) {
        if (isAlert(rule)) {
          if (fileKey === "recording") throw new Error(`alert ${show(rule.alert)}: the recording rule file holds recording rules only`);
          checkAlert(rule, where, fileKey);
          if (alertNames.has(rule.alert)) throw new Error(`alert ${show(rule.alert)} is defined twice; alert names must be unique`);
          alertNames.add(rule.alert);
        } else {
          checkRecording(rule, where);
          if (recordNames.has(rule.record)) throw new Error(`record ${show(rule.record)} is defined twice; recorded names must be unique`);
          recordNames.add(rule.record);
        }
      }
    }
  }
}

function renderAlert(rule: AlertRule, runbookBaseUrl: string): Record<string, unknown> {
  const labels: Record<string, string> = { severity: rule.severity, category: rule.category };
  if (rule.service !== undefined) labels.service = rule.service;
  Object.assign(labels, rule.labels ?? {});
  return {
    alert: rule.alert,
    expr: rule.expr,
    ...(rule.for !== undefined ? { for: rule.for } : {}),
    labels,
    annotations: { summary: rule.summary, description: rule.description, runbook_url: runbookUrl(runbookBaseUrl, rule.alert) },
  };
}

function renderRecording(rule: RecordingRule): Record<string, unknown> {
  return { record: rule.record, expr: rule.expr, ...(rule.labels ? { labels: { ...rule.labels } } : {}) };
}

const HEADER = "# Generated from rules/*.ts by buildRuleFiles; edit the TypeScript, not this file.\n";

/**
 * The rule files: file name (`<key>.rules.yml`) to YAML text, in file-name order. Throws on invalid rules or a
 * runbook base URL that is not an http(s) URL without a fragment.
 */
export function buildRuleFiles(
  opts: RuleFileOptions,
  sources: Readonly<Record<string, () => readonly RuleGroup[]>> = RULE_SOURCES,
): Record<string, string> {
  if (typeof opts.runbookBaseUrl !== "string" || !BASE_URL.test(opts.runbookBaseUrl)) {
    throw new Error(`runbookBaseUrl ${show(opts.runbookBaseUrl)} is not an http or https URL without a fragment`);
  }
  const files: Record<string, readonly RuleGroup[]> = {};
  for (const key of Object.keys(sources).sort()) files[key] = sources[key]();
  validateRuleFiles(files);

  const out: Record<string, string> = {};
  for (const [key, groups] of Object.entries(files)) {
    const doc = {
      groups: groups.map((g) => ({
        name: g.name,
        ...(g.interval !== undefined ? { interval: g.interval } : {}),
        rules: g.rules.map((r) => (isAlert(r) ? renderAlert(r, opts.runbookBaseUrl) : renderRecording(r))),
      })),
    };
    out[ruleFileName(key)] = HEADER + dump(doc, { noRefs: true, lineWidth: -1 });
  }
  return out;
}
