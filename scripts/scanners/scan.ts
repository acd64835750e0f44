/**
 * Runs checkov and kube-score on the rendered manifests of each stack and compares what they report with the accepted
 * exceptions (security/scanner-exceptions.yaml). Fails, listing them, on a failure no exception explains and on an
 * exception that matches nothing any more (stale), so the file stays the exact list of what is accepted and why.
 *
 *   npm run scan [-- --stack <name> ...] [--exceptions <file>]     scan (default: every stack of DEFAULT_STACKS)
 *   npm run scan -- --markdown                                       print the exceptions as a Markdown table
 *
 * The scanners are the pinned releases installed by scripts/scanners/install.sh into the upstream cache.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { loadAll } from "js-yaml";
import { cacheRoot } from "../upstream/layout";
import {
  DEFAULT_STACKS,
  ExceptionEntry,
  ExceptionsFileError,
  Failure,
  ScannerName,
  StackFailure,
  SCANNERS,
  compareFailures,
  describeEntry,
  describeFailure,
  entryStub,
  exceptionsMarkdown,
  loadExceptions,
} from "./exceptions";

export const ROOT = path.resolve(__dirname, "../..");
export const EXCEPTIONS_FILE = path.join("security", "scanner-exceptions.yaml");

/** Keep in step with scripts/scanners/install.sh (a test checks). */
export const SCANNER_VERSIONS: Record<ScannerName, string> = { checkov: "3.3.30", "kube-score": "1.20.0" };
/** Written last by install.sh: a folder without it is an interrupted install. */
export const INSTALL_MARKER = "INSTALL-INFO";
/** The oldest Kubernetes the stack supports (README): kube-score's API deprecation checks run against it. */
export const KUBERNETES_VERSION = "v1.30";

export class ScannerError extends Error {}

// Plain JS, shared with the jest global setup, which cannot load TypeScript.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { VARIANTS, stackRenderArgs } = require("../lib/stack-variants") as {
  VARIANTS: Record<string, unknown>;
  stackRenderArgs(name: string, dir: string): string[];
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { renderCommand } = require("../lib/render-command") as { renderCommand(args: string[]): string[] };

/**
 * The manifests file of a stack: a project stack's as `npm run render` wrote it (out/<stack>/manifests.yaml); a
 * variant is rendered here, into `scratch`, with the same render command, as the tests render it.
 */
