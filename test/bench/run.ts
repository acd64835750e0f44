/**
 * `npm run bench`: measures the stack on this machine and writes docs/benchmarks.md (figures and the machine).
 *
 *   npm run bench [-- --runs 5] [-- --skip-e2e] [-- --out docs/benchmarks.md] [-- --only <scenario>[,<scenario>]]
 *                 [-- --rule-scales 10k,100k,1M] [-- --native-scales 100k,1M]
 *
 * Needs what `npm test` and `npm run test:e2e` need (the pinned Prometheus and Alertmanager, built by
 * scripts/install-test-tools.sh). Takes about a quarter of an hour; the measurements run one after another so they do
 * not disturb each other. `--only` runs the named scenarios alone and replaces just their sections of the output file,
 * keeping the others as they were.
 * A scenario whose check fails prints `FAIL: ...` lines, writes nothing and exits non-zero.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ROOT } from "../support/render";
import { renderStack } from "../e2e/harness/stack-files";
import { Machine, machine, median, progress, seconds } from "./machine";
import { ruleCostPlot } from "./plot";
import { RULE_SCALES, SyntheticScale } from "./synthetic";
import {
  JobScrape,
  LOAD_SDKS,
  NotifyTime,
  RENDER_GOAL_RATIO,
  RenderCost,
  RuleCost,
  SessionSeriesLimit,
  SuiteTime,
  notifyCompressed,
  notifyUncompressed,
  renderCost,
  ruleCost,
  sessionSeriesLimit,
  suiteTime,
} from "./scenarios";
import { NATIVE_CHECK_TOLERANCE, NativeHistogramCost, nativeHistogramCost } from "./native-histograms";
import { SpanCost, spanCost } from "./spans";

/** The scenarios, in the order a full run measures them. */
const SCENARIOS = ["render", "suites", "notify", "rules", "native-histograms", "session-series", "spans"] as const;
type Scenario = (typeof SCENARIOS)[number];

interface Options {
  runs: number;
  skipE2e: boolean;
  out: string;
  /** Scenarios to run alone (undefined: all, and the whole file is written). */
  only?: Scenario[];
  /** The platform sizes the rules scenario measures (default: all of RULE_SCALES). */
  ruleScales: SyntheticScale[];
  /** The sizes the native-histograms scenario measures (default: those of the goals, 100k and 1M). */
  nativeScales: SyntheticScale[];
}

const USAGE = `usage: npm run bench -- [--runs <n>] [--skip-e2e] [--out <file>] [--only <scenario>[,<scenario>]] [--rule-scales <scale>[,<scale>]] [--native-scales <scale>[,<scale>]] (scenarios: ${SCENARIOS.join(", ")}; scales: ${RULE_SCALES.map((x) => x.name).join(", ")})`;
const COMPRESSION = 60;
/** The rules scenario's plot, written next to the output file. */
const RULES_PLOT = "benchmarks-rules.png";
const RULE_CYCLES = 6;
/** The rules scenario's goals: the slowest group at 100k series, all groups per interval at 1M, growth exponent. */
const GOAL_SLOWEST_GROUP_MS = 100;
const GOAL_SLOWEST_GROUP_SCALE = "100k";
const GOAL_TOTAL_SHARE = 0.1;
const GOAL_TOTAL_SCALE = "1M";
/** Growth of evaluation time with series, as the slope on log-log axes: 1 is linear; 0.1 over it is measurement noise. */
const GOAL_GROWTH_EXPONENT = 1.1;
/** Users of the memory engine in the session-series scenario: twice the per-session job's limit. */
const SESSION_SERIES_USERS = 1_000_000;
const SESSION_SERIES_SESSIONS = 1_000;

/** The scales of RULE_SCALES with these names, in RULE_SCALES' order; `flag` names the option in the error. */
function scalesNamed(names: readonly string[], flag: string): SyntheticScale[] {
  const scales = RULE_SCALES.filter((x) => names.includes(x.name));
  if (names.length === 0 || scales.length !== new Set(names).size) throw new Error(`${flag} takes scales from ${RULE_SCALES.map((x) => x.name).join(", ")}, got ${JSON.stringify(names.join(","))}\n${USAGE}`);
  return scales;
}

