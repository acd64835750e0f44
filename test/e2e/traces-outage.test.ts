/**
 * Telemetry kept through a backend outage and a collector restart. Jaeger stops; spans keep arriving at the
 * collector; the collector itself is restarted while Jaeger is still down (a rollout, an OOM kill); then Jaeger comes
 * back. With the prod config (exporters retrying without the default 5-minute give-up, their queues on file_storage)
 * every span sent during the outage reaches Jaeger. The negative control runs the dev config, whose queue is in
 * memory: the restart loses what was queued. Both run the rendered configs through `loopbackTraceConfigs`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { sleep, waitFor } from "./harness/processes";
import { loopbackTraceConfigs, OtlpLogSink, renderTraceConfigs } from "./harness/trace-files";
import { runTelemetrygen, traceBackends } from "./harness/upstream-process";

const LOOPBACK = "127.0.0.1";
/** Every run's cleanup, registered as soon as it has processes: afterAll stops them whatever failed. */
const cleanups: (() => Promise<void>)[] = [];
const TRACES = 20;

interface Run {
  before: number;
  during: number;
  queuedBeforeRestart: number;
  dir: string;
  stop: () => Promise<void>;
}

async function traceCount(query: string, service: string): Promise<number> {
  const res = await fetch(`${query}/api/traces?service=${encodeURIComponent(service)}&limit=1000&lookback=1h`, { signal: AbortSignal.timeout(5_000) });
  if (!res.ok) return 0;
  const body = (await res.json()) as { data: { traceID: string }[] | null };
  return new Set((body.data ?? []).map((t) => t.traceID)).size;
}

async function queueSize(metricsUrl: string): Promise<number> {
  const text = await (await fetch(metricsUrl, { signal: AbortSignal.timeout(5_000) })).text();
  return text
    .split("\n")
    .filter((l) => l.startsWith("otelcol_exporter_queue_size{") && l.includes('exporter="otlp_grpc/jaeger"'))
    .reduce((sum, l) => sum + Number(l.split(" ").pop()), 0);
}

/**
 * Another test file (jest runs two at once) may bind a port between its choice here and the collector's bind: such a
 * start is tried again with new ports, at most twice.
 */
async function outage(stack: "prod" | "dev", name: string): Promise<Run> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await outageOnce(stack, name);
    } catch (e) {
      if (attempt >= 3 || !/address already in use/.test((e as Error).message)) throw e;
    }
  }
}

async function outageOnce(stack: "prod" | "dev", name: string): Promise<Run> {
  const dir = mkdtempSync(path.join(tmpdir(), `e2e-outage-${stack}-`));
  const rendered = renderTraceConfigs(stack);
  const sink = await OtlpLogSink.start();
  const configs = await loopbackTraceConfigs(rendered, { dir, lokiAddress: sink.address });
  const { jaeger, collector, jaegerQuery: query } = traceBackends(configs, dir);
  const cp = configs.collectorPorts;
  const metricsUrl = `http://${LOOPBACK}:${cp["service.telemetry.metrics.readers.0.pull.exporter.prometheus"]}/metrics`;
  const otlp = `${LOOPBACK}:${cp["receivers.otlp.protocols.grpc"]}`;
  const send = (service: string) => runTelemetrygen(["traces", "--otlp-insecure", "--otlp-endpoint", otlp, "--traces", String(TRACES), "--service", service]);
  const stop = async () => {
    await Promise.allSettled([collector.stop(), jaeger.stop()]);
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  };
  cleanups.push(stop);
  try {
    await jaeger.start();
    await collector.start();
    await send(`${name}-before`);
    const before = await waitFor("the spans sent before the outage in Jaeger", async () => ((await traceCount(query, `${name}-before`)) >= TRACES ? TRACES : undefined), { timeoutMs: 40_000, intervalMs: 500 });

    await jaeger.stop();
    await send(`${name}-during`);
    // Past the batch timeout, so the spans are in the exporter's queue, failing and retried.
    const queuedBeforeRestart = await waitFor("spans queued for the stopped Jaeger", async () => ((await queueSize(metricsUrl)) > 0 ? queueSize(metricsUrl) : undefined), { timeoutMs: 30_000, intervalMs: 500 });
    await collector.stop(rendered.graceSeconds.collector * 1000);
    await collector.start();
    await sleep(5_000);
    await jaeger.start();
    // The exporter retries with a backoff of up to 30 s; give it two of those.
    const during = await waitFor("the spans sent during the outage in Jaeger", async () => ((await traceCount(query, `${name}-during`)) >= TRACES ? TRACES : undefined), { timeoutMs: 70_000, intervalMs: 1_000 })
      .catch(() => traceCount(query, `${name}-during`));
    return { before, during, queuedBeforeRestart, dir, stop };
  } catch (e) {
    const logs = `--- collector ---\n${collector.logTail()}\n--- jaeger ---\n${jaeger.logTail()}`;
    await stop();
    throw new Error(`${(e as Error).message}\n${logs}`);
  }
}

let prod: Run;
let dev: Run;

beforeAll(async () => {
  // allSettled: a failed run must not leave the other one running unobserved.
  const [p, d] = await Promise.allSettled([outage("prod", "e2e-outage-prod"), outage("dev", "e2e-outage-dev")]);
  if (p.status === "rejected") throw p.reason;
  if (d.status === "rejected") throw d.reason;
  [prod, dev] = [p.value, d.value];
}, 240_000);

afterAll(async () => {
  await Promise.allSettled(cleanups.map((stop) => stop()));
});

test("prod: every span sent while Jaeger was down arrives, though the collector restarted in between", () => {
  expect(prod.before).toBe(TRACES);
  expect(prod.queuedBeforeRestart).toBeGreaterThan(0);
  expect(prod.during).toBe(TRACES);
});

test("negative control, dev's in-memory queue: the restart loses the queued spans", () => {
  expect(dev.before).toBe(TRACES);
  expect(dev.queuedBeforeRestart).toBeGreaterThan(0);
  expect(dev.during).toBeLessThan(TRACES);
});
