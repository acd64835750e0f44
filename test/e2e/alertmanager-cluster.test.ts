/**
 * Prod's Alertmanager cluster for real (harness/alertmanager-cluster.ts): the rendered number of pinned Alertmanager
 * replicas (three) gossiping on loopback with the rendered cluster flags, and the rendered number of pinned
 * Prometheus replicas (two), each with prod's rendered prometheus.yml and rules, sending every alert to every replica.
 * Slack is the fake, in prod's bot-token mode (resolved messages edit the firing one). Time-compressed by F = 10
 * (COMPRESSION in harness/stack-files.ts, plus the peer timeout: CLUSTER_COMPRESSION), not 60: the replicas wait
 * position x peer timeout before sending, and at 60 that wait (250 ms) would be close to the gossip interval (200 ms,
 * not compressed), which is what carries the first sender's notification log entry to the others.
 *
 * While all three run: a silence made on one replica is on the others and keeps its alert out of Slack; an alert is
 * notified once, by one replica. Then that replica is killed (SIGKILL) mid-incident: a new alert is still notified
 * once in each of its channels, both alerts' resolved messages arrive once (the first as an edit of the message the
 * killed replica posted, whose id only the gossiped notification log holds), and no message is ever sent twice.
 *
 * The assertions were seen to fail on a planted bad input, replicas started without --cluster.peer (ClusterRun's
 * alterArgs): each notified on its own (three firing messages per channel) and the silence was on one replica only.
 */
import { CRITICAL_CHANNEL } from "./harness/contract";
import { CLUSTER_COMPRESSION, ClusterRun, ClusterStatus, alertmanagerAlerts, daemonMetric } from "./harness/alertmanager-cluster";
import { SlackPost } from "./harness/fake-slack";
import { sleep, waitFor } from "./harness/processes";
import { RenderedStack, durationMs, renderStack } from "./harness/stack-files";
import { CRITICAL_TIMING, DEFAULT_TIMING } from "../../rules/routes";

const F = 10;
const GPU_CHANNEL = "#ai-platform-gpu";
const INFRA_CHANNEL = "#ai-platform-infra";
/** Its ServiceDown is silenced before it goes down. */
const SILENCED = "drift-monitor";
/** Goes down after a replica was killed: the new alert of the incident. */
const NEW_DOWN = "learning-engine";
const hot = { utilizationPercent: 40, framebufferUsedMiB: 20_000, framebufferFreeMiB: 60_000, temperatureCelsius: 91 };
const cool = { ...hot, temperatureCelsius: 60 };

interface Snapshot {
  posts: SlackPost[];
  at: number;
}

interface Run {
  statuses: ClusterStatus[];
  /** Per Prometheus replica: the Alertmanager API URLs it sends to. */
  activeAlertmanagers: string[][];
  expectedAlertmanagers: string[];
  /** Per Prometheus replica and Alertmanager URL: alerts sent. */
  sentTo: number[][];
  silenceId: string;
  silenceMadeOn: number;
  /** Per replica: the silence's state as that replica reports it. */
  silenceStates: string[];
  /** Per replica: the silenced alert's state and silencers there. */
  silencedAlert: { state: string; silencedBy: string[] }[];
  /** Per replica: Slack notifications it sent while all ran (alertmanager_notifications_total). */
  sentByReplica: number[];
  killed: number;
  killedAt: number;
  beforeKill: Snapshot;
  end: Snapshot;
}

let cluster: ClusterRun;
let rendered: RenderedStack;
let run: Run;

/** Longer than any replica's wait past a group's flush: the last position's peer timeouts, plus slack for gossip. */
function quietMs(replicas: number): number {
  const peerTimeout = durationMs(rendered.alertmanagerArgs.find((a) => a.startsWith("--cluster.peer-timeout="))?.split("=")[1] ?? "15s") / F;
  const groupWait = Math.max(durationMs(DEFAULT_TIMING.groupWait), durationMs(CRITICAL_TIMING.groupWait)) / F;
  return groupWait + (replicas - 1) * peerTimeout + 4_000;
}

const posted = (c: ClusterRun, filter: Partial<Pick<SlackPost, "alertname" | "service" | "state" | "channel">>, n = 1) => () =>
  c.slack.delivered(filter).length >= n ? true : undefined;

async function slackNotifications(c: ClusterRun): Promise<number[]> {
  return Promise.all(c.alertmanagers.map((am) => daemonMetric(am, "alertmanager_notifications_total", { integration: "slack" })));
}

