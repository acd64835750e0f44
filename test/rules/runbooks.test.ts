/**
 * docs/runbooks.md has one `## <AlertName>` section per alert, and each alert's runbook_url lands on it.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { allAlerts, runbookUrl } from "../../rules/rule-files";

const BASE = "https://github.com/ai-platform/observability/blob/main/docs/runbooks.md";
const text = readFileSync(path.join(__dirname, "../../docs/runbooks.md"), "utf8");

/** GitHub's heading anchor: lower case, punctuation other than `-` and `_` removed, spaces to `-`. */
function githubAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

const sections = text.split(/^## /m).slice(1).map((s) => {
  const [heading, ...body] = s.split("\n");
  return { heading: heading.trim(), anchor: githubAnchor(heading), body: body.join("\n") };
});
const alerts = allAlerts();

test.each(alerts.map((a) => a.alert))("%s has a runbook section its runbook_url points to", (name) => {
  const fragment = runbookUrl(BASE, name).split("#")[1];
  const section = sections.find((s) => s.anchor === fragment);
  expect(section?.heading).toBe(name);
  for (const part of ["**Meaning.**", "**Likely causes.**", "**First checks.**", "**Fix.**"]) expect(section?.body).toContain(part);
});

test("every runbook section belongs to an alert", () => {
  const names = alerts.map((a) => a.alert);
  expect(sections.map((s) => s.heading).filter((h) => !names.includes(h))).toEqual([]);
});

test("anchors are unique", () => {
  const anchors = sections.map((s) => s.anchor);
  expect(new Set(anchors).size).toBe(anchors.length);
});
