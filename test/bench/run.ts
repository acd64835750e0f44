/**
 * `npm run bench`: measures the stack on this machine and writes docs/benchmarks.md (figures and the machine).
 *
 *   npm run bench [-- --runs 5] [-- --skip-e2e] [-- --out docs/benchmarks.md]
 *
 * Needs what `npm test` and `npm run test:e2e` need (the pinned Prometheus and Alertmanager, built by
 * scripts/install-test-tools.sh). Takes
 * about ten minutes; the measurements run one after another so they do not disturb each other.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { ROOT } from "../support/render";
import { renderStack } from "../e2e/harness/stack-files";
import { Machine, machine, median, progress, seconds } from "./machine";
import {
  CardinalityGuard,
  NotifyTime,
  RenderTime,
  RuleEvaluation,
  SuiteTime,
  cardinalityGuard,
  notifyCompressed,
  notifyUncompressed,
  renderTimes,
  ruleEvaluation,
  suiteTime,
} from "./scenarios";

interface Options {
  runs: number;
  skipE2e: boolean;
  out: string;
}

const USAGE = "usage: npm run bench -- [--runs <n>] [--skip-e2e] [--out <file>]";
const COMPRESSION = 60;
const RULE_CYCLES = 6;
const CARDINALITY_USERS = 200_000;

function parseArgs(argv: readonly string[]): Options {
  const opts: Options = { runs: 5, skipE2e: false, out: path.join(ROOT, "docs", "benchmarks.md") };
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
    } else throw new Error(`unknown argument ${JSON.stringify(a)}\n${USAGE}`);
  }
  return opts;
}

interface Results {
  machine: Machine;
  renders: RenderTime[];
  suites: SuiteTime[];
  notifyUncompressed: NotifyTime[];
  notifyCompressed: NotifyTime[];
  rules: RuleEvaluation;
  cardinality: CardinalityGuard;
  totalMs: number;
}

const table = (header: string[], rows: (string | number)[][]): string =>
  [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");

function notifyRows(times: NotifyTime[]): (string | number)[][] {
  return [...times].sort((a, b) => b.ratio - a.ratio).map((t) => [t.alert, t.channel, seconds(t.elapsedMs, 2), seconds(t.boundMs, 2), t.ratio.toFixed(2)]);
}

function report(r: Results, opts: Options): string {
  const m = r.machine;
  const compressedRatios = r.notifyCompressed.map((t) => t.ratio);
  const over = r.notifyCompressed.filter((t) => t.ratio > 1);
  const rules = r.rules;
  const card = r.cardinality;
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

## Render

\`npm run render -- --stack <name>\`, a fresh process each run (TypeScript loading included), ${opts.runs} runs.

${table(["stack", "median (s)", "min (s)", "max (s)"], r.renders.map((x) => [x.stack, seconds(x.medianMs, 2), seconds(Math.min(...x.runsMs), 2), seconds(Math.max(...x.runsMs), 2)]))}

## Test suites

${table(["suite", "command", "wall time (s)", "passed", "failed"], r.suites.map((s) => [s.name, `\`${s.command}\``, seconds(s.ms, 0), s.passed, s.failed]))}
${opts.skipE2e ? "\nThe end-to-end suite was skipped (`--skip-e2e`).\n" : ""}
## Time to notify

From the moment a service's value crosses the threshold (the demo service or fake exporter changes it) to the fake
Slack receiving the POST, against the bound *for + scrape interval + evaluation interval + group_wait* (group_wait of
the route that delivers to that channel). A ratio below 1 is within the bound.

### As deployed (dev stack timings, uncompressed)

15 s scrape and evaluation intervals, \`for: 1m\`, group_wait 10 s (critical route) or 30 s (every other route).

${table(["alert", "channel", "elapsed (s)", "bound (s)", "ratio"], notifyRows(r.notifyUncompressed))}

### Every seed alert, time-compressed by ${COMPRESSION}

\`for\` and route timings divided by ${COMPRESSION}, scrape and evaluation intervals 1 s (test/e2e/harness/stack-files.ts,
\`COMPRESSION\`); one incident makes all ${new Set(r.notifyCompressed.map((t) => t.alert)).size} alerts fire. Median ratio
${median(compressedRatios).toFixed(2)}, max ${Math.max(...compressedRatios).toFixed(2)}.
${over.length ? `\nOver the bound: ${over.map((t) => `${t.alert} (${t.channel}, ${t.ratio.toFixed(2)})`).join(", ")}. For rate()-based alerts the expression crosses its threshold one or more scrapes after the service's value changes (rate needs two samples of the new behaviour, and the ratio or quantile must move past the threshold), which the bound does not count; with 1 s intervals those scrapes weigh more than they would at 15 s.\n` : ""}
${table(["alert", "channel", "elapsed (s)", "bound (s)", "ratio"], notifyRows(r.notifyCompressed))}

## Rule evaluation cost

Prometheus with the rendered dev rules and timings (evaluation every ${seconds(rules.evaluationIntervalMs, 0)} s) scraping
synthetic targets in the catalog's shapes, built with the instrumentation helpers (test/bench/synthetic.ts), each job
under its sample_limit: ${rules.seriesScraped.toLocaleString("en-US")} series per scrape
(${Object.entries(rules.seriesByJob).sort().map(([j, n]) => `${j} ${n.toLocaleString("en-US")}`).join(", ")}); head series
${rules.headSeries.toLocaleString("en-US")}. Observed over ${rules.cyclesObserved} evaluation intervals
(\`prometheus_rule_group_last_duration_seconds\`, largest value seen per group).

- Slowest rule group: **${rules.slowestGroup}**, ${rules.slowestGroupMs.toFixed(1)} ms.
- All groups together, largest single sample: ${rules.allGroupsMaxMs.toFixed(1)} ms of the ${seconds(rules.evaluationIntervalMs, 0)} s interval.
- Missed evaluation iterations: ${rules.missedIterations}. Slowest scrape: ${rules.maxScrapeDurationMs.toFixed(0)} ms.

${table(["rule group", "max last duration (ms)"], Object.entries(rules.groupMaxMs).sort((a, b) => b[1] - a[1]).map(([g, ms]) => [g, ms.toFixed(2)]))}

## Cardinality guard

A memory engine exposing ${card.users.toLocaleString("en-US")} \`memory_items_total{user_id}\` series (plus its few
others), scraped with the rendered \`memory-engine\` job (sample_limit ${card.sampleLimit.toLocaleString("en-US")}); Prometheus also
scrapes itself, as deployed, so the self-monitoring rule can see the rejections.

- Head series: ${card.headSeriesBefore.toLocaleString("en-US")} before, ${card.headSeriesAfter.toLocaleString("en-US")} after: a growth of
  ${(card.headSeriesAfter - card.headSeriesBefore).toLocaleString("en-US")}, ${card.headSeriesAfter - card.headSeriesBefore <= card.sampleLimit ? "within" : "**over**"} the sample_limit. The rejected scrape stores no samples, but Prometheus
  ${card.headSeriesAfter - card.headSeriesBefore > 0 ? "still created a head series for each sample it appended before reaching the limit (the samples are rolled back, the series are not); they hold no data and go when the head is next truncated, hours later by default. So the limit bounds the head, at one limit's worth of empty series per exploding target, rather than keeping it flat." : "created no head series for them."}
- \`up{job="memory-engine"}\` after: ${card.targetUpAfter}; scrapes rejected over the limit: ${card.exceededScrapes}.
- \`increase(prometheus_target_scrapes_exceeded_sample_limit_total[5m]) > 0\` (PrometheusScrapeSampleLimitHit): ${card.expressionTrue ? `true ${card.secondsToExpression.toFixed(0)} s after the explosion` : "not true within the wait"}; the alert was **${card.alertState}** when measured (it fires after its \`for: 5m\`, not awaited here).
- ServiceDown for memory-engine: ${card.serviceDownState} (a rejected scrape counts as a failed one, as rules/cardinality.ts says).
- Generating the ${card.users.toLocaleString("en-US")} series in the exporter took ${card.exporterGenerationMs.toFixed(0)} ms.
`;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const m = machine();
  progress(`${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, node ${m.node}`);
  const renders = renderTimes(["dev", "prod"], opts.runs);
  const suites = [suiteTime("unit and render tests", [])];
  if (!opts.skipE2e) suites.push(suiteTime("end-to-end tests", ["--config", "jest.e2e.config.js"]));
  const rendered = renderStack("dev");
  const results: Results = {
    machine: m,
    renders,
    suites,
    notifyUncompressed: await notifyUncompressed(rendered),
    notifyCompressed: await notifyCompressed(rendered, COMPRESSION),
    rules: await ruleEvaluation(rendered, RULE_CYCLES),
    cardinality: await cardinalityGuard(rendered, CARDINALITY_USERS),
    totalMs: 0,
  };
  results.totalMs = Date.now() - started;
  const text = report(results, opts);
  mkdirSync(path.dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, text);
  process.stdout.write(text);
  progress(`wrote ${path.relative(process.cwd(), opts.out)}`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exit(1);
  },
);
