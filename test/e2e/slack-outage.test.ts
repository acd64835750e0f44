/**
 * Slack failing (HTTP 500) when a critical alert fires, time-compressed by 60 (COMPRESSION in harness/stack-files.ts).
 *
 * Alertmanager retries within a flush for at least 10s (its minimum notification timeout, not scaled), then gives up
 * until the group's next flush. Slack fails here until a whole flush has given up, so the message can only arrive
 * through the retry at a later flush, after Slack recovers: once per channel, nothing lost, nothing doubled.
 */
import { CRITICAL_CHANNEL } from "./harness/contract";
import { SlackPost } from "./harness/fake-slack";
import { Pipeline } from "./harness/pipeline";
import { sleep, waitFor } from "./harness/processes";
import { renderStack } from "./harness/stack-files";

const F = 60;
const MODEL = "llama-3.3-70b";
const DRIFT_CHANNEL = "#ai-platform-drift";

let pipeline: Pipeline;
let recoveredAt = 0;
let failedFlushes = 0;
let posts: SlackPost[] = [];

beforeAll(async () => {
  pipeline = await Pipeline.start({ name: "slack-outage", rendered: renderStack("dev"), compression: F });
  const p = pipeline;
  await waitFor("all targets up", () => p.allTargetsUp(), { timeoutMs: 20_000 });
  await sleep(2_000);

  p.slack.failing = true;
  p.demo.setDrift(MODEL, 0.3);
  // Fail until Alertmanager has given up on at least one whole flush for each of the two receivers.
  failedFlushes = await waitFor(
    "two failed Slack notifications in Alertmanager",
    async () => {
      const failed = await p.selfMetric(p.alertmanager, "alertmanager_notifications_failed_total", { integration: "slack" });
      return failed >= 2 ? failed : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  p.slack.failing = false;
  recoveredAt = Date.now();

  await waitFor("HighDriftScore delivered in both channels", () => (p.slack.delivered({ alertname: "HighDriftScore", state: "firing" }).length >= 2 ? true : undefined), { timeoutMs: 60_000, intervalMs: 200 }).catch(() => undefined);
  // A default group_interval more, to catch a second delivery.
  await sleep(6_000);
  p.demo.setDrift(MODEL, 0.05);
  await waitFor("HighDriftScore resolved in both channels", () => (p.slack.delivered({ alertname: "HighDriftScore", state: "resolved" }).length >= 2 ? true : undefined), { timeoutMs: 30_000, intervalMs: 200 }).catch(() => undefined);
  await sleep(1_000);
  posts = [...p.slack.posts];
}, 240_000);

afterAll(async () => {
  await pipeline?.close();
});

describe("Slack failing for a while", () => {
  it("made Alertmanager give up whole flushes while it failed", () => {
    expect(failedFlushes).toBeGreaterThanOrEqual(2);
    const refused = posts.filter((p) => p.status === 500 && p.alertname === "HighDriftScore");
    expect([...new Set(refused.map((p) => p.channel))].sort()).toEqual([CRITICAL_CHANNEL, DRIFT_CHANNEL].sort());
    for (const p of refused) expect(p.at).toBeLessThan(recoveredAt);
  });

  it("still gets the message in each channel once Slack recovers, exactly once", () => {
    const ok = posts.filter((p) => p.ok && p.alertname === "HighDriftScore" && p.state === "firing");
    expect(ok.map((p) => p.channel).sort()).toEqual([CRITICAL_CHANNEL, DRIFT_CHANNEL].sort());
    for (const p of ok) expect(p.at).toBeGreaterThanOrEqual(recoveredAt);
    expect(ok.find((p) => p.channel === CRITICAL_CHANNEL)!.mentionsChannel).toBe(true);
  });

  it("then sends the resolved message once per channel", () => {
    const resolved = posts.filter((p) => p.ok && p.alertname === "HighDriftScore" && p.state === "resolved");
    expect(resolved.map((p) => p.channel).sort()).toEqual([CRITICAL_CHANNEL, DRIFT_CHANNEL].sort());
  });
});
