/**
 * Alerts on a fleet, time-compressed by 20 (COMPRESSION in harness/stack-files.ts): every platform service runs two
 * pods and there are two GPU nodes, each with its DCGM exporter. At once:
 *
 * - one gateway pod stops answering while the gateway is slow: its instance-down warning goes out, and the gateway's
 *   latency alert (computed over the pod still answering) is not silenced by it;
 * - the DCGM exporter of the second GPU node stops answering while a GPU of the first node overheats: the GPU alert of
 *   the first node goes out, since one node's exporter down says nothing about the other's GPUs;
 * - both learning-engine pods stop answering: one critical ServiceDown (in #ai-platform-critical and
 *   #ai-platform-infra) and nothing per instance.
 *
 * The negative control runs the same incident with the instance-down inhibition keyed on `service` only (the old
 * rule): the GPU and latency alerts are then silenced, so the run above proves the inhibition is per instance.
 */
import { dump, load } from "js-yaml";
import { AlertmanagerConfig } from "../../components/alertmanager-config";
import { CRITICAL_CHANNEL } from "./harness/contract";
import { instanceKey } from "./harness/demo-service";
import { SlackPost } from "./harness/fake-slack";
import { GPU_NODES, Pipeline } from "./harness/pipeline";
import { sleep, waitFor } from "./harness/processes";
import { RenderedStack, renderStack } from "./harness/stack-files";

/**
 * Compressed by 20: as deployed, group_wait (30s) is longer than the scrape interval (15s), so the pods of a service
 * that go down together are seen down within one group_wait and the whole-service alert inhibits the per-instance
 * ones before they are sent; at 20 every route's group_wait stays above the 1s compressed scrape interval (the runs by
 * 60 get the same from COMPRESSION's group_wait floor).
 */
const F = 20;
const INFRA_CHANNEL = "#ai-platform-infra";
const GPU_CHANNEL = "#ai-platform-gpu";
const ALERTS_CHANNEL = "#ai-platform-alerts";

interface Outcome {
  readonly posts: SlackPost[];
  /** Alerts Prometheus had firing (name and labels) when the record was taken. */
  readonly firing: Record<string, string>[];
}

/** The instance-down inhibition widened to the whole service, as the stack had it before (negative control). */
function withServiceWideInstanceInhibition(rendered: RenderedStack): RenderedStack {
  const config = load(rendered.alertmanagerYml) as AlertmanagerConfig;
  const rules = config.inhibit_rules.map((r) => (r.source_matchers.includes('alertname="ServiceInstanceDown"') ? { ...r, equal: ["service"] } : r));
  if (rules.every((r, i) => r === config.inhibit_rules[i])) throw new Error("rendered alertmanager.yml has no ServiceInstanceDown inhibition");
  return { ...rendered, alertmanagerYml: dump({ ...config, inhibit_rules: rules }, { noRefs: true, lineWidth: -1 }) };
}

async function incident(p: Pipeline, control: boolean): Promise<Outcome> {
  await waitFor("all targets up", () => p.allTargetsUp(), { timeoutMs: 30_000 });
  await sleep(2_500);

  p.demo.instancesDown.add(instanceKey("gateway", 1));
  p.demo.setStream("http", { slow: true });
  p.gpuNodes[1].exporter.down = true;
  p.gpuNodes[0].set(0, { utilizationPercent: 40, framebufferUsedMiB: 20_000, framebufferFreeMiB: 60_000, temperatureCelsius: 91 });
  p.demo.down.add("learning-engine");

  const delivered = (alertname: string, channel: string) => p.slack.delivered({ alertname, state: "firing", channel }).length > 0;
  const expected: [string, string][] = control
    ? [["ServiceDown", CRITICAL_CHANNEL], ["ServiceInstanceDown", INFRA_CHANNEL]]
    : [
        ["ServiceDown", CRITICAL_CHANNEL],
        ["ServiceDown", INFRA_CHANNEL],
        ["ServiceInstanceDown", INFRA_CHANNEL],
        ["HighGPUTemperature", GPU_CHANNEL],
        ["HighGatewayLatency", ALERTS_CHANNEL],
      ];
  await waitFor("the incident's notifications", () => (expected.every(([a, c]) => delivered(a, c)) ? true : undefined), { timeoutMs: 90_000, intervalMs: 250 }).catch(() => undefined);
  // A default group_interval more, so a silenced alert that leaks, or a duplicate, shows up.
  await sleep(16_000);
  const firing = (await p.alerts()).filter((a) => a.state === "firing").map((a) => a.labels);
  return { posts: [...p.slack.posts], firing };
}

