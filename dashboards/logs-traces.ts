/**
 * Logs and traces: log volume by service and level from Loki, the log lines themselves, and the way into Jaeger.
 * `trace_id` travels as Loki structured metadata (never a stream label), so it can be filtered and grouped on in a
 * query, and the trace table links each id to the trace in Jaeger; the Loki datasource's derived field does the
 * same from each log line.
 */
import { DATASOURCE_UIDS, datasourceRef } from "./datasources";
import { FULL, HALF, THIRD, buildDashboard, graph, grid, headerLink, logLines, logql, logqlInstant, lokiVariable, singleStat, textVariable, v } from "./kit";

export const LOGS_TRACES_UID = "ai-platform-logs-traces";

/** LogQL label matcher: `label=~"value"`. */
const m = (label: string, value: string): string => `${label}=~${JSON.stringify(value)}`;
const selection = [m("namespace", v("namespace")), m("service", v("service"))];
/** The selected streams: namespace, service and level from the variables. */
const STREAMS = `{${[...selection, m("level", v("level"))].join(", ")}}`;
/** Error-level streams of the selection, whatever the level variable says. Level names differ in case by logger. */
const ERRORS = `{${[...selection, m("level", "(?i)(error|critical|fatal)")].join(", ")}}`;
/** Loki picks the step; `$__auto` sizes the range to it. */
const AUTO = "$__auto";
const RANGE = "$__range";
const TRACE_ID = "trace_id";
/** Traces listed in the error table: enough to pick from, few enough to read. */
const TOP_TRACES = 20;
/**
 * Line filter on the search box. A raw (backtick) string: Grafana's `regex` format escapes the typed text with
 * backslashes, which a double-quoted LogQL string would read as escape sequences. Empty text matches every line.
 */
const SEARCH = "|~ `(?i)${search:regex}`";

/** Explore on the Jaeger datasource, in search mode. */
function jaegerSearchUrl(): string {
  const panes = {
    traces: {
      datasource: DATASOURCE_UIDS.jaeger,
      queries: [{ refId: "A", datasource: datasourceRef("jaeger"), queryType: "search" }],
      range: { from: "now-1h", to: "now" },
    },
  };
  return `/explore?schemaVersion=1&orgId=1&panes=${encodeURIComponent(JSON.stringify(panes))}`;
}

export function logsTracesDashboard(): Record<string, unknown> {
  return buildDashboard({
    uid: LOGS_TRACES_UID,
    title: "AI Platform / Logs and traces",
    description: "Log volume by service and level, error logs, the traces behind them (links to Jaeger) and the log lines of the selection.",
    tags: ["logs", "traces", "loki", "jaeger"],
    links: [headerLink("Search traces in Jaeger", jaegerSearchUrl(), "Open Explore on the Jaeger datasource")],
    variables: [
      lokiVariable("namespace", "Namespace", `{${m("service", ".+")}}`, "namespace"),
      lokiVariable("service", "Service", `{${m("namespace", v("namespace"))}}`, "service"),
      lokiVariable("level", "Level", `{${selection.join(", ")}}`, "level"),
      textVariable("search", "Search", "Show only log lines containing this text (case-insensitive)."),
    ],
    sections: [
      {
        panels: [
          singleStat({ title: "Log lines/s", queries: [logql(`sum(rate(${STREAMS} [${AUTO}]))`)], unit: "short", sparkline: true, width: THIRD }),
          singleStat({ title: "Error lines in range", queries: [logqlInstant(`sum(count_over_time(${ERRORS} [${RANGE}]))`)], unit: "short", width: THIRD }),
          singleStat({
            title: "Error lines with a trace",
            description: "Share of error lines that carry a trace_id, i.e. that can be followed into Jaeger.",
            queries: [logqlInstant(`sum(count_over_time(${ERRORS} | ${TRACE_ID} != "" [${RANGE}])) / sum(count_over_time(${ERRORS} [${RANGE}]))`)],
            unit: "percentunit",
            width: THIRD,
          }),
        ],
      },
      {
        row: "Volume",
        panels: [
          graph({ title: "Log lines/s by service", queries: [logql(`sum by (service) (rate(${STREAMS} [${AUTO}]))`, "{{service}}")], unit: "short", min: 0, stack: true }),
          graph({ title: "Log lines/s by level", queries: [logql(`sum by (level) (rate(${STREAMS} [${AUTO}]))`, "{{level}}")], unit: "short", min: 0, stack: true }),
          graph({
            title: "Error lines/s by service",
            queries: [logql(`sum by (service) (rate(${ERRORS} [${AUTO}]))`, "{{service}}")],
            unit: "short",
            min: 0,
            width: FULL,
          }),
        ],
      },
      {
        row: "Traces",
        panels: [
          grid({
            title: "Traces behind recent errors",
            description: `The ${TOP_TRACES} traces with the most error lines in the time range. Click a trace id to open the trace in Jaeger.`,
            queries: [logqlInstant(`topk(${TOP_TRACES}, sum by (service, ${TRACE_ID}) (count_over_time(${ERRORS} | ${TRACE_ID} != "" [${RANGE}])))`)],
            links: [{ field: TRACE_ID, title: "Open trace in Jaeger", datasource: "jaeger", query: { query: "${__value.raw}" } }],
            hide: ["Time"],
            width: HALF,
            height: 10,
          }),
          logLines({
            title: "Error lines",
            description: "Error-level lines of the selection; a line's details link its trace_id to Jaeger.",
            queries: [logql(`${ERRORS} ${SEARCH}`)],
            width: HALF,
            height: 10,
          }),
        ],
      },
      {
        row: "Logs",
        panels: [
          logLines({
            title: "Log lines",
            queries: [logql(`${STREAMS} ${SEARCH}`)],
            width: FULL,
            height: 14,
          }),
        ],
      },
    ],
  });
}
