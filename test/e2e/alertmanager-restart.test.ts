/**
 * Alertmanager restarted during an incident (time-compressed by 60, see COMPRESSION in harness/stack-files.ts).
 *
 * Alertmanager keeps alerts in memory only; after a restart it learns them again from Prometheus, which re-sends
 * firing alerts every --rules.alert.resend-delay. What stops it from notifying them a second time is its notification
 * log, which lives under --storage.path: kept, there is no duplicate; lost (the negative control), there is one.
 * An alert that starts firing while Alertmanager is down must still be notified once it is back.
 *
 * Inhibitions across a restart (--dispatch.start-delay) are in alertmanager-start-delay.test.ts.
 */
import { CRITICAL_CHANNEL } from "./harness/contract";
import { SlackPost } from "./harness/fake-slack";
import { Pipeline } from "./harness/pipeline";
import { sleep, waitFor } from "./harness/processes";
import { renderStack } from "./harness/stack-files";

const F = 60;
const GPU_CHANNEL = "#ai-platform-gpu";
const INFRA_CHANNEL = "#ai-platform-infra";
/** The demo service whose target goes down (ServiceDown, critical) while Alertmanager is down. */
const VICTIM = "learning-engine";
/** Longer than the compressed default group_interval (5m / 60): a duplicate would have been sent by then. */
const SETTLE_MS = 8_000;

const hot = { utilizationPercent: 40, framebufferUsedMiB: 20_000, framebufferFreeMiB: 60_000, temperatureCelsius: 91 };
const cool = { ...hot, temperatureCelsius: 60 };

interface Run {
  posts: SlackPost[];
  stoppedAt: number;
  restartedAt: number;
  bFiringWhileDown: boolean;
  bPostedWhileDown: boolean;
}

async function upAndBaseline(p: Pipeline): Promise<void> {
  await waitFor("all targets up", () => p.allTargetsUp(), { timeoutMs: 20_000 });
  await sleep(2_000);
}

/** A fires and is notified; Alertmanager stops; B fires; Alertmanager comes back; both resolve. */
async function restartScenario(p: Pipeline): Promise<Run> {
  await upAndBaseline(p);
  p.dcgm.set(0, hot);
  await waitFor("HighGPUTemperature in #ai-platform-gpu", () => (p.slack.delivered({ alertname: "HighGPUTemperature", state: "firing" }).length ? true : undefined), { timeoutMs: 30_000, intervalMs: 100 });
  // Alertmanager records a notification in its log only after Slack has answered; a stop inside that window is the
  // at-least-once case (a crash between sending and logging), not the restart this test is about.
  await sleep(1_000);

  await p.alertmanager.stop();
  const stoppedAt = Date.now();
  p.demo.down.add(VICTIM);
  await waitFor("ServiceDown firing in Prometheus", async () => ((await p.alert("ServiceDown", { service: VICTIM }))?.state === "firing" ? true : undefined), { timeoutMs: 20_000 });
  // Let Prometheus try, and fail, to deliver it.
  await sleep(2_000);
  const bFiringWhileDown = (await p.alert("ServiceDown", { service: VICTIM }))?.state === "firing";
  const bPostedWhileDown = p.slack.posts.some((x) => x.alertname === "ServiceDown");

  await p.restartAlertmanager();
  const restartedAt = Date.now();
  await waitFor("ServiceDown in its two channels", () => (p.slack.delivered({ alertname: "ServiceDown", state: "firing" }).length >= 2 ? true : undefined), { timeoutMs: 30_000, intervalMs: 100 }).catch(() => undefined);
  await sleep(SETTLE_MS);

  p.dcgm.set(0, cool);
  p.demo.down.delete(VICTIM);
  await waitFor(
    "resolved messages of both alerts",
    () => (p.slack.delivered({ alertname: "HighGPUTemperature", state: "resolved" }).length >= 1 && p.slack.delivered({ alertname: "ServiceDown", state: "resolved" }).length >= 2 ? true : undefined),
    { timeoutMs: 30_000, intervalMs: 100 },
  ).catch(() => undefined);
  await sleep(1_000);
  return { posts: [...p.slack.posts], stoppedAt, restartedAt, bFiringWhileDown, bPostedWhileDown };
}

/** The same restart without the data directory: the notification log is gone. */
async function freshStorageScenario(p: Pipeline): Promise<SlackPost[]> {
  await upAndBaseline(p);
  p.dcgm.set(0, hot);
  await waitFor("HighGPUTemperature in #ai-platform-gpu", () => (p.slack.delivered({ alertname: "HighGPUTemperature", state: "firing" }).length ? true : undefined), { timeoutMs: 30_000, intervalMs: 100 });
  await p.alertmanager.stop();
  await p.restartAlertmanager({ freshStorage: true });
  await waitFor("a second HighGPUTemperature message", () => (p.slack.delivered({ alertname: "HighGPUTemperature", state: "firing" }).length >= 2 ? true : undefined), { timeoutMs: SETTLE_MS + 10_000, intervalMs: 100 }).catch(() => undefined);
  return [...p.slack.posts];
}

let kept: Run;
let fresh: SlackPost[];
const pipelines: Pipeline[] = [];

beforeAll(async () => {
  const rendered = renderStack("dev");
  const [a, b] = await Promise.all([
    Pipeline.start({ name: "am-restart", rendered, compression: F }),
    Pipeline.start({ name: "am-restart-fresh", rendered, compression: F }),
  ]);
  pipelines.push(a, b);
  [kept, fresh] = await Promise.all([restartScenario(a), freshStorageScenario(b)]);
}, 240_000);

afterAll(async () => {
  await Promise.all(pipelines.map((p) => p.close()));
});

const delivered = (posts: SlackPost[], alertname: string, state: "firing" | "resolved") => posts.filter((p) => p.ok && p.alertname === alertname && p.state === state);

describe("Alertmanager restarted during an incident, --storage.path kept", () => {
  it("does not notify the alert it had already notified again", () => {
    const a = delivered(kept.posts, "HighGPUTemperature", "firing");
    expect(a.map((p) => p.channel)).toEqual([GPU_CHANNEL]);
    expect(a[0].at).toBeLessThan(kept.stoppedAt);
  });

  it("notifies the alert that started firing while it was down, once it is back, in each channel once", () => {
    expect(kept.bFiringWhileDown).toBe(true);
    expect(kept.bPostedWhileDown).toBe(false);
    const b = delivered(kept.posts, "ServiceDown", "firing");
    expect(b.map((p) => p.channel).sort()).toEqual([CRITICAL_CHANNEL, INFRA_CHANNEL].sort());
    for (const p of b) expect(p.at).toBeGreaterThanOrEqual(kept.restartedAt);
  });

  it("sends each resolved message once", () => {
    expect(delivered(kept.posts, "HighGPUTemperature", "resolved").map((p) => p.channel)).toEqual([GPU_CHANNEL]);
    expect(delivered(kept.posts, "ServiceDown", "resolved").map((p) => p.channel).sort()).toEqual([CRITICAL_CHANNEL, INFRA_CHANNEL].sort());
  });
});

describe("negative control: Alertmanager restarted with an empty --storage.path", () => {
  it("notifies the same firing alert a second time (the notification log is what prevents it)", () => {
    expect(delivered(fresh, "HighGPUTemperature", "firing").map((p) => p.channel)).toEqual([GPU_CHANNEL, GPU_CHANNEL]);
  });
});