const runs: { fleet?: Outcome; control?: Outcome } = {};
const pipelines: Pipeline[] = [];

beforeAll(async () => {
  const rendered = renderStack("dev");
  const start = async (name: "fleet" | "control") => {
    const p = await Pipeline.start({ name: `fleet-${name}`, rendered: name === "control" ? withServiceWideInstanceInhibition(rendered) : rendered, compression: F });
    pipelines.push(p);
    runs[name] = await incident(p, name === "control");
  };
  const results = await Promise.allSettled([start("fleet"), start("control")]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}, 300_000);

afterAll(async () => {
  await Promise.allSettled(pipelines.map((p) => p.close()));
}, 60_000);

const firingPosts = (o: Outcome, alertname: string) => o.posts.filter((p) => p.ok && p.state === "firing" && p.alertname === alertname);

describe("alerts on a fleet of two pods per service and two GPU nodes", () => {
  it("scrapes two pods of every platform service and both GPU nodes' exporters", async () => {
    const p = pipelines.find((x) => x.dir.includes("fleet-fleet"))!;
    const perJob = await p.query('count by (job) (up{job=~"gateway|api-server|mcpjungle|max-serve|memory-engine|drift-monitor|learning-engine|dcgm-exporter"})');
    expect(Object.fromEntries(perJob.map((s) => [s.metric.job, Number(s.value[1])]))).toEqual({
      gateway: 2,
      "api-server": 2,
      mcpjungle: 2,
      "max-serve": 2,
      "memory-engine": 2,
      "drift-monitor": 2,
      "learning-engine": 2,
      "dcgm-exporter": GPU_NODES.length,
    });
  });

  it("tells of each instance down in #ai-platform-infra, as a warning, once per service", () => {
    const down = runs.fleet!.firing.filter((a) => a.alertname === "ServiceInstanceDown");
    // Prometheus fires it for the gateway pod, the GPU node's exporter and both learning-engine pods.
    expect(down.map((a) => a.service).sort()).toEqual(["dcgm-exporter", "gateway", "learning-engine", "learning-engine"]);
    const posts = firingPosts(runs.fleet!, "ServiceInstanceDown");
    expect(posts.map((p) => `${p.service} ${p.channel}`).sort()).toEqual([`dcgm-exporter ${INFRA_CHANNEL}`, `gateway ${INFRA_CHANNEL}`]);
    for (const p of posts) expect(p.text).toContain("(warning)");
  });

  it("keeps the GPU alert of a node whose exporter answers while another node's exporter is down", () => {
    const gpu = firingPosts(runs.fleet!, "HighGPUTemperature");
    expect(gpu.map((p) => p.channel)).toEqual([GPU_CHANNEL]);
  });

  it("keeps the gateway's latency alert while one of its pods is down", () => {
    expect(firingPosts(runs.fleet!, "HighGatewayLatency").map((p) => p.channel)).toEqual([ALERTS_CHANNEL]);
  });

  it("reports a whole service down as one critical alert, with nothing per instance or share", () => {
    const serviceDown = firingPosts(runs.fleet!, "ServiceDown");
    expect(serviceDown.map((p) => `${p.service} ${p.channel}`).sort()).toEqual([`learning-engine ${CRITICAL_CHANNEL}`, `learning-engine ${INFRA_CHANNEL}`]);
    expect(serviceDown.find((p) => p.channel === CRITICAL_CHANNEL)!.mentionsChannel).toBe(true);
    const perInstance = runs.fleet!.posts.filter((p) => p.ok && p.service === "learning-engine" && p.alertname !== "ServiceDown");
    expect(perInstance.map((p) => p.alertname)).toEqual([]);
    // The gateway with one pod of two down is degraded, not down.
    expect(firingPosts(runs.fleet!, "ServiceDown").filter((p) => p.service === "gateway")).toEqual([]);
  });

  it("negative control: with the instance-down inhibition on the whole service, the GPU and latency alerts are silenced", () => {
    const c = runs.control!;
    expect(c.firing.some((a) => a.alertname === "HighGPUTemperature")).toBe(true);
    expect(c.firing.some((a) => a.alertname === "HighGatewayLatency")).toBe(true);
    expect(firingPosts(c, "HighGPUTemperature")).toEqual([]);
    expect(firingPosts(c, "HighGatewayLatency")).toEqual([]);
    expect(firingPosts(c, "ServiceInstanceDown").length).toBeGreaterThan(0);
  });
});
