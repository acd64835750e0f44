/**
 * Prometheus restarted while an alert is pending, with its --storage.tsdb.path kept. Time-compressed by 10 rather than
 * 60 (HighGPUTemperature's `for: 5m` becomes 30s, --rules.alert.for-grace-period 1m becomes 6s), so the 12s the alert
 * has been pending before the restart stand well clear of the 1s evaluation interval.
 *
 * On start, Prometheus replays its write-ahead log (the data survives) and restores each pending alert's `for` clock
 * from the ALERTS_FOR_STATE series: the alert keeps the time it had been pending and only the outage is added, so it
 * fires well before a clock started afresh at the restart could.
 */
import { GPU_NODES, Pipeline } from "./harness/pipeline";
import { sleep, waitFor } from "./harness/processes";
import { durationMs, renderStack } from "./harness/stack-files";
import { renderedAlerts } from "./harness/contract";

const F = 10;
const ALERT = "HighGPUTemperature";
const GPU_CHANNEL = "#ai-platform-gpu";
const PENDING_BEFORE_RESTART_MS = 12_000;
const OUTAGE_MS = 3_000;
/** Three evaluation intervals: the `for` state is restored after the second evaluation following a start. */
const RESTORE_AFTER_MS = 3_000;

let pipeline: Pipeline;
let forMs = 0;
let activeAtBefore = 0;
let stateBefore = "";
let stoppedAt = 0;
let readyAgainAt = 0;
let activeAtAfter = 0;
let probeTime = 0;
let tempBefore: string | undefined;
let tempAfter: string | undefined;
let upSamplesBefore = 0;
let upSamplesAfter = 0;
let firingPostAt = 0;

beforeAll(async () => {
  const rendered = renderStack("dev");
  forMs = durationMs(renderedAlerts(rendered).get(ALERT)!.for!) / F;
  pipeline = await Pipeline.start({ name: "prom-restart", rendered, compression: F });
  const p = pipeline;
  await waitFor("all targets up", () => p.allTargetsUp(), { timeoutMs: 20_000 });
  await sleep(2_000);

  p.dcgm.set(0, { utilizationPercent: 40, framebufferUsedMiB: 20_000, framebufferFreeMiB: 60_000, temperatureCelsius: 91 });
  const pending = await waitFor(`${ALERT} pending`, async () => {
    const a = await p.alert(ALERT);
    return a?.state === "pending" ? a : undefined;
  }, { timeoutMs: 15_000 });
  activeAtBefore = Date.parse(pending.activeAt);
  await sleep(Math.max(0, activeAtBefore + PENDING_BEFORE_RESTART_MS - Date.now()));
  stateBefore = (await p.alert(ALERT))?.state ?? "none";

  // Data to find again after the restart: a sample from a moment ago, and how many scrapes of one target there were.
  probeTime = Date.now() - 1_500;
  tempBefore = (await p.query(`DCGM_FI_DEV_GPU_TEMP{gpu="0", Hostname="${GPU_NODES[0]}"}`, probeTime))[0]?.value[1];
  upSamplesBefore = Number((await p.query('sum(count_over_time(up{job="gateway"}[1h]))'))[0]?.value[1] ?? 0);

  await p.prometheus.stop();
  stoppedAt = Date.now();
  await sleep(OUTAGE_MS);
  await p.prometheus.start();
  readyAgainAt = p.prometheus.readyAt;

  tempAfter = (await p.query(`DCGM_FI_DEV_GPU_TEMP{gpu="0", Hostname="${GPU_NODES[0]}"}`, probeTime))[0]?.value[1];
  upSamplesAfter = Number((await p.query('sum(count_over_time(up{job="gateway"}[1h]))'))[0]?.value[1] ?? 0);
  // The first evaluation after a start recreates the alert with a fresh clock; the restore runs after the second.
  await sleep(RESTORE_AFTER_MS);
  const restored = await waitFor(`${ALERT} back after the restart`, async () => p.alert(ALERT), { timeoutMs: 15_000 });
  activeAtAfter = Date.parse(restored.activeAt);
  const post = await waitFor(`${ALERT} in ${GPU_CHANNEL}`, () => p.slack.delivered({ alertname: ALERT, state: "firing", channel: GPU_CHANNEL })[0], { timeoutMs: forMs + 20_000, intervalMs: 100 }).catch(() => undefined);
  firingPostAt = post?.at ?? 0;
}, 180_000);

afterAll(async () => {
  await pipeline?.close();
});

describe("Prometheus restarted with an alert pending, --storage.tsdb.path kept", () => {
  it("was pending, not yet firing, when it stopped", () => {
    expect(stateBefore).toBe("pending");
    expect(stoppedAt - activeAtBefore).toBeGreaterThanOrEqual(PENDING_BEFORE_RESTART_MS - 1_000);
    expect(stoppedAt - activeAtBefore).toBeLessThan(forMs);
  });

  it("keeps the samples scraped before the restart", () => {
    expect(tempBefore).toBe("91");
    expect(tempAfter).toBe(tempBefore);
    expect(upSamplesBefore).toBeGreaterThan(10);
    expect(upSamplesAfter).toBeGreaterThanOrEqual(upSamplesBefore);
  });

  it("restores the pending alert's clock instead of starting it again at the restart", () => {
    // Restored: the original start shifted by the outage, so well before the restart. Started afresh: after it.
    expect(activeAtAfter).toBeGreaterThanOrEqual(activeAtBefore);
    expect(activeAtAfter).toBeLessThanOrEqual(readyAgainAt - (PENDING_BEFORE_RESTART_MS - 7_000));
  });

  it("fires and notifies before a clock restarted at the restart could", () => {
    expect(firingPostAt).toBeGreaterThan(0);
    expect(firingPostAt).toBeLessThan(readyAgainAt + forMs);
    expect(firingPostAt - activeAtAfter).toBeGreaterThanOrEqual(forMs);
  });
});
