/**
 * Reads a `Pulumi.<stack>.yaml` file the way the Pulumi CLI hands it to a program: every value a string (objects as
 * JSON). Encrypted values (`secure: v1:...`) cannot be read offline; required or encrypted secrets get a placeholder
 * so render can run, with a notice, since render never deploys.
 */
import { readFileSync } from "node:fs";
import { load } from "js-yaml";
import { Field } from "../../config/fields";
import { CONFIG_NAMESPACE, LEGACY_SLACK_NOTICE, SECRET_KEYS, SLACK_MODE_KEYS, SlackMode, stackSchema } from "../../config/schema";

/** Placeholders that pass each secret's validation and are recognisable in any output. */
export const SECRET_PLACEHOLDERS: Record<(typeof SECRET_KEYS)[number], string> = {
  slackBotToken: "xoxb-0000000000-0000000000-renderplaceholder",
  slackWebhookAlerts: "https://hooks.slack.invalid/render-placeholder/alerts",
  slackWebhookCritical: "https://hooks.slack.invalid/render-placeholder/critical",
  slackWebhookGpu: "https://hooks.slack.invalid/render-placeholder/gpu",
  slackWebhookDrift: "https://hooks.slack.invalid/render-placeholder/drift",
  slackWebhookBudget: "https://hooks.slack.invalid/render-placeholder/budget",
  slackWebhookInfra: "https://hooks.slack.invalid/render-placeholder/infra",
  slackWebhookUrl: "https://hooks.slack.invalid/render-placeholder",
  grafanaAdminPassword: "render-placeholder-password",
  grafanaSecretKey: "renderPlaceholderSecretKey0123456789",
  webAuthPassword: "render-placeholder-web-auth-password",
  heartbeatUrl: "https://heartbeat.invalid/render-placeholder",
  postgresPassword: "render-placeholder-postgres-password",
  redisPassword: "render-placeholder-redis-password",
  objectStorageAccessKeyId: "RENDERPLACEHOLDERKEYID",
  objectStorageSecretAccessKey: "render-placeholder-secret-access-key",
};

export interface StackFileConfig {
  /** Full key -> value as Pulumi passes it (strings; objects as JSON). */
  readonly config: Record<string, string>;
  /** Full keys whose values are secrets. */
  readonly secretKeys: string[];
  /** Notices for the user (placeholders used, plaintext secrets). */
  readonly notices: string[];
}

export class StackFileError extends Error {}

/** Parses stack-file YAML text; `source` names the file in errors. */
export function parseStackFile(text: string, source: string): StackFileConfig {
  let doc: unknown;
  try {
    doc = load(text);
  } catch (e) {
    throw new StackFileError(`${source}: not valid YAML: ${(e as Error).message}`);
  }
  const root = (doc ?? {}) as Record<string, unknown>;
  if (typeof root !== "object" || Array.isArray(root)) throw new StackFileError(`${source}: expected a mapping with a config: key`);
  const raw = (root.config ?? {}) as Record<string, unknown>;
  if (typeof raw !== "object" || Array.isArray(raw)) throw new StackFileError(`${source}: config: must be a mapping of keys to values`);

  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  const notices: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (isEncrypted(value)) continue; // handled with the secrets below
    config[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  for (const name of SECRET_KEYS) {
    const key = `${CONFIG_NAMESPACE}:${name}`;
    const field = stackSchema[name] as Field<unknown>;
    secretKeys.push(key);
    if (isEncrypted(raw[key])) {
      config[key] = SECRET_PLACEHOLDERS[name];
      notices.push(`${key} is encrypted in ${source} and cannot be read offline; rendering with a placeholder`);
    } else if (raw[key] === undefined && (field.required || neededBy(name, raw))) {
      config[key] = SECRET_PLACEHOLDERS[name];
      notices.push(`${key} is not set in ${source}; rendering with a placeholder (set it with pulumi config set --secret ${name} before deploying)`);
    } else if (raw[key] !== undefined && raw[key] !== "") {
      notices.push(`${key} is stored in plaintext in ${source}; store it with pulumi config set --secret ${name}`);
    }
  }
  if (slackMode(raw) === "legacy-webhook") notices.push(LEGACY_SLACK_NOTICE);
  return { config, secretKeys, notices };
}

export function readStackFile(path: string): StackFileConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new StackFileError(`cannot read stack file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseStackFile(text, path);
}

/**
 * Secrets that are optional in general but that a setting of this stack needs: postgres_exporter and Grafana's
 * datasource log in as postgres.user, so an enabled postgres renders with a password placeholder, as a deploy must
 * have a password (a database that trusts the role is the exception, and then the datasource's health check says so).
 */
function neededBy(name: (typeof SECRET_KEYS)[number], raw: Record<string, unknown>): boolean {
  const mode = slackMode(raw);
  if (mode && SLACK_MODE_KEYS[mode].includes(name)) return true;
  if (name === "objectStorageAccessKeyId" || name === "objectStorageSecretAccessKey") return objectStorageBuckets(raw);
  if (name !== "postgresPassword") return false;
  const pg = raw[`${CONFIG_NAMESPACE}:postgres`];
  const enabled = (typeof pg === "object" && pg !== null ? (pg as { enabled?: unknown }).enabled : undefined) ?? true;
  return enabled !== false && enabled !== "false";
}

/** Whether the stack file sets a bucket in objectStorage.buckets (then the credentials are needed). */
function objectStorageBuckets(raw: Record<string, unknown>): boolean {
  const o = raw[`${CONFIG_NAMESPACE}:objectStorage`];
  const buckets = typeof o === "object" && o !== null ? (o as { buckets?: unknown }).buckets : undefined;
  return typeof buckets === "object" && buckets !== null && Object.values(buckets).some((b) => b !== undefined && b !== "");
}

/** The stack file's slack.mode, or the schema's default; an invalid value is reported by validation, not here. */
export function slackMode(raw: Record<string, unknown>): SlackMode | undefined {
  const slack = raw[`${CONFIG_NAMESPACE}:slack`];
  const mode = typeof slack === "object" && slack !== null ? (slack as { mode?: unknown }).mode : undefined;
  if (mode === undefined) return stackSchema.slack.defaultValue?.mode;
  return typeof mode === "string" ? (mode as SlackMode) : undefined;
}

function isEncrypted(value: unknown): boolean {
  return typeof value === "object" && value !== null && "secure" in value;
}
