/**
 * The dev stack's config files exactly as the render writes them (ConfigMaps `prometheus-rules`,
 * `alertmanager-config`, `prometheus-config`, and the daemons' flags from their StatefulSets), and the few
 * transformations a run on loopback needs:
 *
 * - always (`loopbackPrometheusYml`, `loopbackAlertmanagerYml`, `replaceFlags`): file paths and listen addresses point
 *   into the run's directory and at 127.0.0.1, the Slack credential and heartbeat files hold the fake Slack's token and
 *   URLs, the web-auth Secret's files (web config, password) are the rendered ones in the run's secrets directory, the
 *   Web API's https://slack.com is reached through the fake as a proxy, and
 *   Kubernetes discovery becomes file discovery of the same targets with the same meta labels
 *   (loopback-discovery.ts). Nothing else changes: every scrape job, relabelling, limit, route, inhibition, template and
 *   flag runs as rendered, on the pinned Prometheus and Alertmanager;
 * - time compression by a factor F (`compress`), documented in `COMPRESSION`.
 */
import { dump, load } from "js-yaml";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { ALERTMANAGER_SECRET_DIR, AlertmanagerConfig } from "../../../components/alertmanager-config";
import { PROMETHEUS_WEB_AUTH_DIR } from "../../../components/prometheus";
import { PrometheusConfig, dispatchStartDelay } from "../../../components/prometheus-config";
import { WEB_AUTH_SECRET_NAME } from "../../../components/web-auth";
import { WEB_AUTH_AUTHORIZATION_KEY, WEB_AUTH_PASSWORD_KEY, WEB_AUTH_USERNAME, WEB_CONFIG_KEY } from "../../../components/web-auth-config";
import { parseStackConfig } from "../../../config/parse";
import { StackSettings } from "../../../config/schema";
import { parseStackFile } from "../../../scripts/lib/stack-file";
import { Doc, baseStackOf, loadManifests, renderedStack, stackFileOf } from "../../support/render";
import { renderedSecretData } from "../../support/rendered-secrets";
import { SimulatedEndpoint, toFileDiscovery } from "./loopback-discovery";

export interface RenderedStack {
  readonly stack: string;
  /** The stack's settings, parsed from its stack file as the program parses them. */
  readonly settings: StackSettings;
  /** File name to YAML text, as in the `prometheus-rules` ConfigMap. */
  readonly ruleFiles: Readonly<Record<string, string>>;
  readonly alertmanagerYml: string;
  readonly prometheusYml: string;
  /** Container args of the Prometheus and Alertmanager StatefulSets. */
  readonly prometheusArgs: readonly string[];
  readonly alertmanagerArgs: readonly string[];
  /** The web-auth Secret as rendered (the manifests hold it REDACTED): both servers' web config, and what clients send. */
  readonly webAuth: {
    readonly webConfigYml: string;
    readonly username: string;
    readonly password: string;
    /** The Authorization header value the probes read. */
    readonly authorization: string;
  };
  /** Exec probe commands of the Prometheus and Alertmanager containers, by probe (`readinessProbe`...). */
  readonly probes: Readonly<Record<"prometheus" | "alertmanager", Readonly<Record<string, readonly string[]>>>>;
}

function configMap(docs: Doc[], name: string): Record<string, string> {
  const cm = docs.find((d) => d.kind === "ConfigMap" && d.metadata.name === name);
  if (!cm) throw new Error(`rendered stack has no ConfigMap ${JSON.stringify(name)}`);
  return cm.data as Record<string, string>;
}

function containerArgs(docs: Doc[], name: string): string[] {
  const sts = docs.find((d) => d.kind === "StatefulSet" && d.metadata.name === name) as { spec?: { template?: { spec?: { containers?: { name: string; args?: string[] }[] } } } } | undefined;
  const container = sts?.spec?.template?.spec?.containers?.find((c) => c.name === name);
  if (!container?.args) throw new Error(`rendered stack has no StatefulSet ${JSON.stringify(name)} with container args`);
  return container.args;
}

