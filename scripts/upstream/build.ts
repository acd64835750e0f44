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
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { UpstreamBuild, kubernetesStagingVersion, upstreamBuilds, versionTableMarkdown } from "./components";
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

/**
 * The version package every Kubernetes binary reports (`--version`, /version): without it the API server calls itself
 * v0.0.0-master, which clients and the provider's version checks read.
 */
function kubernetesVersionFlags(version: string): string {
  const [major, minor] = version.split(".");
  const vars = { gitVersion: `v${version}`, gitMajor: major, gitMinor: minor, gitTreeState: "clean", buildDate: "1970-01-01T00:00:00Z" };
  const flags = ["k8s.io/component-base/version", "k8s.io/client-go/pkg/version"].flatMap((pkg) => Object.entries(vars).map(([k, v]) => `-X ${pkg}.${k}=${v}`));
  return ["-s -w", ...flags].join(" ");
}

/** Seconds per step of a recipe with several, kept in BUILD-INFO.json and printed. */
type Steps = Record<string, number>;

function timed(steps: Steps, name: string, f: () => void): void {
  const started = Date.now();
  f();
  steps[name] = Math.round((Date.now() - started) / 1000);
}

type Recipe = (b: UpstreamBuild, work: string, bin: string) => Steps | void;

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
  // go.mod has replace directives (so no `go install`): a writable copy. The release build's tags: netgo (Go's own
  // DNS resolver, as the static release binary) and slicelabels (the labels layout the release links against).
  thanos: (b, work, bin) => {
    const src = moduleCopy(b.module, b.moduleVersion, work);
    run("go", ["build", "-tags", "netgo,slicelabels", "-ldflags", prometheusVersionFlags(b.version), "-o", join(bin, "thanos"), "./cmd/thanos"], src);
  },
  // Test only (the S3 bucket of the Thanos test). go.mod replaces one module with another, which `go install` refuses.
  seaweedfs: (b, work, bin) => {
    const src = moduleCopy(b.module, b.moduleVersion, work);
    run("go", ["build", "-ldflags", "-s -w", "-o", join(bin, "weed"), "./weed"], src);
  },
  // go.mod points ~33 staging modules at ./staging/src/k8s.io/<name>, which the module zip leaves out; each is
  // published as k8s.io/<name>@v0.MINOR.PATCH of the same release. One `go build` per binary, so each has its time.
  kubernetes: (b, work, bin) => {
    const src = moduleCopy(b.module, b.moduleVersion, work);
    const mod = JSON.parse(run("go", ["mod", "edit", "-json"], src)) as { Replace?: { Old: { Path: string }; New: { Path: string } }[] };
    const staging = (mod.Replace ?? []).filter((r) => r.New.Path.startsWith("./staging/")).map((r) => r.Old.Path);
    if (staging.length === 0) throw new Error("k8s.io/kubernetes go.mod replaces no staging module: the recipe needs a look");
    const v = kubernetesStagingVersion(b.version);
    run("go", ["mod", "edit", ...staging.map((m) => `-replace=${m}=${m}@${v}`)], src);
    const steps: Steps = {};
    for (const exe of b.binaries) {
      timed(steps, exe, () => run("go", ["build", "-ldflags", kubernetesVersionFlags(b.version), "-o", join(bin, exe), `./cmd/${exe}`], src));
    }
    return steps;
  },
  kwok: (b, work, bin) => {
    run("go", ["install", `${b.module}/cmd/kwok@${b.moduleVersion}`], work, { ...GO_ENV, GOBIN: bin });
  },
  // pkg/v3 replaces the SDK with ../sdk, a folder outside the module: dropping the replace uses the SDK of the same
  // release that go.mod requires. The version flag is what `pulumi version` prints and the Automation API checks.
  pulumi: (b, work, bin) => {
    const src = moduleCopy(b.module, b.moduleVersion, work);
    run("go", ["mod", "edit", "-dropreplace=github.com/pulumi/pulumi/sdk/v3"], src);
    run("go", ["build", "-ldflags", `-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v${b.version}`, "-o", join(bin, "pulumi"), "./cmd/pulumi"], src);
  },
  // The provider embeds schema-embed.json and terraform-mapping-embed.json, which its `go generate` writes from the
  // checked-in schema.json and terraform-mapping.json (minified, the schema stamped with the version); they are not
  // in the module zip. Its SDK replace points outside the module, like the CLI's.
  "pulumi-kubernetes": (b, work, bin) => {
    const src = moduleCopy(b.module, b.moduleVersion, work);
    run("go", ["mod", "edit", "-dropreplace=github.com/pulumi/pulumi-kubernetes/sdk/v4"], src);
    const cmd = join(src, "cmd", "pulumi-resource-kubernetes");
    const schema = JSON.parse(readFileSync(join(cmd, "schema.json"), "utf8")) as Record<string, unknown>;
    writeFileSync(join(cmd, "schema-embed.json"), JSON.stringify({ ...schema, version: b.version }));
    writeFileSync(join(cmd, "terraform-mapping-embed.json"), JSON.stringify(JSON.parse(readFileSync(join(cmd, "terraform-mapping.json"), "utf8"))));
    const flags = `-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=${b.version}`;
    run("go", ["build", "-ldflags", flags, "-o", join(bin, "pulumi-resource-kubernetes"), "./cmd/pulumi-resource-kubernetes"], src);
  },
};

