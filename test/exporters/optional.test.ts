import { load } from "js-yaml";
import { find, runStack, StackRun } from "../support/program";

// dev with Redis and PostgreSQL left out, and the GPU Operator's own DCGM exporter in charge.
let stack: StackRun;
beforeAll(async () => {
  stack = await runStack("dev", {
    "observability:redis": JSON.stringify({ enabled: false }),
    "observability:postgres": JSON.stringify({ enabled: false }),
    "observability:gpu": JSON.stringify({ deployDcgmExporter: false }),
  });
});

const named = (fragment: string) => stack.manifests.filter((m) => m.metadata.name.includes(fragment)).map((m) => `${m.kind}/${m.metadata.name}`);
const prometheusJobs = () =>
  (load(find(stack.manifests, "ConfigMap", "prometheus-config").data["prometheus.yml"]) as { scrape_configs: { job_name: string }[] }).scrape_configs.map((j) => j.job_name);

describe("optional exporters", () => {
  it("leaves out redis_exporter and postgres_exporter when disabled, Secrets included", () => {
    expect(named("redis-exporter")).toEqual([]);
    expect(named("postgres-exporter")).toEqual([]);
  });

  it("leaves out the DCGM exporter when the GPU Operator runs one, keeping its scrape job", () => {
    expect(named("dcgm")).toEqual([]);
    expect(prometheusJobs()).toContain("dcgm-exporter");
    expect(prometheusJobs()).not.toContain("redis-exporter");
    expect(prometheusJobs()).not.toContain("postgres-exporter");
  });

  it("provisions no PostgreSQL datasource when PostgreSQL is disabled", () => {
    const file = load(find(stack.manifests, "ConfigMap", "grafana-datasources").data["datasources.yaml"]) as { datasources: { uid: string }[] };
    expect(file.datasources.map((d) => d.uid)).toEqual(["prometheus", "loki", "jaeger"]);
  });
});
