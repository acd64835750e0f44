/**
 * The accepted exceptions of the manifest scanners (security/scanner-exceptions.yaml) and the pure logic around them:
 * load and validate the file (every problem named by entry and key), match scanner failures to entries, and compute
 * what is left unexplained and which entries match nothing any more (stale). No scanner runs here; scan.ts does that.
 */
import { readFileSync } from "node:fs";
import { load } from "js-yaml";

export const SCANNERS = ["checkov", "kube-score"] as const;
export type ScannerName = (typeof SCANNERS)[number];

// Plain JS, shared with the jest global setup, which cannot load TypeScript.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { CHECKED_STACKS } = require("../lib/stack-variants") as { CHECKED_STACKS: readonly string[] };

/**
 * The stacks scanned: the project's (Pulumi.<stack>.yaml) and the variants checked like them (scripts/lib/
 * stack-variants.js: prod with its shared stores, prod on object storage), so the workloads only a variant renders
 * (Thanos, Loki's simple scalable targets) are scanned too. An entry without `stacks` applies to all of them.
 */
export const DEFAULT_STACKS: readonly string[] = CHECKED_STACKS;

/** One finding of a scanner on one object. */
export interface Failure {
  readonly scanner: ScannerName;
  /** checkov's check id (CKV_K8S_11) or kube-score's test id (container-resources). */
  readonly check: string;
  readonly kind: string;
  /** Empty for cluster-scoped objects. */
  readonly namespace: string;
  readonly name: string;
  /** What the scanner said: checkov's check name, kube-score's comment summary. */
  readonly message: string;
}

export interface StackFailure extends Failure {
  readonly stack: string;
}

export interface ExceptionEntry {
  /** 1-based position in the file, for messages. */
  readonly index: number;
  readonly scanner: ScannerName;
  readonly check: string;
  /** Object match; each omitted key matches every object. */
  readonly kind?: string;
  readonly namespace?: string;
  readonly name?: string;
  /** A substring the failure's message must contain (e.g. kube-score's "CPU limit is not set"). */
  readonly message?: string;
  readonly stacks: readonly string[];
  readonly reason: string;
}