function containerProbes(docs: Doc[], name: string): Record<string, string[]> {
  const sts = docs.find((d) => d.kind === "StatefulSet" && d.metadata.name === name) as unknown as { spec: { template: { spec: { containers: Record<string, any>[] } } } };
  const c = sts.spec.template.spec.containers.find((x) => x.name === name)!;
  const out: Record<string, string[]> = {};
  for (const kind of ["readinessProbe", "livenessProbe", "startupProbe"]) if (c[kind]?.exec) out[kind] = c[kind].exec.command;
  return out;
}

/**
 * Runs `npm run render -- --stack <stack>` (the CLI users run) and reads the files out of the manifests, and the
 * web-auth Secret's values from the same program and stack file (rendered-secrets.ts).
 */
export function renderStack(stack = "dev"): RenderedStack {
  const run = renderedStack(stack);
  if (run.status !== 0) throw new Error(`render --stack ${stack} failed:\n${run.stderr}`);
  const docs = loadManifests(run.file);
  const stackFile = stackFileOf(stack);
  const { config } = parseStackFile(readFileSync(stackFile, "utf8"), stackFile);
  const secret = renderedSecretData(baseStackOf(stack), stackFile)[WEB_AUTH_SECRET_NAME];
  if (!secret) throw new Error(`rendered stack ${stack} has no Secret ${WEB_AUTH_SECRET_NAME}`);
  return {
    stack,
    settings: parseStackConfig(config).settings,
    ruleFiles: configMap(docs, "prometheus-rules"),
    alertmanagerYml: configMap(docs, "alertmanager-config")["alertmanager.yml"],
    prometheusYml: configMap(docs, "prometheus-config")["prometheus.yml"],
    prometheusArgs: containerArgs(docs, "prometheus"),
    alertmanagerArgs: containerArgs(docs, "alertmanager"),
    webAuth: {
      webConfigYml: secret[WEB_CONFIG_KEY],
      username: WEB_AUTH_USERNAME,
      password: secret[WEB_AUTH_PASSWORD_KEY],
      authorization: secret[WEB_AUTH_AUTHORIZATION_KEY],
    },
    probes: { prometheus: containerProbes(docs, "prometheus"), alertmanager: containerProbes(docs, "alertmanager") },
  };
}

// ---- durations ---------------------------------------------------------------------------------------------------

const UNIT_MS: Readonly<Record<string, number>> = { y: 365 * 86_400_000, w: 7 * 86_400_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };
const DURATION = /^(?:\d+(?:y|w|d|h|m|s|ms))+$/;

/** Milliseconds of a Prometheus/Alertmanager duration (`5m`, `1h30m`, `500ms`). */
export function durationMs(text: string): number {
  if (!DURATION.test(text)) throw new Error(`not a prometheus duration: ${JSON.stringify(text)}`);
  let total = 0;
  for (const m of text.matchAll(/(\d+)(ms|y|w|d|h|m|s)/g)) total += Number(m[1]) * UNIT_MS[m[2]];
  return total;
}

/** A duration in the largest unit that divides it: 5000 -> `5s`, 167 -> `167ms`. */
export function formatDuration(ms: number): string {
  const whole = Math.max(1, Math.round(ms));
  return whole % 1000 === 0 ? `${whole / 1000}s` : `${whole}ms`;
}

/** `text` divided by `factor`, at least 1 ms. */
export function scaleDuration(text: string, factor: number): string {
  return formatDuration(durationMs(text) / factor);
}

// ---- time compression --------------------------------------------------------------------------------------------

/**
 * What a compressed run changes, and how. Everything else (expressions, rate windows, thresholds, labels, routes,
 * matchers, inhibitions, templates) stays as rendered.
 */
export const COMPRESSION = {
  /** Divided by F: every alert's `for` in the rule files. */
  ruleFor: "divided by F",
  /**
   * Divided by F: group_wait, group_interval, repeat_interval on every route of alertmanager.yml; group_wait no shorter
   * than GROUP_WAIT_FLOOR. As deployed a group waits two-thirds of a scrape interval or more (10s and 30s against
   * 15s), long enough for a service's pods that went down together to be seen down together, so the whole-service
   * alert inhibits the per-pod ones; divided by 60 it would be shorter than the 1s compressed scrape interval.
   */
  routeTimings: "divided by F, group_wait at least 1.5s",
  /**
   * Set to 1s (not divided: Prometheus scrapes and evaluates no faster usefully): global scrape_interval,
   * scrape_timeout and evaluation_interval of prometheus.yml.
   */
  intervals: "1s",
  /**
   * Divided by F: Prometheus' alert timing flags, the rendered value or else Prometheus' default:
   * --rules.alert.resend-delay (1m), --rules.alert.for-grace-period (10m unless rendered), --rules.alert.for-outage-tolerance (1h).
   */
  prometheusFlags: "divided by F",
  /**
   * Recomputed: Alertmanager's --dispatch.start-delay, which the stack derives from Prometheus' resend delay and
   * evaluation interval (dispatchStartDelay), from the compressed resend delay and the 1s evaluation interval.
   */
  alertmanagerFlags: "recomputed from the compressed Prometheus timings",
  /** Not scaled: Alertmanager's resolve_timeout (Prometheus sends endsAt on every alert, so it never applies). */
  unscaled: "resolve_timeout",
} as const;