function manifestsOf(stack: string, scratch: string): string {
  if (!(stack in VARIANTS)) return path.join(ROOT, "out", stack, "manifests.yaml");
  const out = path.join(scratch, stack);
  const [program, ...argv] = renderCommand([...stackRenderArgs(stack, scratch), "--out", out]);
  const r = spawnSync(program, argv, { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new ScannerError(`render of stack variant ${stack} failed (${r.status ?? r.signal}):\n${r.stderr}`);
  return path.join(out, "manifests.yaml");
}

/** The installed scanner's executable; fails, naming the install command, when it is not installed. */
export function scannerBinary(scanner: ScannerName): string {
  const dir = path.join(cacheRoot(), `${scanner}-${SCANNER_VERSIONS[scanner]}`);
  if (!existsSync(path.join(dir, INSTALL_MARKER))) {
    throw new ScannerError(`${scanner} ${SCANNER_VERSIONS[scanner]} is not installed in ${dir}; run \`bash scripts/scanners/install.sh\``);
  }
  return path.join(dir, "bin", scanner);
}

/** An object of the manifests, as the failures name it. */
export interface ObjectRef {
  readonly kind: string;
  /** Empty for cluster-scoped objects. */
  readonly namespace: string;
  readonly name: string;
}

/** The objects of a multi-document manifests file. */
export function manifestObjects(text: string): ObjectRef[] {
  return loadAll(text)
    .filter((d): d is { kind: string; metadata: { name: string; namespace?: string } } => typeof d === "object" && d !== null && "kind" in d && "metadata" in d)
    .map((d) => ({ kind: d.kind, namespace: d.metadata.namespace ?? "", name: d.metadata.name }));
}

const POD_TEMPLATE_KINDS = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"];

/**
 * checkov names a resource `Kind.namespace.name`, with `default` as the namespace of cluster-scoped objects, and
 * names the pods it derives from a workload's template `Pod.namespace.<workload name>.<labels>`. Maps both back to the
 * object of the manifests (a derived pod to its workload), so exceptions name real objects.
 */
export function checkovObject(resource: string, objects: readonly ObjectRef[]): ObjectRef {
  const [kind, namespace, ...rest] = resource.split(".");
  const name = rest.join(".");
  if (!kind || namespace === undefined || !name) throw new ScannerError(`checkov: unexpected resource id ${JSON.stringify(resource)} (expected Kind.namespace.name)`);
  const exact = objects.find((o) => o.kind === kind && o.name === name && (o.namespace === namespace || (o.namespace === "" && namespace === "default")));
  if (exact) return exact;
  if (kind === "Pod") {
    const owner = objects
      .filter((o) => POD_TEMPLATE_KINDS.includes(o.kind) && o.namespace === namespace && name.startsWith(`${o.name}.`))
      .sort((a, b) => b.name.length - a.name.length)[0];
    if (owner) return owner;
  }
  return { kind, namespace, name };
}

interface CheckovCheck {
  check_id: string;
  check_name?: string;
  resource: string;
  check_result?: { suppress_comment?: string };
}

interface CheckovReport {
  check_type?: string;
  results?: { failed_checks?: CheckovCheck[]; skipped_checks?: CheckovCheck[]; parsing_errors?: string[] };
  summary?: { resource_count?: number; parsing_errors?: number };
}

function dedupe(failures: Failure[]): Failure[] {
  const seen = new Map<string, Failure>();
  for (const f of failures) seen.set([f.scanner, f.check, f.kind, f.namespace, f.name, f.message].join("\u0000"), f);
  return [...seen.values()];
}

/**
 * Failures in checkov's JSON output (`--output json`). Failed checks count, and so do skipped ones: checkov skips a
 * check only for a `checkov.io/skip*` annotation in the manifest, and every accepted exception is to live in the one
 * exceptions file, with its reason. A parse error, or a report that scanned no object, is an error, not a pass.
 */
export function parseCheckovJson(text: string, objects: readonly ObjectRef[] = []): Failure[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ScannerError(`checkov: output is not JSON (${(e as Error).message}): ${text.slice(0, 300)}`);
  }
  const reports = (Array.isArray(parsed) ? parsed : [parsed]) as CheckovReport[];
  const k8s = reports.filter((r) => r && r.check_type === "kubernetes");
  if (k8s.length === 0) throw new ScannerError(`checkov: no Kubernetes report in its output (did it find no object?): ${text.slice(0, 300)}`);
  const failures: Failure[] = [];
  for (const report of k8s) {
    const parseErrors = report.results?.parsing_errors ?? [];
    if (parseErrors.length > 0 || (report.summary?.parsing_errors ?? 0) > 0) throw new ScannerError(`checkov: could not parse ${parseErrors.join(", ") || "some files"}`);
    if ((report.summary?.resource_count ?? 0) === 0) throw new ScannerError("checkov: scanned no Kubernetes object");
    const add = (c: CheckovCheck, skipped: boolean) => {
      const object = checkovObject(c.resource, objects);
      const message = c.check_name ?? c.check_id;
      failures.push({ scanner: "checkov", check: c.check_id, ...object, message: skipped ? `${message} (skipped by an annotation: ${c.check_result?.suppress_comment ?? "no comment"})` : message });
    };
    for (const c of report.results?.failed_checks ?? []) add(c, false);
    for (const c of report.results?.skipped_checks ?? []) add(c, true);
  }
  return dedupe(failures);
}

interface KubeScoreComment {
  path?: string;
  summary?: string;
}

interface KubeScoreObject {
  object_name?: string;
  type_meta?: { kind?: string };
  object_meta?: { name?: string; namespace?: string };
  checks?: { check: { id: string; name?: string }; grade: number; skipped: boolean; comments?: KubeScoreComment[] | null }[];
}

/**
 * kube-score's grades: 1 CRITICAL, 5 WARNING, 7 ALMOST_OK, 10 ALL_OK (0 with `skipped` for a check that does not
 * apply, e.g. a disruption budget for one replica). CRITICAL and WARNING count as failures: they are the two levels
 * its own report flags as problems (its --exit-one-on-warning fails on both), while ALMOST_OK and ALL_OK are passes.
 */
export const KUBE_SCORE_FAILING_GRADES: ReadonlySet<number> = new Set([1, 5]);

/**
 * Failures in kube-score's JSON output (`--output-format json`, version v2): one per object, check and distinct
 * comment summary (a check such as container-resources says which of its requirements failed: "CPU limit is not
 * set"), so an exception can accept one requirement and not the others.
 */
export function parseKubeScoreJson(text: string): Failure[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ScannerError(`kube-score: output is not JSON (${(e as Error).message}): ${text.slice(0, 300)}`);
  }
  if (!Array.isArray(parsed)) throw new ScannerError(`kube-score: expected a list of scored objects, got ${text.slice(0, 300)}`);
  if (parsed.length === 0) throw new ScannerError("kube-score: scored no object");
  const failures: Failure[] = [];
  for (const obj of parsed as KubeScoreObject[]) {
    const kind = obj.type_meta?.kind;
    const name = obj.object_meta?.name;
    if (!kind || !name || !Array.isArray(obj.checks)) throw new ScannerError(`kube-score: unexpected object in its output: ${JSON.stringify(obj).slice(0, 300)}`);
    const namespace = obj.object_meta?.namespace ?? "";
    for (const c of obj.checks) {
      if (c.skipped || !KUBE_SCORE_FAILING_GRADES.has(c.grade)) continue;
      const summaries = (c.comments ?? []).map((m) => m.summary ?? "").filter((s) => s !== "");
      for (const message of summaries.length > 0 ? summaries : [c.check.name ?? c.check.id]) {
        failures.push({ scanner: "kube-score", check: c.check.id, kind, namespace, name, message });
      }
    }
  }
  return dedupe(failures);
}

