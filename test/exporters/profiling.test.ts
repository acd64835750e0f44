import { find, runStack, StackRun } from "../support/program";

// dev with DCGM profiling metrics on, a provider's GPU node label, and no database passwords set.
let stack: StackRun;
beforeAll(async () => {
  stack = await runStack("dev", {
    "observability:gpu": JSON.stringify({ profilingMetrics: true, nodeSelector: { "cloud.google.com/gke-accelerator": "nvidia-l4" } }),
  });
});

const container = (w: Record<string, any>) => w.spec.template.spec.containers[0];

describe("DCGM exporter with profiling metrics", () => {
  const ds = () => find(stack.manifests, "DaemonSet", "dcgm-exporter");

  it("adds SYS_ADMIN, and nothing else, for the profiling fields", () => {
    expect(container(ds()).securityContext.capabilities).toEqual({ drop: ["ALL"], add: ["SYS_ADMIN"] });
    expect(container(ds()).securityContext.allowPrivilegeEscalation).toBe(false);
    expect(container(ds()).securityContext.privileged).toBeUndefined();
  });

  it("exports the profiling fields", () => {
    const csv = find(stack.manifests, "ConfigMap", "dcgm-exporter-counters").data["counters.csv"] as string;
    expect(csv).toContain("DCGM_FI_PROF_GR_ENGINE_ACTIVE, gauge,");
    expect(csv).toContain("DCGM_FI_DEV_GPU_UTIL, gauge,");
  });

  it("selects GPU nodes by the configured labels", () => {
    expect(ds().spec.template.spec.nodeSelector).toEqual({ "cloud.google.com/gke-accelerator": "nvidia-l4" });
  });
});

describe("exporters without a Redis password, with PostgreSQL's placeholder password", () => {
  it("connect Redis without AUTH, and PostgreSQL with the password the stack needs (placeholder in the render)", () => {
    const names = (d: string) => (container(find(stack.manifests, "Deployment", d)).env as { name: string }[]).map((e) => e.name);
    expect(names("redis-exporter")).not.toContain("REDIS_PASSWORD");
    expect(names("postgres-exporter")).toContain("DATA_SOURCE_PASS_FILE");
    expect(stack.manifests.filter((m) => m.kind === "Secret" && m.metadata.name.endsWith("-credentials")).map((m) => m.metadata.name)).toEqual(["postgres-exporter-credentials"]);
  });
});
