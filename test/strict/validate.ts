/**
 * A strict walker for configuration documents we can never run (Loki, Promtail and Grafana are AGPL and never built
 * here). It compares a parsed YAML or INI document with a typed reference (test/strict/reference/) and reports every
 * key the reference does not know, every value of the wrong type, every value outside an enum and every duration the
 * target's parser would reject. Each problem names the full key path and the value, so a failing test reads like the
 * error the real binary would have printed, or, where the binary would have said nothing, the error it should have.
 */

/** How a duration string is parsed upstream; Loki and Promtail use both, key by key. */
export type DurationSyntax =
  /** Go's time.ParseDuration: `1h30m`, `1.5h`, `500ms`; no `d`, `w` or `y`. */
  | "go"
  /** Prometheus' model.ParseDuration: integer units in order `y w d h m s ms`, e.g. `90d`, `1h30m`; no fractions. */
  | "prometheus"
  /** Grafana's interval strings (jsonData): optional sign, one integer and one unit of ms, s, m, h, d, w, M, y. */
  | "grafana";

export type Spec =
  | { readonly kind: "string"; readonly pattern?: RegExp; readonly patternHint?: string }
  | { readonly kind: "bool" }
  | { readonly kind: "int"; readonly min?: number }
  | { readonly kind: "float" }
  /** A byte size: an integer or a number with a unit (`64KB`, `3MB`, `1GiB`), as dskit's flagext.ByteSize reads it. */
  | { readonly kind: "bytes" }
  | { readonly kind: "duration"; readonly syntax: DurationSyntax }
  | { readonly kind: "enum"; readonly values: readonly string[]; readonly deprecated?: readonly string[] }
  /** A `YYYY-MM-DD` day (Loki's period_config `from`). */
  | { readonly kind: "day" }
  /** A Promtail timestamp format: one of the named layouts, or a Go reference-time layout. */
  | { readonly kind: "timeLayout"; readonly named: readonly string[] }
  | { readonly kind: "null" }
  /** Exactly this scalar (a file's `apiVersion: 1`). */
  | { readonly kind: "exactly"; readonly value: string | number | boolean }
  | { readonly kind: "any" }
  | { readonly kind: "oneOf"; readonly options: readonly Spec[] }
  | { readonly kind: "list"; readonly of: Spec }
  | { readonly kind: "map"; readonly of: Spec; readonly keyPattern?: RegExp; readonly keyHint?: string }
  | Block
  /** A key that exists upstream whose contents this reference does not describe: using it is reported. */
  | { readonly kind: "undescribed"; readonly note?: string };

export interface Block {
  readonly kind: "block";
  readonly keys: Readonly<Record<string, Spec>>;
  readonly required?: readonly string[];
  /**
   * Keys removed or renamed upstream before the pinned version, with what the reference says of them. A document that
   * still uses one gets a "key of another version" problem instead of a plain unknown key.
   */
  readonly removed?: Readonly<Record<string, string>>;
  /** Keys beyond `keys` are plugin- or user-defined (Grafana jsonData): known keys are still type-checked. */
  readonly open?: boolean;
  /** Exactly one of the keys must be present (a Promtail pipeline stage names one stage). */
  readonly exactlyOne?: boolean;
}

export type ProblemKind = "unknown-key" | "removed-key" | "missing-key" | "type" | "enum" | "deprecated" | "duration" | "undescribed";

export interface Problem {
  readonly kind: ProblemKind;
  /** Full key path, `limits_config.retention_period`, `scrape_configs[0].pipeline_stages[2].timestamp.format`. */
  readonly path: string;
  readonly value: unknown;
  readonly message: string;
}

export interface ValidateOptions {
  /** INI documents hold text only: booleans and numbers arrive as strings and are checked as such. */
  readonly text?: boolean;
  /** Prefix of every path (the INI section, a file name). */
  readonly at?: string;
}