function parseArgs(argv: readonly string[]): Options {
  const opts: Options = { runs: 5, skipE2e: false, out: path.join(ROOT, "docs", "benchmarks.md"), ruleScales: [...RULE_SCALES], nativeScales: scalesNamed(["100k", "1M"], "") };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--skip-e2e") opts.skipE2e = true;
    else if (a === "--runs") {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1 || n > 50) throw new Error(`--runs must be an integer from 1 to 50, got ${JSON.stringify(argv[i])}\n${USAGE}`);
      opts.runs = n;
    } else if (a === "--out") {
      const file = argv[++i];
      if (!file) throw new Error(`--out needs a file\n${USAGE}`);
      opts.out = path.resolve(file);
    } else if (a === "--only") {
      const names = (argv[++i] ?? "").split(",").filter((n) => n !== "");
      const unknown = names.filter((n) => !(SCENARIOS as readonly string[]).includes(n));
      if (names.length === 0 || unknown.length > 0) throw new Error(`--only takes scenarios from ${SCENARIOS.join(", ")}, got ${JSON.stringify(argv[i] ?? "")}\n${USAGE}`);
      opts.only = names as Scenario[];
    } else if (a === "--rule-scales" || a === "--native-scales") {
      const scales = scalesNamed((argv[++i] ?? "").split(",").filter((n) => n !== ""), a);
      if (a === "--rule-scales") opts.ruleScales = scales;
      else opts.nativeScales = scales;
    } else throw new Error(`unknown argument ${JSON.stringify(a)}\n${USAGE}`);
  }
  return opts;
}

interface Results {
  machine: Machine;
  render?: RenderCost;
  suites?: SuiteTime[];
  notifyUncompressed?: NotifyTime[];
  notifyCompressed?: NotifyTime[];
  rules?: RuleCost[];
  nativeHistograms?: NativeHistogramCost[];
  sessionSeries?: SessionSeriesLimit;
  spans?: SpanCost[];
  totalMs: number;
}

const table = (header: string[], rows: (string | number)[][]): string =>
  [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");

const code = (s: string): string => `\`${s}\``;
const n = (x: number): string => (Number.isFinite(x) ? x.toLocaleString("en-US") : String(x));

function notifyRows(times: NotifyTime[]): (string | number)[][] {
  return [...times].sort((a, b) => b.ratio - a.ratio).map((t) => [t.alert, t.channel, seconds(t.elapsedMs, 2), seconds(t.boundMs, 2), t.ratio.toFixed(2)]);
}

function header(r: Results, opts: Options): string {
  const m = r.machine;
  return `# Benchmarks

Written by \`npm run bench\` (test/bench/run.ts) on ${m.date.slice(0, 10)}; the whole run took ${seconds(r.totalMs, 0)} s.
Figures are from one machine and one run each (render: the median of ${opts.runs}); rerun on yours before comparing.

## Machine

| | |
|---|---|
| Node.js | ${m.node} |
| OS | ${m.os} |
| CPU | ${m.cpu} |
| Cores | ${m.cores} |
| Memory | ${m.memoryGiB} GiB |
| Prometheus | ${m.prometheus} |
| Alertmanager | ${m.alertmanager} |
`;
}

function renderSection(r: RenderCost): string {
  const met = r.ratio <= RENDER_GOAL_RATIO;
  const spread = (values: number[]) => `${seconds(Math.min(...values), 2)} to ${seconds(Math.max(...values), 2)}`;
  const load = r.rounds.map((x) => x.loadMs);
  return `## Render

\`npm run render -- --stack <name>\` (its command, \`node --require ./scripts/ts-register.js scripts/render.ts\`), against
loading the two SDKs alone (\`node -e '${LOAD_SDKS}'\`): ${r.rounds.length} rounds of fresh processes, each loading the
SDKs then rendering ${r.stacks.join(" and ")}, interleaved so that all see the same load; one render before them warms the
TypeScript loader's cache (node_modules/.cache/ts-register), as any earlier render of the same sources has. The render
loads less of @pulumi/pulumi than the SDK load does: it defers the modules the SDK loads for function serialization
and the Automation API until first use (scripts/lib/defer-modules.ts), which a render never makes. npm's own start-up
is not counted. Load average (1 min) ${r.loadAverage[0].toFixed(1)} before and ${r.loadAverage[1].toFixed(1)} after, on ${os.cpus().length} cores.

${table(
  ["process", "median (s)", "range (s)", "median / SDK load"],
  [
    ["load @pulumi/pulumi and @pulumi/kubernetes", seconds(r.loadMedianMs, 2), spread(load), "1.00"],
    ...r.stacks.map((st) => [`render ${st}`, seconds(r.renderMedianMs[st], 2), spread(r.rounds.map((x) => x.renderMs[st])), (r.renderMedianMs[st] / r.loadMedianMs).toFixed(2)]),
  ],
)}

Goal (issue 15): a prod render within ${RENDER_GOAL_RATIO}x the SDKs' load time. Ratio ${r.ratio.toFixed(2)}: **${met ? "met" : "not met"}**.
Per round (prod / load): ${r.rounds.map((x) => (x.renderMs.prod / x.loadMs).toFixed(2)).join(", ")}.
`;
}

function suitesSection(suites: SuiteTime[], opts: Options): string {
  return `## Test suites

${table(["suite", "command", "wall time (s)", "passed", "failed"], suites.map((s) => [s.name, `\`${s.command}\``, seconds(s.ms, 0), s.passed, s.failed]))}
${opts.skipE2e ? "\nThe end-to-end suite was skipped (`--skip-e2e`).\n" : ""}`;
}

function notifySection(uncompressed: NotifyTime[], compressed: NotifyTime[]): string {
  const compressedRatios = compressed.map((t) => t.ratio);
  const over = compressed.filter((t) => t.ratio > 1);
  return `## Time to notify

