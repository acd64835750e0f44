/** Stops the local cluster if this run started it, and removes the renders. */
const { spawnSync } = require("node:child_process");
const path = require("node:path");
const renderTeardown = require("../../support/global-teardown.js");

const ROOT = path.resolve(__dirname, "..", "..", "..");

module.exports = async function globalTeardown() {
  if (process.env.OBSERVABILITY_CLUSTER_STARTED_BY_TESTS === "1") {
    const r = spawnSync(path.join(ROOT, "node_modules", ".bin", "tsx"), [path.join(ROOT, "scripts", "cluster", "cluster.ts"), "down"], { cwd: ROOT, encoding: "utf8" });
    process.stdout.write(r.stdout || r.stderr || "");
  }
  await renderTeardown();
};
