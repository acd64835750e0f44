/**
 * Inhibitions across an Alertmanager restart (time-compressed by 60). After a restart Alertmanager knows no alert
 * until Prometheus re-sends them, one rule at a time; an alert that started long ago is flushed as soon as it comes
 * back, so DriftDetected, sent before the HighDriftScore that inhibits it, can be notified in that window
 * (prometheus/alertmanager#4064). The stack runs Alertmanager with --dispatch.start-delay equal to Prometheus'
 * resend delay, so nothing is dispatched before every firing alert is back. Both runs restart Alertmanager once in
 * the order that leaks (planted: DriftDetected back first), the flagged run then restarts it again naturally; the
 * negative control makes the planted restart without the flag.
 */
import { SlackPost } from "./harness/fake-slack";
import { HIGH_MODEL } from "./harness/incident";
import { Pipeline } from "./harness/pipeline";
import { sleep, waitFor } from "./harness/processes";
import { RenderedStack, renderStack } from "./harness/stack-files";

const F = 60;
/**
 * Natural restarts of the flagged run. Whether a restart without the flag leaks depends on which of Prometheus'
 * re-sends Alertmanager processes first, so these only show the flag holding; the control is the planted order below.
 */
const RESTARTS = 6;
/**
 * How long Prometheus stays paused after the planted DriftDetected reaches the restarted Alertmanager: long enough
 * for an immediate flush to reach the fake Slack on loopback, well inside the compressed start delay (resend delay
 * 1 s + 2 evaluation intervals = 3 s), so the flagged run still gets HighDriftScore back before it may dispatch.
 */
const HOLD_MS = 500;

interface SentAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  generatorURL?: string;
}

/** DriftDetected as Prometheus sent it to Alertmanager (held there, inhibited). */
async function sentDriftDetected(p: Pipeline): Promise<SentAlert> {
  return waitFor("DriftDetected held by Alertmanager", async () => {
    const res = await p.alertmanager.request(`/api/v2/alerts?filter=${encodeURIComponent('alertname="DriftDetected"')}`);
    const [a] = (await res.json()) as SentAlert[];
    return a ? { labels: a.labels, annotations: a.annotations, startsAt: a.startsAt, generatorURL: a.generatorURL } : undefined;
  }, { timeoutMs: 10_000, intervalMs: 100 });
}

/**
 * The order that leaks, made certain: with Prometheus paused, Alertmanager restarts and receives DriftDetected (as
 * Prometheus sent it, started long ago) before the HighDriftScore that inhibits it; Prometheus resumes after HOLD_MS
 * and re-sends everything. A natural restart gives this order only when Prometheus' posts happen to be processed so.
 */
async function plantedRestart(p: Pipeline, withoutStartDelay: boolean): Promise<void> {
  const alert = await sentDriftDetected(p);
  p.prometheus.pause();
  try {
    await p.restartAlertmanager(withoutStartDelay ? { withoutFlags: ["--dispatch.start-delay"] } : {});
    const endsAt = new Date(Date.now() + 60_000).toISOString();
    const res = await p.alertmanager.request("/api/v2/alerts", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify([{ ...alert, endsAt }]) });
    if (!res.ok) throw new Error(`posting DriftDetected to Alertmanager: ${res.status} ${await res.text()}`);
    await sleep(HOLD_MS);
  } finally {
    p.prometheus.resume();
  }
}

async function scenario(p: Pipeline, withoutStartDelay: boolean): Promise<SlackPost[]> {
  await waitFor("all targets up", () => p.allTargetsUp(), { timeoutMs: 20_000 });
  await sleep(2_000);
  p.demo.setDrift(HIGH_MODEL, 0.3);
  await waitFor("HighDriftScore notified", () => (p.slack.delivered({ alertname: "HighDriftScore", state: "firing" }).length ? true : undefined), { timeoutMs: 30_000, intervalMs: 100 });
  await sleep(1_000);
  await plantedRestart(p, withoutStartDelay);
  // Past the start delay and the drift route's group_wait, so a leak would have been posted by now.
  await sleep(4_000);
  if (!withoutStartDelay) {
    for (let i = 0; i < RESTARTS; i++) {
      await p.restartAlertmanager();
      await sleep(4_000);
    }
  }
  return [...p.slack.posts];
}

let rendered: RenderedStack;
const pipelines: Pipeline[] = [];
let withDelay: SlackPost[];
let withoutDelay: SlackPost[];

beforeAll(async () => {
  rendered = renderStack("dev");
  const [a, b] = await Promise.all([Pipeline.start({ name: "am-start-delay", rendered, compression: F }), Pipeline.start({ name: "am-no-start-delay", rendered, compression: F })]);
  pipelines.push(a, b);
  [withDelay, withoutDelay] = await Promise.all([scenario(a, false), scenario(b, true)]);
}, 240_000);

afterAll(async () => {
  await Promise.all(pipelines.map((p) => p.close()));
});

const leaked = (posts: SlackPost[]) => posts.filter((x) => x.ok && x.alertname === "DriftDetected" && x.state === "firing");

test("the rendered Alertmanager waits for Prometheus' re-sends before dispatching", () => {
  expect(rendered.alertmanagerArgs.some((a) => a.startsWith("--dispatch.start-delay="))).toBe(true);
});

test("with --dispatch.start-delay, an inhibited alert stays silent across restarts, the planted order included", () => {
  expect(leaked(withDelay)).toEqual([]);
});

test("negative control: without it, the inhibited DriftDetected is notified when it is back before its inhibitor", () => {
  expect(leaked(withoutDelay).length).toBeGreaterThan(0);
});
