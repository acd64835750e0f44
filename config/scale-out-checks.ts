/**
 * The rules of the scale-out modes that involve more than one key (config/scale-out.ts): a shared store needs its
 * servers and, with a user, its password; a local store allows one replica; a setting of a store that is not chosen
 * is a mistake (jaeger.storage or grafana.database.type left at its default), and so is a password nothing reads.
 */
import { Problem } from "./fields";
import { objectStorageChecks } from "./object-storage-checks";
import { DEFAULT_SHARED_STORE_REPLICAS, JaegerStorage, RemoteJaegerStorage, SEARCH_URL } from "./scale-out";
import { CONFIG_NAMESPACE, SecretValues, StackSettings } from "./schema";

const key = (path: string) => `${CONFIG_NAMESPACE}:${path}`;
const show = (v: unknown) => JSON.stringify(v);

type Jaeger = StackSettings["jaeger"];

/** The servers of a remote store as configured (URLs or contact points), for "required" and "set but unused". */
function serversOf(j: Jaeger, store: RemoteJaegerStorage): { path: string; values: readonly string[] } {
  return store === "cassandra"
    ? { path: `jaeger.cassandra.servers`, values: j.cassandra.servers }
    : { path: `jaeger.${store}.serverUrls`, values: j[store].serverUrls };
}

/** Jaeger's replicas in effect: as configured, else one on Badger and two on a shared store. */
export function jaegerReplicas(j: Pick<Jaeger, "storage" | "replicas">): number {
  return j.replicas ?? (j.storage === "badger" ? 1 : DEFAULT_SHARED_STORE_REPLICAS);
}

/** Grafana's replicas in effect: as configured, else one on SQLite and two on PostgreSQL. */
export function grafanaReplicas(g: { readonly replicas?: number; readonly database: { readonly type: string } }): number {
  return g.replicas ?? (g.database.type === "sqlite3" ? 1 : DEFAULT_SHARED_STORE_REPLICAS);
}

function jaegerChecks(c: StackSettings & SecretValues, problems: Problem[]): void {
  const j = c.jaeger;
  const storage: JaegerStorage = j.storage;
  for (const other of ["elasticsearch", "opensearch", "cassandra"] as const) {
    if (other === storage) continue;
    const s = serversOf(j, other);
    if (s.values.length > 0) {
      problems.push({ key: key(s.path), message: `got ${show(s.values)}; expected [] while jaeger.storage is ${show(storage)} (set jaeger.storage to ${show(other)} to use this store)` });
    }
  }
  if (storage === "badger") {
    if (j.replicas !== undefined && j.replicas !== 1) {
      problems.push({ key: key("jaeger.replicas"), message: `got ${j.replicas}; expected 1 with jaeger.storage "badger" (Badger is single-node and locks its volume); a shared store allows more` });
    }
    if (c.jaegerStoragePassword !== undefined) {
      problems.push({ key: key("jaegerStoragePassword"), message: `is set, but jaeger.storage is "badger", which has no password; remove it with pulumi config rm jaegerStoragePassword` });
    }
    return;
  }
  const s = serversOf(j, storage);
  if (s.values.length === 0) {
    problems.push({ key: key(s.path), message: `got []; expected at least one ${storage === "cassandra" ? "contact point" : "URL"} with jaeger.storage ${show(storage)}` });
  }
  const username = storage === "cassandra" ? j.cassandra.username : j[storage].username;
  if (username !== "" && c.jaegerStoragePassword === undefined) {
    problems.push({ key: key("jaegerStoragePassword"), message: `is required with jaeger.${storage}.username ${show(username)}; set it with pulumi config set --secret jaegerStoragePassword ...` });
  }
  if (username === "" && c.jaegerStoragePassword !== undefined) {
    problems.push({ key: key("jaegerStoragePassword"), message: `is set, but jaeger.${storage}.username is empty, so nothing sends it; set the user or pulumi config rm jaegerStoragePassword` });
  }
  if (storage === "cassandra") {
    if (!j.cassandra.tls && j.cassandra.caConfigMap !== "") {
      problems.push({ key: key("jaeger.cassandra.caConfigMap"), message: `got ${show(j.cassandra.caConfigMap)}; expected "" while jaeger.cassandra.tls is false (a CA is only read over TLS)` });
    }
    if (!j.cassandra.tls && username !== "") {
      problems.push({ key: key("jaeger.cassandra.tls"), message: `got false; expected true with jaeger.cassandra.username set: without TLS the password crosses the network in plain text` });
    }
    return;
  }
  const store = j[storage];
  store.serverUrls.forEach((url, i) => {
    const scheme = SEARCH_URL.exec(url)?.[1];
    if (scheme !== "http") return;
    if (store.caConfigMap !== "") {
      problems.push({ key: key(`jaeger.${storage}.serverUrls[${i}]`), message: `got ${show(url)}; expected an https URL with jaeger.${storage}.caConfigMap set (a CA is only read over TLS)` });
    } else if (username !== "") {
      problems.push({ key: key(`jaeger.${storage}.serverUrls[${i}]`), message: `got ${show(url)}; expected an https URL with jaeger.${storage}.username set: over http the password crosses the network in plain text` });
    }
  });
}

