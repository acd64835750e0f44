/**
 * Every alert of the specification, end to end, time-compressed by 60: the dev stack's rule files and alertmanager.yml
 * as rendered, with each `for` and each route's group_wait/group_interval/repeat_interval divided by 60 and 1s scrape
 * and evaluation intervals (COMPRESSION in harness/stack-files.ts lists every change). Expressions, rate windows,
 * thresholds, routes and inhibitions are untouched.
 *
 * One incident makes all 18 alerts fire at once, each from the series the platform would produce (the demo services
 * through the instrumentation helpers, fake DCGM, Redis and PostgreSQL exporters, a target that stops answering);
 * then everything recovers. It runs once per Slack mode (alerts-compressed.test.ts: a webhook per channel, as the dev
 * stack renders; alerts-compressed-bot-token.test.ts: the same stack with slack.mode bot-token), each against a fake
 * Slack that lands messages where real Slack would and rate-limits each channel. The record must show each alert in exactly its channels, once firing
 * and once resolved, critical ones also in #ai-platform-critical with the mention, nothing for inhibited alerts, and
 * nothing lost to HTTP 429.
 */
import { CRITICAL_CHANNEL, RenderedAlert, SEED_ALERTS, expectedChannels, renderedAlerts } from "./contract";
import { SLACK_RATE_LIMIT, SlackPost } from "./fake-slack";
import { DRIFTING_MODEL, EXCEEDED_SESSION, HIGH_MODEL, INCIDENT_SERVICE, WARNING_SESSION, recover, startIncident } from "./incident";
import { GPU_NODES, GPU_USER, Pipeline } from "./pipeline";
import { sleep, waitFor } from "./processes";
import { RenderedStack, renderStack } from "./stack-files";

const F = 60;
type Mode = "webhook-per-channel" | "bot-token";

interface Run {
  readonly rendered: RenderedStack;
  readonly rules: Map<string, RenderedAlert>;
  readonly pipeline: Pipeline;
  /** Alerts Prometheus had firing at the height of the incident (name and label subset), for the inhibition checks. */
  readonly firingInPrometheus: { alertname: string; labels: Record<string, string> }[];
  readonly recoveredAt: number;
  readonly posts: SlackPost[];
}

const NOTIFICATIONS_FAILING = "AlertmanagerNotificationsFailing";
const isSeedAlert = (alert: string) => (SEED_ALERTS as readonly string[]).includes(alert);

/** Every (alert, channel) pair the contract expects. */
function expectedPairs(rules: Map<string, RenderedAlert>): [string, string][] {
  return SEED_ALERTS.flatMap((a) => expectedChannels(rules.get(a)!).map((c): [string, string] => [a, c]));
}

/** One incident and its recovery on a pipeline of its own, Slack rate-limiting each channel as Slack does. */
async function run(mode: Mode, stack: string): Promise<Run> {
  const rendered = renderStack(stack);
  if (rendered.settings.slack.mode !== mode) throw new Error(`stack ${stack} renders slack.mode ${rendered.settings.slack.mode}, not ${mode}`);
  const rules = renderedAlerts(rendered);
  const p = await Pipeline.start({ name: `compressed-${mode}`, rendered, compression: F, slackRateLimit: SLACK_RATE_LIMIT });
  try {
    const have = (state: "firing" | "resolved", alert: string, channel: string) => p.slack.delivered({ state, alertname: alert, channel }).length > 0;
    // Baseline: every target up and two scrapes in, so rate() has a before.
    await waitFor("all targets up", () => p.allTargetsUp(), { timeoutMs: 20_000 });
    await sleep(2_500);

    // The incident: every seed alert's condition at once.
    startIncident(p);
    const pairs = expectedPairs(rules);
    await waitFor("a firing message for every alert in each of its channels", () => (pairs.every(([a, c]) => have("firing", a, c)) ? true : undefined), { timeoutMs: 90_000, intervalMs: 250 }).catch(() => undefined);
    const firingInPrometheus = (await p.alerts()).filter((a) => a.state === "firing").map((a) => ({ alertname: a.labels.alertname, labels: a.labels }));
    // One default group_interval more: a late duplicate or an inhibited alert would show up now.
    await sleep(6_000);

    const recoveredAt = recover(p);
    await waitFor("a resolved message for every alert in each of its channels", () => (pairs.every(([a, c]) => have("resolved", a, c)) ? true : undefined), { timeoutMs: 90_000, intervalMs: 250 }).catch(() => undefined);
    await sleep(2_000);
    return { rendered, rules, pipeline: p, firingInPrometheus, recoveredAt, posts: [...p.slack.posts] };
  } catch (e) {
    await p.close();
    throw e;
  }
}

