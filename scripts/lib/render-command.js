/**
 * The command line of `npm run render` as package.json declares it, with node and the project's paths made absolute,
 * so the tests (and the benchmark) spawn exactly what a user runs. CommonJS, since jest's global setup loads it
 * untransformed.
 */
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..", "..");

/** `[program, ...arguments]` of the render script with `args` appended. */
function renderCommand(args) {
  const [program, ...words] = require(path.join(ROOT, "package.json")).scripts.render.split(/\s+/);
  if (program !== "node") throw new Error(`package.json scripts.render must start with "node", got ${JSON.stringify(program)}`);
  const absolute = words.map((w) => (w.startsWith("-") ? w : path.resolve(ROOT, w)));
  return [process.execPath, ...absolute, ...args];
}

module.exports = { renderCommand };
