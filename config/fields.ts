/**
 * A small typed schema language for stack config: each field parses one value, records problems with the full key,
 * the value received and what is allowed, and documents itself (type, default, description) for the README.
 * Pure: no Pulumi import, so it is tested and reused by the render script without the engine.
 */

export interface Problem {
  /** Full key, for example `observability:prometheus.retention`. */
  readonly key: string;
  readonly message: string;
}

export type FieldKind = "string" | "number" | "boolean" | "object" | "map" | "union" | "list";

export interface Field<T> {
  readonly kind: FieldKind;
  /** What is allowed, in words; used in error messages and the config reference. */
  readonly type: string;
  readonly description: string;
  /** Whether a missing value is an error. */
  readonly required: boolean;
  /** Values are never echoed in errors and are handed to the program as Pulumi secrets. */
  readonly secret: boolean;
  /** The default as a value (undefined: no default). */
  readonly defaultValue: T | undefined;
  /** Sub-fields of an object, for unknown-key checks and documentation. */
  readonly fields?: Readonly<Record<string, Field<unknown>>>;
  /** Parses a present value; returns undefined after recording a problem. */
  check(value: unknown, key: string, problems: Problem[]): T | undefined;
}

export type Infer<F> = F extends Field<infer T> ? T : never;

interface Common<T> {
  description: string;
  default?: T;
  required?: boolean;
}

/** Shows a received value in an error: JSON, shortened, never a secret. */
export function show(value: unknown, secret = false): string {
  if (secret) return "(value hidden: secret)";
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function fail(problems: Problem[], key: string, value: unknown, allowed: string, secret = false): undefined {
  problems.push({ key, message: `got ${show(value, secret)}; expected ${allowed}` });
  return undefined;
}

/** Reads one field: applies the default when absent, reports a missing required value. */
export function readField<T>(field: Field<T>, value: unknown, key: string, problems: Problem[]): T | undefined {
  // Pulumi.yaml declares optional secrets with an empty default (its schema has no "optional"): empty means unset.
  if (field.secret && !field.required && value === "") return undefined;
  if (value === undefined || value === null) {
    if (field.required && field.defaultValue === undefined) {
      problems.push({ key, message: `is required; expected ${field.type}` });
    }
    return cloneDefault(field.defaultValue);
  }
  return field.check(value, key, problems);
}

function cloneDefault<T>(value: T | undefined): T | undefined {
  return value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as T);
}

function make<T>(kind: FieldKind, type: string, opts: Common<T>, check: Field<T>["check"], extra: Partial<Field<T>> = {}): Field<T> {
  return {
    kind,
    type,
    description: opts.description,
    required: opts.required ?? false,
    secret: false,
    defaultValue: opts.default,
    check,
    ...extra,
  };
}

export function string(opts: Common<string> & { pattern?: RegExp; allowed?: string; allowEmpty?: boolean }): Field<string> {
  const allowed = opts.allowed ?? "a string";
  return make("string", allowed, opts, (value, key, problems) => {
    if (typeof value !== "string") return fail(problems, key, value, allowed);
    if (value === "" && opts.allowEmpty) return value;
    if (opts.pattern && !opts.pattern.test(value)) return fail(problems, key, value, allowed);
    return value;
  });
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A Kubernetes name that must be an RFC 1123 label (namespaces, services). */
export function dnsLabel(opts: Common<string>): Field<string> {
  return string({ ...opts, pattern: DNS_LABEL, allowed: "an RFC 1123 label (lowercase letters, digits and '-', at most 63 characters)" });
}

/** A Kubernetes name that must be an RFC 1123 subdomain; empty allowed when `allowEmpty`. */
export function dnsSubdomain(opts: Common<string> & { allowEmpty?: boolean }): Field<string> {
  return string({
    ...opts,
    pattern: DNS_SUBDOMAIN,
    allowed: `an RFC 1123 subdomain (lowercase letters, digits, '-' and '.')${opts.allowEmpty ? " or empty" : ""}`,
  });
}

const PROM_DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const GO_DURATION = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;
const UNIT_SECONDS: Record<string, number> = {
  y: 365 * 86400,
  w: 7 * 86400,
  d: 86400,
  h: 3600,
  m: 60,
  s: 1,
  ms: 0.001,
  us: 1e-6,
  µs: 1e-6,
  ns: 1e-9,
};

/**
 * Seconds in a duration of Prometheus syntax (`90d`, `1h30m`) or Go syntax (`2160h`, `1.5s`).
 * Throws on malformed input; config validation has rejected those before any builder calls this.
 */
export function durationSeconds(text: string): number {
  if (!PROM_DURATION.test(text) && !GO_DURATION.test(text)) throw new Error(`malformed duration ${show(text)}`);
  let total = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ms|ns|us|µs|y|w|d|h|m|s)/g)) {
    total += Number(m[1]) * UNIT_SECONDS[m[2]];
  }
  return total;
}