From the moment a service's value crosses the threshold (the demo service or fake exporter changes it) to the fake
Slack receiving the POST, against the bound *for + scrape interval + evaluation interval + group_wait* (group_wait of
the route that delivers to that channel). A ratio below 1 is within the bound.

### As deployed (dev stack timings, uncompressed)

15 s scrape and evaluation intervals, \`for: 1m\`, group_wait 10 s (critical route) or 30 s (every other route).

${table(["alert", "channel", "elapsed (s)", "bound (s)", "ratio"], notifyRows(uncompressed))}

### Every seed alert, time-compressed by ${COMPRESSION}

\`for\` and route timings divided by ${COMPRESSION}, scrape and evaluation intervals 1 s (test/e2e/harness/stack-files.ts,
\`COMPRESSION\`); one incident makes all ${new Set(compressed.map((t) => t.alert)).size} alerts fire. Median ratio
${median(compressedRatios).toFixed(2)}, max ${Math.max(...compressedRatios).toFixed(2)}.
${over.length ? `\nOver the bound: ${over.map((t) => `${t.alert} (${t.channel}, ${t.ratio.toFixed(2)})`).join(", ")}. For rate()-based alerts the expression crosses its threshold one or more scrapes after the service's value changes (rate needs two samples of the new behaviour, and the ratio or quantile must move past the threshold), which the bound does not count; with 1 s intervals those scrapes weigh more than they would at 15 s.\n` : ""}
${table(["alert", "channel", "elapsed (s)", "bound (s)", "ratio"], notifyRows(compressed))}
`;
}

interface Goal {
  readonly text: string;
  /** undefined: the scale it needs was not measured. */
  readonly met?: boolean;
  readonly figure: string;
}

/** Slope of log(evaluation time) against log(head series) between consecutive scales. */
function growthExponents(rules: readonly RuleCost[]): { from: string; to: string; exponent: number }[] {
  const sorted = [...rules].sort((a, b) => a.headSeries - b.headSeries);
  return sorted.slice(1).map((r, i) => ({ from: sorted[i].scale, to: r.scale, exponent: Math.log(r.totalMedianMs / sorted[i].totalMedianMs) / Math.log(r.headSeries / sorted[i].headSeries) }));
}

function ruleGoals(rules: readonly RuleCost[]): Goal[] {
  const at = (scale: string) => rules.find((r) => r.scale === scale);
  const g100 = at(GOAL_SLOWEST_GROUP_SCALE);
  const g1m = at(GOAL_TOTAL_SCALE);
  const growth = growthExponents(rules);
  return [
    {
      text: `slowest group under ${GOAL_SLOWEST_GROUP_MS} ms at ${GOAL_SLOWEST_GROUP_SCALE} series`,
      met: g100 && g100.slowestGroupMedianMs < GOAL_SLOWEST_GROUP_MS,
      figure: g100 ? `${g100.slowestGroup}: median ${g100.slowestGroupMedianMs.toFixed(1)} ms, max ${g100.slowestGroupMaxMs.toFixed(1)} ms` : "not measured",
    },
    {
      text: `all groups under ${GOAL_TOTAL_SHARE * 100}% of the evaluation interval at ${GOAL_TOTAL_SCALE} series`,
      met: g1m && g1m.totalMedianMs < GOAL_TOTAL_SHARE * g1m.evaluationIntervalMs,
      figure: g1m ? `median ${g1m.totalMedianMs.toFixed(0)} ms, max ${g1m.totalMaxMs.toFixed(0)} ms of ${seconds(g1m.evaluationIntervalMs, 0)} s (${((100 * g1m.totalMedianMs) / g1m.evaluationIntervalMs).toFixed(1)}%)` : "not measured",
    },
    {
      text: `growth no worse than linear (log-log slope of all groups' time against head series at most ${GOAL_GROWTH_EXPONENT})`,
      met: growth.length > 0 ? growth.every((x) => x.exponent <= GOAL_GROWTH_EXPONENT) : undefined,
      figure: growth.length > 0 ? growth.map((x) => `${x.from} to ${x.to}: ${x.exponent.toFixed(2)}`).join(", ") : "needs two scales",
    },
  ];
}

