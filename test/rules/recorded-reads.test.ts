/**
 * Rule cost that stays flat: every raw series the recording rules rate (rules/rated.ts) is rated by exactly one
 * recording rule, and no alert, other recording rule or dashboard panel reads raw histogram buckets or rates a raw
 * series that has a recorded rate.
 */
import { buildDashboards } from "../../dashboards";
import { DATASOURCE_UIDS } from "../../dashboards/datasources";
import { RATED_SERIES } from "../../rules/rated";
import { RULE_SOURCES, allAlerts, allRuleGroups } from "../../rules/rule-files";
import { AlertRule, RecordingRule, RuleGroup, isAlert } from "../../rules/types";
import { Json, queriesOf, substituteGrafanaVariables } from "../dashboards/support";
import { rangeReadsOf, rawReads } from "./raw-reads";

type Sources = Readonly<Record<string, () => readonly RuleGroup[]>>;

const recordingRules = (sources: Sources = RULE_SOURCES): RecordingRule[] => allRuleGroups(sources).flatMap((g) => g.rules.filter((r): r is RecordingRule => !isAlert(r)));
const ratedNames = new Set(RATED_SERIES.map((s) => s.recorded));

/** `name: problem` for each raw read of each alert. */
const alertProblems = (sources: Sources = RULE_SOURCES): string[] => allAlerts(sources).flatMap((a: AlertRule) => rawReads(a.expr).map((p) => `${a.alert}: ${p}`));

/** Same for the recording rules other than the ones that rate (those read raw by design). */
const derivedProblems = (sources: Sources = RULE_SOURCES): string[] =>
  recordingRules(sources)
    .filter((r) => !ratedNames.has(r.record))
    .flatMap((r) => rawReads(r.expr).map((p) => `${r.record}: ${p}`));

function panelProblems(dashboards: Record<string, Json>): string[] {
  return queriesOf(dashboards)
    .filter((q) => q.target.datasource?.uid === DATASOURCE_UIDS.prometheus)
    .flatMap((q) => rawReads(substituteGrafanaVariables(q.target.expr as string)).map((p) => `${q.dashboard} / ${q.panel.title}: ${p}`));
}

const dashboards = buildDashboards() as Record<string, Json>;

test("the checks see the alerts, the recording rules and the panels", () => {
  expect(allAlerts().length).toBeGreaterThan(20);
  expect(recordingRules().filter((r) => !ratedNames.has(r.record)).length).toBeGreaterThan(20);
  expect(queriesOf(dashboards).length).toBeGreaterThan(100);
});

test("each rated series is rated by exactly one recording rule, the one that records its rate", () => {
  const rules = recordingRules();
  const counts = RATED_SERIES.map((s) => ({
    raw: s.raw,
    by: rules.filter((r) => rangeReadsOf(r.expr, s.raw) > 0).map((r) => `${r.record} x${rangeReadsOf(r.expr, s.raw)}`),
  }));
  expect(counts).toEqual(RATED_SERIES.map((s) => ({ raw: s.raw, by: [`${s.recorded} x1`] })));
});

test("no alert reads raw buckets or rates a series that has a recorded rate", () => {
  expect(alertProblems()).toEqual([]);
});

test("no recording rule but the rating ones reads raw buckets or rates a rated series", () => {
  expect(derivedProblems()).toEqual([]);
});

test("no dashboard panel reads raw buckets or rates a series that has a recorded rate", () => {
  expect(panelProblems(dashboards)).toEqual([]);
});

describe("the checks themselves", () => {
  test("rejects a planted alert that computes its quantile from raw buckets", () => {
    const planted: AlertRule = {
      alert: "PlantedLatency",
      expr: 'histogram_quantile(0.95, sum by (service, le) (rate(http_request_duration_seconds_bucket{service="gateway"}[5m]))) > 2',
      for: "5m",
      severity: "warning",
      category: "latency",
      summary: "planted",
      description: "planted",
    };
    const sources: Sources = { ...RULE_SOURCES, latency: () => [...RULE_SOURCES.latency(), { name: "planted", rules: [planted] }] };
    expect(alertProblems(sources)).toEqual([
      "PlantedLatency: reads raw buckets http_request_duration_seconds_bucket (recorded as namespace_service:http_request_duration_seconds_bucket:rate5m)",
    ]);
  });

  test("rejects a planted panel that rates a raw counter with a recorded rate", () => {
    const planted = { "planted.json": { panels: [{ title: "Planted", targets: [{ refId: "A", datasource: { uid: DATASOURCE_UIDS.prometheus }, expr: "sum(rate(http_requests_total[$__rate_interval]))" }] }] } };
    expect(panelProblems({ ...dashboards, ...planted })).toEqual(["planted.json / Planted: rates raw http_requests_total (recorded as namespace_service:http_requests:rate5m)"]);
  });

  test("rejects a planted recording rule that rates a rated series a second time", () => {
    const planted: RecordingRule = { record: "service:planted:rate5m", expr: "sum by (service) (rate(mcp_requests_total[5m]))" };
    const sources: Sources = { ...RULE_SOURCES, recording: () => [...RULE_SOURCES.recording(), { name: "planted", rules: [planted] }] };
    expect(derivedProblems(sources)).toEqual(["service:planted:rate5m: rates raw mcp_requests_total (recorded as namespace_service:mcp_requests:rate5m)"]);
  });

  test("finds raw reads under subqueries and in any histogram's buckets, recorded or not", () => {
    expect(rawReads("max_over_time(sum(memory_operations_total)[1h:1m])")).toEqual(["rates raw memory_operations_total (recorded as namespace_service:memory_operations:rate5m)"]);
    expect(rawReads("histogram_quantile(0.9, sum by (le) (rate(promtail_request_duration_seconds_bucket[5m])))")).toEqual(["reads raw buckets promtail_request_duration_seconds_bucket"]);
  });

  test("accepts recorded rates, and raw rates of series nobody records", () => {
    expect(rawReads('histogram_quantile(0.95, sum by (le) (namespace_service:http_request_duration_seconds_bucket:rate5m{service="gateway"}))')).toEqual([]);
    expect(rawReads("rate(prometheus_notifications_errors_total[5m]) / rate(prometheus_notifications_sent_total[5m])")).toEqual([]);
    // An instant read of a rated counter (a template variable's label_values, a count of series) rates nothing.
    expect(rawReads('count(http_requests_total{service="gateway"})')).toEqual([]);
  });
});
