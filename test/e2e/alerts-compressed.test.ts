/**
 * Every alert of the specification, end to end, time-compressed by 60: the dev stack's rule files and alertmanager.yml
 * as rendered, with each `for` and each route's group_wait/group_interval/repeat_interval divided by 60 and 1s scrape
 * and evaluation intervals (COMPRESSION in harness/stack-files.ts lists every change). Expressions, rate windows,
 * thresholds, routes and inhibitions are untouched.
 *
 * One incident makes all 18 alerts fire at once, each from the series the platform would produce (the demo services
 * through the instrumentation helpers, fake DCGM, Redis and PostgreSQL exporters, a target that stops answering);
 * then everything recovers. The fake Slack's record must show each alert in exactly its channels, once firing and
 * once resolved, critical ones also in #ai-platform-critical with the mention, and nothing for inhibited alerts.
 */
import { CRITICAL_CHANNEL, RenderedAlert, SEED_ALERTS, expectedChannels, renderedAlerts } from "./harness/contract";
import { SlackPost } from "./harness/fake-slack";
import { DRIFTING_MODEL, EXCEEDED_SESSION, HIGH_MODEL, INCIDENT_SERVICE, WARNING_SESSION, recover, startIncident } from "./harness/incident";
import { GPU_USER, Pipeline } from "./harness/pipeline";
import { sleep, waitFor } from "./harness/processes";
import { RenderedStack, renderStack } from "./harness/stack-files";

const F = 60;

let rendered: RenderedStack;
let rules: Map<string, RenderedAlert>;
let pipeline: Pipeline;
/** Alerts Prometheus had firing at the height of the incident (name and label subset), for the inhibition checks. */
let firingInPrometheus: { alertname: string; labels: Record<string, string> }[] = [];
let recoveredAt = 0;
let posts: SlackPost[] = [];

/** Every (alert, channel) pair the contract expects. */
function expectedPairs(): [string, string][] {
  return SEED_ALERTS.flatMap((a) => expectedChannels(rules.get(a)!).map((c): [string, string] => [a, c]));
}

function have(state: "firing" | "resolved", alert: string, channel: string): boolean {
  return pipeline.slack.delivered({ state, alertname: alert, channel }).length > 0;
}

beforeAll(async () => {
  rendered = renderStack("dev");
  rules = renderedAlerts(rendered);
  pipeline = await Pipeline.start({ name: "compressed", rendered, compression: F });
  const p = pipeline;
  // Baseline: every target up and two scrapes in, so rate() has a before.
  await waitFor("all targets up", async () => ((await p.targetsUp()) >= 10 ? true : undefined), { timeoutMs: 20_000 });
  await sleep(2_500);

  // The incident: every seed alert's condition at once.
  startIncident(p);

  const pairs = expectedPairs();
  await waitFor("a firing message for every alert in each of its channels", () => (pairs.every(([a, c]) => have("firing", a, c)) ? true : undefined), { timeoutMs: 60_000, intervalMs: 250 }).catch(() => undefined);
  firingInPrometheus = (await p.alerts()).filter((a) => a.state === "firing").map((a) => ({ alertname: a.labels.alertname, labels: a.labels }));
  // One default group_interval more: a late duplicate or an inhibited alert would show up now.
  await sleep(6_000);

  recoveredAt = recover(p);
  await waitFor("a resolved message for every alert in each of its channels", () => (pairs.every(([a, c]) => have("resolved", a, c)) ? true : undefined), { timeoutMs: 60_000, intervalMs: 250 }).catch(() => undefined);
  await sleep(2_000);
  posts = [...p.slack.posts];
}, 240_000);

afterAll(async () => {
  await pipeline?.close();
});

