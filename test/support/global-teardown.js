/** Removes the renders of the global setup. */
const { rmSync } = require("node:fs");

module.exports = async function globalTeardown() {
  const dir = process.env.OBSERVABILITY_RENDER_CACHE;
  if (dir) rmSync(dir, { recursive: true, force: true });
};