function run(scanner: ScannerName, args: readonly string[], okStatuses: readonly number[]): string {
  const bin = scannerBinary(scanner);
  const r = spawnSync(bin, args, { encoding: "utf8", timeout: 600_000, maxBuffer: 256 * 2 ** 20, env: { ...process.env, LOG_LEVEL: "WARNING" } });
  if (r.error) throw new ScannerError(`${scanner}: could not run ${bin}: ${r.error.message}`);
  if (r.status === null || !okStatuses.includes(r.status)) {
    throw new ScannerError(`${scanner} exited with ${r.status ?? r.signal}:\n${(r.stderr || r.stdout).slice(-2000)}`);
  }
  return r.stdout;
}

/** checkov's raw JSON for a manifests file: exit 0 (nothing failed) or 1 (something failed); anything else fails. */
export function runCheckov(file: string): string {
  // --skip-download: no call to the vendor's platform (no network here, and results must not depend on it).
  // No --quiet: with it the JSON leaves out skipped checks, so a `checkov.io/skip*` annotation would hide a finding
  // (the report then also lists passed checks, some MiB more to parse).
  return run("checkov", ["-f", file, "--framework", "kubernetes", "--skip-download", "--output", "json"], [0, 1]);
}

/** kube-score's raw JSON for a manifests file: exit 0 or 1 (a CRITICAL grade); anything else fails. */
export function runKubeScore(file: string): string {
  // --disable-ignore-checks-annotations: a `kube-score/ignore` annotation in a manifest would hide a check from this
  // comparison; every accepted exception lives in the exceptions file instead, with its reason.
  return run("kube-score", ["score", file, "--output-format", "json", "--kubernetes-version", KUBERNETES_VERSION, "--disable-ignore-checks-annotations"], [0, 1]);
}

/** Both scanners' failures for one manifests file, with the seconds each took. */
export function scanFile(file: string): { failures: Failure[]; seconds: Record<ScannerName, number> } {
  const objects = manifestObjects(readFileSync(file, "utf8"));
  const timed = <T>(f: () => T): [T, number] => {
    const start = process.hrtime.bigint();
    const out = f();
    return [out, Number(process.hrtime.bigint() - start) / 1e9];
  };
  const [checkov, checkovSeconds] = timed(() => parseCheckovJson(runCheckov(file), objects));
  const [kubeScore, kubeScoreSeconds] = timed(() => parseKubeScoreJson(runKubeScore(file)));
  return { failures: [...checkov, ...kubeScore], seconds: { checkov: checkovSeconds, "kube-score": kubeScoreSeconds } };
}

interface Args {
  stacks: string[];
  exceptions: string;
  markdown: boolean;
}

const USAGE = `usage: npm run scan -- [--stack ${DEFAULT_STACKS.join("|")}]... [--exceptions <file>] [--markdown]`;

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { stacks: [], exceptions: EXCEPTIONS_FILE, markdown: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === "--markdown") {
      args.markdown = true;
      continue;
    }
    if (flag === "--help" || flag === "-h") throw new ScannerError(USAGE);
    if (flag !== "--stack" && flag !== "--exceptions") throw new ScannerError(`unknown argument ${JSON.stringify(flag)}\n${USAGE}`);
    const value = argv[++i];
    if (value === undefined || value.startsWith("--")) throw new ScannerError(`${flag} needs a value\n${USAGE}`);
    if (flag === "--exceptions") args.exceptions = value;
    else if (!DEFAULT_STACKS.includes(value)) throw new ScannerError(`--stack: got ${JSON.stringify(value)}; expected one of ${DEFAULT_STACKS.join(", ")}`);
    else if (!args.stacks.includes(value)) args.stacks.push(value);
  }
  if (args.stacks.length === 0) args.stacks = [...DEFAULT_STACKS];
  return args;
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((v, c) => v.padEnd(widths[c])).join("  ").trimEnd()).join("\n");
}