// Leaf constructors, so a reference module reads as a table.
export const str = (pattern?: RegExp, patternHint?: string): Spec => ({ kind: "string", pattern, patternHint });
export const bool: Spec = { kind: "bool" };
export const int: Spec = { kind: "int" };
export const uint: Spec = { kind: "int", min: 0 };
export const float: Spec = { kind: "float" };
export const bytes: Spec = { kind: "bytes" };
export const goDuration: Spec = { kind: "duration", syntax: "go" };
export const promDuration: Spec = { kind: "duration", syntax: "prometheus" };
export const grafanaDuration: Spec = { kind: "duration", syntax: "grafana" };
export const oneOf = (values: readonly string[], deprecated?: readonly string[]): Spec => ({ kind: "enum", values, deprecated });
export const listOf = (of: Spec): Spec => ({ kind: "list", of });
export const mapOf = (of: Spec, keyPattern?: RegExp, keyHint?: string): Spec => ({ kind: "map", of, keyPattern, keyHint });
export const either = (...options: Spec[]): Spec => ({ kind: "oneOf", options });
export const nothing: Spec = { kind: "null" };
export const exactly = (value: string | number | boolean): Spec => ({ kind: "exactly", value });
export const anything: Spec = { kind: "any" };
export const undescribed = (note?: string): Spec => ({ kind: "undescribed", note });
export const day: Spec = { kind: "day" };
export const timeLayout = (named: readonly string[]): Spec => ({ kind: "timeLayout", named });
export const block = (keys: Record<string, Spec>, extra: Omit<Block, "kind" | "keys"> = {}): Block => ({ kind: "block", keys, ...extra });