function build(b: UpstreamBuild): { seconds: number; reused: boolean; steps?: Steps } {
  const dir = buildDir(b);
  if (isBuilt(b)) return { seconds: 0, reused: true };
  const started = Date.now();
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const bin = join(tmp, "bin");
  const work = join(tmp, "work");
  mkdirSync(bin, { recursive: true });
  mkdirSync(work, { recursive: true });
  const steps = RECIPES[b.name](b, work, bin) ?? undefined;
  for (const exe of b.binaries) {
    if (!existsSync(join(bin, exe))) throw new Error(`${b.name}: the build left no ${exe} in ${bin}`);
  }
  // The sources are not kept: only the executables and what they were built from.
  rmSync(work, { recursive: true, force: true });
  const seconds = Math.round((Date.now() - started) / 1000);
  writeFileSync(join(tmp, DONE_FILE), JSON.stringify({ ...b, seconds, steps, builtAt: new Date().toISOString(), go: run("go", ["env", "GOVERSION"], tmp).trim() }, null, 2) + "\n");
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return { seconds, reused: false, steps };
}

function minutes(seconds: number): string {
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, "0")}s`;
}

function main(): void {
  const args = process.argv.slice(2);
  const all = upstreamBuilds();
  // --cluster: the cluster tests' tools, which a plain run leaves out (see UpstreamBuild.cluster).
  const wanted = args.flatMap((a) => (a === "--cluster" ? all.filter((b) => b.cluster).map((b) => b.name) : [a]));
  const unknown = wanted.filter((w) => !all.some((b) => b.name === w));
  if (unknown.length) {
    console.error(`unknown component(s): ${unknown.join(", ")}; known: ${all.map((b) => b.name).join(", ")}`);
    process.exit(2);
  }
  const chosen = wanted.length ? all.filter((b) => wanted.includes(b.name)) : all.filter((b) => !b.cluster);
  mkdirSync(cacheRoot(), { recursive: true });
  console.log(`upstream builds in ${cacheRoot()} (${run("go", ["env", "GOVERSION"], cacheRoot()).trim()})`);
  let total = 0;
  for (const b of chosen) {
    process.stdout.write(`  ${b.name} ${b.version} (${b.module}@${b.moduleVersion}) ... `);
    try {
      const r = build(b);
      total += r.seconds;
      const steps = r.steps ? ` (${Object.entries(r.steps).map(([k, s]) => `${k} ${minutes(s)}`).join(", ")})` : "";
      console.log(r.reused ? "cached" : `built in ${minutes(r.seconds)}${steps}`);
    } catch (e) {
      console.log("FAILED");
      console.error((e as Error).message);
      process.exit(1);
    }
  }
  console.log(`upstream builds: ${total} s of building\n\nDeployed and tested versions:\n${versionTableMarkdown()}`);
}

main();
