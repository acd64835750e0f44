/**
 * Parses raw stack config (as in `Pulumi.<stack>.yaml` or as Pulumi hands it to the program) into typed settings.
 * Every problem is collected; nothing is returned unless the whole config is valid.
 */
import { Field, Problem, durationSeconds, quantityValue, readField, unknownKeyProblem } from "./fields";
import {
  CONFIG_NAMESPACE,
  SECRET_KEYS,
  SLACK_MODE_KEYS,
  SecretValues,
  StackSettings,
  TopLevelKey,
  stackSchema,
} from "./schema";
import { scaleOutChecks } from "./scale-out-checks";

export interface ParsedConfig {
  readonly settings: StackSettings;
  readonly secrets: SecretValues;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly Problem[]) {
    super(
      `invalid stack config (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p.key}: ${p.message}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

const TOP_LEVEL_KEYS = Object.keys(stackSchema) as TopLevelKey[];

/**
 * Pulumi passes every top-level value as a string (objects as JSON). Values of non-string fields are decoded from
 * JSON; a string that is not JSON stays a string so the error shows what was typed.
 */
function decodeTopLevel(kind: string, value: unknown): unknown {
  if (typeof value !== "string" || kind === "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** Parses the raw config map, keyed by full keys (`observability:prometheus`); other namespaces are ignored. */
export function parseStackConfig(raw: Readonly<Record<string, unknown>>): ParsedConfig {
  const problems: Problem[] = [];
  const values: Record<string, unknown> = {};
  const prefix = `${CONFIG_NAMESPACE}:`;

  for (const [fullKey, value] of Object.entries(raw)) {
    if (!fullKey.startsWith(prefix)) continue;
    const name = fullKey.slice(prefix.length).replace(/^config:/, "");
    if (!(name in stackSchema)) problems.push(unknownKeyProblem(`${prefix}${name}`, name, value, TOP_LEVEL_KEYS));
  }
  for (const name of TOP_LEVEL_KEYS) {
    const field = stackSchema[name] as Field<unknown>;
    const rawValue = raw[`${prefix}${name}`] ?? raw[`${prefix}config:${name}`];
    const value = readField(field, decodeTopLevel(field.kind, rawValue), `${prefix}${name}`, problems);
    if (value !== undefined) values[name] = value;
  }
  if (problems.length === 0) crossChecks(values as unknown as StackSettings & SecretValues, problems);
  if (problems.length > 0) throw new ConfigError(problems);

  const settings: Record<string, unknown> = {};
  const secrets: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values)) ((SECRET_KEYS as readonly string[]).includes(name) ? secrets : settings)[name] = value;
  return { settings: settings as unknown as StackSettings, secrets: secrets as SecretValues };
}

/** The chosen Slack mode has every credential it needs, and no other mode's credential is set. */
function slackChecks(c: StackSettings & SecretValues, problems: Problem[]): void {
  const key = (path: string) => `${CONFIG_NAMESPACE}:${path}`;
  const mode = c.slack.mode;
  for (const name of SLACK_MODE_KEYS[mode]) {
    if (c[name] === undefined) {
      problems.push({ key: key(name), message: `is required with slack.mode ${JSON.stringify(mode)}; set it with pulumi config set --secret ${name} ...` });
    }
  }
  for (const [other, names] of Object.entries(SLACK_MODE_KEYS)) {
    if (other === mode) continue;
    for (const name of names) {
      if (c[name] !== undefined) {
        problems.push({
          key: key(name),
          message: `is set, but slack.mode is ${JSON.stringify(mode)} (${name} belongs to slack.mode ${JSON.stringify(other)}); remove it with pulumi config rm ${name}, or set slack.mode`,
        });
      }
    }
  }
}

/** Rules that involve more than one key. */
function crossChecks(c: StackSettings & SecretValues, problems: Problem[]): void {
  const key = (path: string) => `${CONFIG_NAMESPACE}:${path}`;
  slackChecks(c, problems);
  scaleOutChecks(c, problems);
  if (c.loki.ingestionBurstSizeMB < c.loki.ingestionRateMB) {
    problems.push({
      key: key("loki.ingestionBurstSizeMB"),
      message: `got ${c.loki.ingestionBurstSizeMB}; expected at least loki.ingestionRateMB (${c.loki.ingestionRateMB})`,
    });
  }
  const withResources = ["prometheus", "alertmanager", "loki", "otelCollector", "jaeger", "grafana"] as const;
  for (const component of withResources) {
    const r = c[component].resources;
    if (quantityValue(r.memoryLimit) < quantityValue(r.memory)) {
      problems.push({
        key: key(`${component}.resources.memoryLimit`),
        message: `got ${JSON.stringify(r.memoryLimit)}; expected at least the memory request ${JSON.stringify(r.memory)}`,
      });
    }
  }
  const collectorLimitBytes = quantityValue(c.otelCollector.resources.memoryLimit);
  if (collectorLimitBytes <= c.otelCollector.memoryLimitMiB * 2 ** 20) {
    problems.push({
      key: key("otelCollector.resources.memoryLimit"),
      message:
        `got ${JSON.stringify(c.otelCollector.resources.memoryLimit)}; expected more than otelCollector.memoryLimitMiB ` +
        `(${c.otelCollector.memoryLimitMiB}Mi) so the memory limiter refuses data before the kernel kills the pod`,
    });
  }
  if (c.grafana.ingress.enabled && c.grafana.ingress.host === "") {
    problems.push({ key: key("grafana.ingress.host"), message: `got ""; expected a host name when grafana.ingress.enabled is true` });
  }
  if (c.grafana.ingress.enabled && c.grafana.ingress.tlsSecretName === "") {
    problems.push({
      key: key("grafana.ingress.tlsSecretName"),
      message:
        `got ""; expected the TLS Secret's name when grafana.ingress.enabled is true (set grafana.ingress.certManagerIssuer too ` +
        `to have cert-manager issue it): without TLS the login and the session cookie cross the network in plain text`,
    });
  }
  if (durationSeconds(c.prometheus.evaluationInterval) < durationSeconds(c.prometheus.scrapeInterval) / 4) {
    problems.push({
      key: key("prometheus.evaluationInterval"),
      message:
        `got ${JSON.stringify(c.prometheus.evaluationInterval)}; expected at least a quarter of prometheus.scrapeInterval ` +
        `(${c.prometheus.scrapeInterval}), rules evaluated faster than data arrives only repeat work`,
    });
  }
  if (c.serversNamespace === c.agentsNamespace) {
    problems.push({
      key: key("agentsNamespace"),
      message: `got ${JSON.stringify(c.agentsNamespace)}; expected a namespace other than serversNamespace (the two carry different Pod Security levels)`,
    });
  }
  if (c.tls.mode === "secret" && c.tls.secretName === "") {
    problems.push({ key: key("tls.secretName"), message: `got ""; expected the name of a kubernetes.io/tls Secret (tls.crt, tls.key, ca.crt) in the servers namespace when tls.mode is "secret"` });
  }
  if (c.tls.mode === "cert-manager" && c.tls.issuer.name === "") {
    problems.push({ key: key("tls.issuer.name"), message: `got ""; expected the name of a cert-manager ${c.tls.issuer.kind} when tls.mode is "cert-manager"` });
  }
  if (c.tls.mode !== "secret" && c.tls.secretName !== "") {
    problems.push({
      key: key("tls.secretName"),
      message: `got ${JSON.stringify(c.tls.secretName)}; expected "" when tls.mode is ${JSON.stringify(c.tls.mode)} (only mode "secret" reads it; cert-manager's Secret name is derived)`,
    });
  }
  const aliasIndex = c.otelCollector.platformNamespaces.indexOf(c.serversNamespace);
  if (aliasIndex >= 0) {
    problems.push({
      key: key(`otelCollector.platformNamespaces[${aliasIndex}]`),
      message: `got ${JSON.stringify(c.serversNamespace)}; expected a namespace other than serversNamespace, where the collector's own Service has that name`,
    });
  }
}
