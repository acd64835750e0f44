/**
 * Renders the dev and prod stacks once per jest run, side by side, for every test file that reads a stack as
 * rendered (test/support/render.ts `renderedStack`), instead of one render subprocess per file.
 */
const { spawn } = require("node:child_process");
const { mkdtempSync } = require("node:fs");
const { tmpdir } = require("node:os");
const path = require("node:path");

const { renderCommand } = require("../../scripts/lib/render-command");
const { VARIANTS, stackRenderArgs } = require("../../scripts/lib/stack-variants");

const ROOT = path.resolve(__dirname, "..", "..");
const STACKS = ["dev", "prod"];

function renderInto(name, dir) {
  const args = [...stackRenderArgs(name, dir), "--out", path.join(dir, name)];
  return new Promise((resolve, reject) => {
    const [program, ...argv] = renderCommand(args);
    const child = spawn(program, argv, {
      cwd: ROOT,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`render ${args.join(" ")} failed (${code}):\n${stderr}`))));
  });
}

module.exports = async function globalSetup() {
  const dir = mkdtempSync(path.join(tmpdir(), "observability-render-"));
  await Promise.all([...STACKS, ...Object.keys(VARIANTS)].map((s) => renderInto(s, dir)));
  process.env.OBSERVABILITY_RENDER_CACHE = dir;
};