export class ExceptionsFileError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`${source}: ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ExceptionsFileError";
  }
}

const ENTRY_KEYS = ["scanner", "check", "kind", "namespace", "name", "message", "stacks", "reason"] as const;
const CHECK_ID: Record<ScannerName, { pattern: RegExp; example: string }> = {
  checkov: { pattern: /^CKV2?_K8S_[0-9]+$/, example: "a checkov Kubernetes check id such as CKV_K8S_11" },
  "kube-score": { pattern: /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, example: "a kube-score test id such as container-image-pull-policy" },
};
const KIND = /^[A-Z][A-Za-z0-9]*$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const MIN_REASON = 20;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** How an entry is named in messages: `entry 3 (checkov CKV_K8S_11, DaemonSet promtail)`. */
export function describeEntry(e: Pick<ExceptionEntry, "index" | "scanner" | "check" | "kind" | "namespace" | "name" | "message">): string {
  return `entry ${e.index} (${e.scanner} ${e.check}, ${describeScope(e)})`;
}

function describeScope(e: Pick<ExceptionEntry, "kind" | "namespace" | "name" | "message">): string {
  const inNamespace = e.namespace !== undefined ? ` in ${e.namespace}` : "";
  let object: string;
  if (e.name !== undefined) object = `${e.kind ?? "any kind"} ${e.namespace !== undefined ? `${e.namespace}/` : ""}${e.name}`;
  else if (e.kind !== undefined) object = `every ${e.kind}${inNamespace}`;
  else object = `every object${inNamespace}`;
  return e.message === undefined ? object : `${object}, message containing ${JSON.stringify(e.message)}`;
}

/**
 * Parses and validates the exceptions file's text; `source` names it in errors. Throws ExceptionsFileError listing
 * every problem, each naming the entry and the key.
 */
export function parseExceptions(text: string, source: string, knownStacks: readonly string[] = DEFAULT_STACKS): ExceptionEntry[] {
  let doc: unknown;
  try {
    doc = load(text, { filename: source });
  } catch (e) {
    throw new ExceptionsFileError(source, [`not valid YAML: ${(e as Error).message}`]);
  }
  if (!isRecord(doc) || !("exceptions" in doc)) throw new ExceptionsFileError(source, ["expected a mapping with the key `exceptions` (a list of entries)"]);
  const extra = Object.keys(doc).filter((k) => k !== "exceptions");
  const problems: string[] = extra.map((k) => `top level: unknown key ${JSON.stringify(k)}; the file has only \`exceptions\``);
  const list = doc.exceptions ?? [];
  if (!Array.isArray(list)) throw new ExceptionsFileError(source, [...problems, `exceptions: expected a list of entries, got ${typeof list}`]);

  const entries: ExceptionEntry[] = [];
  list.forEach((raw: unknown, i: number) => {
    const index = i + 1;
    if (!isRecord(raw)) {
      problems.push(`entry ${index}: expected a mapping with scanner, check and reason, got ${JSON.stringify(raw)}`);
      return;
    }
    const label = `entry ${index}${typeof raw.scanner === "string" && typeof raw.check === "string" ? ` (${raw.scanner} ${raw.check})` : ""}`;
    const bad = (key: string, what: string) => problems.push(`${label}: key "${key}": ${what}`);
    const before = problems.length;

    for (const key of Object.keys(raw)) {
      if (!(ENTRY_KEYS as readonly string[]).includes(key)) bad(key, `unknown key; allowed: ${ENTRY_KEYS.join(", ")}`);
    }
    const optionalString = (key: string, pattern: RegExp | undefined, what: string): string | undefined => {
      const v = raw[key];
      if (v === undefined) return undefined;
      if (typeof v !== "string" || v.trim() === "") {
        bad(key, `expected ${what}, got ${JSON.stringify(v)}`);
        return undefined;
      }
      if (pattern && !pattern.test(v)) bad(key, `expected ${what}, got ${JSON.stringify(v)}`);
      return v;
    };

    const scanner = raw.scanner;
    if (scanner === undefined) bad("scanner", `missing; one of ${SCANNERS.join(", ")}`);
    else if (typeof scanner !== "string" || !(SCANNERS as readonly string[]).includes(scanner)) bad("scanner", `unknown scanner ${JSON.stringify(scanner)}; one of ${SCANNERS.join(", ")}`);
    const knownScanner = typeof scanner === "string" && (SCANNERS as readonly string[]).includes(scanner) ? (scanner as ScannerName) : undefined;

    const check = raw.check;
    if (check === undefined) bad("check", "missing; the scanner's check id");
    else if (typeof check !== "string") bad("check", `expected a check id, got ${JSON.stringify(check)}`);
    else if (knownScanner && !CHECK_ID[knownScanner].pattern.test(check)) bad("check", `expected ${CHECK_ID[knownScanner].example}, got ${JSON.stringify(check)}`);

    const kind = optionalString("kind", KIND, "a Kubernetes kind such as DaemonSet");
    const namespace = optionalString("namespace", DNS_LABEL, "a namespace name");
    const name = optionalString("name", DNS_SUBDOMAIN, "an object name");
    const message = optionalString("message", undefined, "a non-empty substring of the scanner's message");
    // A name alone would match every kind that has an object of that name (a Service and a Deployment share them).
    if (name !== undefined && kind === undefined) bad("kind", `missing; an entry with a name needs the kind too, so it matches one object`);

    let stacks: readonly string[] = knownStacks;
    if (raw.stacks !== undefined) {
      if (!Array.isArray(raw.stacks) || raw.stacks.length === 0 || !raw.stacks.every((s) => typeof s === "string")) {
        bad("stacks", `expected a non-empty list of stack names (${knownStacks.join(", ")}), got ${JSON.stringify(raw.stacks)}`);
      } else {
        const unknown = raw.stacks.filter((s: string) => !knownStacks.includes(s));
        if (unknown.length > 0) bad("stacks", `unknown stack ${unknown.map((s: string) => JSON.stringify(s)).join(", ")}; known: ${knownStacks.join(", ")}`);
        if (new Set(raw.stacks).size !== raw.stacks.length) bad("stacks", `lists a stack twice: ${JSON.stringify(raw.stacks)}`);
        stacks = raw.stacks as string[];
      }
    }

    const reason = raw.reason;
    if (reason === undefined) bad("reason", "missing; say in one or two sentences why this is by design or accepted");
    else if (typeof reason !== "string") bad("reason", `expected text, got ${JSON.stringify(reason)}`);
    else if (reason.trim().length < MIN_REASON) bad("reason", `too short (${reason.trim().length} characters, at least ${MIN_REASON}); say why this is by design or accepted`);

    if (problems.length === before) {
      entries.push({
        index,
        scanner: knownScanner as ScannerName,
        check: check as string,
        ...(kind !== undefined ? { kind } : {}),
        ...(namespace !== undefined ? { namespace } : {}),
        ...(name !== undefined ? { name } : {}),
        ...(message !== undefined ? { message } : {}),
        stacks,
        reason: (reason as string).trim().replace(/\s+/g, " "),
      });
    }
  });

  // Two entries for the same thing: one of them is dead weight, and its reason may contradict the other's.
  for (let a = 0; a < entries.length; a++) {
    for (let b = a + 1; b < entries.length; b++) {
      const x = entries[a];
      const y = entries[b];
      const same = x.scanner === y.scanner && x.check === y.check && x.kind === y.kind && x.namespace === y.namespace && x.name === y.name && x.message === y.message;
      if (same && x.stacks.some((s) => y.stacks.includes(s))) problems.push(`${describeEntry(y)}: duplicates ${describeEntry(x)} for stack ${x.stacks.filter((s) => y.stacks.includes(s)).join(", ")}`);
    }
  }

  if (problems.length > 0) throw new ExceptionsFileError(source, problems);
  return entries;
}

