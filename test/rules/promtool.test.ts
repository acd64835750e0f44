/**
 * Runs promtool on the rendered rule files: `check rules` on each, and `test rules` on the hand-written unit tests
 * beside this file (firing, silent and `for`-boundary cases for every alert).
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { buildRuleFiles } from "../../rules/rule-files";
import { requireTool, runTool } from "../support/tools";
import { TEST_RUNBOOK_BASE, promtoolTestFiles, renderToTempDir } from "./support";

const ruleFiles = Object.keys(buildRuleFiles({ runbookBaseUrl: TEST_RUNBOOK_BASE }));
let promtool: string;
let dir: string;

beforeAll(() => {
  promtool = requireTool("promtool");
  dir = renderToTempDir();
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test.each(ruleFiles)("promtool check rules accepts %s", (file) => {
  const r = runTool(promtool, ["check", "rules", file], dir);
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
  expect(r.stdout).toContain("SUCCESS");
});

test.each(promtoolTestFiles())("promtool test rules passes %s", (file) => {
  const r = runTool(promtool, ["test", "rules", file], dir);
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
});

test("fails when a threshold differs from what the unit tests expect", () => {
  // Proves the harness bites: the gateway alert at 5s instead of 2s must break latency.test.yml.
  const file = path.join(dir, "latency.rules.yml");
  const original = readFileSync(file, "utf8");
  const mutated = original.replace(/(p95_5m\{service="gateway"\} >) 2$/m, "$1 5");
  expect(mutated).not.toEqual(original);
  try {
    writeFileSync(file, mutated);
    const r = runTool(promtool, ["test", "rules", "latency.test.yml"], dir);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("HighGatewayLatency");
  } finally {
    writeFileSync(file, original);
  }
});
