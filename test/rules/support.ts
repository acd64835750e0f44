/**
 * Shared by the rule tests: the runbook base the promtool test files expect in `runbook_url`, and readers for the
 * rendered rule files and the hand-written promtool test files next to this file.
 */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { load } from "js-yaml";
import { buildRuleFiles } from "../../rules/rule-files";

/** Must match the `runbook_url` annotations written in the `*.test.yml` files. */
export const TEST_RUNBOOK_BASE = "https://runbooks.test/runbooks.md";

export const TEST_FILES_DIR = __dirname;

export const promtoolTestFiles = (): string[] => readdirSync(TEST_FILES_DIR).filter((f) => f.endsWith(".test.yml")).sort();

/** Writes the rendered rule files and copies the promtool test files into a fresh temporary directory. */
export function renderToTempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "rules-"));
  for (const [name, text] of Object.entries(buildRuleFiles({ runbookBaseUrl: TEST_RUNBOOK_BASE }))) {
    writeFileSync(path.join(dir, name), text);
  }
  for (const f of promtoolTestFiles()) writeFileSync(path.join(dir, f), readFileSync(path.join(TEST_FILES_DIR, f)));
  return dir;
}

export interface ExpAlert {
  exp_labels?: Record<string, string>;
  exp_annotations?: Record<string, string>;
}
export interface AlertTestCase {
  eval_time: string;
  alertname: string;
  exp_alerts?: ExpAlert[] | null;
}
export interface TestGroup {
  name?: string;
  interval?: string;
  alert_rule_test?: AlertTestCase[];
  promql_expr_test?: { expr: string; eval_time: string }[];
}
export interface PromtoolTestFile {
  rule_files: string[];
  evaluation_interval?: string;
  group_eval_order?: string[];
  tests: TestGroup[];
}

export function readPromtoolTestFile(name: string): PromtoolTestFile {
  return load(readFileSync(path.join(TEST_FILES_DIR, name), "utf8")) as PromtoolTestFile;
}

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };

/** Seconds of a Prometheus duration such as `5m` or `1h30m`. */
export function seconds(duration: string): number {
  let total = 0;
  for (const m of duration.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) total += Number(m[1]) * UNIT_SECONDS[m[2]];
  return total;
}