function grafanaChecks(c: StackSettings & SecretValues, problems: Problem[]): void {
  const g = c.grafana;
  const db = g.database;
  if (db.type === "sqlite3") {
    if (g.replicas !== undefined && g.replicas !== 1) {
      problems.push({ key: key("grafana.replicas"), message: `got ${g.replicas}; expected 1 with grafana.database.type "sqlite3" (one writer on a ReadWriteOnce claim); set grafana.database.type "postgres" for more` });
    }
    if (db.host !== "") {
      problems.push({ key: key("grafana.database.host"), message: `got ${show(db.host)}; expected "" while grafana.database.type is "sqlite3" (set the type to "postgres" to use this server)` });
    }
    if (c.grafanaDatabasePassword !== undefined) {
      problems.push({ key: key("grafanaDatabasePassword"), message: `is set, but grafana.database.type is "sqlite3", which has no password; remove it with pulumi config rm grafanaDatabasePassword` });
    }
    return;
  }
  if (db.host === "") problems.push({ key: key("grafana.database.host"), message: `got ""; expected the PostgreSQL host with grafana.database.type "postgres"` });
  if (c.grafanaDatabasePassword === undefined) {
    problems.push({ key: key("grafanaDatabasePassword"), message: `is required with grafana.database.type "postgres"; set it with pulumi config set --secret grafanaDatabasePassword ...` });
  }
  if (db.caConfigMap !== "" && db.sslMode !== "verify-ca" && db.sslMode !== "verify-full") {
    problems.push({ key: key("grafana.database.caConfigMap"), message: `got ${show(db.caConfigMap)}; expected "" with grafana.database.sslMode ${show(db.sslMode)} (only verify-ca and verify-full read a CA)` });
  }
}

function autoscalingChecks(c: StackSettings, problems: Problem[]): void {
  const o = c.otelCollector;
  const a = o.autoscaling;
  if (!a.enabled) return;
  if (a.maxReplicas < a.minReplicas) {
    problems.push({ key: key("otelCollector.autoscaling.maxReplicas"), message: `got ${a.maxReplicas}; expected at least otelCollector.autoscaling.minReplicas (${a.minReplicas})` });
  }
  if (o.replicas !== 1) {
    problems.push({
      key: key("otelCollector.replicas"),
      message: `got ${o.replicas}; expected it left out while otelCollector.autoscaling.enabled is true: the HorizontalPodAutoscaler owns the replica count (set otelCollector.autoscaling.minReplicas instead)`,
    });
  }
}

/** Every scale-out rule; called by config/parse.ts once each key has parsed. */
export function scaleOutChecks(c: StackSettings & SecretValues, problems: Problem[]): void {
  jaegerChecks(c, problems);
  grafanaChecks(c, problems);
  autoscalingChecks(c, problems);
  objectStorageChecks(c, problems);
}
