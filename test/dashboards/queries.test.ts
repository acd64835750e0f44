/**
 * Every panel query and template-variable query parses with the PromQL or LogQL parser from npm, and every metric a
 * PromQL query reads is a catalog family or a recording rule the rendered rule files define.
 */
import { buildDashboards } from "../../dashboards";
import { DATASOURCE_UIDS } from "../../dashboards/datasources";
import {
  Json,
  allowedMetricNames,
  labelValuesSelector,
  logqlErrors,
  promqlErrors,
  promqlMetricNames,
  queriesOf,
  recordedNames,
  substituteGrafanaVariables,
} from "./support";

const dashboards = buildDashboards() as Record<string, Json>;
const queries = queriesOf(dashboards);
const allowed = allowedMetricNames();
const name = (q: { dashboard: string; panel: Json; target: Json }) => `${q.dashboard} / ${q.panel.title} / ${q.target.refId}`;

const promQueries = queries.filter((q) => q.target.datasource?.uid === DATASOURCE_UIDS.prometheus).map((q) => [name(q), q.target.expr as string] as const);
const lokiQueries = queries.filter((q) => q.target.datasource?.uid === DATASOURCE_UIDS.loki).map((q) => [name(q), q.target.expr as string] as const);

const variables = Object.entries(dashboards).flatMap(([file, d]) =>
  ((d.templating?.list ?? []) as Json[]).filter((variable) => variable.type === "query").map((variable) => ({ file, variable })),
);
const promVariables = variables.filter((x) => x.variable.datasource?.uid === DATASOURCE_UIDS.prometheus).map((x) => [`${x.file} / $${x.variable.name}`, x.variable.query as string] as const);
const lokiVariables = variables.filter((x) => x.variable.datasource?.uid === DATASOURCE_UIDS.loki).map((x) => [`${x.file} / $${x.variable.name}`, x.variable.query as string] as const);

test("the dashboards have PromQL and LogQL queries and variables to check", () => {
  expect(promQueries.length).toBeGreaterThan(100);
  expect(lokiQueries.length).toBeGreaterThan(5);
  expect(promVariables.length).toBeGreaterThan(10);
  expect(lokiVariables.length).toBeGreaterThan(0);
  // Every target is one of the two query languages: nothing escapes the checks below.
  expect(promQueries.length + lokiQueries.length).toBe(queries.length);
});

describe("PromQL panel queries", () => {
  test.each(promQueries)("%s parses", (_, expr) => {
    expect(promqlErrors(expr)).toEqual([]);
  });

  test.each(promQueries)("%s reads only catalog metrics and recorded series", (_, expr) => {
    const names = promqlMetricNames(expr);
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((n) => !allowed.has(n))).toEqual([]);
  });
});

describe("LogQL panel queries", () => {
  test.each(lokiQueries)("%s parses", (_, expr) => {
    expect(logqlErrors(expr)).toEqual([]);
  });
});

describe("template variables", () => {
  test.each(promVariables)("%s is label_values over a valid selector of catalog metrics", (_, query) => {
    const lv = labelValuesSelector(query);
    expect(lv).toBeDefined();
    expect(promqlErrors(lv!.selector)).toEqual([]);
    const names = promqlMetricNames(lv!.selector);
    expect(names).toHaveLength(1);
    expect(names.filter((n) => !allowed.has(n))).toEqual([]);
  });

  test.each(lokiVariables)("%s is label_values over a valid stream selector", (_, query) => {
    const lv = labelValuesSelector(query);
    expect(lv).toBeDefined();
    expect(logqlErrors(lv!.selector)).toEqual([]);
  });
});

describe("the checks themselves", () => {
  test("metric names come from the syntax tree, not from strings or labels", () => {
    expect(promqlMetricNames('sum by (le) (rate(http_request_duration_seconds_bucket{endpoint="up"}[$__rate_interval])) / on (service) group_left up')).toEqual([
      "http_request_duration_seconds_bucket",
      "up",
    ]);
  });

  test("recorded names come from the rendered rule files", () => {
    expect(recordedNames()).toContain("service:http_request_duration_seconds:p95_5m");
    expect(recordedNames()).toContain("gpu_utilization_percent");
  });

  test("Grafana macros and variables become parseable placeholders", () => {
    expect(substituteGrafanaVariables('rate(x{a=~"$namespace", b=~"${service:regex}"}[$__rate_interval])')).toBe('rate(x{a=~"grafana_variable", b=~"grafana_variable"}[5m])');
  });

  test("rejects a metric that is in neither the catalog nor the rule files", () => {
    const names = promqlMetricNames("sum(rate(http_requests_totl[$__rate_interval]))");
    expect(names.filter((n) => !allowed.has(n))).toEqual(["http_requests_totl"]);
  });

  test("rejects a selector without a metric name", () => {
    expect(promqlMetricNames('{__name__=~"http_.*"}')).toEqual(["<no metric name>"]);
  });

  test("rejects a variable used outside a label matcher as an unknown metric", () => {
    expect(promqlMetricNames("topk($n, up)").filter((n) => !allowed.has(n))).toEqual(["grafana_variable"]);
  });

  test("fails on unbalanced PromQL", () => {
    expect(promqlErrors("sum(rate(up[5m])")).not.toEqual([]);
  });

  test("fails on an unknown PromQL function", () => {
    expect(promqlErrors("sum(rat(up[5m]))")).not.toEqual([]);
  });

  test("fails on a broken LogQL stream selector", () => {
    expect(logqlErrors('{service="gateway"')).not.toEqual([]);
    expect(logqlErrors('sum(rate({service="gateway"} [5m])')).not.toEqual([]);
  });

  test("fails on a label_values query that is not label_values", () => {
    expect(labelValuesSelector("up")).toBeUndefined();
  });
});
