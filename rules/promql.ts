/**
 * Small PromQL builders over catalog entries. Matcher and grouping label names are typed against the family's
 * labels plus the target labels, so a rule cannot group by a label its metric does not have.
 */
import { Counter, Histogram, LabelOf, MetricFamily, TargetLabel, bucket } from "../telemetry/catalog";
import { RATE_WINDOW, ratedSeries } from "./rated";

export { RATE_WINDOW };

export interface Matcher {
  readonly op: "=" | "!=" | "=~" | "!~";
  readonly value: string;
}

export const ne = (value: string): Matcher => ({ op: "!=", value });
export const re = (value: string): Matcher => ({ op: "=~", value });

/** A label name usable on series of family F. */
export type SeriesLabel<F> = LabelOf<F> | TargetLabel;
export type Matchers<F> = Partial<Record<SeriesLabel<F>, string | Matcher>>;

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

/**
 * The per-second rate of a raw counter series (a counter, or a histogram's bucket, sum or count), optionally filtered:
 * its recorded rate when a recording rule rates it (rated.ts; `window` is then the recorded one), otherwise
 * `rate(raw[window])`. `grouping` names the labels the caller aggregates by, checked like the matchers: a recorded
 * rate has only the service's labels and the family's own, so asking it for `instance` is an error, not a silent sum.
 */
export function rateOf(raw: string, matchers: Readonly<Record<string, string | Matcher | undefined>> = {}, window = RATE_WINDOW, grouping: readonly string[] = []): string {
  const rated = ratedSeries(raw);
  if (!rated) return `rate(${selector(raw, matchers)}[${window}])`;
  const missing = [...Object.keys(matchers), ...grouping].filter((l) => !rated.labels.includes(l));
  if (missing.length > 0) {
    throw new Error(`the recorded rate ${rated.recorded} has no label ${missing.map((l) => JSON.stringify(l)).join(", ")} (it keeps ${rated.labels.join(", ")})`);
  }
  return selector(rated.recorded, matchers);
}

/** A quantile of a classic histogram, aggregated by the given labels (from the recorded bucket rates when there are). */
export function quantile<F extends Histogram>(
  q: number,
  h: F,
  opts: { by: readonly SeriesLabel<F>[]; matchers?: Matchers<F>; window?: string },
): string {
  const grouping = [...opts.by, "le"];
  return `histogram_quantile(${q}, sum ${by(grouping)} (${rateOf(bucket(h), opts.matchers ?? {}, opts.window, grouping)}))`;
}

/**
 * The share of a counter's rate that matches `errors`, by the given labels. No traffic gives 0/0 = NaN, which
 * compares false, so an idle service never alerts.
 */
export function errorRatio<F extends Counter>(
  c: F,
  opts: { errors: Matchers<F>; by: readonly SeriesLabel<F>[]; matchers?: Matchers<F>; window?: string },
): string {
  const base = opts.matchers ?? {};
  const failed = rateOf(c.name, { ...base, ...opts.errors }, opts.window, opts.by);
  const all = rateOf(c.name, base, opts.window, opts.by);
  return `sum ${by(opts.by)} (${failed}) / sum ${by(opts.by)} (${all})`;
}

/** `sum by (...) (rate(counter[window]))`, from the recorded rate when there is one. */
export function rateBy<F extends Counter>(c: F, labels: readonly SeriesLabel<F>[], window = RATE_WINDOW): string {
  return `sum ${by(labels)} (${rateOf(c.name, {}, window, labels)})`;
}

/** An aggregation over a gauge by the given labels (drops every other label, high-cardinality ones included). */
export function aggregate<F extends MetricFamily>(op: "sum" | "max" | "min" | "avg" | "count", f: F, labels: readonly SeriesLabel<F>[]): string {
  return `${op} ${by(labels)} (${f.name})`;
}
