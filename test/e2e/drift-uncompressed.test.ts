/**
 * The drift alerts (`for: 1m`) through the dev stack's files unchanged: rule files byte for byte, alertmanager.yml with
 * only the Slack URL file's path changed, prometheus.yml with static targets in place of discovery; 15s scrape and
 * evaluation intervals, 30s/10s group_wait, as deployed. Each notification must come no sooner than `for` allows and
 * no later than the bound for + scrape interval + evaluation interval + group_wait, where group_wait is that of the
 * route delivering to the channel: HighDriftScore reaches #ai-platform-critical after the critical route's 10s, and
 * #ai-platform-drift after the drift route's 30s (inherited from the root).
 *
 * Resolution is not awaited here: its message comes after a group_interval of 1m (critical) or 5m; the compressed run
 * covers it.
 */
import { readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { load } from "js-yaml";
import { ALERTMANAGER_SECRET_DIR } from "../../components/alertmanager-config";
import { CRITICAL_CHANNEL } from "./harness/contract";
import { Pipeline } from "./harness/pipeline";
import { waitFor } from "./harness/processes";
import { RenderedStack, durationMs, renderStack } from "./harness/stack-files";

const HIGH_MODEL = "llama-3.3-70b";
const DRIFTING_MODEL = "llama-3.3-8b";
/** Time for the fake Slack to receive the POST after Alertmanager decides to send it, and for our clocks to agree. */
const TOLERANCE_MS = 2_000;

let rendered: RenderedStack;
let pipeline: Pipeline;
let crossedAt = 0;

interface Timings {
  scrape: number;
  evaluation: number;
  forMs: number;
  groupWait: { critical: number; drift: number };
}
let t: Timings;

beforeAll(async () => {
  rendered = renderStack("dev");
  const prom = load(rendered.prometheusYml) as { global: { scrape_interval: string; evaluation_interval: string } };
  const am = load(rendered.alertmanagerYml) as { route: { group_wait: string; routes: { receiver: string; group_wait?: string }[] } };
  const drift = load(rendered.ruleFiles["drift.rules.yml"]) as { groups: { rules: { alert: string; for: string }[] }[] };
  t = {
    scrape: durationMs(prom.global.scrape_interval),
    evaluation: durationMs(prom.global.evaluation_interval),
    forMs: durationMs(drift.groups[0].rules.find((r) => r.alert === "DriftDetected")!.for),
    groupWait: {
      critical: durationMs(am.route.routes.find((r) => r.receiver === "slack-critical")!.group_wait!),
      drift: durationMs(am.route.group_wait),
    },
  };
  pipeline = await Pipeline.start({ name: "uncompressed", rendered, compression: 1 });
  const p = pipeline;
  await waitFor("all targets up", () => p.allTargetsUp(), { timeoutMs: 2 * t.scrape + 10_000, intervalMs: 500 });
  p.demo.setDrift(HIGH_MODEL, 0.3);
  p.demo.setDrift(DRIFTING_MODEL, 0.18);
  crossedAt = Date.now();
  const bound = t.forMs + t.scrape + t.evaluation + t.groupWait.drift + TOLERANCE_MS;
  await waitFor(
    "HighDriftScore in #ai-platform-drift and #ai-platform-critical, DriftDetected in #ai-platform-drift",
    () =>
      p.slack.delivered({ alertname: "HighDriftScore", state: "firing" }).length >= 2 && p.slack.delivered({ alertname: "DriftDetected", state: "firing" }).length >= 1 ? true : undefined,
    { timeoutMs: bound + 15_000, intervalMs: 250 },
  ).catch(() => undefined);
}, 240_000);

afterAll(async () => {
  await pipeline?.close();
});

describe("uncompressed run of the drift alerts through the rendered files", () => {
  it("runs the rendered rule files byte for byte", () => {
    const dir = path.join(pipeline.dir, "rules");
    const written = Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(path.join(dir, f), "utf8")]));
    expect(written).toEqual(rendered.ruleFiles);
  });

  it("runs the rendered alertmanager.yml with only the Secret's files moved into the run", () => {
    const running = readFileSync(path.join(pipeline.dir, "alertmanager.yml"), "utf8");
    // Every credential file keeps its name (the Secret's key) and only changes directory.
    const moved = running.split(`${path.join(pipeline.dir, "secrets")}/`).join(`${ALERTMANAGER_SECRET_DIR}/`);
    expect(moved).not.toBe(running);
    expect(load(moved)).toEqual(load(rendered.alertmanagerYml));
  });

  it("notifies HighDriftScore in #ai-platform-drift and, with the mention, #ai-platform-critical, within its bound", () => {
    const posts = pipeline.slack.delivered({ alertname: "HighDriftScore", state: "firing" });
    expect(posts.map((p) => p.channel).sort()).toEqual([CRITICAL_CHANNEL, "#ai-platform-drift"].sort());
    expect(posts.find((p) => p.channel === CRITICAL_CHANNEL)!.mentionsChannel).toBe(true);
    for (const p of posts) {
      // Each channel's own route decides its group_wait: the critical route's, or the drift route's (the root's).
      const bound = t.forMs + t.scrape + t.evaluation + (p.channel === CRITICAL_CHANNEL ? t.groupWait.critical : t.groupWait.drift);
      const elapsed = p.at - crossedAt;
      expect({ channel: p.channel, notSoonerThanFor: elapsed >= t.forMs }).toEqual({ channel: p.channel, notSoonerThanFor: true });
      expect({ channel: p.channel, elapsed, withinBound: elapsed <= bound + TOLERANCE_MS }).toEqual({ channel: p.channel, elapsed, withinBound: true });
    }
  });

  it("notifies DriftDetected in #ai-platform-drift only, for the drifting model only, within its bound", () => {
    const posts = pipeline.slack.delivered({ alertname: "DriftDetected", state: "firing" });
    expect(posts.map((p) => p.channel)).toEqual(["#ai-platform-drift"]);
    expect(posts[0].text).toContain(`model ${DRIFTING_MODEL}`);
    expect(posts[0].text).not.toContain(`model ${HIGH_MODEL}`);
    const elapsed = posts[0].at - crossedAt;
    expect(elapsed).toBeGreaterThanOrEqual(t.forMs);
    expect(elapsed).toBeLessThanOrEqual(t.forMs + t.scrape + t.evaluation + t.groupWait.drift + TOLERANCE_MS);
  });
});