/**
 * A duration. `prometheus` syntax (units ms, s, m, h, d, w, y, largest first, integers) is what Prometheus,
 * Alertmanager and Loki limits accept; `go` syntax (units ns, us, ms, s, m, h, decimals allowed) is what the
 * collector and Jaeger accept.
 */
export function duration(opts: Common<string> & { syntax: "prometheus" | "go"; min?: string; multipleOf?: string }): Field<string> {
  const syntax = opts.syntax === "prometheus"
    ? "a duration such as 15s, 5m, 90d (units ms, s, m, h, d, w, y)"
    : "a duration such as 10s, 500ms, 168h (units ns, us, ms, s, m, h)";
  const constraints = [opts.min ? `at least ${opts.min}` : "", opts.multipleOf ? `a multiple of ${opts.multipleOf}` : ""].filter(Boolean);
  const allowed = constraints.length ? `${syntax}, ${constraints.join(" and ")}` : syntax;
  const pattern = opts.syntax === "prometheus" ? PROM_DURATION : GO_DURATION;
  return make("string", allowed, opts, (value, key, problems) => {
    if (typeof value !== "string" || value === "" || !pattern.test(value)) return fail(problems, key, value, allowed);
    const seconds = durationSeconds(value);
    if (seconds <= 0) return fail(problems, key, value, `${allowed}, greater than zero`);
    if (opts.min && seconds < durationSeconds(opts.min)) return fail(problems, key, value, allowed);
    if (opts.multipleOf && seconds % durationSeconds(opts.multipleOf) !== 0) return fail(problems, key, value, allowed);
    return value;
  });
}