const verdict = (g: Goal): string => (g.met === undefined ? "not measured" : g.met ? "met" : "**NOT met**");
const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);

function rulesSection(rules: readonly RuleCost[], plotFile: string): string {
  const groups = [...new Set(rules.flatMap((r) => Object.keys(r.groupMedianMs)))].sort(
    (a, b) => (rules.at(-1)?.groupMedianMs[b] ?? 0) - (rules.at(-1)?.groupMedianMs[a] ?? 0),
  );
  const interval = rules[0]?.evaluationIntervalMs ?? NaN;
  return `## Rule evaluation cost

\`npm run bench -- --only rules\`: Prometheus with the rendered dev rules and timings (evaluation every ${seconds(interval, 0)} s)
scraping synthetic targets in the catalog's shapes, built with the instrumentation helpers and served from loopback
(test/bench/synthetic.ts; each pod under its job's sample_limit). From 10k to 100k series the label values grow
(endpoints, models, operations, users); from 100k to 1M the pods do (ten per job). Each scale observed over
${rules[0]?.cyclesObserved ?? 0} evaluation intervals once the recorded rates had values; evaluation time is Prometheus' own
\`prometheus_rule_group_last_duration_seconds\` (median and largest per group over the intervals), all groups
summed per interval; memory is Prometheus' \`process_resident_memory_bytes\` and \`go_memstats_heap_inuse_bytes\` at
the end. Wall times on a shared machine: the load average is the machine's while observing.

${table(
  ["scale", "pods per job", "scraped series", "head series", "recorded series", "slowest group: median (ms)", "max (ms)", "all groups per interval: median (ms)", "max (ms)", "share of interval", "µs per head series", "RSS (MiB)", "heap in use (MiB)", "missed evaluations", "slowest scrape (ms)", "load average"],
  rules.map((r) => [
    r.scale,
    r.replicas,
    n(r.seriesScraped),
    n(r.headSeries),
    n(r.recordedSeries),
    r.slowestGroupMedianMs.toFixed(1),
    r.slowestGroupMaxMs.toFixed(1),
    r.totalMedianMs.toFixed(1),
    r.totalMaxMs.toFixed(1),
    `${((100 * r.totalMedianMs) / r.evaluationIntervalMs).toFixed(2)}%`,
    ((1000 * r.totalMedianMs) / r.headSeries).toFixed(2),
    mib(r.residentBytes),
    mib(r.heapInuseBytes),
    r.missedIterations,
    r.maxScrapeDurationMs.toFixed(0),
    r.loadAverage.toFixed(1),
  ]),
)}

![Rule evaluation time against active series](${plotFile})

Evaluation time against head series, both axes logarithmic: blue all groups per interval (dashed: 10% of the
interval), orange the slowest group (dashed: 100 ms).

Goals:

${ruleGoals(rules).map((g) => `- ${g.text}: ${verdict(g)} (${g.figure}).`).join("\n")}
${ruleGoals(rules).some((g) => g.met === false) ? "\nWhere the time goes and what would meet the goals (a profile, per-rule times): docs/capacity.md, \"Rule cost\".\n" : ""}

Per group, median last duration (ms):

${table(["rule group", ...rules.map((r) => r.scale)], groups.map((g) => [g, ...rules.map((r) => (r.groupMedianMs[g] ?? NaN).toFixed(2))]))}
`;
}

