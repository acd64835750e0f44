/**
 * The upstream builds the tests run stand for the images the stack deploys: same releases, and a collector
 * distribution with exactly the components the rendered config names.
 */
import { load } from "js-yaml";
import { IMAGES, imageTag } from "../../components/images";
import { COLLECTOR_COMPONENTS, COLLECTOR_RELEASE, componentType } from "../../components/otel-collector-components";
import { collectorManifest } from "../../scripts/upstream/collector-manifest";
import { prometheusModuleVersion, upstreamBuilds, versionTable } from "../../scripts/upstream/components";
import { loadManifests, renderedStack } from "../support/render";

/** Every component type a collector config names, by kind. */
function componentsOf(config: Record<string, Record<string, unknown>>): string[] {
  return ["receivers", "processors", "exporters", "extensions"].flatMap((kind) => Object.keys(config[kind] ?? {}).map(componentType)).sort();
}

function collectorConfig(stack: string): Record<string, Record<string, unknown>> {
  const run = renderedStack(stack);
  if (run.status !== 0) throw new Error(run.stderr);
  const cm = loadManifests(run.file).find((d) => d.kind === "ConfigMap" && d.metadata.name === "otel-collector-config") as { data: Record<string, string> } | undefined;
  if (!cm) throw new Error("no otel-collector-config ConfigMap");
  return load(Object.values(cm.data)[0]) as Record<string, Record<string, unknown>>;
}

test("dev and prod together use exactly the components the test distribution is built with", () => {
  const used = [...new Set([...componentsOf(collectorConfig("dev")), ...componentsOf(collectorConfig("prod"))])].sort();
  expect(used).toEqual(Object.keys(COLLECTOR_COMPONENTS).sort());
});

describe.each(["dev", "prod"])("the %s collector config", (stack) => {
  let config: Record<string, Record<string, unknown>>;
  beforeAll(() => {
    config = collectorConfig(stack);
  }, 120_000);

  test("uses only components of the test distribution", () => {
    expect(componentsOf(config).filter((c) => !(c in COLLECTOR_COMPONENTS))).toEqual([]);
  });

  test("a component missing from the table would be seen", () => {
    const planted = { ...config, processors: { ...config.processors, "tail_sampling/x": {} } };
    expect(componentsOf(planted).filter((c) => !(c in COLLECTOR_COMPONENTS))).toEqual(["tail_sampling"]);
    
  });
});

test("the builder manifest names each component once, at the image's release", () => {
  const manifest = load(collectorManifest("/out")) as Record<string, { gomod: string }[]>;
  const modules = ["receivers", "processors", "exporters", "extensions"].flatMap((k) => manifest[k].map((m) => m.gomod));
  expect(modules).toHaveLength(Object.keys(COLLECTOR_COMPONENTS).length);
  for (const m of modules) expect(m).toMatch(new RegExp(` v${COLLECTOR_RELEASE.replace(/\./g, "\\.")}$`));
  expect(imageTag(IMAGES.otelCollector.ref)).toBe(COLLECTOR_RELEASE);
});

test("every built component is the release its image is", () => {
  const rows = versionTable();
  const built = rows.filter((r) => r.tested !== "-");
  expect(built.map((r) => r.component).sort()).toEqual(["alertmanager", "jaeger", "otelCollector", "prometheus", "thanos"]);
  for (const r of built) expect({ component: r.component, tested: r.tested }).toEqual({ component: r.component, tested: r.deployed });
  for (const r of rows) expect(r.why).not.toBe("");
  expect(upstreamBuilds().map((b) => b.name)).toContain("telemetrygen");
});

test("Prometheus 3.MM.P maps to module v0.3MM.P, and nothing else does", () => {
  expect(prometheusModuleVersion("3.14.0")).toBe("v0.314.0");
  expect(prometheusModuleVersion("3.5.2")).toBe("v0.305.2");
  expect(() => prometheusModuleVersion("2.53.0")).toThrow(/not a 3.x release/);
});
