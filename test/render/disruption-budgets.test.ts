/**
 * Every replicated workload of every checked stack (dev, prod, the variants) as rendered has a PodDisruptionBudget
 * selecting its pods; the check itself is shown to find planted workloads without one.
 */
import { replicatedWorkloadIds, workloadsWithoutBudget } from "../support/disruption-budgets";
import { CHECKED_STACKS, Doc, loadManifests, renderedStack } from "../support/render";

const stacks = new Map<string, Doc[]>();
beforeAll(() => {
  for (const stack of CHECKED_STACKS) {
    const run = renderedStack(stack);
    if (run.status !== 0) throw new Error(run.stderr);
    stacks.set(stack, loadManifests(run.file));
  }
});

describe.each(CHECKED_STACKS)("the %s stack", (stack) => {
  it("has a disruption budget for every workload with more than one replica", () => {
    expect(workloadsWithoutBudget(stacks.get(stack) as Doc[])).toEqual([]);
  });
});

describe("the replicated workloads checked", () => {
  it("are prod's servers, and in prod-ha also Jaeger and Grafana on their shared stores", () => {
    const prod = replicatedWorkloadIds(stacks.get("prod") as Doc[]);
    expect(prod).toEqual(expect.arrayContaining(["StatefulSet/observability/prometheus", "StatefulSet/observability/alertmanager", "Deployment/observability/otel-collector"]));
    const ha = replicatedWorkloadIds(stacks.get("prod-ha") as Doc[]);
    expect(ha.filter((id) => !prod.includes(id)).sort()).toEqual(["Deployment/observability/grafana", "Deployment/observability/jaeger"]);
    expect(replicatedWorkloadIds(stacks.get("dev") as Doc[])).toEqual([]);
  });
});

describe("the check", () => {
  const deployment = (name: string, spec: Record<string, unknown>): Doc => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "observability" },
    spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name, tier: "x" } } }, ...spec },
  });
  const budget = (name: string, matchLabels: Record<string, string>, namespace = "observability"): Doc => ({
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { name, namespace },
    spec: { maxUnavailable: 1, selector: { matchLabels } },
  });
  const hpa = (target: string, minReplicas: number): Doc => ({
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: target, namespace: "observability" },
    spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: target }, minReplicas, maxReplicas: 5 },
  });

  it("fails on a planted replicated Deployment without a budget in a rendered stack", () => {
    const planted = [...(stacks.get("prod") as Doc[]), deployment("planted", { replicas: 3 })];
    expect(workloadsWithoutBudget(planted)).toEqual(["Deployment/observability/planted (3 replicas)"]);
  });

  it("fails on a Deployment an autoscaler keeps above one replica, with no replicas of its own", () => {
    expect(workloadsWithoutBudget([deployment("scaled", {}), hpa("scaled", 2)])).toEqual(["Deployment/observability/scaled (2 replicas)"]);
    expect(workloadsWithoutBudget([deployment("scaled", {}), hpa("scaled", 1)])).toEqual([]);
  });

  it("fails when the only budget selects other pods or sits in another namespace", () => {
    const w = deployment("w", { replicas: 2 });
    expect(workloadsWithoutBudget([w, budget("other", { app: "other" })])).toEqual(["Deployment/observability/w (2 replicas)"]);
    expect(workloadsWithoutBudget([w, budget("w", { app: "w" }, "elsewhere")])).toEqual(["Deployment/observability/w (2 replicas)"]);
    expect(workloadsWithoutBudget([w, budget("w", { app: "w" })])).toEqual([]);
  });

  it("passes a single replica without a budget", () => {
    expect(workloadsWithoutBudget([deployment("one", { replicas: 1 }), deployment("default", {})])).toEqual([]);
  });
});