function nativeHistogramsSection(results: readonly NativeHistogramCost[], m: Machine): string {
  const share = (ms: number, r: NativeHistogramCost) => `${((100 * ms) / r.cost.evaluationIntervalMs).toFixed(1)}%`;
  const scales = results.map((r) => r.cost.scale);
  const families = results[0]?.families.map((f) => f.family) ?? [];
  const at = (r: NativeHistogramCost, family: string) => r.families.find((f) => f.family === family);
  const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(1)}x` : "n/a");
  return `## Native histograms, side by side

\`npm run bench -- --only native-histograms\`, on ${m.date.slice(0, 10)} (${m.cpu}, ${m.cores} cores): what native
histograms with custom buckets would save before migrating to them (docs/capacity.md, "Rule cost"). The rules
scenario's platform and the rendered dev rules, with Prometheus converting every classic histogram at scrape
(\`convert_classic_histograms_to_nhcb\`) and keeping the classic series too; next to each platform histogram's
recording group a twin (test/bench/native-histograms.ts) rates the family as one native series per histogram and
records the same quantiles from it. Both read the same observations in one process, so the classic groups here run
beside their twins and a larger head; times are median last durations over ${results[0]?.cost.cyclesObserved ?? 0} intervals.

${table(
  ["family", ...scales.flatMap((s) => [`${s}: classic series`, "native series", "classic group (ms)", "native twin (ms)", "saving"])],
  families.map((f) => [
    `\`${f}\``,
    ...results.flatMap((r) => {
      const x = at(r, f);
      return x ? [n(x.classicSeries), n(x.nativeSeries), x.classicGroupMs.toFixed(1), x.nativeGroupMs.toFixed(1), ratio(x.classicGroupMs, x.nativeGroupMs)] : ["", "", "", "", ""];
    }),
  ]),
)}

${table(
  ["scale", "head series (both forms)", "the rendered rules: all groups (ms)", "share of interval", "with the twins instead (ms, estimate)", "share of interval", "slowest group with the twins instead", "its median (ms)"],
  results.map((r) => [
    r.cost.scale,
    n(r.cost.headSeries),
    r.totalClassicMs.toFixed(1),
    share(r.totalClassicMs, r),
    r.totalWithTwinsMs.toFixed(1),
    share(r.totalWithTwinsMs, r),
    r.slowestWithTwins[0],
    r.slowestWithTwins[1].toFixed(1),
  ]),
)}

All groups are sums of the groups' medians. "With the twins instead" drops the rendered histogram groups and counts
their twins: an estimate, since the twins ran beside them. The check: for every family and service, the classic and
the native P95 of the raw series at one instant are equal (relative difference at most ${NATIVE_CHECK_TOLERANCE.toExponential(0)}); it held at every
scale (the scenario fails and writes nothing otherwise).
`;
}

/** The scrape's outcome in words: scraped, or why not. */
function outcome(j: JobScrape): string {
  if (j.up === 1) return `scraped, ${n(j.samplesPostRelabeling)} samples kept of ${n(j.samplesScraped)}`;
  return `**failed** (${j.lastError || "no error reported"}), ${n(j.samplesScraped)} samples exposed`;
}

function sessionSeriesSection(r: SessionSeriesLimit, machineDate: string): string {
  const jobs = [r.service, r.sessionJob];
  const growth = r.headSeriesAfter - r.headSeriesBefore;
  return `## Per-user series past the limit

