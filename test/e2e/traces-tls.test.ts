/**
 * TLS on the trace path: the pinned Collector and Jaeger run the dev stack's collector and Jaeger configs rendered
 * with `tls.mode: secret`, moved to loopback by `loopbackTraceConfigs`, their certificate, key and CA paths moved from
 * the pods' mounts to a per-run openssl CA and server certificate. A span sent to the collector reaches Jaeger over
 * TLS (the exporter verifying the rendered CA) and is read back over https; plain http to Jaeger's query API and a
 * plaintext OTLP export straight to Jaeger's receiver get nothing through, and https without the CA fails.
 *
 * The certificate names 127.0.0.1 (what the loopback exporter dials) besides the Service names a cluster would use.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { load } from "js-yaml";
import { JAEGER_TLS_DIR } from "../../components/jaeger";
import { OTEL_COLLECTOR_SERVER_TLS_DIR } from "../../components/otel-collector";
import { COLLECTOR_EXPORTERS } from "../../components/otel-collector-config";
import { find, runStack } from "../support/program";
import { makeServerCertificates, ServerCertificates } from "../support/server-certs";
import { upstreamBinary } from "../../scripts/upstream/layout";
import { loopbackGet } from "./harness/http";
import { sleep, waitFor } from "./harness/processes";
import { runTelemetrygen } from "./harness/upstream-process";
import { LoopbackTraceConfigs, loopbackTraceConfigs } from "./harness/trace-files";

const RUN = randomBytes(4).toString("hex");
const OVER_TLS = `e2e-tls-${RUN}`;
const PLAINTEXT = `e2e-plaintext-${RUN}`;
let dir: string;
let certs: ServerCertificates;
let configs: LoopbackTraceConfigs;
const children: ReturnType<typeof spawn>[] = [];
const ca = () => readFileSync(certs.caFile);
const port = (key: string) => configs.jaegerPorts[key];

/** Every path under `from/` in a config's text, moved to `to/`. */
const moveDir = (text: string, from: string, to: string) => text.split(`${from}/`).join(`${to}/`);

function start(name: string, binary: string, config: string): void {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, config);
  const log = openSync(path.join(dir, `${name}.log`), "a");
  children.push(spawn(binary, [`--config=${file}`], { stdio: ["ignore", log, log] }));
}

async function services(): Promise<string[]> {
  const r = await loopbackGet(port("extensions.jaeger_query.http"), "/api/services", { tls: { ca: ca() } });
  return r.status === 200 ? ((JSON.parse(r.body) as { data: string[] | null }).data ?? []) : [];
}

beforeAll(async () => {
  const stack = await runStack("dev", { "observability:tls": JSON.stringify({ mode: "secret", secretName: "servers-tls", agentsCaConfigMap: "servers-ca" }) });
  dir = mkdtempSync(path.join(tmpdir(), "e2e-traces-tls-"));
  certs = makeServerCertificates(path.join(dir, "tls"), ["IP:127.0.0.1", "DNS:localhost", "DNS:jaeger.observability.svc", "DNS:jaeger-ingest.observability.svc"]);
  const yaml = (name: string) => find(stack.manifests, "ConfigMap", name).data["config.yaml"] as string;
  const rendered = {
    stack: "dev",
    clusterName: "ai-platform-dev",
    collectorYaml: moveDir(yaml("otel-collector-config"), OTEL_COLLECTOR_SERVER_TLS_DIR, certs.dir),
    jaegerYaml: moveDir(yaml("jaeger-config"), JAEGER_TLS_DIR, certs.dir),
    graceSeconds: { collector: 60, jaeger: 60 },
  };
  // No logs are sent: the logs exporter's address only has to be on loopback.
  configs = await loopbackTraceConfigs(rendered, { dir, lokiAddress: "127.0.0.1:9" });
  start("jaeger", upstreamBinary("jaeger"), configs.jaegerYaml);
  start("otelcol", upstreamBinary("otelcol"), configs.collectorYaml);
  const health = configs.jaeger.extensions.healthcheckv2.http.status.path as string;
  await waitFor("jaeger healthy over https", async () => ((await loopbackGet(port("extensions.healthcheckv2.http"), health, { tls: { ca: ca() } }).catch(() => undefined))?.status === 200 ? true : undefined), { timeoutMs: 60_000 });
  const collectorHealth = `http://127.0.0.1:${configs.collectorPorts["extensions.health_check"]}${configs.collector.extensions.health_check.path}`;
  await waitFor("collector healthy", async () => ((await fetch(collectorHealth).catch(() => undefined))?.status === 200 ? true : undefined), { timeoutMs: 60_000 });
}, 180_000);

afterAll(async () => {
  for (const c of children) c.kill("SIGTERM");
  await sleep(1000);
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it("runs the rendered TLS settings: Jaeger's listeners carry the certificate, the collector's exporter the CA", () => {
  const tls = { cert_file: certs.certFile, key_file: certs.keyFile };
  expect(configs.jaeger.receivers.otlp.protocols.grpc.tls).toEqual(tls);
  expect(configs.jaeger.extensions.jaeger_query.http.tls).toEqual(tls);
  expect((configs.collector.exporters[COLLECTOR_EXPORTERS.traces] as { tls: unknown }).tls).toEqual({ ca_file: certs.caFile });
  // The rendered files, before the move, point at the pods' mounts.
  expect(load(moveDir(configs.collectorYaml, certs.dir, OTEL_COLLECTOR_SERVER_TLS_DIR))).toHaveProperty(["exporters", COLLECTOR_EXPORTERS.traces, "tls", "ca_file"], `${OTEL_COLLECTOR_SERVER_TLS_DIR}/ca.crt`);
});

it("delivers a span from the collector to Jaeger over TLS, read back over https", async () => {
  await runTelemetrygen(["traces", "--otlp-insecure", "--otlp-endpoint", `127.0.0.1:${configs.collectorPorts["receivers.otlp.protocols.grpc"]}`, "--traces", "1", "--service", OVER_TLS]);
  // The rendered batch timeout is 10 s.
  await waitFor(`${OVER_TLS} in Jaeger`, async () => ((await services()).includes(OVER_TLS) ? true : undefined), { timeoutMs: 60_000, intervalMs: 1000 });
}, 90_000);

it("refuses plaintext: a plain OTLP export straight to Jaeger stores nothing, plain http to the query API gets no data", async () => {
  await runTelemetrygen(["traces", "--otlp-insecure", "--otlp-endpoint", `127.0.0.1:${port("receivers.otlp.protocols.grpc")}`, "--traces", "1", "--service", PLAINTEXT]).catch(() => "");
  await waitFor(`${OVER_TLS} in Jaeger`, async () => ((await services()).includes(OVER_TLS) ? true : undefined), { timeoutMs: 60_000, intervalMs: 1000 });
  await sleep(3000);
  expect(await services()).not.toContain(PLAINTEXT);
  const plain = await loopbackGet(port("extensions.jaeger_query.http"), "/api/services").catch((e: Error) => ({ status: 0, body: e.message }));
  expect(plain.status).not.toBe(200);
  await expect(loopbackGet(port("extensions.jaeger_query.http"), "/api/services", { tls: {} })).rejects.toThrow(/certificate/);
}, 90_000);
