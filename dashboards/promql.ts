/**
 * PromQL for panels: the rules' typed builders (labels checked against the catalog family) with Grafana's rate
 * window, plus the few shapes only dashboards need. Metric names come from catalog entries or recorded names only.
 * A series the recording rules rate (rules/rated.ts) is read from its recorded 5m rate, never rated again here: a
 * panel over the platform's families costs a lookup of the recorded series, whatever the dashboard's time range.
 */
import { Counter, Histogram, MetricFamily, TargetLabel, count, sum } from "../telemetry/catalog";
import { Matcher, Matchers, SeriesLabel, errorRatio as ruleErrorRatio, quantile as ruleQuantile, rateOf, re, selector, series } from "../rules/promql";
import { RATE_WINDOW, v } from "./kit";

export { re, selector, series };
export type { Matchers };

/** `label=~"$label"`: filter by a multi-value template variable of the same name. */
export const byVar = (name: string): Matcher => re(v(name));

/** `sum by (a, b) ` before the argument, or just `sum` when nothing is kept. */
function aggregation(op: string, labels: readonly string[]): string {
  return labels.length === 0 ? op : `${op} by (${labels.join(", ")}) `;
}

/** `sum by (labels) (rate(counter{matchers}[window]))`. */
export function sumRate<F extends Counter>(c: F, by: readonly SeriesLabel<F>[], matchers: Matchers<F> = {}): string {
  return `${aggregation("sum", by)}(${rateOf(c.name, matchers, RATE_WINDOW, by)})`;
}

/** Quantile of a histogram over the panel's rate window. */
export function quantile<F extends Histogram>(q: number, h: F, by: readonly SeriesLabel<F>[], matchers: Matchers<F> = {}): string {
  return ruleQuantile(q, h, { by, matchers, window: RATE_WINDOW });
}

/** Mean observed value of a histogram (sum / count) over the panel's rate window. */
export function mean<F extends Histogram>(h: F, by: readonly SeriesLabel<F>[], matchers: Matchers<F> = {}): string {
  const s = aggregation("sum", by);
  return `${s}(${rateOf(sum(h), matchers, RATE_WINDOW, by)}) / ${s}(${rateOf(count(h), matchers, RATE_WINDOW, by)})`;
}

/** Observations per second of a histogram (its `_count` rate). */
export function observationRate<F extends Histogram>(h: F, by: readonly SeriesLabel<F>[], matchers: Matchers<F> = {}): string {
  return `${aggregation("sum", by)}(${rateOf(count(h), matchers, RATE_WINDOW, by)})`;
}

/**
 * Share of a counter's rate that matches `errors` (pass the error matchers the alerts use): the rules' formula, over
 * the panel's rate window.
 */
export function errorRatio<F extends Counter>(c: F, errors: Matchers<F>, by: readonly SeriesLabel<F>[], matchers: Matchers<F> = {}): string {
  if (by.length > 0) return ruleErrorRatio(c, { errors, by, matchers, window: RATE_WINDOW });
  return `${sumRate(c, [], { ...matchers, ...errors })} / ${sumRate(c, [], matchers)}`;
}

/** `op by (labels) (family{matchers})` for gauges. */
export function agg<F extends MetricFamily>(op: "sum" | "max" | "min" | "avg" | "count", f: F, by: readonly SeriesLabel<F>[], matchers: Matchers<F> = {}): string {
  return `${aggregation(op, by)}(${series(f, matchers)})`;
}

/** The namespace and service template variables, as matchers on the target labels every series carries. */
export const NS_SVC: Readonly<Partial<Record<TargetLabel, Matcher>>> = { namespace: byVar("namespace"), service: byVar("service") };

/** `topk(k, expr)`: keeps panels with many label combinations readable. */
export const topk = (k: number, expr: string): string => `topk(${k}, ${expr})`;
