/**
 * What spans cost: the pinned Collector and Jaeger (Badger) on the rendered prod configs (loopback addresses and
 * Badger's directories changed, as in test/e2e/traces.test.ts) under a steady OTLP load from telemetrygen, at a few
 * rates. Per rate: CPU seconds each process used per second of load (from /proc), its peak resident memory, and the
 * bytes Badger's directories grew per span stored. These figures are what docs/capacity.md sizes the collector and
 * Jaeger from.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import * as path from "node:path";
import { upstreamBinary } from "../../scripts/upstream/layout";
import { OtlpLogSink, loopbackTraceConfigs, renderTraceConfigs } from "../e2e/harness/trace-files";
import { traceBackends } from "../e2e/harness/upstream-process";
import { sleep } from "../e2e/harness/processes";
import { progress } from "./machine";

/** Spans per second the bench asks for; each telemetrygen trace arrives as one span (measured: asking for a child span per trace did not double what the collector accepted). */
export const SPAN_RATES = [2_000, 10_000, 30_000] as const;
const SPANS_PER_TRACE = 1;
const LOAD_SECONDS = 30;
const CLOCK_TICKS = 100;

export interface SpanCost {
  readonly offeredSpansPerSecond: number;
  /** Spans the collector's OTLP receiver accepted during the load, per second. */
  readonly acceptedSpansPerSecond: number;
  /** Spans refused by the receiver or dropped by an exporter (memory limiter, queue full). */
  readonly refusedOrDropped: number;
  readonly collectorCpuCores: number;
  readonly jaegerCpuCores: number;
  readonly collectorPeakRssBytes: number;
  readonly jaegerPeakRssBytes: number;
  /** Growth of Badger's key and value directories per accepted span, after Jaeger flushed on stop. */
  readonly badgerBytesPerSpan: number;
  readonly loadAverage: number;
}

function cpuSeconds(pid: number): number {
  // Fields after the parenthesised command: utime and stime are the 12th and 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

function peakRssBytes(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!m) throw new Error(`no VmHWM for pid ${pid}`);
  return Number(m[1]) * 1024;
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    total += e.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return total;
}

/** The sum of a counter's samples whose labels contain `match` in the collector's own metrics. */
async function counter(url: string, name: string): Promise<number> {
  const text = await (await fetch(url, { signal: AbortSignal.timeout(5_000) })).text();
  return text
    .split("\n")
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
}

function telemetrygen(args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(upstreamBinary("telemetrygen"), [...args], { timeout: (LOAD_SECONDS + 60) * 1000, maxBuffer: 64 * 2 ** 20 }, (error, _out, stderr) =>
      error ? reject(new Error(`telemetrygen failed: ${error.message}\n${stderr.slice(-2000)}`)) : resolve(),
    );
  });
}

async function oneRate(rate: number): Promise<SpanCost> {
  const dir = mkdtempSync(path.join(tmpdir(), "bench-spans-"));
  const sink = await OtlpLogSink.start();
  const configs = await loopbackTraceConfigs(renderTraceConfigs("prod"), { dir, lokiAddress: sink.address });
  const { jaeger, collector } = traceBackends(configs, dir);
  const metricsUrl = `http://127.0.0.1:${configs.collectorPorts["service.telemetry.metrics.readers.0.pull.exporter.prometheus"]}/metrics`;
  const backends = Object.values(configs.jaeger.extensions.jaeger_storage.backends as Record<string, { badger?: { directories?: Record<string, string> } }>);
  const badgerDirs = backends.flatMap((b) => Object.values(b.badger?.directories ?? {}));
  if (badgerDirs.length === 0) throw new Error("the rendered prod Jaeger config has no Badger directories");
  // The persistent queue's directories exist in the pod (its volume); here they are made.
  for (const [id, ext] of Object.entries((configs.collector.extensions ?? {}) as Record<string, { directory?: string; compaction?: { directory?: string } }>)) {
    if (!id.startsWith("file_storage")) continue;
    for (const d of [ext.directory, ext.compaction?.directory]) if (d) mkdirSync(d, { recursive: true });
  }
  try {
    await jaeger.start();
    await collector.start();
    const [cPid, jPid] = [collector.pid, jaeger.pid];
    if (!cPid || !jPid) throw new Error("collector or Jaeger has no pid");
    const accepted0 = await counter(metricsUrl, "otelcol_receiver_accepted_spans_total");
    const cpu0 = { c: cpuSeconds(cPid), j: cpuSeconds(jPid) };
    // One telemetrygen worker sends well under 2,000 spans/s (its exporter waits on each batch), so they are many.
    const workers = Math.max(1, Math.ceil(rate / 1_000));
    const tracesPerWorker = Math.round(rate / SPANS_PER_TRACE / workers);
    const started = performance.now();
    await telemetrygen([
      "traces", "--otlp-insecure", "--otlp-endpoint", `127.0.0.1:${configs.collectorPorts["receivers.otlp.protocols.grpc"]}`,
      "--rate", String(tracesPerWorker), "--workers", String(workers), "--duration", `${LOAD_SECONDS}s`,
      "--service", "bench-spans",
    ]);
    // The rendered batch timeout and the exporter queue drain within a few seconds of the last span.
    await sleep(12_000);
    const loadS = (performance.now() - started) / 1000;
    const cpu1 = { c: cpuSeconds(cPid), j: cpuSeconds(jPid) };
    const accepted = (await counter(metricsUrl, "otelcol_receiver_accepted_spans_total")) - accepted0;
    const refused = (await counter(metricsUrl, "otelcol_receiver_refused_spans_total")) + (await counter(metricsUrl, "otelcol_exporter_send_failed_spans_total"));
    const rss = { c: peakRssBytes(cPid), j: peakRssBytes(jPid) };
    const load = loadavg()[0];
    await collector.stop();
    await jaeger.stop();
    const badger = badgerDirs.reduce((sum, d) => sum + (existsSync(d) ? dirBytes(d) : 0), 0);
    return {
      offeredSpansPerSecond: rate,
      acceptedSpansPerSecond: accepted / LOAD_SECONDS,
      refusedOrDropped: refused,
      collectorCpuCores: (cpu1.c - cpu0.c) / loadS,
      jaegerCpuCores: (cpu1.j - cpu0.j) / loadS,
      collectorPeakRssBytes: rss.c,
      jaegerPeakRssBytes: rss.j,
      badgerBytesPerSpan: accepted > 0 ? badger / accepted : NaN,
      loadAverage: load,
    };
  } finally {
    await Promise.allSettled([collector.stop(), jaeger.stop()]);
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function spanCost(rates: readonly number[] = SPAN_RATES): Promise<SpanCost[]> {
  const out: SpanCost[] = [];
  for (const rate of rates) {
    progress(`spans: ${rate}/s for ${LOAD_SECONDS} s`);
    out.push(await oneRate(rate));
  }
  return out;
}