const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;
const QUANTITY_FACTOR: Record<string, number> = {
  "": 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** The numeric value of a Kubernetes quantity (`100Gi` -> bytes, `500m` -> 0.5). Throws on malformed input. */
export function quantityValue(text: string): number {
  const m = QUANTITY.exec(text);
  if (!m) throw new Error(`malformed quantity ${show(text)}`);
  const sign = m[1] === "-" ? -1 : 1;
  const suffix = m[3] ?? "";
  const factor = /^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : QUANTITY_FACTOR[suffix];
  return sign * Number(m[2]) * factor;
}

/** A positive Kubernetes resource quantity (`100Gi`, `500m`, `2`). */
export function quantity(opts: Common<string>): Field<string> {
  const allowed = "a positive Kubernetes quantity such as 500m, 2, 512Mi or 100Gi";
  return make("string", allowed, opts, (value, key, problems) => {
    const text = typeof value === "number" ? String(value) : value;
    if (typeof text !== "string" || !QUANTITY.test(text)) return fail(problems, key, value, allowed);
    if (quantityValue(text) <= 0) return fail(problems, key, value, allowed);
    return text;
  });
}

export function integer(opts: Common<number> & { min: number; max?: number }): Field<number> {
  const allowed = opts.max === undefined ? `an integer of at least ${opts.min}` : `an integer from ${opts.min} to ${opts.max}`;
  return make("number", allowed, opts, (value, key, problems) => {
    if (typeof value !== "number" || !Number.isInteger(value)) return fail(problems, key, value, allowed);
    if (value < opts.min || (opts.max !== undefined && value > opts.max)) return fail(problems, key, value, allowed);
    return value;
  });
}

export function boolean(opts: Common<boolean>): Field<boolean> {
  return make("boolean", "true or false", opts, (value, key, problems) =>
    typeof value === "boolean" ? value : fail(problems, key, value, "true or false"));
}

export function oneOf<const V extends string>(values: readonly V[], opts: Common<V>): Field<V> {
  const allowed = `one of ${values.map((v) => JSON.stringify(v)).join(", ")}`;
  return make("string", allowed, opts, (value, key, problems) =>
    values.includes(value as V) ? (value as V) : fail(problems, key, value, allowed));
}

/** A port given by number (1-65535) or by the name of a container port. */
export function port(opts: Common<number | string>): Field<number | string> {
  const allowed = "a port number from 1 to 65535 or a port name (IANA_SVC_NAME, at most 15 characters)";
  return make("union", allowed, opts, (value, key, problems) => {
    if (typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= 65535) return value;
    if (typeof value === "string" && /^(?=.*[a-z])[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/.test(value) && !value.includes("--")) {
      return value;
    }
    return fail(problems, key, value, allowed);
  });
}

const LABEL_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

/** A map of Kubernetes label keys to label values (node selectors). */
export function labelMap(opts: Common<Record<string, string>>): Field<Record<string, string>> {
  const allowed = "a map of Kubernetes label keys to label values (strings)";
  return make("map", allowed, opts, (value, key, problems) => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return fail(problems, key, value, allowed);
    const out: Record<string, string> = {};
    let ok = true;
    for (const [k, v] of Object.entries(value)) {
      if (!LABEL_NAME.test(k)) {
        problems.push({ key: `${key}.${k}`, message: `got label key ${show(k)}; expected a Kubernetes label key such as nvidia.com/gpu.present` });
        ok = false;
      } else if (typeof v !== "string" || !LABEL_VALUE.test(v)) {
        problems.push({ key: `${key}.${k}`, message: `got ${show(v)}; expected a Kubernetes label value (a string of at most 63 characters)` });
        ok = false;
      } else {
        out[k] = v;
      }
    }
    return ok ? out : undefined;
  });
}

/** A list of values of one field type, each checked by `item`; a repeated value is an error. */
export function listOf<T>(item: Field<T>, opts: Common<T[]>): Field<T[]> {
  const allowed = `a list whose items are each ${item.type}`;
  return make("list", allowed, opts, (value, key, problems) => {
    if (!Array.isArray(value)) return fail(problems, key, value, allowed);
    const before = problems.length;
    const out: T[] = [];
    value.forEach((v, i) => {
      const parsed = item.check(v, `${key}[${i}]`, problems);
      if (parsed === undefined) return;
      if (out.some((o) => JSON.stringify(o) === JSON.stringify(parsed))) {
        problems.push({ key: `${key}[${i}]`, message: `got ${show(v)} a second time; expected each value once` });
        return;
      }
      out.push(parsed);
    });
    return problems.length === before ? out : undefined;
  });
}

// Registry host (optional port), path components, then a tag or a digest; `latest` is not a pin.
const IMAGE_REF = /^(?:[a-z0-9]+(?:[.-][a-z0-9]+)*(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

/** A container image reference pinned by exact tag or digest. */
export function imageRef(opts: Common<string>): Field<string> {
  const allowed = "an image reference pinned by tag or digest, such as registry.example/team/prometheus:v3.14.0 (not :latest)";
  return make("string", allowed, opts, (value, key, problems) => {
    if (typeof value !== "string" || !IMAGE_REF.test(value)) return fail(problems, key, value, allowed);
    const lastSegment = value.split("/").pop() ?? "";
    const pinned = value.includes("@sha256:") || (lastSegment.includes(":") && !lastSegment.endsWith(":latest"));
    return pinned ? value : fail(problems, key, value, allowed);
  });
}

/** A string handed to the program as a Pulumi secret; its value never appears in an error. */
export function secret(opts: { description: string; required: boolean; pattern?: RegExp; allowed: string }): Field<string> {
  return {
    kind: "string",
    type: opts.allowed,
    description: opts.description,
    required: opts.required,
    secret: true,
    defaultValue: undefined,
    check(value, key, problems) {
      if (typeof value !== "string" || (opts.pattern && !opts.pattern.test(value))) {
        return fail(problems, key, value, opts.allowed, true);
      }
      return value;
    },
  };
}

/** Edit distance, to suggest the key a typo was meant to be. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/** Suggests the closest allowed key, if one is close enough to be a typo. */
export function closest(key: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of allowed) {
    const d = distance(key, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

export function unknownKeyProblem(key: string, name: string, value: unknown, allowed: readonly string[]): Problem {
  const hint = closest(name, allowed);
  return {
    key,
    message: `unknown key (got ${show(value)})${hint ? `; did you mean ${JSON.stringify(hint)}?` : ""} allowed keys: ${allowed.join(", ")}`,
  };
}

type Shape = Record<string, Field<unknown>>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: undefined extends Infer<S[K]> ? K : never }[keyof S];
/** The parsed type of an object field: fields without a default are optional properties. */
export type ObjectOf<S extends Shape> = { [K in Exclude<keyof S, OptionalKeys<S>>]: Infer<S[K]> } & {
  [K in OptionalKeys<S>]?: Infer<S[K]>;
};

/**
 * A structured object: every sub-field is read with its default, unknown keys are errors. An absent object takes the
 * defaults of all its fields, so `observability:prometheus: {retention: 30d}` keeps the other defaults.
 */
export function object<S extends Shape>(opts: { description: string }, fields: S): Field<ObjectOf<S>> {
  const names = Object.keys(fields);
  const read = (value: Record<string, unknown>, key: string, problems: Problem[]): ObjectOf<S> | undefined => {
    const before = problems.length;
    const out: Record<string, unknown> = {};
    for (const [name, field] of Object.entries(fields)) {
      const v = readField(field, value[name], `${key}.${name}`, problems);
      if (v !== undefined) out[name] = v;
    }
    for (const name of Object.keys(value)) {
      if (!(name in fields)) problems.push(unknownKeyProblem(`${key}.${name}`, name, value[name], names));
    }
    return problems.length === before ? (out as ObjectOf<S>) : undefined;
  };
  const allowed = `an object with keys ${names.join(", ")}`;
  const field: Field<ObjectOf<S>> = {
    kind: "object",
    type: "object",
    description: opts.description,
    required: false,
    secret: false,
    defaultValue: undefined,
    fields,
    check(value, key, problems) {
      if (typeof value !== "object" || value === null || Array.isArray(value)) return fail(problems, key, value, allowed);
      return read(value as Record<string, unknown>, key, problems);
    },
  };
  // The default of an object is the object of its fields' defaults.
  const defaults = read({}, "", []);
  return { ...field, defaultValue: defaults };
}
