/**
 * A local Kubernetes cluster on loopback for the cluster tests and for a user: etcd, kube-apiserver,
 * kube-controller-manager and kube-scheduler at the release built by scripts/upstream (k8s.io/kubernetes), and kwok
 * simulating nodes and pod lifecycles in place of kubelets. Client certificates, RBAC, Pod Security admission and an
 * audit log are on, as on a real cluster.
 *
 *   npm run cluster:up      start it (or find it running), wait for /readyz and Ready nodes, print the kubeconfig path
 *   npm run cluster:down    stop every process it started and remove its folder
 *   npx tsx scripts/cluster/cluster.ts kubeconfig | status
 *
 * Everything lives in one folder ($OBSERVABILITY_CLUSTER_DIR, default <tmp>/observability-cluster), with state.json
 * naming the processes started, so `down` (or the tests' teardown) stops exactly those and nothing else.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, rmSync, writeFileSync, renameSync } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dump } from "js-yaml";
import { upstreamBinary } from "../upstream/layout";
import { KubeClient, accessFromKubeconfig } from "./kube-client";
import { fixtureNodes, kwokConfig, nodeObject } from "./kwok";
import { kubeconfig, makePki } from "./pki";

export function clusterDir(): string {
  return process.env.OBSERVABILITY_CLUSTER_DIR || join(tmpdir(), "observability-cluster");
}

interface ProcessRecord {
  readonly name: string;
  readonly pid: number;
  readonly binary: string;
  readonly log: string;
}

export interface ClusterState {
  readonly dir: string;
  /** The admin's kubeconfig (user observability-admin, group system:masters). */
  readonly kubeconfig: string;
  readonly server: string;
  readonly auditLog: string;
  readonly processes: readonly ProcessRecord[];
  readonly startedAt: string;
}

/** The default StorageClass: static volumes only (no provisioner), expandable so a claim can grow in place. */
export const STORAGE_CLASS = "local-static";

const STATE_FILE = "state.json";

export function readState(dir = clusterDir()): ClusterState | undefined {
  const f = join(dir, STATE_FILE);
  if (!existsSync(f)) return undefined;
  try {
    return JSON.parse(readFileSync(f, "utf8")) as ClusterState;
  } catch {
    return undefined;
  }
}

function writeState(state: ClusterState): void {
  const f = join(state.dir, STATE_FILE);
  writeFileSync(`${f}.tmp`, JSON.stringify(state, null, 2) + "\n");
  renameSync(`${f}.tmp`, f);
}

/** True when `pid` is alive and still runs `binary`: a recycled pid of someone else's process is never signalled. */
function isOurs(p: ProcessRecord): boolean {
  try {
    const cmdline = readFileSync(`/proc/${p.pid}/cmdline`, "utf8").split("\0")[0];
    const stat = readFileSync(`/proc/${p.pid}/stat`, "utf8");
    const zombie = / Z /.test(stat.slice(stat.lastIndexOf(")")));
    return cmdline === p.binary && !zombie;
  } catch {
    return false;
  }
}

const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Stops the processes of `state`, newest first (kwok and the controllers before the API server, etcd last), each by
 * its process group (SIGTERM, then SIGKILL after 10 s). Synchronous, so a signal handler or an 'exit' hook can call it.
 */