\`npm run bench -- --only session-series\`, on ${machineDate.slice(0, 10)}. One memory engine exposing
${n(r.users)} \`memory_items_total{user_id}\` series, ${n(r.sessions)} sessions' budget gauges (one session over its
budget) and its own operation and HTTP series (${n(r.exposedSamples)} samples, ${(r.exposedBytes / 2 ** 20).toFixed(1)} MiB of text), scraped by the
rendered dev \`memory-engine\` and \`memory-engine-sessions\` jobs, 15 s interval, ${seconds(r.scrapeTimeoutMs, 0)} s timeout, with the
rendered rules; Prometheus also scrapes itself. Figures over the scrapes of the full exposition (from when the users
appeared to one evaluation after the third scrape of each job); the machine's load average was ${r.loadAverage.toFixed(1)} on its ${os.cpus().length} cores then.

${table(
  ["job", "sample_limit", "up", "outcome of the last scrape", "series stored", "scrapes", "scrape duration: median (s)", "max (s)", "last (s)"],
  jobs.map((j) => [code(j.job), n(j.sampleLimit), j.up, outcome(j), n(j.seriesStored), j.scrapes, seconds(j.medianDurationMs, 2), seconds(j.maxDurationMs, 2), seconds(j.lastDurationMs, 2)]),
)}

- The memory engine's own series under \`job="memory-engine"\`, with samples from scrapes of the full exposition: ${r.coreMissing.length === 0 ? `all ${r.coreSeries.length} present` : `**missing ${r.coreMissing.join(", ")}**`} (${r.coreSeries.map(code).join(", ")}).
- Head series: ${n(r.headSeriesBefore)} before the users appeared, ${n(r.headSeriesAfter)} after (${n(growth)} more).${r.sessionJob.up === 1 ? "" : " A rejected scrape stores no samples, but Prometheus keeps a head series for each sample it appended before reaching the limit (the samples are rolled back, the series are not) until the head is next truncated, so one limit's worth of empty series per target is the bound."}
- The over-budget session's \`memory_budget_utilization\`: ${r.overBudgetSeriesStored ? "stored" : "**not stored** (lost with the per-session scrape; the budget alerts cannot see it)"}.
- Alerts one evaluation after the last scrape (those with \`for\` were not awaited): ${Object.entries(r.alerts).map(([a, st]) => `${a} ${st}`).join("; ")}.
- Exporter cost, for comparison: setting the ${n(r.users)} user series with \`setMemoryItems\` took ${seconds(r.generationMs, 1)} s, and prom-client
  renders the exposition in ${seconds(r.renderMs, 1)} s. The benchmark's stand-in serves the text rendered once, so the
  durations above are Prometheus' (transfer, parse, relabel, append; the ${seconds(r.scrapeTimeoutMs, 0)} s timeout bounds only the transfer). A live
  engine renders for every scrape, and both jobs scrape it each interval: ${2 * r.renderMs > r.scrapeTimeoutMs ? `twice ${seconds(r.renderMs, 1)} s is past the timeout, so at this size it must cache its exposition between scrapes or serve the per-user series on a path of their own, or its own job times out too` : `twice ${seconds(r.renderMs, 1)} s fits in the timeout`}.
`;
}

function spansSection(rows: readonly SpanCost[]): string {
  return `## Span throughput

\`npm run bench -- --only spans\`: the pinned Collector and Jaeger on the rendered prod configs (loopback addresses and
Badger's directories changed, as in the traces end-to-end test), telemetrygen sending OTLP gRPC traces (one span each)
for 30 s at each rate asked of it. CPU is what each process used per second of load and drain (from /proc), memory its
peak resident set, disk the growth of Badger's directories per accepted span after Jaeger stopped. One collector
replica without k8s_attributes (no API server here), so a pod in the cluster uses somewhat more CPU per span.

${table(
  ["asked of telemetrygen (spans/s)", "accepted by the collector (spans/s)", "refused or failed", "collector CPU (cores)", "collector peak RSS (MiB)", "Jaeger CPU (cores)", "Jaeger peak RSS (MiB)", "Badger bytes per span", "load average"],
  rows.map((r) => [
    n(r.offeredSpansPerSecond),
    n(Math.round(r.acceptedSpansPerSecond)),
    n(r.refusedOrDropped),
    r.collectorCpuCores.toFixed(2),
    mib(r.collectorPeakRssBytes),
    r.jaegerCpuCores.toFixed(2),
    mib(r.jaegerPeakRssBytes),
    r.badgerBytesPerSpan.toFixed(0),
    r.loadAverage.toFixed(1),
  ]),
)}
`;
}

