/**
 * The rendered dashboards are valid Grafana dashboard JSON: each model type-checks against `@grafana/schema`'s
 * `Dashboard`. One tsc run checks them all together with deliberately broken copies, which must fail, so the check
 * is shown to catch what it is for.
 */
import { buildDashboards } from "../../dashboards";
import { Json, checkFileName, typeCheckDashboards } from "./support";

const dashboards = buildDashboards() as Record<string, Json>;

/** A real dashboard with one mistake each: a misspelt top-level key, a string grid height, an unknown panel key. */
function broken(): Record<string, Json> {
  const base = dashboards["ai-platform-drift.json"];
  const copy = (): Json => JSON.parse(JSON.stringify(base));
  const unknownKey = copy();
  unknownKey.refreshh = "1m";
  const wrongType = copy();
  wrongType.panels[0].gridPos.h = "8";
  const panelKey = copy();
  panelKey.panels[0].datasourse = { uid: "prometheus" };
  return { "broken-unknown-key.json": unknownKey, "broken-wrong-type.json": wrongType, "broken-panel-key.json": panelKey };
}

let result: { status: number; output: string };
const errorsOf = (file: string): string[] =>
  result.output
    .split("\n")
    .filter((line) => line.startsWith(`${checkFileName(file)}(`))
    .map((line) => line.replace(/^.*?\): /, ""));

beforeAll(() => {
  result = typeCheckDashboards({ ...dashboards, ...broken() });
});

test("tsc ran on the files and reported nothing but errors in them", () => {
  expect(result.status).not.toBe(0);
  const lines = result.output.split("\n").filter((l) => /error TS\d+/.test(l));
  expect(lines.filter((l) => !/^[\w-]+\.ts\(\d+,\d+\): error/.test(l))).toEqual([]);
  expect(result.output).not.toMatch(/TS2307/);
});

test.each(Object.keys(dashboards))("%s type-checks against @grafana/schema's Dashboard", (file) => {
  expect(errorsOf(file)).toEqual([]);
});

test("rejects a dashboard with an unknown top-level key", () => {
  expect(errorsOf("broken-unknown-key.json")).toEqual([expect.stringMatching(/TS2353.*'"?refreshh"?' does not exist/)]);
});

test("rejects a dashboard whose panel grid height is a string", () => {
  expect(errorsOf("broken-wrong-type.json")).toEqual([expect.stringMatching(/TS2322/)]);
});

test("rejects a panel with an unknown key", () => {
  expect(errorsOf("broken-panel-key.json")).toEqual([expect.stringMatching(/TS2353.*datasourse/)]);
});
