/**
 * The smallest Kubernetes client the cluster script and tests need: HTTPS with the admin's client certificate,
 * server-side apply, and every `Warning` header the server returns, kept with the request that drew it. No kubectl:
 * the one on a machine is whatever version it is, and its warnings go to a terminal, not to a test.
 */
import { readFileSync } from "node:fs";
import * as https from "node:https";
import { load } from "js-yaml";

export interface ClusterAccess {
  readonly server: string;
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

/** Reads the first cluster and user of a kubeconfig with embedded data (what cluster.ts writes). */
export function accessFromKubeconfig(path: string): ClusterAccess {
  const kc = load(readFileSync(path, "utf8")) as {
    clusters: { cluster: { server: string; "certificate-authority-data": string } }[];
    users: { user: { "client-certificate-data": string; "client-key-data": string } }[];
  };
  const b64 = (s: string) => Buffer.from(s, "base64").toString("utf8");
  return {
    server: kc.clusters[0].cluster.server,
    ca: b64(kc.clusters[0].cluster["certificate-authority-data"]),
    cert: b64(kc.users[0].user["client-certificate-data"]),
    key: b64(kc.users[0].user["client-key-data"]),
  };
}

export interface KubeResponse {
  readonly status: number;
  readonly body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON of any Kubernetes kind
  readonly text: string;
  /** The text of each `Warning: 299 - "..."` header, in order. */
  readonly warnings: readonly string[];
}

/** `299 - "text"` -> `text` (RFC 7234 warn-text, with its escapes). */
export function warningText(header: string): string {
  const m = /^\d{3} \S+ "((?:[^"\\]|\\.)*)"/.exec(header);
  return m ? m[1].replace(/\\(.)/g, "$1") : header;
}

export interface RequestOptions {
  readonly body?: unknown;
  readonly contentType?: string;
  /** Milliseconds; a request to a loopback server that takes longer is a hang, not a slow answer. */
  readonly timeoutMs?: number;
}

export class KubeClient {
  private readonly agent: https.Agent;

  constructor(readonly access: ClusterAccess) {
    this.agent = new https.Agent({ ca: access.ca, cert: access.cert, key: access.key, keepAlive: true, maxSockets: 8 });
  }

  request(method: string, path: string, opts: RequestOptions = {}): Promise<KubeResponse> {
    const url = new URL(path, this.access.server);
    const payload = opts.body === undefined ? undefined : typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
    return new Promise((resolve, reject) => {
      const req = https.request(
        url,
        {
          method,
          agent: this.agent,
          headers: {
            Accept: "application/json",
            ...(payload !== undefined ? { "Content-Type": opts.contentType ?? "application/json", "Content-Length": Buffer.byteLength(payload) } : {}),
          },
          timeout: opts.timeoutMs ?? 30_000,
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (d: string) => (text += d));
          res.on("end", () => {
            const raw = res.headers["warning"];
            const headers = raw === undefined ? [] : Array.isArray(raw) ? raw : splitWarnings(raw);
            let body: unknown = undefined;
            try {
              body = text ? JSON.parse(text) : undefined;
            } catch {
              body = undefined;
            }
            resolve({ status: res.statusCode ?? 0, body, text, warnings: headers.map(warningText) });
          });
        },
      );
      req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer in ${opts.timeoutMs ?? 30_000} ms`)));
      req.on("error", reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /** GET that must succeed. */
  async get(path: string): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const r = await this.request("GET", path);
    if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.text.slice(0, 500)}`);
    return r.body;
  }

  /** Server-side apply of one object to its own URL. */
  apply(obj: KubeObject, opts: { fieldManager: string; dryRun?: boolean; force?: boolean; strict?: boolean }): Promise<KubeResponse> {
    const q = new URLSearchParams({ fieldManager: opts.fieldManager, fieldValidation: opts.strict === false ? "Warn" : "Strict" });
    if (opts.force) q.set("force", "true");
    if (opts.dryRun) q.set("dryRun", "All");
    return this.request("PATCH", `${objectPath(obj)}?${q}`, { body: obj, contentType: "application/apply-patch+yaml" });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Node's http joins repeated headers of unknown names with ", "; warn-texts are quoted, so split between them. */
function splitWarnings(joined: string): string[] {
  return joined.match(/\d{3} \S+ "(?:[^"\\]|\\.)*"(?: "[^"]*")?/g) ?? [joined];
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  [k: string]: unknown;
}

/**
 * Resource names of the kinds the stack and the fixture use. A kind missing here fails loudly: guessing a plural
 * would send a request to a URL that 404s for the wrong reason.
 */
const RESOURCES: Record<string, { plural: string; namespaced: boolean }> = {
  Namespace: { plural: "namespaces", namespaced: false },
  Node: { plural: "nodes", namespaced: false },
  PersistentVolume: { plural: "persistentvolumes", namespaced: false },
  ClusterRole: { plural: "clusterroles", namespaced: false },
  ClusterRoleBinding: { plural: "clusterrolebindings", namespaced: false },
  StorageClass: { plural: "storageclasses", namespaced: false },
  PriorityClass: { plural: "priorityclasses", namespaced: false },
  Role: { plural: "roles", namespaced: true },
  RoleBinding: { plural: "rolebindings", namespaced: true },
  ServiceAccount: { plural: "serviceaccounts", namespaced: true },
  ConfigMap: { plural: "configmaps", namespaced: true },
  Secret: { plural: "secrets", namespaced: true },
  Service: { plural: "services", namespaced: true },
  PersistentVolumeClaim: { plural: "persistentvolumeclaims", namespaced: true },
  Pod: { plural: "pods", namespaced: true },
  Deployment: { plural: "deployments", namespaced: true },
  StatefulSet: { plural: "statefulsets", namespaced: true },
  DaemonSet: { plural: "daemonsets", namespaced: true },
  ReplicaSet: { plural: "replicasets", namespaced: true },
  PodDisruptionBudget: { plural: "poddisruptionbudgets", namespaced: true },
  HorizontalPodAutoscaler: { plural: "horizontalpodautoscalers", namespaced: true },
  NetworkPolicy: { plural: "networkpolicies", namespaced: true },
  Ingress: { plural: "ingresses", namespaced: true },
  EndpointSlice: { plural: "endpointslices", namespaced: true },
  Endpoints: { plural: "endpoints", namespaced: true },
};

export function resourceOf(kind: string): { plural: string; namespaced: boolean } {
  const r = RESOURCES[kind];
  if (!r) throw new Error(`kube-client knows no resource for kind ${kind}; add it to RESOURCES`);
  return r;
}

/** `/api/v1/namespaces/ns/pods` for (v1, Pod, ns); `/apis/apps/v1/...` for grouped versions. */
export function collectionPath(apiVersion: string, kind: string, namespace?: string): string {
  const { plural, namespaced } = resourceOf(kind);
  const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  if (namespaced && !namespace) return `${base}/${plural}`;
  return namespaced ? `${base}/namespaces/${namespace}/${plural}` : `${base}/${plural}`;
}

export function objectPath(obj: KubeObject): string {
  const { namespaced } = resourceOf(obj.kind);
  if (namespaced && !obj.metadata.namespace) throw new Error(`${obj.kind} ${obj.metadata.name} has no namespace`);
  return `${collectionPath(obj.apiVersion, obj.kind, obj.metadata.namespace)}/${obj.metadata.name}`;
}
