/**
 * Runs the project's TypeScript under plain node, for `npm run render`:
 *
 *   node --require ./scripts/ts-register.js scripts/render.ts --stack dev
 *
 * A CommonJS require hook that transpiles each `.ts` file with esbuild (type-stripping only, as tsx and ts-jest do:
 * type-checking is `npm run build`) and caches the result under node_modules/.cache/ts-register, keyed by a hash of
 * the file's path and content, this file and esbuild's version. A warm run loads neither esbuild nor a loader thread,
 * which is what makes the render cheaper than under tsx (one process instead of two, no ESM hooks round trips).
 *
 * Source maps are written next to each cached file but not enabled: with them on, Node maps every `new Error().stack`
 * Pulumi takes per resource and promise, a large share of a render. To read a failure's stack in TypeScript lines,
 * run with NODE_OPTIONS=--enable-source-maps.
 */
/* global __filename */
"use strict";
const { createHash } = require("node:crypto");
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require("node:fs");
const Module = require("node:module");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const CACHE_DIR = path.join(ROOT, "node_modules", ".cache", "ts-register");

/** What the output depends on besides each file: this hook's options and the transpiler's version. */
const CACHE_SALT = createHash("sha256")
  .update(readFileSync(__filename))
  .update(require("esbuild/package.json").version)
  .digest("hex");

let esbuild;

function transpile(source, filename) {
  esbuild ??= require("esbuild");
  return esbuild.transformSync(source, {
    loader: "ts",
    format: "cjs",
    // tsconfig.json's target. `import()` is turned into `require()`, so a dynamic import of a .ts file goes through
    // this hook too (node's ESM loader cannot load TypeScript).
    target: "es2022",
    platform: "node",
    supported: { "dynamic-import": false },
    tsconfigRaw: { compilerOptions: { target: "ES2022", useDefineForClassFields: true, esModuleInterop: true } },
    sourcefile: filename,
    sourcemap: "external",
  });
}

/** Written under a temporary name and renamed, so a concurrent render (the tests run several) never reads half a file. */
function writeAtomically(file, text) {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, file);
}

function compiled(filename) {
  const source = readFileSync(filename, "utf8");
  const key = createHash("sha256").update(CACHE_SALT).update("\0").update(filename).update("\0").update(source).digest("hex");
  const file = path.join(CACHE_DIR, `${key}.js`);
  try {
    return readFileSync(file, "utf8");
  } catch {
    // Not cached yet.
  }
  const { code, map } = transpile(source, filename);
  // Relative to the .ts file, which is what Node resolves it against (it ignores an absolute file: URL here).
  const text = `${code}//# sourceMappingURL=${path.relative(path.dirname(filename), `${file}.map`).split(path.sep).join("/")}\n`;
  try {
    mkdirSync(CACHE_DIR, { recursive: true });
    writeAtomically(`${file}.map`, map);
    writeAtomically(file, text);
  } catch {
    // A read-only node_modules: run uncached.
  }
  return text;
}

Module._extensions[".ts"] = function loadTypeScript(module, filename) {
  module._compile(compiled(filename), filename);
};

// Sources import each other with ".js" specifiers (node16 resolution); such a specifier names the .ts file beside it.
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function resolveTypeScript(request, parent, ...rest) {
  if (parent?.filename?.endsWith(".ts") && request.endsWith(".js") && (request.startsWith("./") || request.startsWith("../"))) {
    try {
      return resolveFilename.call(this, `${request.slice(0, -3)}.ts`, parent, ...rest);
    } catch {
      // A real .js file.
    }
  }
  return resolveFilename.call(this, request, parent, ...rest);
};
