/**
 * Finds, in a PromQL expression's syntax tree, the reads that cost what the recorded rates exist to save: a raw
 * histogram `_bucket` series read at all, or a raw series that a recording rule rates (rules/rated.ts) read over a
 * range (`rate(http_requests_total[5m])`) instead of from its recorded rate.
 */
import type { LRParser } from "@lezer/lr";
import type { SyntaxNode } from "@lezer/common";
import { ALL_METRICS, bucket } from "../../telemetry/catalog";
import { ratedSeries } from "../../rules/rated";

// The parser ships ESM type declarations only; its CommonJS build is what jest loads.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const promqlParser = (require("@prometheus-io/lezer-promql") as { parser: LRParser }).parser;

const RAW_BUCKETS = new Set(ALL_METRICS.filter((m) => m.type === "histogram").map((h) => bucket(h as Parameters<typeof bucket>[0])));

/** Whether the selector is read over a range: in a matrix selector, or anywhere under a subquery. */
function inRange(node: SyntaxNode): boolean {
  for (let p = node.parent; p; p = p.parent) if (p.type.name === "MatrixSelector" || p.type.name === "SubqueryExpr") return true;
  return false;
}

/** The raw reads of `expr`, one line each; empty when it reads only recorded rates (or raw series nobody records). */
export function rawReads(expr: string): string[] {
  const problems: string[] = [];
  promqlParser.parse(expr).iterate({
    enter(ref) {
      if (ref.type.name !== "VectorSelector") return;
      const id = ref.node.getChild("Identifier");
      if (!id) return;
      const name = expr.slice(id.from, id.to);
      const rated = ratedSeries(name);
      if (RAW_BUCKETS.has(name)) problems.push(`reads raw buckets ${name}${rated ? ` (recorded as ${rated.recorded})` : ""}`);
      else if (rated && inRange(ref.node)) problems.push(`rates raw ${name} (recorded as ${rated.recorded})`);
    },
  });
  return problems;
}

/** How many range reads of the raw series `raw` the expression makes (the recording rule that rates it makes one). */
export function rangeReadsOf(expr: string, raw: string): number {
  let n = 0;
  promqlParser.parse(expr).iterate({
    enter(ref) {
      if (ref.type.name !== "VectorSelector") return;
      const id = ref.node.getChild("Identifier");
      if (id && expr.slice(id.from, id.to) === raw && inRange(ref.node)) n++;
    },
  });
  return n;
}