const GO_DURATION = /^[-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/;
const PROM_DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const GRAFANA_DURATION = /^[-+]?\d+(?:ms|s|m|h|d|w|M|y)$/;
const BYTE_SIZE = /^\d+(?:\.\d+)?\s*(?:B|KB|MB|GB|TB|PB|EB|KiB|MiB|GiB|TiB|PiB|EiB)?$/i;
/** Any of Go's reference-time tokens makes a string a layout (`2006-01-02T15:04:05Z07:00`). */
const GO_LAYOUT_TOKEN = /2006|\b06\b|Jan|January|\b01\b|\b1\b|Mon|Monday|\b02\b|_2|\b2\b|15|\b03\b|\b3\b|\b04\b|\b05\b|PM|pm|MST|Z07|-07/;

/** Does a duration string parse the way the upstream key parses it? */
export function isDuration(text: string, syntax: DurationSyntax): boolean {
  if (text === "0") return true;
  switch (syntax) {
    case "go":
      return GO_DURATION.test(text);
    case "prometheus":
      return text !== "" && PROM_DURATION.test(text);
    case "grafana":
      return GRAFANA_DURATION.test(text);
  }
}

const SYNTAX_HINT: Record<DurationSyntax, string> = {
  go: "a Go duration (units ns, us, ms, s, m, h; e.g. 30s, 1h30m; no d, w or y)",
  prometheus: "a Prometheus duration (integer units in the order y, w, d, h, m, s, ms; e.g. 90d, 1h30m)",
  grafana: "a Grafana interval (one integer with ms, s, m, h, d, w, M or y, optionally signed; e.g. 15s, -5m)",
};

/** Levenshtein distance, for "did you mean". */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** The closest candidate, when it is close enough to be a typo rather than another word. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

const show = (value: unknown): string => (value instanceof Date ? value.toISOString() : JSON.stringify(value) ?? String(value));
const join = (path: string, key: string): string => (path ? `${path}.${key}` : key);
const typeName = (v: unknown): string => (v === null ? "null" : Array.isArray(v) ? "list" : v instanceof Date ? "date" : typeof v === "object" ? "block" : typeof v);

function describe(spec: Spec): string {
  switch (spec.kind) {
    case "string":
      return spec.patternHint ?? "a string";
    case "bool":
      return "a boolean (true or false)";
    case "int":
      return spec.min !== undefined ? `an integer >= ${spec.min}` : "an integer";
    case "float":
      return "a number";
    case "bytes":
      return "a byte size (an integer, or a number with B, KB, MB, GB, KiB, MiB, ...)";
    case "duration":
      return SYNTAX_HINT[spec.syntax];
    case "enum":
      return `one of ${spec.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "day":
      return "a day as YYYY-MM-DD";
    case "timeLayout":
      return `one of ${spec.named.join(", ")} or a Go reference-time layout such as 2006-01-02T15:04:05Z07:00`;
    case "null":
      return "null (an empty value)";
    case "exactly":
      return JSON.stringify(spec.value);
    case "any":
      return "any value";
    case "oneOf":
      return spec.options.map(describe).join(" or ");
    case "list":
      return `a list of ${describe(spec.of)}`;
    case "map":
      return `a map of ${describe(spec.of)}`;
    case "block":
      return "a block of keys";
    case "undescribed":
      return "a block this reference does not describe";
  }
}

/**
 * Every problem of `doc` against `spec`, in document order. An empty list means every key is known to the reference
 * and every value has the documented type, enum value and duration syntax.
 */
export function validate(doc: unknown, spec: Spec, options: ValidateOptions = {}): Problem[] {
  const problems: Problem[] = [];
  walk(doc, spec, options.at ?? "", options, problems);
  return problems;
}

function walk(value: unknown, spec: Spec, path: string, options: ValidateOptions, out: Problem[]): void {
  const fail = (kind: ProblemKind, expected: string): void => {
    out.push({ kind, path, value, message: `${path || "<document>"}: ${show(value)} is not ${expected}` });
  };
  const text = typeof value === "string" ? value : undefined;

  switch (spec.kind) {
    case "any":
      return;
    case "undescribed":
      out.push({
        kind: "undescribed",
        path,
        value,
        message: `${path}: exists upstream but this reference does not describe its contents${spec.note ? ` (${spec.note})` : ""}; describe it from the upstream reference before using it (value ${show(value)})`,
      });
      return;
    case "null":
      if (value !== null) fail("type", describe(spec));
      return;
    case "exactly":
      if (value !== spec.value) fail("enum", describe(spec));
      return;
    case "string":
      if (typeof value !== "string") return fail("type", describe(spec));
      if (spec.pattern && !spec.pattern.test(value)) fail("type", describe(spec));
      return;
    case "bool":
      if (typeof value === "boolean" || (options.text && (text === "true" || text === "false"))) return;
      return fail("type", describe(spec));
    case "int": {
      const n = typeof value === "number" ? value : options.text && text !== undefined && /^-?\d+$/.test(text) ? Number(text) : NaN;
      if (!Number.isInteger(n) || (spec.min !== undefined && n < spec.min)) fail("type", describe(spec));
      return;
    }
    case "float": {
      const n = typeof value === "number" ? value : options.text && text !== undefined && text.trim() !== "" ? Number(text) : NaN;
      if (!Number.isFinite(n)) fail("type", describe(spec));
      return;
    }
    case "bytes":
      if (typeof value === "number" ? Number.isInteger(value) && value >= 0 : text !== undefined && BYTE_SIZE.test(text)) return;
      return fail("type", describe(spec));
    case "duration":
      if (text !== undefined && isDuration(text, spec.syntax)) return;
      // An integer is read as nanoseconds by Go's YAML decoding and refused by Prometheus' parser: never what was meant.
      return fail("duration", describe(spec));
    case "enum":
      if (text === undefined || !spec.values.includes(text)) {
        if (text !== undefined && spec.deprecated?.includes(text)) {
          out.push({ kind: "deprecated", path, value, message: `${path}: ${show(value)} is deprecated upstream; expected ${describe(spec)}` });
          return;
        }
        const hint = text !== undefined ? closest(text, spec.values) : undefined;
        out.push({ kind: "enum", path, value, message: `${path}: ${show(value)} is not ${describe(spec)}${hint ? `; did you mean ${JSON.stringify(hint)}?` : ""}` });
      }
      return;
    case "day": {
      const day = value instanceof Date ? value.toISOString().slice(0, 10) : text;
      if (day === undefined || !/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) fail("type", describe(spec));
      return;
    }
    case "timeLayout":
      if (text !== undefined && (spec.named.includes(text) || GO_LAYOUT_TOKEN.test(text))) return;
      {
        const hint = text !== undefined ? closest(text, spec.named) : undefined;
        out.push({ kind: "enum", path, value, message: `${path}: ${show(value)} is not ${describe(spec)}${hint ? `; did you mean ${JSON.stringify(hint)}?` : ""}` });
      }
      return;
    case "oneOf": {
      // The first option that reports nothing wins; otherwise report against the option closest in shape.
      const attempts = spec.options.map((o) => {
        const p: Problem[] = [];
        walk(value, o, path, options, p);
        return p;
      });
      if (attempts.some((p) => p.length === 0)) return;
      const shaped = spec.options.findIndex((o) => sameShape(value, o));
      if (shaped >= 0) out.push(...attempts[shaped]);
      else fail("type", describe(spec));
      return;
    }
    case "list":
      if (!Array.isArray(value)) return fail("type", describe(spec));
      value.forEach((item, i) => walk(item, spec.of, `${path}[${i}]`, options, out));
      return;
    case "map":
      if (!isRecord(value)) return fail("type", describe(spec));
      for (const [k, v] of Object.entries(value)) {
        const at = join(path, k);
        if (spec.keyPattern && !spec.keyPattern.test(k)) {
          out.push({ kind: "type", path: at, value: k, message: `${at}: key ${JSON.stringify(k)} is not ${spec.keyHint ?? `a key matching ${spec.keyPattern}`}` });
        }
        walk(v, spec.of, at, options, out);
      }
      return;
    case "block":
      walkBlock(value, spec, path, options, out);
      return;
  }
}

function walkBlock(value: unknown, spec: Block, path: string, options: ValidateOptions, out: Problem[]): void {
  // An empty YAML block (`cri: {}` or a bare `cri:`) is a block with every key at its default.
  if (value === null) value = {};
  if (!isRecord(value)) {
    out.push({ kind: "type", path, value, message: `${path || "<document>"}: ${show(value)} is not a block of keys` });
    return;
  }
  for (const key of spec.required ?? []) {
    if (!(key in value)) {
      const at = join(path, key);
      out.push({ kind: "missing-key", path: at, value: undefined, message: `${at}: required key is missing` });
    }
  }
  if (spec.exactlyOne && Object.keys(value).length !== 1) {
    out.push({
      kind: "type",
      path,
      value,
      message: `${path}: ${show(value)} must hold exactly one key, got ${Object.keys(value).length} (${Object.keys(value).join(", ") || "none"})`,
    });
  }
  for (const [key, v] of Object.entries(value)) {
    const at = join(path, key);
    const child = spec.keys[key];
    if (child) {
      walk(v, child, at, options, out);
      continue;
    }
    const removed = spec.removed?.[key];
    if (removed) {
      out.push({ kind: "removed-key", path: at, value: v, message: `${at}: key of another version (value ${show(v)}): ${removed}` });
      continue;
    }
    if (spec.open) continue;
    const hint = closest(key, Object.keys(spec.keys));
    out.push({ kind: "unknown-key", path: at, value: v, message: `${at}: unknown key (value ${show(v)})${hint ? `; did you mean ${JSON.stringify(hint)}?` : ""}` });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof Date);
}

function sameShape(value: unknown, spec: Spec): boolean {
  switch (spec.kind) {
    case "block":
    case "map":
      return isRecord(value);
    case "list":
      return Array.isArray(value);
    case "null":
      return value === null;
    default:
      return typeName(value) !== "block" && typeName(value) !== "list" && value !== null;
  }
}

/** The spec at a key path (`a.b[0].c` or `a.b[].c`), for tests that look up what the reference says of a key. */
export function specAt(spec: Spec, path: string): Spec | undefined {
  let at: Spec | undefined = spec;
  for (const part of path.match(/[^.[\]]+|\[\d*\]/g) ?? []) {
    if (!at) return undefined;
    if (part.startsWith("[")) at = at.kind === "list" ? at.of : undefined;
    else if (at.kind === "block") at = at.keys[part];
    else if (at.kind === "map") at = at.of;
    else return undefined;
  }
  return at;
}

// ---------------------------------------------------------------------------------------------------------------
// INI (grafana.ini)

export type IniDocument = Record<string, Record<string, string>>;

/**
 * Parses Grafana's INI the way go-ini reads grafana.ini: `[section]` headers, `key = value` lines, `#` and `;`
 * comments. Keys before any header belong to the default section `""`. A repeated key or section, or a line that is
 * neither, throws: Grafana would silently keep one of them.
 */
export function parseIni(text: string): IniDocument {
  const doc: IniDocument = {};
  let section = "";
  const seenSections = new Set<string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) return;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      section = header[1].trim();
      if (seenSections.has(section)) throw new Error(`line ${i + 1}: section [${section}] appears twice`);
      seenSections.add(section);
      doc[section] ??= {};
      return;
    }
    const kv = /^([^=]+?)\s*=\s*(.*)$/.exec(line);
    if (!kv) throw new Error(`line ${i + 1}: ${JSON.stringify(raw)} is neither a [section] nor key = value`);
    const keys = (doc[section] ??= {});
    if (kv[1] in keys) throw new Error(`line ${i + 1}: [${section}] ${kv[1]} is set twice`);
    keys[kv[1]] = kv[2];
  });
  return doc;
}

/** Validates an INI document section by section; an unknown section gets a "did you mean" among known sections. */
export function validateIni(doc: IniDocument, sections: Readonly<Record<string, Block>>): Problem[] {
  const problems: Problem[] = [];
  for (const [name, keys] of Object.entries(doc)) {
    const spec = sections[name];
    if (!spec) {
      const hint = closest(name, Object.keys(sections));
      problems.push({ kind: "unknown-key", path: `[${name}]`, value: keys, message: `[${name}]: unknown section${hint ? `; did you mean [${hint}]?` : ""}` });
      continue;
    }
    problems.push(...validate(keys, spec, { text: true, at: `[${name}]` }));
  }
  return problems;
}