export function stopProcesses(processes: readonly ProcessRecord[]): void {
  for (const p of [...processes].reverse()) {
    if (!isOurs(p)) continue;
    try {
      process.kill(-p.pid, "SIGTERM");
    } catch {
      continue;
    }
    const deadline = Date.now() + 10_000;
    while (isOurs(p) && Date.now() < deadline) sleepSync(100);
    if (isOurs(p)) {
      try {
        process.kill(-p.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
}

export function stopCluster(dir = clusterDir()): boolean {
  const state = readState(dir);
  if (state) stopProcesses(state.processes);
  const had = state !== undefined || existsSync(dir);
  rmSync(dir, { recursive: true, force: true });
  return had;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function tail(file: string, lines = 25): string {
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").slice(-lines).join("\n") : "";
}

/** GET over http or https (self-signed components: loopback only), resolving to status and body. */
function probe(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const mod = url.startsWith("https:") ? https : http;
    const req = mod.get(url, { timeout: 3000, rejectUnauthorized: false }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}

async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>, logs: readonly string[] = []): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (e) {
      last = (e as Error).message;
    }
    await sleep(250);
  }
  const tails = logs.map((l) => `--- ${l}\n${tail(l)}`).join("\n");
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? ` (last: ${last})` : ""}\n${tails}`);
}

/** Only Metadata (who did what to which object), and nothing for the leases and events that renew every few seconds. */
const AUDIT_POLICY = {
  apiVersion: "audit.k8s.io/v1",
  kind: "Policy",
  omitStages: ["RequestReceived"],
  rules: [
    { level: "None", resources: [{ group: "coordination.k8s.io", resources: ["leases"] }] },
    { level: "None", resources: [{ group: "", resources: ["events"] }, { group: "events.k8s.io", resources: ["events"] }] },
    { level: "Metadata" },
  ],
};

/** Is the cluster of `state` running: every process alive and the API server ready? */
export async function isUp(state: ClusterState | undefined): Promise<boolean> {
  if (!state || !state.processes.every(isOurs)) return false;
  try {
    const client = new KubeClient(accessFromKubeconfig(state.kubeconfig));
    try {
      return (await client.request("GET", "/readyz")).status === 200;
    } finally {
      client.close();
    }
  } catch {
    return false;
  }
}

/**
 * Starts the cluster in a fresh folder and returns its state once the API server is ready, the controllers and the
 * scheduler are healthy and every fixture node is Ready and schedulable. On any failure, or a signal while starting,
 * whatever was started is stopped.
 */
export async function startCluster(dir = clusterDir()): Promise<ClusterState> {
  stopCluster(dir);
  mkdirSync(dir, { recursive: true });
  const processes: ProcessRecord[] = [];
  const onSignal = (signal: NodeJS.Signals) => {
    stopProcesses(processes);
    rmSync(dir, { recursive: true, force: true });
    process.kill(process.pid, signal);
  };
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  for (const s of signals) process.once(s, onSignal);
  try {
    return await start(dir, processes);
  } catch (e) {
    // OBSERVABILITY_CLUSTER_KEEP=1 leaves a failed start running, to look at it; `down` stops it.
    if (process.env.OBSERVABILITY_CLUSTER_KEEP !== "1") stopProcesses(processes);
    throw e;
  } finally {
    for (const s of signals) process.removeListener(s, onSignal);
  }
}

async function start(dir: string, processes: ProcessRecord[]): Promise<ClusterState> {
  const bin = {
    apiserver: upstreamBinary("kubernetes", "kube-apiserver"),
    controllerManager: upstreamBinary("kubernetes", "kube-controller-manager"),
    scheduler: upstreamBinary("kubernetes", "kube-scheduler"),
    kwok: upstreamBinary("kwok"),
  };
  const etcd = spawnSync("sh", ["-c", "command -v etcd"], { encoding: "utf8" }).stdout.trim();
  if (!etcd) throw new Error("etcd is not on PATH: run `bash scripts/cluster/install.sh` (Debian's etcd-server)");

  const pki = makePki(join(dir, "pki"), [
    { name: "admin", user: "observability-admin", groups: ["system:masters"] },
    { name: "controller-manager", user: "system:kube-controller-manager" },
    { name: "scheduler", user: "system:kube-scheduler" },
    { name: "kwok", user: "kwok-controller" },
    { name: "front-proxy-client", user: "front-proxy-client" },
  ]);
  const [etcdClient, etcdPeer, apiPort, cmPort, schedPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  const server = `https://127.0.0.1:${apiPort}`;
  const kc = (name: string, user: string) => {
    const f = join(dir, `${name}.kubeconfig`);
    writeFileSync(f, kubeconfig(server, pki.caCert, pki.client(name), user), { mode: 0o600 });
    return f;
  };
  const adminKubeconfig = kc("admin", "observability-admin");
  const cmKubeconfig = kc("controller-manager", "system:kube-controller-manager");
  const schedKubeconfig = kc("scheduler", "system:kube-scheduler");
  const kwokKubeconfig = kc("kwok", "kwok-controller");
  const logs = join(dir, "logs");
  mkdirSync(logs, { recursive: true });

  const launch = (name: string, binary: string, args: readonly string[]): ProcessRecord => {
    const log = join(logs, `${name}.log`);
    const fd = openSync(log, "a");
    // Its own process group, so `down` stops it with what it started; unref'd, so `up` can exit and leave it running.
    const child = spawn(binary, args, { detached: true, stdio: ["ignore", fd, fd] });
    closeSync(fd);
    if (child.pid === undefined) throw new Error(`could not start ${binary}`);
    child.unref();
    const rec = { name, pid: child.pid, binary, log };
    processes.push(rec);
    return rec;
  };
  const state = (): ClusterState => ({ dir, kubeconfig: adminKubeconfig, server, auditLog: join(dir, "audit.log"), processes: [...processes], startedAt: new Date().toISOString() });

  const etcdProc = launch("etcd", etcd, [
    "--name=observability-local",
    `--data-dir=${join(dir, "etcd")}`,
    `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
    `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
    `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
    `--initial-cluster=observability-local=http://127.0.0.1:${etcdPeer}`,
    "--listen-metrics-urls=",
    "--log-level=warn",
  ]);
  writeState(state());
  await waitFor("etcd /health", 30_000, async () => (await probe(`http://127.0.0.1:${etcdClient}/health`)).body.includes('"health":"true"'), [etcdProc.log]);

  const auditPolicy = join(dir, "audit-policy.yaml");
  writeFileSync(auditPolicy, dump(AUDIT_POLICY));
  const api = launch("kube-apiserver", bin.apiserver, [
    `--etcd-servers=http://127.0.0.1:${etcdClient}`,
    "--bind-address=127.0.0.1",
    "--advertise-address=127.0.0.1",
    `--secure-port=${apiPort}`,
    `--cert-dir=${join(dir, "apiserver-certs")}`,
    `--tls-cert-file=${pki.serverCert}`,
    `--tls-private-key-file=${pki.serverKey}`,
    `--client-ca-file=${pki.caCert}`,
    // The request-header (front proxy) settings the aggregator and every delegating component (the controller
    // manager, the scheduler) read from kube-system/extension-apiserver-authentication; without them they log a
    // missing CA bundle every few seconds.
    `--requestheader-client-ca-file=${pki.caCert}`,
    "--requestheader-allowed-names=front-proxy-client",
    "--requestheader-username-headers=X-Remote-User",
    "--requestheader-group-headers=X-Remote-Group",
    "--requestheader-extra-headers-prefix=X-Remote-Extra-",
    `--proxy-client-cert-file=${pki.client("front-proxy-client").cert}`,
    `--proxy-client-key-file=${pki.client("front-proxy-client").key}`,
    "--authorization-mode=Node,RBAC",
    // Pod Security is in the default set; named so that the fixture states what it relies on.
    "--enable-admission-plugins=NodeRestriction,PodSecurity",
    // Privileged containers are allowed by the server, so that a refusal in the servers namespace is Pod Security's.
    "--allow-privileged=true",
    "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
    `--service-account-key-file=${pki.serviceAccountPub}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    "--service-cluster-ip-range=10.96.0.0/16",
    // Endpoints for the `kubernetes` Service would be 127.0.0.1, which endpoint validation refuses; nothing in the
    // fixture reaches the API server through that Service.
    "--endpoint-reconciler-type=none",
    `--audit-policy-file=${auditPolicy}`,
    `--audit-log-path=${join(dir, "audit.log")}`,
    "--audit-log-maxsize=100",
    "--profiling=false",
    // etcd 3.4 (Debian's) has no on-demand watch progress: the watch cache then lags behind the revision a client
    // listed at, and informers (kwok's leases, the controllers') go stale until their writes conflict and nodes go
    // NotReady. Served from etcd directly, every watch starts where its list ended.
    "--watch-cache=false",
  ]);
  writeState(state());
  const client = new KubeClient(accessFromKubeconfig(adminKubeconfig));
  try {
    await waitFor("kube-apiserver /readyz", 90_000, async () => (await client.request("GET", "/readyz")).status === 200, [api.log, etcdProc.log]);

    // kwok patches node and pod status across the cluster: cluster-admin, bound by name like any other user.
    const crb = {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "kwok-controller" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "kwok-controller" }],
    };
    await must(client.apply(crb, { fieldManager: "observability-cluster" }), "ClusterRoleBinding kwok-controller");
    const sc = {
      apiVersion: "storage.k8s.io/v1",
      kind: "StorageClass",
      metadata: { name: STORAGE_CLASS, annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
      provisioner: "kubernetes.io/no-provisioner",
      allowVolumeExpansion: true,
      volumeBindingMode: "Immediate",
      reclaimPolicy: "Retain",
    };
    await must(client.apply(sc, { fieldManager: "observability-cluster" }), `StorageClass ${STORAGE_CLASS}`);

    const cm = launch("kube-controller-manager", bin.controllerManager, [
      `--kubeconfig=${cmKubeconfig}`,
      `--authentication-kubeconfig=${cmKubeconfig}`,
      `--authorization-kubeconfig=${cmKubeconfig}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${cmPort}`,
      `--cert-dir=${join(dir, "controller-manager-certs")}`,
      "--leader-elect=false",
      "--use-service-account-credentials=true",
      `--service-account-private-key-file=${pki.serviceAccountKey}`,
      `--root-ca-file=${pki.caCert}`,
      "--kube-api-qps=100",
      "--kube-api-burst=200",
    ]);
    const sched = launch("kube-scheduler", bin.scheduler, [
      `--kubeconfig=${schedKubeconfig}`,
      `--authentication-kubeconfig=${schedKubeconfig}`,
      `--authorization-kubeconfig=${schedKubeconfig}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${schedPort}`,
      `--cert-dir=${join(dir, "scheduler-certs")}`,
      "--leader-elect=false",
    ]);
    const kwokConf = join(dir, "kwok.yaml");
    writeFileSync(kwokConf, kwokConfig());
    const kwok = launch("kwok", bin.kwok, [`--kubeconfig=${kwokKubeconfig}`, `--config=${kwokConf}`]);
    writeState(state());

    await waitFor("kube-controller-manager /healthz", 60_000, async () => (await probe(`https://127.0.0.1:${cmPort}/healthz`)).status === 200, [cm.log]);
    await waitFor("kube-scheduler /healthz", 60_000, async () => (await probe(`https://127.0.0.1:${schedPort}/healthz`)).status === 200, [sched.log]);

    for (const n of fixtureNodes()) {
      const r = await client.request("POST", "/api/v1/nodes", { body: nodeObject(n) });
      if (r.status !== 201) throw new Error(`creating node ${n.name}: ${r.status} ${r.text}`);
    }
    // Ready, and the not-ready taint that admission puts on every new node lifted by the node lifecycle controller.
    await waitFor("every fixture node Ready and schedulable", 90_000, async () => {
      const nodes = (await client.get("/api/v1/nodes")).items as any[]; // eslint-disable-line @typescript-eslint/no-explicit-any
      return (
        nodes.length === fixtureNodes().length &&
        nodes.every(
          (n) =>
            n.status?.conditions?.some((c: { type: string; status: string }) => c.type === "Ready" && c.status === "True") &&
            !(n.spec?.taints ?? []).some((t: { key: string }) => t.key.startsWith("node.kubernetes.io/")),
        )
      );
    }, [kwok.log, cm.log]);
    // The service-account controller has run: pods of new namespaces can be admitted.
    await waitFor("ServiceAccount default/default", 60_000, async () => (await client.request("GET", "/api/v1/namespaces/default/serviceaccounts/default")).status === 200, [cm.log]);
  } finally {
    client.close();
  }
  const s = state();
  writeState(s);
  return s;
}

async function must(p: Promise<{ status: number; text: string }>, what: string): Promise<void> {
  const r = await p;
  if (r.status >= 300) throw new Error(`${what}: ${r.status} ${r.text}`);
}

async function main(): Promise<void> {
  const cmd = process.argv[2];
  const dir = clusterDir();
  if (cmd === "up") {
    const started = Date.now();
    let state = readState(dir);
    if (state && (await isUp(state))) {
      console.log(`cluster already running in ${dir} (since ${state.startedAt})`);
    } else {
      state = await startCluster(dir);
      console.log(`cluster up in ${((Date.now() - started) / 1000).toFixed(1)} s: ${state.server}, ${fixtureNodes().length} kwok nodes (${fixtureNodes().map((n) => n.name).join(", ")})`);
    }
    console.log(`audit log: ${state.auditLog}\nlogs: ${join(dir, "logs")}\nkubeconfig: ${state.kubeconfig}\n\nexport KUBECONFIG=${state.kubeconfig}`);
  } else if (cmd === "down") {
    console.log(stopCluster(dir) ? `stopped the cluster in ${dir}` : `no cluster in ${dir}`);
  } else if (cmd === "status") {
    const state = readState(dir);
    const up = await isUp(state);
    console.log(up ? `running: ${state?.server} (kubeconfig ${state?.kubeconfig})` : "not running");
    process.exitCode = up ? 0 : 1;
  } else if (cmd === "kubeconfig") {
    const state = readState(dir);
    if (!state) throw new Error("no cluster: run npm run cluster:up");
    process.stdout.write(readFileSync(state.kubeconfig, "utf8"));
  } else {
    console.error("usage: tsx scripts/cluster/cluster.ts up|down|status|kubeconfig");
    process.exitCode = 2;
  }
}

if (require.main === module) {
  main().catch((e) => {
    console.error((e as Error).message);
    process.exit(1);
  });
}