/** `text` split into the part before the first `## ` heading and its `## ` sections, by title. */
function sections(text: string): { preamble: string; sections: [string, string][] } {
  const parts = text.split(/^(?=## )/m);
  const preamble = parts[0].startsWith("## ") ? "" : parts.shift()!;
  return { preamble, sections: parts.map((p) => [p.split("\n")[0].slice(3).trim(), p.endsWith("\n\n") ? p : `${p.replace(/\n*$/, "")}\n\n`]) };
}

/** `previous` with the given sections replaced (or appended), every other one kept as it was. */
function spliceSections(previous: string, replacements: readonly string[]): string {
  const doc = sections(previous);
  for (const r of replacements) {
    const [[title, body]] = sections(r).sections;
    const i = doc.sections.findIndex(([t]) => t === title);
    if (i >= 0) doc.sections[i] = [title, body];
    else doc.sections.push([title, body]);
  }
  return `${doc.preamble}${doc.sections.map(([, body]) => body).join("")}`.replace(/\n+$/, "\n");
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const m = machine();
  progress(`${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, node ${m.node}`);
  const runs = (s: Scenario) => !opts.only || opts.only.includes(s);
  const results: Results = { machine: m, totalMs: 0 };
  const out: string[] = [];
  if (runs("render")) {
    results.render = renderCost(["prod", "dev"], opts.runs);
    out.push(renderSection(results.render));
  }
  if (runs("suites")) {
    results.suites = [suiteTime("unit and render tests", [])];
    if (!opts.skipE2e) results.suites.push(suiteTime("end-to-end tests", ["--config", "jest.e2e.config.js"]));
    out.push(suitesSection(results.suites, opts));
  }
  const rendered = runs("notify") || runs("rules") || runs("native-histograms") || runs("session-series") ? renderStack("dev") : undefined;
  if (rendered && runs("notify")) {
    results.notifyUncompressed = await notifyUncompressed(rendered);
    results.notifyCompressed = await notifyCompressed(rendered, COMPRESSION);
    out.push(notifySection(results.notifyUncompressed, results.notifyCompressed));
  }
  const plotFile = path.join(path.dirname(opts.out), RULES_PLOT);
  let plot: Buffer | undefined;
  if (rendered && runs("rules")) {
    results.rules = [];
    for (const scale of opts.ruleScales) results.rules.push(await ruleCost(rendered, scale, RULE_CYCLES));
    out.push(rulesSection(results.rules, RULES_PLOT));
    for (const g of ruleGoals(results.rules)) progress(`rules goal: ${g.text}: ${g.met === undefined ? "not measured" : g.met ? "met" : "NOT met"} (${g.figure})`);
    const interval = results.rules[0].evaluationIntervalMs;
    plot = ruleCostPlot(
      results.rules.map((r) => ({ series: r.headSeries, totalMs: r.totalMedianMs, slowestGroupMs: r.slowestGroupMedianMs })),
      { slowestGroupMs: GOAL_SLOWEST_GROUP_MS, totalMs: GOAL_TOTAL_SHARE * interval },
    );
  }
  const failures: string[] = [];
  if (rendered && runs("native-histograms")) {
    results.nativeHistograms = [];
    for (const scale of opts.nativeScales) results.nativeHistograms.push(await nativeHistogramCost(rendered, scale, RULE_CYCLES));
    out.push(nativeHistogramsSection(results.nativeHistograms, m));
    failures.push(...results.nativeHistograms.flatMap((r) => r.failures.map((f) => `native-histograms ${r.cost.scale}: ${f}`)));
  }
  if (rendered && runs("session-series")) {
    results.sessionSeries = await sessionSeriesLimit(rendered, SESSION_SERIES_USERS, SESSION_SERIES_SESSIONS);
    out.push(sessionSeriesSection(results.sessionSeries, m.date));
    failures.push(...results.sessionSeries.failures.map((f) => `session-series: ${f}`));
  }
  if (runs("spans")) {
    results.spans = await spanCost();
    out.push(spansSection(results.spans));
  }
  results.totalMs = Date.now() - started;

  process.stdout.write(out.join("\n"));
  if (failures.length > 0) {
    for (const f of failures) process.stdout.write(`FAIL: ${f}\n`);
    throw new Error(`${failures.length} check(s) failed; ${path.relative(process.cwd(), opts.out)} left as it was`);
  }
  const text = opts.only && existsSync(opts.out) ? spliceSections(readFileSync(opts.out, "utf8"), out) : `${header(results, opts)}\n${out.join("\n")}`;
  mkdirSync(path.dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, text);
  if (plot) {
    writeFileSync(plotFile, plot);
    progress(`wrote ${path.relative(process.cwd(), plotFile)}`);
  }
  progress(`wrote ${path.relative(process.cwd(), opts.out)}${opts.only ? ` (sections: ${opts.only.join(", ")})` : ""}`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exit(1);
  },
);