async function scenario(c: ClusterRun): Promise<Run> {
  const statuses = await c.settled();
  const expectedAlertmanagers = c.ports.map((p) => `http://127.0.0.1:${p.web}/api/v2/alerts`).sort();
  await waitFor("every Prometheus sending to every replica", async () => {
    const all = await Promise.all(c.prometheus.map((_, k) => c.alertmanagersOf(k)));
    return all.every((a) => a.active.length === c.alertmanagers.length) ? true : undefined;
  }, { timeoutMs: 30_000 }).catch(() => undefined);
  const activeAlertmanagers = (await Promise.all(c.prometheus.map((_, k) => c.alertmanagersOf(k)))).map((a) => a.active);
  await waitFor("all targets up on every Prometheus", async () => {
    const down = await Promise.all(c.prometheus.map((_, k) => c.query(k, "count(up == 0)")));
    const up = await Promise.all(c.prometheus.map((_, k) => c.query(k, "count(up == 1)")));
    return down.every((d) => d.length === 0) && up.every((u) => u.length > 0) ? true : undefined;
  }, { timeoutMs: 30_000 });

  // A silence made on the replica that would send last, for an alert that is not firing yet.
  const last = Math.max(...statuses.map((s) => s.position));
  const silenceMadeOn = statuses.map((s) => s.position).lastIndexOf(last);
  const res = await c.alertmanagers[silenceMadeOn].request("/api/v2/silences", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      matchers: [
        { name: "alertname", value: "ServiceDown", isRegex: false, isEqual: true },
        { name: "service", value: SILENCED, isRegex: false, isEqual: true },
      ],
      startsAt: new Date().toISOString(),
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      createdBy: "e2e",
      comment: "maintenance of the drift monitor",
    }),
  });
  if (res.status !== 200) throw new Error(`creating the silence answered ${res.status}: ${await res.text()}`);
  const { silenceID: silenceId } = (await res.json()) as { silenceID: string };
  const silenceState = async (i: number) => {
    const r = await c.alertmanagers[i].request(`/api/v2/silence/${silenceId}`);
    return r.status === 200 ? ((await r.json()) as { status: { state: string } }).status.state : `HTTP ${r.status}`;
  };
  await waitFor("the silence on every replica", async () => ((await Promise.all(c.alertmanagers.map((_, i) => silenceState(i)))).every((s) => s === "active") ? true : undefined), { timeoutMs: 10_000 }).catch(() => undefined);
  const silenceStates = await Promise.all(c.alertmanagers.map((_, i) => silenceState(i)));

  const sentBefore = await slackNotifications(c);
  c.dcgm.set(0, hot);
  c.demo.down.add(SILENCED);
  await waitFor("HighGPUTemperature in #ai-platform-gpu", posted(c, { alertname: "HighGPUTemperature", state: "firing" }), { timeoutMs: 90_000, intervalMs: 100 });
  const silencedOnAll = async () => {
    const found = await Promise.all(c.alertmanagers.map((am) => alertmanagerAlerts(am, { alertname: "ServiceDown", service: SILENCED })));
    return found.map((f): { state: string; silencedBy: string[] } => (f.length ? { state: f[0].status.state, silencedBy: f[0].status.silencedBy } : { state: "absent", silencedBy: [] }));
  };
  await waitFor("the silenced ServiceDown on every replica", async () => ((await silencedOnAll()).every((a) => a.state !== "absent") ? true : undefined), { timeoutMs: 60_000 }).catch(() => undefined);
  await sleep(quietMs(c.alertmanagers.length));
  const silencedAlert = await silencedOnAll();
  const sentAfter = await slackNotifications(c);
  const sentByReplica = sentAfter.map((n, i) => n - sentBefore[i]);
  const sentTo = await Promise.all(
    c.prometheus.map((p) => Promise.all(expectedAlertmanagers.map((url) => daemonMetric(p, "prometheus_notifications_sent_total", { alertmanager: url })))),
  );
  const beforeKill = { posts: [...c.slack.posts], at: Date.now() };

  // The replica that sent is killed mid-incident: its alert still fires, a new one starts.
  const killed = sentByReplica.findIndex((n) => n > 0);
  if (killed < 0) throw new Error(`no replica notified HighGPUTemperature (notifications per replica: ${sentByReplica.join(", ")})`);
  await c.alertmanagers[killed].kill();
  const killedAt = Date.now();
  c.demo.down.add(NEW_DOWN);
  await waitFor("ServiceDown in its two channels", posted(c, { alertname: "ServiceDown", service: NEW_DOWN, state: "firing" }, 2), { timeoutMs: 60_000, intervalMs: 100 }).catch(() => undefined);
  await sleep(quietMs(c.alertmanagers.length));

  c.dcgm.set(0, cool);
  c.demo.down.delete(NEW_DOWN);
  await waitFor(
    "resolved messages of both alerts",
    () => (c.slack.delivered({ alertname: "HighGPUTemperature", state: "resolved" }).length >= 1 && c.slack.delivered({ alertname: "ServiceDown", service: NEW_DOWN, state: "resolved" }).length >= 2 ? true : undefined),
    { timeoutMs: 90_000, intervalMs: 100 },
  ).catch(() => undefined);
  await sleep(quietMs(c.alertmanagers.length));
  return {
    statuses,
    activeAlertmanagers,
    expectedAlertmanagers,
    sentTo,
    silenceId,
    silenceMadeOn,
    silenceStates,
    silencedAlert,
    sentByReplica,
    killed,
    killedAt,
    beforeKill,
    end: { posts: [...c.slack.posts], at: Date.now() },
  };
}

