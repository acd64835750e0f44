import { readFileSync } from "node:fs";
import * as path from "node:path";
import { exceptionsMarkdown, loadExceptions } from "../../scripts/scanners/exceptions";

const ROOT = path.resolve(__dirname, "../..");

test("the README's table of accepted scanner exceptions is the one generated from security/scanner-exceptions.yaml (npm run scan -- --markdown)", () => {
  const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
  const m = /<!-- scanner-exceptions:start[^>]*-->\n([\s\S]*?)\n<!-- scanner-exceptions:end -->/.exec(readme);
  expect(m).not.toBeNull();
  const generated = exceptionsMarkdown(loadExceptions(path.join(ROOT, "security", "scanner-exceptions.yaml")));
  expect(m![1].trim()).toBe(generated.trim());
});