const PROMETHEUS_ALERT_FLAG_DEFAULTS: Readonly<Record<string, string>> = {
  "--rules.alert.resend-delay": "1m",
  "--rules.alert.for-grace-period": "10m",
  "--rules.alert.for-outage-tolerance": "1h",
};

export const COMPRESSED_INTERVAL = "1s";

interface RuleFileYaml {
  groups: { name: string; interval?: string; rules: { alert?: string; record?: string; for?: string }[] }[];
}

/** One rule file with every `for` divided by `factor`. */
export function compressRuleFile(text: string, factor: number): string {
  const doc = load(text) as RuleFileYaml;
  for (const group of doc.groups) {
    for (const rule of group.rules) {
      if (rule.for !== undefined) rule.for = scaleDuration(rule.for, factor);
    }
  }
  return dump(doc, { noRefs: true, lineWidth: -1 });
}

type RouteYaml = AlertmanagerConfig["route"];

/** The shortest compressed group_wait: one and a half compressed scrape intervals. */
export const GROUP_WAIT_FLOOR = "1500ms";

function compressRoute(route: RouteYaml, factor: number): RouteYaml {
  const groupWait = (text: string) => formatDuration(Math.max(durationMs(text) / factor, durationMs(GROUP_WAIT_FLOOR)));
  return {
    ...route,
    ...(route.group_wait ? { group_wait: groupWait(route.group_wait) } : {}),
    ...(route.group_interval ? { group_interval: scaleDuration(route.group_interval, factor) } : {}),
    ...(route.repeat_interval ? { repeat_interval: scaleDuration(route.repeat_interval, factor) } : {}),
    ...(route.routes ? { routes: route.routes.map((r) => compressRoute(r, factor)) } : {}),
  };
}

/** Prometheus' alert-timing flags divided by `factor` (added with Prometheus' default when not rendered). */
export function compressPrometheusFlags(args: readonly string[], factor: number): string[] {
  const out = [...args];
  for (const [flag, fallback] of Object.entries(PROMETHEUS_ALERT_FLAG_DEFAULTS)) {
    const i = out.findIndex((a) => a.startsWith(`${flag}=`));
    const value = i >= 0 ? out[i].slice(flag.length + 1) : fallback;
    const scaled = `${flag}=${scaleDuration(value, factor)}`;
    if (i >= 0) out[i] = scaled;
    else out.push(scaled);
  }
  return out;
}

/**
 * Alertmanager's --dispatch.start-delay as the stack derives it, from Prometheus' compressed resend delay (the rendered
 * flag divided by `factor`) and the compressed evaluation interval (the flag must be rendered on both).
 */
export function compressAlertmanagerFlags(args: readonly string[], factor: number, prometheusArgs: readonly string[]): string[] {
  const flag = "--dispatch.start-delay";
  const i = args.findIndex((a) => a.startsWith(`${flag}=`));
  if (i < 0) throw new Error(`rendered Alertmanager args have no ${flag}: ${args.join(" ")}`);
  const resend = prometheusArgs.find((a) => a.startsWith("--rules.alert.resend-delay="));
  if (!resend) throw new Error(`rendered Prometheus args have no --rules.alert.resend-delay: ${prometheusArgs.join(" ")}`);
  const out = [...args];
  out[i] = `${flag}=${dispatchStartDelay(scaleDuration(resend.split("=")[1], factor), COMPRESSED_INTERVAL)}`;
  return out;
}

// ---- loopback variants -------------------------------------------------------------------------------------------