describe("time-compressed run of every seed alert (factor 60)", () => {
  it("loads every seed alert from the rendered rule files", () => {
    expect(SEED_ALERTS.filter((a) => !rules.has(a))).toEqual([]);
  });

  it.each(SEED_ALERTS.map((a) => [a]))("%s fires into exactly its channels, once each", (alert) => {
    const expected = expectedChannels(rules.get(alert)!);
    const firing = posts.filter((p) => p.status === 200 && p.state === "firing" && p.alertname === alert);
    expect({ alert, channels: [...new Set(firing.map((p) => p.channel))].sort() }).toEqual({ alert, channels: expected });
    // Exactly one message per channel: no repeat, no second message for the same group.
    expect({ alert, perChannel: firing.length }).toEqual({ alert, perChannel: expected.length });
    for (const p of firing) expect({ alert, service: p.service }).toEqual({ alert, service: INCIDENT_SERVICE[alert] });
  });

  it.each(SEED_ALERTS.map((a) => [a]))("%s sends a resolved message after recovery, in each of its channels", (alert) => {
    const expected = expectedChannels(rules.get(alert)!);
    const resolved = posts.filter((p) => p.status === 200 && p.state === "resolved" && p.alertname === alert);
    expect({ alert, channels: resolved.map((p) => p.channel).sort() }).toEqual({ alert, channels: expected });
    for (const p of resolved) expect(p.at).toBeGreaterThanOrEqual(recoveredAt);
  });

  it("mentions the channel in #ai-platform-critical, and only there", () => {
    const critical = posts.filter((p) => p.channel === CRITICAL_CHANNEL && p.state === "firing");
    expect(critical.map((p) => p.alertname).sort()).toEqual(SEED_ALERTS.filter((a) => rules.get(a)!.labels.severity === "critical").sort());
    for (const p of critical) expect({ alert: p.alertname, mentions: p.mentionsChannel }).toEqual({ alert: p.alertname, mentions: true });
    for (const p of posts.filter((x) => x.channel !== CRITICAL_CHANNEL)) expect(p.mentionsChannel).toBe(false);
  });

  it("sends nothing but the seed's alerts", () => {
    expect([...new Set(posts.map((p) => p.alertname))].filter((a) => !(SEED_ALERTS as readonly string[]).includes(a))).toEqual([]);
    expect(posts.filter((p) => p.status !== 200)).toEqual([]);
  });

  it("sends no DriftDetected for the model whose HighDriftScore fires (inhibited), but does for the other", () => {
    // The inhibition had something to do: Prometheus fired DriftDetected for both models.
    expect(firingInPrometheus.filter((a) => a.alertname === "DriftDetected").map((a) => a.labels.model).sort()).toEqual([DRIFTING_MODEL, HIGH_MODEL].sort());
    expect(firingInPrometheus.some((a) => a.alertname === "HighDriftScore" && a.labels.model === HIGH_MODEL)).toBe(true);
    const detected = posts.filter((p) => p.alertname === "DriftDetected" && p.state === "firing");
    expect(detected.length).toBeGreaterThan(0);
    for (const p of detected) {
      expect(p.text).toContain(`Drift detected for model ${DRIFTING_MODEL}`);
      expect(p.text).not.toContain(`model ${HIGH_MODEL}`);
    }
  });

  it("sends no BudgetWarning for the session whose budget is exceeded (inhibited), but does for the other", () => {
    expect(firingInPrometheus.filter((a) => a.alertname === "BudgetWarning").map((a) => a.labels.session_id).sort()).toEqual([EXCEEDED_SESSION, WARNING_SESSION].sort());
    const warnings = posts.filter((p) => p.alertname === "BudgetWarning" && p.state === "firing");
    expect(warnings.length).toBeGreaterThan(0);
    for (const p of warnings) {
      expect(p.text).toContain(WARNING_SESSION);
      expect(p.text).not.toContain(EXCEEDED_SESSION);
    }
  });

  it("attributes a GPU in use to the pod using it (honor_labels), and an idle GPU to the exporter's own namespace", async () => {
    const used = await pipeline.query('DCGM_FI_DEV_GPU_UTIL{gpu="1"}');
    expect(used.map((s) => ({ pod: s.metric.pod, namespace: s.metric.namespace, exported: s.metric.exported_pod }))).toEqual([
      { pod: GPU_USER.pod, namespace: GPU_USER.namespace, exported: undefined },
    ]);
    const idle = await pipeline.query('DCGM_FI_DEV_GPU_UTIL{gpu="0"}');
    expect(idle.map((s) => s.metric.namespace)).toEqual([rendered.settings.agentsNamespace]);
  });

  it("links each alert's runbook in its message", () => {
    for (const p of posts.filter((x) => x.state === "firing")) expect(p.text).toMatch(new RegExp(`#${p.alertname.toLowerCase()}\\|Runbook>`));
  });
});
