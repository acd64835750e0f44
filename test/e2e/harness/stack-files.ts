/**
 * The dev stack's config files exactly as the render writes them (ConfigMaps `prometheus-rules`,
 * `alertmanager-config`, `prometheus-config`, and the daemons' flags from their StatefulSets), and the few
 * transformations a run on loopback needs:
 *
 * - always: file paths and listen addresses point into the run's directory and at 127.0.0.1; the Slack webhook file
 *   holds the fake Slack's URL; Prometheus discovers its targets statically (`toStaticVariant`); Alertmanager flags
 *   Debian's 0.25 does not have are left out (`ALERTMANAGER_025_MISSING_FLAGS`);
 * - time compression by a factor F (`compress`), documented in `COMPRESSION`.
 */
import { dump, load } from "js-yaml";
import { AlertmanagerConfig, forAlertmanager025 } from "../../../components/alertmanager-config";
import { PrometheusConfig, toStaticVariant } from "../../../components/prometheus-config";
import { Doc, loadManifests, render } from "../../support/render";

export interface RenderedStack {
  readonly stack: string;
  /** File name to YAML text, as in the `prometheus-rules` ConfigMap. */
  readonly ruleFiles: Readonly<Record<string, string>>;
  readonly alertmanagerYml: string;
  readonly prometheusYml: string;
  /** Container args of the Prometheus and Alertmanager StatefulSets. */
  readonly prometheusArgs: readonly string[];
  readonly alertmanagerArgs: readonly string[];
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

/** Runs `npm run render -- --stack <stack>` (the CLI users run) and reads the files out of the manifests. */
export function renderStack(stack = "dev"): RenderedStack {
  const run = render(["--stack", stack]);
  if (run.status !== 0) throw new Error(`render --stack ${stack} failed:\n${run.stderr}`);
  const docs = loadManifests(run.file);
  return {
    stack,
    ruleFiles: configMap(docs, "prometheus-rules"),
    alertmanagerYml: configMap(docs, "alertmanager-config")["alertmanager.yml"],
    prometheusYml: configMap(docs, "prometheus-config")["prometheus.yml"],
    prometheusArgs: containerArgs(docs, "prometheus"),
    alertmanagerArgs: containerArgs(docs, "alertmanager"),
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
  /** Divided by F: group_wait, group_interval, repeat_interval on every route of alertmanager.yml. */
  routeTimings: "divided by F",
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

function compressRoute(route: RouteYaml, factor: number): RouteYaml {
  return {
    ...route,
    ...(route.group_wait ? { group_wait: scaleDuration(route.group_wait, factor) } : {}),
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

// ---- loopback variants -------------------------------------------------------------------------------------------

export interface StaticTarget {
  readonly targets: readonly string[];
  readonly namespace: string;
  readonly metricsPath?: string;
}

/** prometheus.yml with static targets, the run's rule directory, and (compressed) 1s intervals. */
export function loopbackPrometheusYml(
  rendered: RenderedStack,
  opts: { targets: Readonly<Record<string, StaticTarget>>; alertmanager: string; rulesDir: string; compression: number },
): string {
  const config = toStaticVariant(load(rendered.prometheusYml) as PrometheusConfig, opts.targets, [opts.alertmanager]);
  const out: PrometheusConfig = { ...config, rule_files: [`${opts.rulesDir}/*.yml`] };
  if (opts.compression !== 1) {
    out.global = { ...out.global, scrape_interval: COMPRESSED_INTERVAL, scrape_timeout: COMPRESSED_INTERVAL, evaluation_interval: COMPRESSED_INTERVAL };
  }
  return dump(out, { noRefs: true, lineWidth: -1 });
}

/** alertmanager.yml reading the Slack URL from the run's file, in the form Alertmanager 0.25 parses, compressed. */
export function loopbackAlertmanagerYml(rendered: RenderedStack, opts: { slackUrlFile: string; heartbeatUrl: string; compression: number }): string {
  let config = load(rendered.alertmanagerYml) as AlertmanagerConfig;
  config = { ...config, global: { ...config.global, slack_api_url_file: opts.slackUrlFile } };
  // Only a stack with a heartbeat has a webhook `url_file`, which Debian's 0.25 cannot read.
  if (config.receivers.some((r) => r.webhook_configs?.some((w) => w.url_file))) config = forAlertmanager025(config, opts.heartbeatUrl);
  if (opts.compression !== 1) config = { ...config, route: compressRoute(config.route, opts.compression) };
  return dump(config, { noRefs: true, lineWidth: -1 });
}

/**
 * Flags of the deployed Alertmanager (0.34) that Debian's 0.25 rejects. `--dispatch.start-delay` holds dispatching
 * after a start until Prometheus has re-sent its alerts; without it, 0.25 may notify an inhibited alert once after a
 * restart (the Alertmanager restart test shows it).
 */
export const ALERTMANAGER_025_MISSING_FLAGS = ["--dispatch.start-delay"] as const;

/** The args without the given flags. */
export function dropFlags(args: readonly string[], flags: readonly string[]): string[] {
  return args.filter((a) => !flags.some((f) => a === f || a.startsWith(`${f}=`)));
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