/**
 * The run and its checks for one Slack mode and the stack rendering it. One mode per test file: each file is its own
 * jest worker, so the two runs' demo traffic does not share one event loop.
 */
export function describeCompressedRun(mode: Mode, stack: string): void {
  let result: Run | undefined;
  beforeAll(async () => {
    result = await run(mode, stack);
  }, 300_000);

  afterAll(async () => {
    await result?.pipeline.close();
  }, 60_000);

  describe(`time-compressed run of every seed alert (factor 60), Slack mode ${mode}`, () => {
    const r = () => result!;
    const posts = () => r().posts;

    it("loads every seed alert from the rendered rule files", () => {
      expect(SEED_ALERTS.filter((a) => !r().rules.has(a))).toEqual([]);
    });

    it.each(SEED_ALERTS.map((a) => [a]))("%s fires into exactly its channels, once each", (alert) => {
      const expected = expectedChannels(r().rules.get(alert)!);
      const firing = posts().filter((p) => p.ok && p.state === "firing" && p.alertname === alert);
      expect({ alert, channels: [...new Set(firing.map((p) => p.channel))].sort() }).toEqual({ alert, channels: expected });
      // Exactly one message per channel: no repeat, no second message for the same group.
      expect({ alert, perChannel: firing.map((p) => `${p.channel} ${p.service}`).sort() }).toEqual({ alert, perChannel: expected.map((c) => `${c} ${INCIDENT_SERVICE[alert]}`) });
      for (const p of firing) expect({ alert, service: p.service, channel: p.channel }).toEqual({ alert, service: INCIDENT_SERVICE[alert], channel: p.channel });
    });

    it.each(SEED_ALERTS.map((a) => [a]))("%s sends a resolved message after recovery, in each of its channels", (alert) => {
      const expected = expectedChannels(r().rules.get(alert)!);
      const resolved = posts().filter((p) => p.ok && p.state === "resolved" && p.alertname === alert);
      expect({ alert, channels: resolved.map((p) => p.channel).sort() }).toEqual({ alert, channels: expected });
      for (const p of resolved) expect(p.at).toBeGreaterThanOrEqual(r().recoveredAt);
    });

    it("pages #ai-platform-critical with a real mention when a critical alert fires, and nowhere else", () => {
      const critical = posts().filter((p) => p.ok && p.channel === CRITICAL_CHANNEL && p.state === "firing");
      expect(critical.map((p) => p.alertname).sort()).toEqual(SEED_ALERTS.filter((a) => r().rules.get(a)!.labels.severity === "critical").sort());
      for (const p of critical) expect({ alert: p.alertname, mentions: p.mentionsChannel }).toEqual({ alert: p.alertname, mentions: true });
      for (const p of posts().filter((x) => x.channel !== CRITICAL_CHANNEL || x.state !== "firing")) expect({ alert: p.alertname, channel: p.channel, state: p.state, mentions: p.mentionsChannel }).toMatchObject({ mentions: false });
    });

    it("was rate-limited by Slack (HTTP 429 with Retry-After) and lost nothing to it", () => {
      const limited = posts().filter((p) => p.status === 429);
      expect(limited.length).toBeGreaterThan(0);
      // Each refused message arrived later: its alert and state were delivered in that channel.
      for (const p of limited) {
        expect({ alert: p.alertname, state: p.state, channel: p.channel, delivered: posts().some((x) => x.ok && x.alertname === p.alertname && x.state === p.state && x.channel === p.channel && x.at > p.at) }).toMatchObject({ delivered: true });
      }
    });

    it("sends nothing but the seed's alerts (and the warning that Slack refused some), and Slack refused nothing but for its rate limit", () => {
      // Alertmanager 0.34 counts a 429 as a failed notification and retries it at the group's next flush, so under a
      // rate limit its own failure alert may rightly fire; nothing else may appear.
      const others = [...new Set(posts().map((p) => p.alertname))].filter((a) => !isSeedAlert(a));
      expect(others.filter((a) => a !== NOTIFICATIONS_FAILING)).toEqual([]);
      expect(posts().filter((p) => !p.ok && p.status !== 429).map((p) => ({ alert: p.alertname, channel: p.channel, status: p.status, error: p.error }))).toEqual([]);
    });

    if (mode === "bot-token") {
      it("posts with the bot token through chat.postMessage, and resolving edits the firing message (one message per group and channel)", () => {
        expect([...new Set(posts().filter((p) => p.ok && p.state === "firing").map((p) => p.via))]).toEqual(["chat.postMessage"]);
        expect([...new Set(posts().filter((p) => p.ok && p.state === "resolved").map((p) => p.via))]).toEqual(["chat.update"]);
        for (const p of posts().filter((x) => x.ok && x.state === "resolved")) {
          const original = posts().find((x) => x.ok && x.via === "chat.postMessage" && x.ts === p.ts);
          expect({ alert: p.alertname, channel: p.channel, original: original && { alert: original.alertname, channel: original.channel, state: original.state } }).toEqual({
            alert: p.alertname,
            channel: p.channel,
            original: { alert: p.alertname, channel: p.channel, state: "firing" },
          });
        }
        // What a user sees now: each alert's message in each of its channels, once, reading RESOLVED.
        for (const channel of new Set(posts().filter((p) => p.ok).map((p) => p.channel))) {
          const now = r().pipeline.slack.channelMessages(channel).filter((m) => isSeedAlert(m.alertname));
          expect({ channel, states: [...new Set(now.map((m) => m.state))] }).toEqual({ channel, states: ["resolved"] });
          expect({ channel, alerts: now.map((m) => m.alertname).length }).toEqual({ channel, alerts: new Set(now.map((m) => m.alertname)).size });
        }
      });
    } else {
      it("posts through each channel's own webhook, which lands in its channel whatever the payload says", () => {
        expect([...new Set(posts().map((p) => p.via))]).toEqual(["webhook"]);
        for (const p of posts().filter((x) => x.ok)) expect({ alert: p.alertname, landed: p.channel }).toEqual({ alert: p.alertname, landed: p.requestedChannel });
      });
    }

    it("sends no DriftDetected for the model whose HighDriftScore fires (inhibited), but does for the other", () => {
      // The inhibition had something to do: Prometheus fired DriftDetected for both models.
      expect(r().firingInPrometheus.filter((a) => a.alertname === "DriftDetected").map((a) => a.labels.model).sort()).toEqual([DRIFTING_MODEL, HIGH_MODEL].sort());
      expect(r().firingInPrometheus.some((a) => a.alertname === "HighDriftScore" && a.labels.model === HIGH_MODEL)).toBe(true);
      const detected = posts().filter((p) => p.ok && p.alertname === "DriftDetected" && p.state === "firing");
      expect(detected.length).toBeGreaterThan(0);
      for (const p of detected) {
        expect(p.text).toContain(`Drift detected for model ${DRIFTING_MODEL}`);
        expect(p.text).not.toContain(`model ${HIGH_MODEL}`);
      }
    });

    it("sends no BudgetWarning for the session whose budget is exceeded (inhibited), but does for the other", () => {
      expect(r().firingInPrometheus.filter((a) => a.alertname === "BudgetWarning").map((a) => a.labels.session_id).sort()).toEqual([EXCEEDED_SESSION, WARNING_SESSION].sort());
      const warnings = posts().filter((p) => p.ok && p.alertname === "BudgetWarning" && p.state === "firing");
      expect(warnings.length).toBeGreaterThan(0);
      for (const p of warnings) {
        expect(p.text).toContain(WARNING_SESSION);
        expect(p.text).not.toContain(EXCEEDED_SESSION);
      }
    });

    it("attributes a GPU in use to the pod using it (honor_labels), and an idle GPU to the exporter's own namespace", async () => {
      const used = await r().pipeline.query(`DCGM_FI_DEV_GPU_UTIL{gpu="1", Hostname="${GPU_NODES[0]}"}`);
      expect(used.map((s) => ({ pod: s.metric.pod, namespace: s.metric.namespace, exported: s.metric.exported_pod }))).toEqual([
        { pod: GPU_USER.pod, namespace: GPU_USER.namespace, exported: undefined },
      ]);
      const idle = await r().pipeline.query('DCGM_FI_DEV_GPU_UTIL{gpu="0"}');
      expect(idle.map((s) => s.metric.namespace)).toEqual(GPU_NODES.map(() => r().rendered.settings.agentsNamespace));
    });

    it("links each alert's runbook in its message", () => {
      for (const p of posts().filter((x) => x.ok && x.state === "firing")) expect(p.text).toMatch(new RegExp(`#${p.alertname.toLowerCase()}\\|Runbook>`));
    });
  });
}