/** Reads and validates the exceptions file. */
export function loadExceptions(file: string, knownStacks: readonly string[] = DEFAULT_STACKS, source = file): ExceptionEntry[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ExceptionsFileError(source, [`cannot read it: ${(e as Error).message}`]);
  }
  return parseExceptions(text, source, knownStacks);
}

/** Whether an entry covers a failure of a stack. */
export function entryMatches(entry: ExceptionEntry, f: StackFailure): boolean {
  return (
    entry.scanner === f.scanner &&
    entry.check === f.check &&
    entry.stacks.includes(f.stack) &&
    (entry.kind === undefined || entry.kind === f.kind) &&
    (entry.namespace === undefined || entry.namespace === f.namespace) &&
    (entry.name === undefined || entry.name === f.name) &&
    (entry.message === undefined || f.message.includes(entry.message))
  );
}

export interface Comparison {
  /** Failures some entry covers, with the first entry that does. */
  readonly accepted: readonly { readonly failure: StackFailure; readonly entry: ExceptionEntry }[];
  /** Failures no entry covers: these fail the scan. */
  readonly unexplained: readonly StackFailure[];
  /** Entries that match no failure of a stack they apply to (among the stacks scanned): these fail the scan too. */
  readonly stale: readonly { readonly entry: ExceptionEntry; readonly stack: string }[];
}

/**
 * Matches the failures of the scanned stacks against the entries. An entry is stale for a stack it applies to when
 * that stack was scanned and nothing of it matched; stacks not scanned say nothing about an entry.
 */
export function compareFailures(entries: readonly ExceptionEntry[], failures: readonly StackFailure[], scannedStacks: readonly string[]): Comparison {
  const accepted: { failure: StackFailure; entry: ExceptionEntry }[] = [];
  const unexplained: StackFailure[] = [];
  const used = new Set<string>();
  for (const failure of failures) {
    const matching = entries.filter((e) => entryMatches(e, failure));
    for (const e of matching) used.add(`${e.index}\u0000${failure.stack}`);
    if (matching.length > 0) accepted.push({ failure, entry: matching[0] });
    else unexplained.push(failure);
  }
  const stale: { entry: ExceptionEntry; stack: string }[] = [];
  for (const entry of entries) {
    for (const stack of entry.stacks) {
      if (scannedStacks.includes(stack) && !used.has(`${entry.index}\u0000${stack}`)) stale.push({ entry, stack });
    }
  }
  return { accepted, unexplained, stale };
}

/** `Kind namespace/name` or `Kind name` for a cluster-scoped object. */
export function objectRef(f: Pick<Failure, "kind" | "namespace" | "name">): string {
  return `${f.kind} ${f.namespace ? `${f.namespace}/` : ""}${f.name}`;
}

/** One line per failure: `prod  checkov  CKV_K8S_16  Deployment observability/x  Container should not be privileged`. */
export function describeFailure(f: StackFailure): string {
  return `${f.stack}  ${f.scanner}  ${f.check}  ${objectRef(f)}  ${f.message}`;
}

/** A narrow entry for a failure, to paste into the file once its reason is written. */
export function entryStub(f: StackFailure): string {
  return [`  - scanner: ${f.scanner}`, `    check: ${f.check}`, `    kind: ${f.kind}`, `    name: ${f.name}`, `    stacks: [${f.stack}]`, `    reason: # why this is by design or accepted`].join("\n");
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\s+/g, " ").trim();
}

/** The entries as a Markdown table (scan.ts --markdown), for the README's security section. */
export function exceptionsMarkdown(entries: readonly ExceptionEntry[], allStacks: readonly string[] = DEFAULT_STACKS): string {
  const rows = entries.map((e) => {
    const stacks = allStacks.every((s) => e.stacks.includes(s)) ? "all" : e.stacks.join(", ");
    return `| ${e.scanner} | \`${e.check}\` | ${cell(describeScope(e))} | ${stacks} | ${cell(e.reason)} |`;
  });
  return ["| scanner | check | objects | stacks | reason |", "|---|---|---|---|---|", ...rows].join("\n");
}
