/**
 * Shared by the dashboard tests: a walk over the panels and queries of a dashboard JSON model, the PromQL and LogQL
 * parsers from npm, the metric names a PromQL query reads (from the syntax tree), and the `@grafana/schema` type
 * check run through tsc.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { LRParser } from "@lezer/lr";
import { load } from "js-yaml";
import { ALL_METRICS } from "../../telemetry/catalog";
import { buildRuleFiles } from "../../rules/rule-files";

// Both parsers ship ESM type declarations only; their CommonJS builds are what jest loads.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const promqlParser = (require("@prometheus-io/lezer-promql") as { parser: LRParser }).parser;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const logqlParser = (require("@grafana/lezer-logql") as { parser: LRParser }).parser;

const ROOT = path.join(__dirname, "../..");

export type Json = Record<string, any>;

export interface PanelQuery {
  readonly dashboard: string;
  readonly panel: Json;
  readonly target: Json;
}

/** Every panel of a dashboard, the panels inside collapsed rows included. */
export function panelsOf(dashboard: Json): Json[] {
  const out: Json[] = [];
  for (const p of (dashboard.panels ?? []) as Json[]) {
    out.push(p);
    for (const inner of (p.panels ?? []) as Json[]) out.push(inner);
  }
  return out;
}

/** Every query target of every panel. */
export function queriesOf(dashboards: Record<string, Json>): PanelQuery[] {
  return Object.entries(dashboards).flatMap(([file, d]) =>
    panelsOf(d).flatMap((panel) => ((panel.targets ?? []) as Json[]).map((target) => ({ dashboard: file, panel, target }))),
  );
}

/**
 * Grafana replaces its macros and variables before a query reaches the datasource. Ranges become a duration,
 * anything else an identifier-safe word: inside a label matcher string any text parses, and outside one a stray
 * variable turns into a metric name the catalog check then rejects.
 */
export function substituteGrafanaVariables(query: string): string {
  return query
    .replace(/\$__(rate_interval|interval|range|auto)\b|\$\{__(rate_interval|interval|range|auto)\}/g, "5m")
    .replace(/\$\{[^}]+\}|\$[A-Za-z_][A-Za-z0-9_]*/g, "grafana_variable");
}

/** Positions and text of the parser's error nodes; empty when the query parses. */
function syntaxErrors(parser: LRParser, query: string): string[] {
  const errors: string[] = [];
  parser.parse(query).iterate({
    enter(node) {
      if (node.type.isError) errors.push(`error at ${node.from}: ${JSON.stringify(query.slice(Math.max(0, node.from - 15), node.to + 15))}`);
    },
  });
  return errors;
}

export const promqlErrors = (query: string): string[] => syntaxErrors(promqlParser, substituteGrafanaVariables(query));
export const logqlErrors = (query: string): string[] => syntaxErrors(logqlParser, substituteGrafanaVariables(query));

/**
 * Metric names a PromQL query selects: the identifier of each vector selector. A selector without one
 * (`{__name__=~"..."}`) is reported as `<no metric name>`, so a query cannot dodge the catalog check that way.
 */
export function promqlMetricNames(query: string): string[] {
  const text = substituteGrafanaVariables(query);
  const names: string[] = [];
  const tree = promqlParser.parse(text);
  tree.iterate({
    enter(node) {
      if (node.type.name !== "VectorSelector") return;
      const id = node.node.getChild("Identifier");
      names.push(id ? text.slice(id.from, id.to) : "<no metric name>");
    },
  });
  return names;
}

/** Recording rule names the rendered rule files define. */
export function recordedNames(): Set<string> {
  const names = new Set<string>();
  for (const yaml of Object.values(buildRuleFiles({ runbookBaseUrl: "https://runbooks.test/runbooks.md" }))) {
    const doc = load(yaml) as { groups: { rules: { record?: string }[] }[] };
    for (const g of doc.groups) for (const r of g.rules) if (r.record) names.add(r.record);
  }
  return names;
}

/** Series names a query may read: catalog families (histograms through their three series) and recorded names. */
export function allowedMetricNames(): Set<string> {
  const names = recordedNames();
  for (const m of ALL_METRICS) {
    if (m.type === "histogram") for (const s of ["_bucket", "_sum", "_count"]) names.add(m.name + s);
    else if (m.type === "summary") for (const s of ["", "_sum", "_count"]) names.add(m.name + s);
    else names.add(m.name);
  }
  return names;
}

/** `label_values(<selector>, <label>)`: the selector part of a template variable query, or undefined. */
export function labelValuesSelector(query: string): { selector: string; label: string } | undefined {
  const m = /^label_values\((.+),\s*([A-Za-z_][A-Za-z0-9_]*)\)$/.exec(query.trim());
  return m ? { selector: m[1], label: m[2] } : undefined;
}

/** The file a model is checked in, named after its key, so tsc's messages say which dashboard is wrong. */
export const checkFileName = (name: string): string => `${name.replace(/\.json$/, "").replace(/[^A-Za-z0-9_-]/g, "_")}.ts`;

/**
 * Type-checks dashboard JSON models against `@grafana/schema`'s `Dashboard` in one tsc run. The schema declares
 * string enums (`ThresholdsMode`, `MappingType`...), to which no JSON string literal is assignable, so each enum is
 * widened to the union of its values; everything else (unknown keys, wrong types, missing required fields) is
 * checked as declared. Returns tsc's exit status and output, whose messages name the files by `checkFileName`.
 */
export function typeCheckDashboards(models: Record<string, unknown>): { status: number; output: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "dashboards-schema-"));
  try {
    // tsc resolves '@grafana/schema' from the file's directory upwards.
    symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
    const files = Object.entries(models).map(([name, model]) => {
      const file = path.join(dir, checkFileName(name));
      writeFileSync(
        file,
        [
          "import type { Dashboard } from '@grafana/schema';",
          "type Json<T> = T extends string ? `${T}` : T extends readonly (infer U)[] ? Json<U>[] : T extends object ? { [K in keyof T]: Json<T[K]> } : T;",
          `export const d: Json<Dashboard> = ${JSON.stringify(model, null, 1)};`,
          "",
        ].join("\n"),
      );
      return path.basename(file);
    });
    const tsc = path.join(ROOT, "node_modules/.bin/tsc");
    const r = spawnSync(tsc, ["--noEmit", "--strict", "--module", "node16", "--moduleResolution", "node16", "--skipLibCheck", "--types", "node", ...files], {
      cwd: dir,
      encoding: "utf8",
      timeout: 120_000,
    });
    if (r.error) throw r.error;
    return { status: r.status ?? -1, output: r.stdout + r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
