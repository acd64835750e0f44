/**
 * One label schema for both log paths: every label a logs panel or Grafana's trace-to-logs link selects on is a
 * stream label of Promtail's streams and of the collector's OTLP streams, and the full label sets are pinned.
 */
import { buildDashboards } from "../../dashboards";
import { DATASOURCE_UIDS } from "../../dashboards/datasources";
import { SERVICE_TAG } from "../../components/grafana-config";
import { buildLokiConfig } from "../../components/loki-config";
import { OTLP_LOG_LABELS } from "../../components/otel-collector-config";
import { PROMTAIL_STREAM_LABEL_SET } from "../../components/promtail-config";
import { parseStackConfig } from "../../config/parse";
import { Json, queriesOf } from "../dashboards/support";

/** What Loki adds to every stream from its `service` label (discover_service_name). */
const LOKI_DERIVED = ["service_name"];
const settings = parseStackConfig({ "observability:slackBotToken": "xoxb-1-2-test" }).settings;

/** Label names in the stream selectors (`{...}`) of a LogQL query. */
function selectorLabels(query: string): string[] {
  return [...query.matchAll(/\{([^{}]*)\}/g)].flatMap((m) => [...m[1].matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)/g)].map((x) => x[1]));
}

const otlpStreamLabels = () => {
  const loki = buildLokiConfig({ settings: settings.loki, httpPort: 3100, grpcPort: 9095 });
  const otlp = loki.limits_config.otlp_config as { resource_attributes: { ignore_defaults: boolean; attributes_config: { action: string; attributes: string[] }[] } };
  expect(otlp.resource_attributes.ignore_defaults).toBe(true);
  return [...otlp.resource_attributes.attributes_config.filter((a) => a.action === "index_label").flatMap((a) => a.attributes), ...LOKI_DERIVED];
};

test("Promtail streams carry exactly eight labels, the OTLP streams six, and no per-pod label on OTLP", () => {
  expect([...PROMTAIL_STREAM_LABEL_SET].sort()).toEqual(["cluster", "container", "level", "logger", "namespace", "pod", "service", "service_name"]);
  expect(otlpStreamLabels().sort()).toEqual(["cluster", "level", "logger", "namespace", "service", "service_name"]);
  expect(otlpStreamLabels()).toEqual([...OTLP_LOG_LABELS, ...LOKI_DERIVED]);
});

const logQueries = queriesOf(buildDashboards() as Record<string, Json>)
  .filter((q) => q.target.datasource?.uid === DATASOURCE_UIDS.loki)
  .map((q) => [`${q.dashboard} / ${q.panel.title} / ${q.target.refId}`, q.target.expr as string] as const);

test("there are logs panels to check", () => {
  expect(logQueries.length).toBeGreaterThanOrEqual(3);
});

test.each(logQueries)("%s selects only labels both log paths carry", (_name, expr) => {
  const labels = selectorLabels(expr);
  expect(labels.length).toBeGreaterThan(0);
  expect(labels.filter((l) => !PROMTAIL_STREAM_LABEL_SET.includes(l as never) || !otlpStreamLabels().includes(l))).toEqual([]);
});

test("the trace-to-logs link selects the service label both paths carry", () => {
  for (const t of SERVICE_TAG) expect(otlpStreamLabels()).toContain(t.value);
  for (const t of SERVICE_TAG) expect(PROMTAIL_STREAM_LABEL_SET).toContain(t.value);
});

test("a selector on a Promtail-only label is caught", () => {
  const labels = selectorLabels('{namespace="a", pod="x"} |= "err"');
  expect(labels.filter((l) => !otlpStreamLabels().includes(l))).toEqual(["pod"]);
});
