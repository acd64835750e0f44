/**
 * Where upstream builds live: a cache folder outside the repository, one folder per component, version and recipe,
 * so a changed recipe (a new collector component, another flag) builds anew and an unchanged one is reused.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { UpstreamBuild, UpstreamName, upstreamBuilds } from "./components";
import { collectorManifest } from "./collector-manifest";

/** OBSERVABILITY_UPSTREAM_CACHE, else $XDG_CACHE_HOME/observability-upstream, else ~/.cache/observability-upstream. */
export function cacheRoot(): string {
  const explicit = process.env.OBSERVABILITY_UPSTREAM_CACHE;
  if (explicit) return explicit;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "observability-upstream");
}

/** Bumped when a build recipe in build.ts changes in a way the inputs below do not show. */
const RECIPE_REVISION = "1";

/** What a build depends on besides its module version: the collector's manifest lists its components. */
export function recipeKey(b: UpstreamBuild): string {
  const inputs = [RECIPE_REVISION, b.module, b.moduleVersion, b.binaries.join(","), b.name === "otelcol" ? collectorManifest("OUT") : ""];
  return createHash("sha256").update(inputs.join("\n")).digest("hex").slice(0, 10);
}

export function buildDir(b: UpstreamBuild): string {
  return join(cacheRoot(), `${b.name}-${b.version}-${recipeKey(b)}`);
}

/** Written last, so a folder without it is an interrupted build. */
export const DONE_FILE = "BUILD-INFO.json";

export function isBuilt(b: UpstreamBuild): boolean {
  return existsSync(join(buildDir(b), DONE_FILE));
}

export function upstreamBuild(name: UpstreamName): UpstreamBuild {
  const b = upstreamBuilds().find((x) => x.name === name);
  if (!b) throw new Error(`unknown upstream component ${name}`);
  return b;
}

/**
 * The path of a built executable. Fails, naming the command that builds it, when it is not there: a test that
 * skipped a missing tool would pass the change it was meant to stop.
 */
export function upstreamBinary(name: UpstreamName, binary?: string): string {
  const b = upstreamBuild(name);
  const exe = binary ?? b.binaries[0];
  if (!b.binaries.includes(exe)) throw new Error(`${name} builds ${b.binaries.join(", ")}, not ${exe}`);
  if (!isBuilt(b)) {
    throw new Error(`${name} ${b.version} is not built in ${buildDir(b)}; run \`bash scripts/upstream/build.sh\` (or \`npm run upstream:build\`)`);
  }
  return join(buildDir(b), "bin", exe);
}
