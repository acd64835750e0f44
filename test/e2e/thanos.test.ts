/**
 * Prometheus HA with Thanos on object storage, for real: two pinned Prometheus replicas scraping the same targets,
 * each with a Thanos sidecar shipping its blocks to an S3 bucket (SeaweedFS), Thanos Query over both sidecars and a
 * Store Gateway, and the Compactor, all with the flags of components/thanos-config.ts (harness/thanos-ha.ts).
 *
 * Blocks: Prometheus' block durations are divided by BLOCK_COMPRESSION (2h -> 30s), so the sidecars upload blocks cut
 * from the data they scraped within two minutes. Backfilling older blocks with promtool instead would test the
 * migration path (`--shipper.upload-compacted`), not the steady state the stack runs in; this tests the latter.
 */
import { rmSync } from "node:fs";
import { BLOCK_COMPRESSION, BlockMeta, JOB, REPLICAS, Replica, Sample, TARGETS, ThanosHa } from "./harness/thanos-ha";
import { sleep, waitFor } from "./harness/processes";
import { renderStack } from "./harness/stack-files";
import { renderThanos } from "./harness/thanos-files";
import { REPLICA_LABEL } from "../../components/services";

const SCRAPE_MS = 1_000;
/** How long replica a is down before the window is read. */
const DOWN_MS = 10_000;
/** The window read around the kill: some before it, all of the outage. */
const WINDOW_MS = 25_000;
/** Largest step between two samples of a series without a gap: a scrape interval and its jitter. */
const MAX_STEP_MS = 2.5 * SCRAPE_MS;

let ha: ThanosHa;
let uploaded: BlockMeta[] = [];
let dedup: Sample[] = [];
let raw: Sample[] = [];
let queriedAt = 0;
let windowDedup: Sample[] = [];
let storesAfterKill: string[] = [];
let oldOfA: Sample[] = [];
let blocksOfA: BlockMeta[] = [];
let compact: Awaited<ReturnType<ThanosHa["runCompactor"]>>;

const replicaValue = (r: Replica): string => ha.replicas[r].pod;
const key = (s: Sample): string => s.metric.instance;

