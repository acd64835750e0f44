/**
 * Rules name metrics only through the catalog: a bare metric name in rules/*.ts would not fail to compile when the
 * catalog entry is renamed.
 */
import { readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { ALL_METRICS } from "../../telemetry/catalog";

const RULES_DIR = path.join(__dirname, "../../rules");
/** Comments may name metrics to explain a rule. */
const stripComments = (src: string) => src.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");

test.each(readdirSync(RULES_DIR).filter((f) => f.endsWith(".ts")))("rules/%s names no metric outside the catalog", (file) => {
  const code = stripComments(readFileSync(path.join(RULES_DIR, file), "utf8"));
  // `up` is too short to search for as a word; it is referenced as M.up like the rest.
  const names = ALL_METRICS.map((m) => m.name).filter((n) => n.length > 2);
  const bare = names.filter((n) => new RegExp(`(?<![A-Za-z0-9_.])${n}(?![A-Za-z0-9_])`).test(code));
  expect(bare).toEqual([]);
});
