/**
 * Builds the upstream programs the tests run from their published Go modules into the cache (layout.ts), reusing a
 * finished build, and prints how long each took. Never from a copied repository: the module proxy's zip is the only
 * source, unpacked by `go mod download` and copied where a go.mod needs editing.
 *
 *   npm run upstream:build [-- name...]     (bash scripts/upstream/build.sh does the same)
 *
 * Builds run one at a time: they share the machine's cores. Environment: GOWORK=off (no workspace of the caller's),
 * -mod=mod, CGO_ENABLED=0 (static binaries, no C toolchain needed). GOCACHE and GOMODCACHE are the caller's.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { UpstreamBuild, upstreamBuilds, versionTableMarkdown } from "./components";
import { collectorManifest } from "./collector-manifest";
import { DONE_FILE, buildDir, cacheRoot, isBuilt } from "./layout";

const GO_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  GOWORK: "off",
  GOFLAGS: "-mod=mod -buildvcs=false",
  CGO_ENABLED: "0",
  GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? "local",
};

function run(cmd: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = GO_ENV): string {
  const r = spawnSync(cmd, args, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 256 * 2 ** 20 });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} (in ${cwd}) exited ${r.status}:\n${(r.stderr || r.stdout).slice(-6000)}`);
  }
  return r.stdout;
}

/** A writable copy of a downloaded module, for the builds whose go.mod must change or which need files added. */
function moduleCopy(module: string, version: string, into: string): string {
  const info = JSON.parse(run("go", ["mod", "download", "-json", `${module}@${version}`], into)) as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(`go mod download ${module}@${version}: ${info.Error ?? "no Dir"}`);
  const dest = join(into, "src");
  cpSync(info.Dir, dest, { recursive: true });
  makeWritable(dest);
  return dest;
}

function makeWritable(dir: string): void {
  chmodSync(dir, 0o755);
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) makeWritable(p);
    else if (e.isFile()) chmodSync(p, statSync(p).mode | 0o200);
  }
}

/** `-X` flags so `--version` prints the release the build is, as the official binaries do. */
function prometheusVersionFlags(version: string): string {
  const v = "github.com/prometheus/common/version";
  return [`-s -w -X ${v}.Version=${version}`, `-X ${v}.Revision=module`, `-X ${v}.Branch=release`, `-X ${v}.BuildUser=observability-tests`].join(" ");
}

type Recipe = (b: UpstreamBuild, work: string, bin: string) => void;

const RECIPES: Record<UpstreamBuild["name"], Recipe> = {
  // go.mod has replace and exclude directives and the module ships a go.work: a writable copy with GOWORK=off. The
  // web UI's assets are npm-built and not in the module; the HTTP API works without them.
  prometheus: (b, work, bin) => {
    const src = moduleCopy(b.module, b.moduleVersion, work);
    run("go", ["build", "-tags", "netgo", "-ldflags", prometheusVersionFlags(b.version), "-o", bin, "./cmd/prometheus", "./cmd/promtool"], src);
  },
  // Since 0.32 the UI bundle is not in the module, yet it is embedded: a placeholder page stands in for it.
  alertmanager: (b, work, bin) => {
    const src = moduleCopy(b.module, b.moduleVersion, work);
    const dist = join(src, "ui", "app", "dist");
    mkdirSync(dist, { recursive: true });
    if (!existsSync(join(dist, "index.html.gz"))) {
      writeFileSync(join(dist, "index.html.gz"), gzipSync("<!doctype html><title>Alertmanager</title><p>UI not built (tests use the API).</p>\n"));
    }
    run("go", ["build", "-tags", "netgo", "-ldflags", prometheusVersionFlags(b.version), "-o", bin, "./cmd/alertmanager", "./cmd/amtool"], src);
  },
  // The official builder, at the release of the components, makes a distribution of exactly the stack's components.
  otelcol: (b, work, bin) => {
    const tools = join(work, "tools");
    run("go", ["install", `${b.module}@${b.moduleVersion}`], work, { ...GO_ENV, GOBIN: tools });
    const out = join(work, "dist");
    writeFileSync(join(work, "manifest.yaml"), collectorManifest(out));
    run(join(tools, "builder"), ["--config", join(work, "manifest.yaml")], work);
    cpSync(join(out, "otelcol"), join(bin, "otelcol"));
    cpSync(join(work, "manifest.yaml"), join(bin, "..", "manifest.yaml"));
  },
  // A one-file module that requires Jaeger's as a tool, so its go.mod's requirements decide the dependency versions.
  jaeger: (b, work, bin) => {
    writeFileSync(join(work, "go.mod"), "module observability/jaeger-build\n\ngo 1.26\n");
    run("go", ["get", "-tool", `${b.module}/cmd/jaeger@${b.moduleVersion}`], work);
    run("go", ["build", "-o", join(bin, "jaeger"), `${b.module}/cmd/jaeger`], work);
  },
  telemetrygen: (b, work, bin) => {
    run("go", ["install", `${b.module}@${b.moduleVersion}`], work, { ...GO_ENV, GOBIN: bin });
  },
};

function build(b: UpstreamBuild): { seconds: number; reused: boolean } {
  const dir = buildDir(b);
  if (isBuilt(b)) return { seconds: 0, reused: true };
  const started = Date.now();
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const bin = join(tmp, "bin");
  const work = join(tmp, "work");
  mkdirSync(bin, { recursive: true });
  mkdirSync(work, { recursive: true });
  RECIPES[b.name](b, work, bin);
  for (const exe of b.binaries) {
    if (!existsSync(join(bin, exe))) throw new Error(`${b.name}: the build left no ${exe} in ${bin}`);
  }
  // The sources are not kept: only the executables and what they were built from.
  rmSync(work, { recursive: true, force: true });
  const seconds = Math.round((Date.now() - started) / 1000);
  writeFileSync(join(tmp, DONE_FILE), JSON.stringify({ ...b, seconds, builtAt: new Date().toISOString(), go: run("go", ["env", "GOVERSION"], tmp).trim() }, null, 2) + "\n");
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return { seconds, reused: false };
}

function main(): void {
  const wanted = process.argv.slice(2);
  const all = upstreamBuilds();
  const unknown = wanted.filter((w) => !all.some((b) => b.name === w));
  if (unknown.length) {
    console.error(`unknown component(s): ${unknown.join(", ")}; known: ${all.map((b) => b.name).join(", ")}`);
    process.exit(2);
  }
  const chosen = wanted.length ? all.filter((b) => wanted.includes(b.name)) : all;
  mkdirSync(cacheRoot(), { recursive: true });
  console.log(`upstream builds in ${cacheRoot()} (${run("go", ["env", "GOVERSION"], cacheRoot()).trim()})`);
  let total = 0;
  for (const b of chosen) {
    process.stdout.write(`  ${b.name} ${b.version} (${b.module}@${b.moduleVersion}) ... `);
    try {
      const r = build(b);
      total += r.seconds;
      console.log(r.reused ? "cached" : `built in ${Math.floor(r.seconds / 60)}m${String(r.seconds % 60).padStart(2, "0")}s`);
    } catch (e) {
      console.log("FAILED");
      console.error((e as Error).message);
      process.exit(1);
    }
  }
  console.log(`upstream builds: ${total} s of building\n\nDeployed and tested versions:\n${versionTableMarkdown()}`);
}

main();
