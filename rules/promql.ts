/**
 * Small PromQL builders over catalog entries. Matcher and grouping label names are typed against the family's
 * labels plus the target labels, so a rule cannot group by a label its metric does not have.
 */
import { Counter, Histogram, LabelOf, MetricFamily, TargetLabel, bucket } from "../telemetry/catalog";

export interface Matcher {
  readonly op: "=" | "!=" | "=~" | "!~";
  readonly value: string;
}

export const ne = (value: string): Matcher => ({ op: "!=", value });
export const re = (value: string): Matcher => ({ op: "=~", value });

/** A label name usable on series of family F. */
export type SeriesLabel<F> = LabelOf<F> | TargetLabel;
export type Matchers<F> = Partial<Record<SeriesLabel<F>, string | Matcher>>;

/** The default rate window: four scrapes at the seed's 15s interval fit several times over. */
export const RATE_WINDOW = "5m";

function quote(value: string): string {
  // PromQL string literals share JSON's escapes for the characters that can occur here.
  return JSON.stringify(value);
}

/** `name{a="b", c=~"d"}`; matchers in the order given. */
export function selector(name: string, matchers: Readonly<Record<string, string | Matcher | undefined>> = {}): string {
  const parts = Object.entries(matchers)
    .filter((e): e is [string, string | Matcher] => e[1] !== undefined)
    .map(([label, m]) => (typeof m === "string" ? `${label}=${quote(m)}` : `${label}${m.op}${quote(m.value)}`));
  return parts.length === 0 ? name : `${name}{${parts.join(", ")}}`;
}

/** The series of a family, optionally filtered. */
export function series<F extends MetricFamily>(f: F, matchers: Matchers<F> = {}): string {
  return selector(f.name, matchers);
}

/** One labels clause: `by (a, b)`. */
function by(labels: readonly string[]): string {
  return `by (${labels.join(", ")})`;
}

/** A quantile of a classic histogram, aggregated by the given labels. */
export function quantile<F extends Histogram>(
  q: number,
  h: F,
  opts: { by: readonly SeriesLabel<F>[]; matchers?: Matchers<F>; window?: string },
): string {
  const window = opts.window ?? RATE_WINDOW;
  const buckets = selector(bucket(h), opts.matchers ?? {});
  return `histogram_quantile(${q}, sum ${by([...opts.by, "le"])} (rate(${buckets}[${window}])))`;
}

/**
 * The share of a counter's rate that matches `errors`, by the given labels. No traffic gives 0/0 = NaN, which
 * compares false, so an idle service never alerts.
 */
export function errorRatio<F extends Counter>(
  c: F,
  opts: { errors: Matchers<F>; by: readonly SeriesLabel<F>[]; matchers?: Matchers<F>; window?: string },
): string {
  const window = opts.window ?? RATE_WINDOW;
  const base = opts.matchers ?? {};
  const failed = selector(c.name, { ...base, ...opts.errors });
  const all = selector(c.name, base);
  return `sum ${by(opts.by)} (rate(${failed}[${window}])) / sum ${by(opts.by)} (rate(${all}[${window}]))`;
}

/** `sum by (...) (rate(counter[window]))`. */
export function rateBy<F extends Counter>(c: F, labels: readonly SeriesLabel<F>[], window = RATE_WINDOW): string {
  return `sum ${by(labels)} (rate(${c.name}[${window}]))`;
}

/** An aggregation over a gauge by the given labels (drops every other label, high-cardinality ones included). */
export function aggregate<F extends MetricFamily>(op: "sum" | "max" | "min" | "avg" | "count", f: F, labels: readonly SeriesLabel<F>[]): string {
  return `${op} ${by(labels)} (${f.name})`;
}