beforeAll(async () => {
  // The prod stack on object storage (the prod-thanos variant of scripts/lib/stack-variants.js).
  ha = await ThanosHa.start({ name: "thanos", rendered: renderStack("prod-thanos"), thanos: renderThanos("prod-thanos") });
  try {
    // Blocks are cut after 1.5 block durations of data, and the sidecars look for new ones every 30s.
    uploaded = await waitFor("a block of each replica in the bucket", async () => {
      const blocks = await ha.blocks();
      return REPLICAS.every((r) => blocks.some((b) => b.thanos.labels[REPLICA_LABEL] === replicaValue(r))) ? blocks : undefined;
    }, { timeoutMs: 180_000, intervalMs: 2_000 });
    await ha.startStore();
    const query = await ha.startQuery();

    dedup = await ha.instant(`up{job="${JOB}"}`, { dedup: true });
    raw = await ha.instant(`up{job="${JOB}"}`, { dedup: false });

    // Replica a crashes (Prometheus and its sidecar, no shutdown work): the pair's series must go on without a gap.
    const a = ha.replicas.a;
    await Promise.all([a.prometheus.kill(), a.sidecar.kill()]);
    await sleep(DOWN_MS);
    // Evaluated at an explicit time, so the window's bounds do not depend on how long the request takes to arrive.
    queriedAt = Date.now();
    windowDedup = await ha.instant(`up{job="${JOB}"}[${WINDOW_MS / 1000}s]`, { dedup: true, time: queriedAt });
    const stores = (await (await query.request("/api/v1/stores")).json()) as { data: Record<string, { name: string; lastError: string | null }[]> };
    storesAfterKill = Object.values(stores.data).flat().filter((s) => !s.lastError).map((s) => s.name);

    // Its volume is lost: what it had uploaded is read from the bucket, through the Store Gateway.
    rmSync(a.dataDir, { recursive: true, force: true });
    blocksOfA = uploaded.filter((b) => b.thanos.labels[REPLICA_LABEL] === replicaValue("a"));
    const last = blocksOfA[blocksOfA.length - 1];
    const first = blocksOfA[0];
    const spanS = Math.ceil((last.maxTime - first.minTime) / 1000);
    oldOfA = await ha.instant(`up{job="${JOB}", ${REPLICA_LABEL}="${replicaValue("a")}"}[${spanS}s]`, { dedup: false, time: last.maxTime - 1 });

    compact = await ha.runCompactor();
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${ha.logs()}`);
  }
}, 300_000);

afterAll(async () => {
  await ha?.close();
});

describe("Thanos over an HA pair of Prometheus on an S3 bucket", () => {
  it("uploads blocks of each replica, labelled with its replica, with their meta.json", () => {
    for (const r of REPLICAS) {
      const mine = uploaded.filter((b) => b.thanos.labels[REPLICA_LABEL] === replicaValue(r));
      expect(mine.length).toBeGreaterThan(0);
      for (const b of mine) {
        expect(b.thanos.source).toBe("sidecar");
        // A block of the compressed duration: 2h / BLOCK_COMPRESSION.
        expect(b.maxTime - b.minTime).toBeLessThanOrEqual((2 * 3_600_000) / BLOCK_COMPRESSION);
      }
    }
  });

  it("returns one deduplicated series per target through Query, and both replicas' without deduplication", () => {
    expect(dedup.map(key).sort()).toEqual(ha.targets.map((t) => t.target).sort());
    expect(dedup.every((s) => s.metric[REPLICA_LABEL] === undefined)).toBe(true);
    expect(dedup.every((s) => s.value?.[1] === "1")).toBe(true);
    expect(raw).toHaveLength(2 * TARGETS);
    for (const t of ha.targets) {
      expect(raw.filter((s) => key(s) === t.target).map((s) => s.metric[REPLICA_LABEL]).sort()).toEqual(REPLICAS.map(replicaValue).sort());
    }
  });

  it("has no gap in the deduplicated series while one replica is down", () => {
    expect(storesAfterKill).not.toContain(ha.replicas.a.grpc);
    // The window (queriedAt - WINDOW_MS, queriedAt] holds both replicas' last WINDOW_MS - DOWN_MS and all of the outage.
    expect(windowDedup.map(key).sort()).toEqual(ha.targets.map((t) => t.target).sort());
    const seen = windowDedup.map((s) => {
      const times = (s.values ?? []).map(([t]) => t * 1000);
      const steps = times.slice(1).map((t, i) => t - times[i]);
      const maxStepMs = Math.max(...steps);
      return { instance: key(s), fromStart: times[0] - (queriedAt - WINDOW_MS) <= MAX_STEP_MS, toEnd: queriedAt - times[times.length - 1] <= MAX_STEP_MS, stepOk: maxStepMs <= MAX_STEP_MS, maxStepMs };
    });
    // One comparison for all targets, so a failure names the series and shows its largest step.
    expect(seen).toEqual(seen.map((x) => ({ ...x, fromStart: true, toEnd: true, stepOk: true })));
  });

  it("still returns a lost replica's old data, from the Store Gateway", () => {
    const first = blocksOfA[0];
    const last = blocksOfA[blocksOfA.length - 1];
    expect(oldOfA.map(key).sort()).toEqual(ha.targets.map((t) => t.target).sort());
    for (const s of oldOfA) {
      const times = (s.values ?? []).map(([t]) => t * 1000);
      expect(times.length).toBeGreaterThanOrEqual(Math.floor((last.maxTime - first.minTime) / SCRAPE_MS / 2));
      expect(Math.min(...times)).toBeGreaterThanOrEqual(first.minTime);
      expect(Math.max(...times)).toBeLessThan(last.maxTime);
    }
  });

  it("runs the Compactor with the rendered flags through an iteration without error", () => {
    expect(compact.args).toContain("--wait");
    expect({ iterations: compact.iterations >= 1, halted: compact.halted, retries: compact.retries }).toEqual({ iterations: true, halted: 0, retries: 0 });
    expect(compact.log).toMatch(/retention policy of raw samples is enabled/);
    expect(compact.log).toMatch(/downsampling iterations done/);
    expect(compact.log.split("\n").filter((l) => /level=error/.test(l))).toEqual([]);
  });
});
