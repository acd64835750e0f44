/**
 * What native histograms with custom buckets (NHCB) would save on the rules, measured before migrating to them: the
 * rendered dev rules run as deployed, and next to each platform histogram's recording group a twin that rates the
 * same family as one native series per histogram. Prometheus converts every classic histogram at scrape
 * (`convert_classic_histograms_to_nhcb`) and keeps the classic series too (`always_scrape_classic_histograms`), so both
 * groups read the same observations in one process, on the synthetic platform of the rules scenario.
 */
import { dump, load } from "js-yaml";
import { Histogram, bucket, count, sum } from "../../telemetry/catalog";
import { RATED_HISTOGRAMS, RATE_WINDOW, ratedSeries } from "../../rules/rated";
import { ratedGroupName } from "../../rules/recording";
import { ruleFileName } from "../../rules/rule-files";
import { Pipeline } from "../e2e/harness/pipeline";
import { RenderedStack } from "../e2e/harness/stack-files";
import { progress } from "./machine";
import { RuleCost, ruleCost } from "./scenarios";
import { SyntheticScale } from "./synthetic";

const RECORDING_FILE = ruleFileName("recording");
const TWIN_FILE = ruleFileName("native-twins");
/** The quantile the check compares (the seed's P95). */
const CHECK_QUANTILE = 0.95;
/** Largest relative difference allowed between a classic and a native quantile of the same observations. */
export const NATIVE_CHECK_TOLERANCE = 1e-6;

interface Rule {
  record?: string;
  expr: string;
}
interface RuleFile {
  groups: { name: string; rules: Rule[] }[];
}

/** The twin group's name for a family. */
export const twinGroupName = (h: Histogram): string => `native-${h.name}`;
/** The native rate a twin records (the classic group records `_bucket`, `_sum` and `_count` rates). */
const twinRateName = (h: Histogram): string => `native_namespace_service:${h.name}:rate${RATE_WINDOW}`;

const withoutLe = (by: string): string =>
  by
    .split(",")
    .map((l) => l.trim())
    .filter((l) => l !== "le")
    .join(", ");

/**
 * The twin of a rendered recording group: one rule rates the native series with the bucket rate's labels less `le`
 * (its sum and count are inside each sample), then every quantile the classic group records, read from that rate.
 */
export function twinGroup(h: Histogram, classic: { rules: Rule[] }): { name: string; rules: Rule[] } {
  const rated = ratedSeries(bucket(h));
  if (!rated) throw new Error(`${h.name}: its buckets are not rated by a recording rule`);
  const rules: Rule[] = [{ record: twinRateName(h), expr: `sum by (${withoutLe(rated.labels.join(", "))}) (rate(${h.name}[${RATE_WINDOW}]))` }];
  for (const r of classic.rules) {
    if (!r.record || !r.expr.includes("histogram_quantile(")) continue;
    if (!r.expr.includes(rated.recorded)) throw new Error(`${r.record}: a quantile that does not read ${rated.recorded}: ${r.expr}`);
    const expr = r.expr.replaceAll(rated.recorded, twinRateName(h)).replace(/\bby \(([^)]*)\)/g, (_, by: string) => `by (${withoutLe(by)})`);
    rules.push({ record: `native_${r.record}`, expr });
  }
  return { name: twinGroupName(h), rules };
}

/**
 * The rendered stack with conversion at scrape and the twin groups added. Each job's sample_limit is doubled: with
 * both forms kept a pod exposes its classic samples plus one native sample per histogram, and the rules scenario
 * sizes pods just under the limits.
 */
export function withNativeTwins(rendered: RenderedStack): RenderedStack {
  const prom = load(rendered.prometheusYml) as { scrape_configs: Record<string, unknown>[] };
  for (const job of prom.scrape_configs) {
    job.convert_classic_histograms_to_nhcb = true;
    job.always_scrape_classic_histograms = true;
    if (typeof job.sample_limit === "number") job.sample_limit *= 2;
  }
  const recording = load(rendered.ruleFiles[RECORDING_FILE] ?? "") as RuleFile | undefined;
  if (!recording?.groups) throw new Error(`rendered stack has no ${RECORDING_FILE}`);
  const groups = RATED_HISTOGRAMS.map((h) => {
    const classic = recording.groups.find((g) => g.name === ratedGroupName(h));
    if (!classic) throw new Error(`${RECORDING_FILE} has no group ${ratedGroupName(h)}`);
    return twinGroup(h, classic);
  });
  return {
    ...rendered,
    prometheusYml: dump(prom, { noRefs: true, lineWidth: -1 }),
    ruleFiles: { ...rendered.ruleFiles, [TWIN_FILE]: dump({ groups }, { lineWidth: -1 }) },
  };
}

export interface FamilyTwin {
  readonly family: string;
  /** Classic series of the family (`_bucket`, `_sum`, `_count`) and native ones, in the head at the end. */
  readonly classicSeries: number;
  readonly nativeSeries: number;
  /** Median last duration of the rendered group and of its twin, over the observed intervals (ms). */
  readonly classicGroupMs: number;
  readonly nativeGroupMs: number;
}