beforeAll(async () => {
  rendered = renderStack("prod");
  cluster = await ClusterRun.start({ name: "am-cluster", rendered, compression: F });
  try {
    run = await scenario(cluster);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${cluster.logs()}`);
  }
}, 420_000);

afterAll(async () => {
  await cluster?.close();
});

const ok = (posts: SlackPost[], filter: Partial<SlackPost>) => posts.filter((p) => p.ok && Object.entries(filter).every(([k, v]) => p[k as keyof SlackPost] === v));

describe("prod's Alertmanager cluster on loopback, every replica running", () => {
  it("runs the rendered three replicas, each seeing the other two and settled, with the peer timeout divided by F", () => {
    expect(cluster.alertmanagers).toHaveLength(3);
    expect(run.statuses.map((s) => [s.status, s.peers.length])).toEqual([["ready", 3], ["ready", 3], ["ready", 3]]);
    expect(run.statuses.map((s) => s.position).sort()).toEqual([0, 1, 2]);
    expect(CLUSTER_COMPRESSION.peerTimeout).toBe("divided by F");
    for (const am of cluster.alertmanagers) expect(am.args).toContain("--cluster.peer-timeout=1500ms");
  });

  it("has each of the two Prometheus replicas send every alert to every Alertmanager replica", () => {
    expect(cluster.prometheus).toHaveLength(2);
    expect(run.activeAlertmanagers).toEqual([run.expectedAlertmanagers, run.expectedAlertmanagers]);
    for (const perReplica of run.sentTo) for (const n of perReplica) expect(n).toBeGreaterThan(0);
  });

  it("notifies a firing alert once, sent by one replica (the first by position) while the others hold it back", () => {
    expect(ok(run.beforeKill.posts, { alertname: "HighGPUTemperature", state: "firing" }).map((p) => p.channel)).toEqual([GPU_CHANNEL]);
    expect(run.sentByReplica.filter((n) => n > 0)).toHaveLength(1);
    expect(run.statuses[run.killed].position).toBe(0);
  });

  it("has a silence made on one replica active on the other two, and its alert notified through none of them", () => {
    expect(run.silenceStates).toEqual(["active", "active", "active"]);
    // Every replica holds the alert, suppressed by that silence: each would otherwise have notified it.
    expect(run.silencedAlert).toEqual([0, 1, 2].map(() => ({ state: "suppressed", silencedBy: [run.silenceId] })));
    expect(ok(run.end.posts, { alertname: "ServiceDown", service: SILENCED })).toEqual([]);
  });
});

describe("prod's Alertmanager cluster with the sending replica killed mid-incident", () => {
  it("notifies the alert that starts afterwards once in each of its channels", () => {
    const b = ok(run.end.posts, { alertname: "ServiceDown", service: NEW_DOWN, state: "firing" });
    expect(b.map((p) => p.channel).sort()).toEqual([CRITICAL_CHANNEL, INFRA_CHANNEL].sort());
    for (const p of b) expect(p.at).toBeGreaterThan(run.killedAt);
  });

  it("sends each resolved message once, the first alert's as an edit of the message the killed replica posted", () => {
    const firing = ok(run.end.posts, { alertname: "HighGPUTemperature", state: "firing" });
    const resolved = ok(run.end.posts, { alertname: "HighGPUTemperature", state: "resolved" });
    expect(resolved.map((p) => [p.channel, p.via])).toEqual([[GPU_CHANNEL, "chat.update"]]);
    expect(resolved[0].ts).toBe(firing[0].ts);
    expect(resolved[0].at).toBeGreaterThan(run.killedAt);
    const b = ok(run.end.posts, { alertname: "ServiceDown", service: NEW_DOWN, state: "resolved" });
    expect(b.map((p) => p.channel).sort()).toEqual([CRITICAL_CHANNEL, INFRA_CHANNEL].sort());
  });

  it("never sends the same message twice, whatever the alert", () => {
    const key = (p: SlackPost) => `${p.channel} ${p.state} ${p.alertname} on ${p.service}`;
    const keys = ok(run.end.posts, {}).map(key);
    expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
    // The alerts of this incident are among them, so the check saw the messages it is about.
    expect(keys).toEqual(expect.arrayContaining([`${GPU_CHANNEL} firing HighGPUTemperature on dcgm-exporter`, `${INFRA_CHANNEL} resolved ServiceDown on ${NEW_DOWN}`]));
  });
});