/** Past this many unexplained objects, entry stubs would bury the list. */
const MAX_STUBS = 20;

function main(argv: readonly string[]): number {
  const args = parseArgs(argv);
  // The default is the repository's file; a path given on the command line is the user's, from where they are.
  const exceptionsPath = args.exceptions === EXCEPTIONS_FILE ? path.join(ROOT, EXCEPTIONS_FILE) : path.resolve(args.exceptions);
  const entries: ExceptionEntry[] = loadExceptions(exceptionsPath, DEFAULT_STACKS, args.exceptions);
  if (args.markdown) {
    console.log(exceptionsMarkdown(entries));
    return 0;
  }

  const missing = args.stacks.filter((s) => !(s in VARIANTS) && !existsSync(path.join(ROOT, "out", s, "manifests.yaml")));
  if (missing.length > 0) {
    for (const s of missing) console.error(`out/${s}/manifests.yaml not found: render the stack first with \`npm run render -- --stack ${s}\``);
    return 2;
  }

  const failures: StackFailure[] = [];
  const seconds: Record<string, Record<ScannerName, number>> = {};
  const scratch = mkdtempSync(path.join(tmpdir(), "scan-variants-"));
  try {
    for (const stack of args.stacks) {
      const result = scanFile(manifestsOf(stack, scratch));
      failures.push(...result.failures.map((f) => ({ ...f, stack })));
      seconds[stack] = result.seconds;
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const { accepted, unexplained, stale } = compareFailures(entries, failures, args.stacks);

  const rows: string[][] = [["STACK", "SCANNER", "FAILED", "ACCEPTED", "UNEXPLAINED", "STALE", "SECONDS"]];
  for (const stack of args.stacks) {
    for (const scanner of SCANNERS) {
      const count = (list: readonly { stack: string; scanner: string }[]) => String(list.filter((x) => x.stack === stack && x.scanner === scanner).length);
      rows.push([
        stack,
        scanner,
        count(failures),
        count(accepted.map((a) => a.failure)),
        count(unexplained),
        count(stale.map((s) => ({ stack: s.stack, scanner: s.entry.scanner }))),
        seconds[stack][scanner].toFixed(1),
      ]);
    }
  }
  console.log(`scanners: checkov ${SCANNER_VERSIONS.checkov}, kube-score ${SCANNER_VERSIONS["kube-score"]} (Kubernetes ${KUBERNETES_VERSION}); exceptions: ${args.exceptions} (${entries.length} entries)`);
  console.log(table(rows));

  if (unexplained.length > 0) {
    console.error(`\n${unexplained.length} failure${unexplained.length === 1 ? "" : "s"} not covered by ${args.exceptions}: fix the manifests, or add an entry with its reason:`);
    const sorted = [...unexplained].sort((a, b) => describeFailure(a).localeCompare(describeFailure(b)));
    for (const f of sorted) console.error(`  ${describeFailure(f)}`);
    const stubs = [...new Set(sorted.map((f) => entryStub(f)))];
    if (stubs.length <= MAX_STUBS) {
      console.error("\nnarrow entries to start from (write each reason, or widen one whose cause is stack-wide):");
      for (const stub of stubs) console.error(stub);
    }
  }
  if (stale.length > 0) {
    console.error(`\n${stale.length} stale exception${stale.length === 1 ? "" : "s"} in ${args.exceptions}: each matches no failure of a stack it applies to; remove it or narrow its stacks:`);
    for (const { entry, stack } of stale) console.error(`  ${describeEntry(entry)}: matches nothing in stack ${stack}`);
  }
  if (unexplained.length > 0 || stale.length > 0) return 1;
  console.log(`scan: ${failures.length} failures, all accepted by ${args.exceptions}`);
  return 0;
}

if (require.main === module) {
  let code: number;
  try {
    code = main(process.argv.slice(2));
  } catch (e) {
    if (e instanceof ScannerError || e instanceof ExceptionsFileError) console.error(e.message);
    else console.error(`scan failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    code = 2;
  }
  process.exit(code);
}
