/**
 * The Thanos half of a rendered stack on object storage (the `prod-thanos` variant), as the render writes it: the
 * sidecar's container args and env in the Prometheus StatefulSet, its client config for Prometheus, Query's, the Store
 * Gateway's and the Compactor's args, Query's endpoint file, and objstore.yml from the Secret (the render shows it
 * REDACTED; rendered-secrets.ts gives its text). The loopback run (thanos-ha.ts) changes addresses, ports, paths and
 * the bucket's credentials, nothing else.
 */
import { THANOS_OBJSTORE_KEY, THANOS_OBJSTORE_SECRET } from "../../../components/thanos";
import { SIDECAR_CLIENT_CONFIG } from "../../../components/prometheus";
import { Doc, baseStackOf, loadManifests, renderedStack, stackFileOf } from "../../support/render";
import { renderedSecretData } from "../../support/rendered-secrets";

export interface RenderedContainer {
  readonly args: readonly string[];
  readonly env: readonly { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
}

export interface RenderedThanos {
  readonly prometheus: RenderedContainer;
  readonly sidecar: RenderedContainer;
  /** The sidecar's HTTP client config for Prometheus (in the prometheus-config ConfigMap). */
  readonly sidecarClientYml: string;
  readonly queryArgs: readonly string[];
  /** Query's endpoint file (the thanos-query-config ConfigMap). */
  readonly queryEndpointsYml: string;
  readonly storeArgs: readonly string[];
  readonly compactArgs: readonly string[];
  /** objstore.yml as the Secret holds it. */
  readonly objstoreYml: string;
}

function container(docs: Doc[], kind: string, workload: string, name: string): RenderedContainer {
  const w = docs.find((d) => d.kind === kind && d.metadata.name === workload) as { spec?: { template?: { spec?: { containers?: { name: string; args?: string[]; env?: RenderedContainer["env"] }[] } } } } | undefined;
  const c = w?.spec?.template?.spec?.containers?.find((x) => x.name === name);
  if (!c?.args) throw new Error(`rendered stack has no ${kind} ${workload} with a container ${name} with args`);
  return { args: c.args, env: c.env ?? [] };
}

function configMapKey(docs: Doc[], name: string, key: string): string {
  const cm = docs.find((d) => d.kind === "ConfigMap" && d.metadata.name === name) as { data?: Record<string, string> } | undefined;
  const text = cm?.data?.[key];
  if (text === undefined) throw new Error(`rendered stack has no ConfigMap ${name} with key ${key}`);
  return text;
}

/** Reads the Thanos pieces of a render of `stack` (a stack with objectStorage.buckets.metrics set). */
export function renderThanos(stack = "prod-thanos"): RenderedThanos {
  const run = renderedStack(stack);
  if (run.status !== 0) throw new Error(`render --stack ${stack} failed:\n${run.stderr}`);
  const docs = loadManifests(run.file);
  const objstoreYml = renderedSecretData(baseStackOf(stack), stackFileOf(stack))[THANOS_OBJSTORE_SECRET]?.[THANOS_OBJSTORE_KEY];
  if (!objstoreYml) throw new Error(`rendered stack ${stack} has no Secret ${THANOS_OBJSTORE_SECRET} with ${THANOS_OBJSTORE_KEY}`);
  const queryEndpointsFlag = container(docs, "Deployment", "thanos-query", "thanos-query").args.find((a) => a.startsWith("--endpoint.sd-config-file="));
  const endpointsKey = queryEndpointsFlag?.split("/").pop() ?? "";
  return {
    prometheus: container(docs, "StatefulSet", "prometheus", "prometheus"),
    sidecar: container(docs, "StatefulSet", "prometheus", "thanos-sidecar"),
    sidecarClientYml: configMapKey(docs, "prometheus-config", SIDECAR_CLIENT_CONFIG),
    queryArgs: container(docs, "Deployment", "thanos-query", "thanos-query").args,
    queryEndpointsYml: configMapKey(docs, "thanos-query-config", endpointsKey),
    storeArgs: container(docs, "StatefulSet", "thanos-store", "thanos-store").args,
    compactArgs: container(docs, "StatefulSet", "thanos-compact", "thanos-compact").args,
    objstoreYml,
  };
}
