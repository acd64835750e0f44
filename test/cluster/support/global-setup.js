/**
 * Renders dev and prod once (the unit tests' global setup), then finds the local cluster running or starts it. A
 * cluster the run started is stopped by the global teardown, or by a signal handler if the run is interrupted; one
 * a user started (npm run cluster:up) is left running for them.
 */
const { spawnSync } = require("node:child_process");
const path = require("node:path");
const renderSetup = require("../../support/global-setup.js");

const ROOT = path.resolve(__dirname, "..", "..", "..");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");
const CLUSTER = path.join(ROOT, "scripts", "cluster", "cluster.ts");

function cluster(cmd) {
  return spawnSync(TSX, [CLUSTER, cmd], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

function stopOnSignal(signal) {
  cluster("down");
  process.kill(process.pid, signal);
}

module.exports = async function globalSetup() {
  await renderSetup();
  if (cluster("status").status === 0) {
    console.log("\ncluster tests: using the running local cluster (npm run cluster:down stops it)");
    return;
  }
  const started = Date.now();
  const up = cluster("up");
  if (up.status !== 0) throw new Error(`the local cluster did not start:\n${up.stdout}\n${up.stderr}`);
  process.env.OBSERVABILITY_CLUSTER_STARTED_BY_TESTS = "1";
  for (const s of ["SIGINT", "SIGTERM", "SIGHUP"]) process.once(s, stopOnSignal);
  console.log(`\ncluster tests: local cluster started in ${((Date.now() - started) / 1000).toFixed(1)} s`);
};