/**
 * prometheus.yml for loopback: discovery from the simulated endpoints (files written into `sdDir`), rule files from
 * the run's directory, the web-auth password file from `secretsDir` (same name), and with compression the 1s intervals
 * of COMPRESSION. Every scrape job stays, including those
 * that discover nothing here.
 */
export function loopbackPrometheusYml(
  rendered: RenderedStack,
  opts: { endpoints: readonly SimulatedEndpoint[]; sdDir: string; rulesDir: string; secretsDir: string; compression: number },
): string {
  // The password files the basic_auth blocks read, from the run's copy of the mounted Secret.
  const config = moveSecretFiles(load(rendered.prometheusYml) as PrometheusConfig, PROMETHEUS_WEB_AUTH_DIR, opts.secretsDir);
  const out: PrometheusConfig = {
    ...config,
    rule_files: [`${opts.rulesDir}/*.yml`],
    alerting: { alertmanagers: config.alerting.alertmanagers.map((a, i) => toFileDiscovery(a, `alertmanagers-${i}`, opts.endpoints, opts.sdDir)) },
    scrape_configs: config.scrape_configs.map((j) => toFileDiscovery(j, j.job_name, opts.endpoints, opts.sdDir)),
  };
  if (opts.compression !== 1) {
    out.global = { ...out.global, scrape_interval: COMPRESSED_INTERVAL, scrape_timeout: COMPRESSED_INTERVAL, evaluation_interval: COMPRESSED_INTERVAL };
  }
  return dump(out, { noRefs: true, lineWidth: -1 });
}

/** Where the run's Alertmanager reaches Slack: its credential files and, for the Web API, the proxy to slack.com. */
export interface LoopbackSlack {
  /** The run's copy of the mounted Secret: the same file names as the Secret's keys. */
  readonly secretsDir: string;
  /** The HTTPS proxy through which https://slack.com is the fake (http_config.proxy_url). */
  readonly proxyUrl: string;
  /** The CA of the fake's slack.com certificate (http_config.tls_config.ca_file). */
  readonly caFile: string;
}

/** Every `*_file` path under a mounted Secret's directory `mountDir`, moved into `secretsDir` (same file name). */
function moveSecretFiles<T>(value: T, mountDir: string, secretsDir: string): T {
  if (Array.isArray(value)) return value.map((v) => moveSecretFiles(v, mountDir, secretsDir)) as T;
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = k.endsWith("_file") && typeof v === "string" && v.startsWith(`${mountDir}/`) ? path.join(secretsDir, path.posix.basename(v)) : moveSecretFiles(v, mountDir, secretsDir);
  }
  return out as T;
}

/**
 * alertmanager.yml for loopback: every credential file is the run's (the pod reads them from its mounted Secret);
 * receivers that call Slack's Web API (bot-token mode) reach https://slack.com through the fake's proxy, trusting its
 * CA, their URLs unchanged; with compression, the route timings of COMPRESSION.
 */
export function loopbackAlertmanagerYml(rendered: RenderedStack, opts: { slack: LoopbackSlack; compression: number }): string {
  let config = moveSecretFiles(load(rendered.alertmanagerYml) as AlertmanagerConfig, ALERTMANAGER_SECRET_DIR, opts.slack.secretsDir);
  config = {
    ...config,
    receivers: config.receivers.map((r) =>
      r.slack_configs
        ? {
            ...r,
            slack_configs: r.slack_configs.map((c) =>
              c.api_url ? ({ ...c, http_config: { ...c.http_config, proxy_url: opts.slack.proxyUrl, tls_config: { ca_file: opts.slack.caFile } } } as typeof c) : c,
            ),
          }
        : r,
    ),
  };
  if (opts.compression !== 1) config = { ...config, route: compressRoute(config.route, opts.compression) };
  return dump(config, { noRefs: true, lineWidth: -1 });
}

/** Replaces `--flag=value` for each given flag (the flag must be present), keeping order and every other flag. */
export function replaceFlags(args: readonly string[], values: Readonly<Record<string, string>>): string[] {
  const out = [...args];
  for (const [flag, value] of Object.entries(values)) {
    const i = out.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
    if (i < 0) throw new Error(`rendered args have no ${flag}: ${out.join(" ")}`);
    out[i] = `${flag}=${value}`;
  }
  return out;
}