export interface NativeHistogramCost {
  readonly cost: RuleCost;
  readonly families: readonly FamilyTwin[];
  /**
   * All groups per interval (median) as if the twins replaced the classic groups: the total less the rendered
   * histogram groups and the twins, plus the twins. An estimate: the twins ran beside the classic groups, not instead.
   */
  readonly totalWithTwinsMs: number;
  /** The same sum of group medians without the twins: the rendered rules alone, in this run. */
  readonly totalClassicMs: number;
  /** The slowest group of the estimate with the twins. */
  readonly slowestWithTwins: readonly [string, number];
  /** Families whose classic and native P95 per service differ, or where one of them is missing. */
  readonly failures: readonly string[];
}

const scalar = async (p: Pipeline, expr: string): Promise<number> => Number((await p.query(expr))[0]?.value[1] ?? NaN);

/** One scale: the rules and their twins on the synthetic platform, the series counts and the quantile check. */
export async function nativeHistogramCost(rendered: RenderedStack, scale: SyntheticScale, cycles: number): Promise<NativeHistogramCost> {
  const failures: string[] = [];
  const series: Record<string, [number, number]> = {};
  const twinned = withNativeTwins(rendered);
  progress(`native histograms ${scale.name}: the rendered rules and ${RATED_HISTOGRAMS.length} native twins`);
  const cost = await ruleCost(twinned, scale, cycles, async (p) => {
    for (const h of RATED_HISTOGRAMS) {
      const classic = await scalar(p, `count({__name__=~"${bucket(h)}|${sum(h)}|${count(h)}"})`);
      const native = await scalar(p, `count(${h.name})`);
      series[h.name] = [classic, native];
      const q = (inner: string) => `histogram_quantile(${CHECK_QUANTILE}, ${inner})`;
      const [a, b] = await Promise.all([
        p.query(q(`sum by (service, le) (rate(${bucket(h)}[${RATE_WINDOW}]))`)),
        p.query(q(`sum by (service) (rate(${h.name}[${RATE_WINDOW}]))`)),
      ]);
      const byService = (xs: typeof a) => new Map(xs.map((x) => [x.metric.service, Number(x.value[1])]));
      const ca = byService(a);
      const nb = byService(b);
      if (ca.size === 0) failures.push(`${h.name}: no classic quantile`);
      for (const [service, v] of ca) {
        const w = nb.get(service);
        const same = w !== undefined && (v === w || (Number.isNaN(v) && Number.isNaN(w)) || Math.abs(v - w) <= NATIVE_CHECK_TOLERANCE * Math.max(Math.abs(v), Math.abs(w)));
        if (!same) failures.push(`${h.name}{service="${service}"}: classic P95 ${v}, native P95 ${w ?? "missing"}`);
      }
      for (const service of nb.keys()) if (!ca.has(service)) failures.push(`${h.name}{service="${service}"}: a native P95 without a classic one`);
    }
  });
  const group = (file: string, name: string) => cost.groupMedianMs[`${file};${name}`] ?? NaN;
  const families = RATED_HISTOGRAMS.map((h) => ({
    family: h.name,
    classicSeries: series[h.name]?.[0] ?? NaN,
    nativeSeries: series[h.name]?.[1] ?? NaN,
    classicGroupMs: group(RECORDING_FILE, ratedGroupName(h)),
    nativeGroupMs: group(TWIN_FILE, twinGroupName(h)),
  }));
  const replaced = new Set(RATED_HISTOGRAMS.flatMap((h) => [`${RECORDING_FILE};${ratedGroupName(h)}`, `${TWIN_FILE};${twinGroupName(h)}`]));
  const kept = Object.entries(cost.groupMedianMs).filter(([g]) => !replaced.has(g));
  const estimate: [string, number][] = [...kept, ...RATED_HISTOGRAMS.map((h) => [`${TWIN_FILE};${twinGroupName(h)}`, group(TWIN_FILE, twinGroupName(h))] as [string, number])];
  const slowest = estimate.sort((x, y) => y[1] - x[1])[0] ?? ["none", NaN];
  const totalClassicMs = Object.entries(cost.groupMedianMs).filter(([g]) => !g.startsWith(`${TWIN_FILE};`)).reduce((t, [, v]) => t + v, 0);
  const result = { cost, families, totalWithTwinsMs: estimate.reduce((t, [, v]) => t + v, 0), totalClassicMs, slowestWithTwins: slowest, failures };
  progress(`native histograms ${scale.name}: the rendered rules ${totalClassicMs.toFixed(1)} ms per interval; with the twins instead, all groups ${result.totalWithTwinsMs.toFixed(1)} ms per interval, slowest ${slowest[0]} ${slowest[1].toFixed(1)} ms; ${failures.length} quantile check failure(s)`);
  return result;
}
