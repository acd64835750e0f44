/**
 * alertmanager.yml from the typed routes in `rules/routes.ts`. Pure: no Pulumi, no file access.
 *
 * Secrets stay out of the file (it lives in a ConfigMap): the Slack bot token or webhook URLs and the heartbeat URL
 * are files mounted from a Secret and read at each notification, so rotating the Secret needs no restart.
 *
 * Slack, per `slack.mode`:
 * - bot-token: every receiver posts with chat.postMessage to its channel, the token as bearer credentials, and
 *   `update_message` turns the resolved notification into an edit of the firing message (chat.update), so a group's
 *   firing and resolved stay one message. Alertmanager 0.34 allows update_message only with `api_url` exactly
 *   chat.postMessage and the token in `http_config.authorization` (its `app_token_file` form rejects it), and sends
 *   the update to https://slack.com/api/chat.update whatever the URL, so this mode always talks to slack.com.
 * - webhook-per-channel: each receiver reads its channel's webhook from its own file (`api_url_file`).
 * - legacy-webhook: one URL for all (`global.slack_api_url_file`); only a legacy integration honours `channel`.
 *
 * The tests check the file as rendered with amtool and run it in Alertmanager, both of the pinned release built from
 * its Go module (scripts/upstream).
 */
import { posix } from "node:path";
import { dump } from "js-yaml";
import {
  BLACKHOLE_RECEIVER,
  CHANNELS,
  GROUP_BY,
  HEARTBEAT_RECEIVER,
  INHIBIT_RULES,
  Matcher,
  RouteNode,
  SlackChannel,
  routeTree,
} from "../rules/routes";
import { SLACK_CHANNEL_KEYS, SlackChannelKey } from "../config/schema";

/** Where the Alertmanager component is expected to mount its Secret; the file names are the Secret's keys. */
export const ALERTMANAGER_SECRET_DIR = "/etc/alertmanager/secrets";
export const SLACK_BOT_TOKEN_KEY = "slack-bot-token";
/** The Secret key of one channel's webhook URL (webhook-per-channel). */
export const slackChannelWebhookKey = (channel: SlackChannelKey) => `slack-webhook-${channel}`;
/** The Secret key of the one legacy webhook URL. */
export const SLACK_WEBHOOK_URL_KEY = "slack-webhook-url";
export const HEARTBEAT_URL_KEY = "heartbeat-url";
/** The Web API method the bot posts with; Alertmanager 0.34 requires exactly this URL for update_message. */
export const SLACK_POST_MESSAGE_URL = "https://slack.com/api/chat.postMessage";

/** Where Alertmanager reads its Slack credentials, per mode (absolute paths in the container). */
export type SlackDelivery =
  | { readonly mode: "bot-token"; readonly tokenFile: string }
  | { readonly mode: "webhook-per-channel"; readonly webhookUrlFiles: Readonly<Record<SlackChannelKey, string>> }
  | { readonly mode: "legacy-webhook"; readonly webhookUrlFile: string };

/** The files of a mode under `dir`, named by the Secret keys the component writes. */
export function slackDeliveryFiles(mode: SlackDelivery["mode"], dir: string = ALERTMANAGER_SECRET_DIR): SlackDelivery {
  switch (mode) {
    case "bot-token":
      return { mode, tokenFile: `${dir}/${SLACK_BOT_TOKEN_KEY}` };
    case "webhook-per-channel":
      return { mode, webhookUrlFiles: Object.fromEntries(SLACK_CHANNEL_KEYS.map((c) => [c, `${dir}/${slackChannelWebhookKey(c)}`])) as Record<SlackChannelKey, string> };
    case "legacy-webhook":
      return { mode, webhookUrlFile: `${dir}/${SLACK_WEBHOOK_URL_KEY}` };
  }
}

export interface AlertmanagerConfigArgs {
  /** How and with which credential files Alertmanager posts to Slack. */
  readonly slack: SlackDelivery;
  /** Absolute path of the file holding the heartbeat (dead man's switch) URL. Default: none, Watchdog is dropped. */
  readonly heartbeatUrlFile?: string;
  /** The Alertmanager UI as users reach it; Slack titles link there. Default: Alertmanager's `--web.external-url`. */
  readonly externalUrl?: string;
}

export interface SlackConfigYaml {
  channel: string;
  api_url?: string;
  api_url_file?: string;
  http_config?: { authorization: { type: "Bearer"; credentials_file: string } };
  update_message?: boolean;
  send_resolved: boolean;
  title: string;
  title_link?: string;
  message_text?: string;
  text: string;
  color: string;
}

export interface WebhookConfigYaml {
  url?: string;
  url_file?: string;
  send_resolved: boolean;
  max_alerts: number;
}

export interface ReceiverYaml {
  name: string;
  slack_configs?: SlackConfigYaml[];
  webhook_configs?: WebhookConfigYaml[];
}

export interface RouteYaml {
  receiver: string;
  group_by?: string[];
  matchers?: string[];
  continue?: boolean;
  group_wait?: string;
  group_interval?: string;
  repeat_interval?: string;
  routes?: RouteYaml[];
}

export interface InhibitRuleYaml {
  source_matchers: string[];
  target_matchers: string[];
  equal: string[];
}

export interface AlertmanagerConfig {
  global: { resolve_timeout: string; slack_api_url_file?: string };
  route: RouteYaml;
  inhibit_rules: InhibitRuleYaml[];
  receivers: ReceiverYaml[];
}

// Go templates, rendered by Alertmanager per notification group. Grouping is by alertname and service, so both are
// group labels; each alert of the group gets its summary, description and runbook link.
const TITLE =
  '[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] ' +
  "{{ .GroupLabels.alertname }}{{ with .GroupLabels.service }} on {{ . }}{{ end }}";
const TEXT = [
  "{{ range .Alerts }}*{{ .Annotations.summary }}* ({{ .Labels.severity }})",
  "{{ .Annotations.description }}",
  "{{ if .Annotations.runbook_url }}<{{ .Annotations.runbook_url }}|Runbook>{{ end }}",
  "{{ end }}",
].join("\n");
const COLOR = '{{ if eq .Status "resolved" }}good{{ else if eq .CommonLabels.severity "critical" }}danger{{ else }}warning{{ end }}';

/** A mention pages the channel when the group fires; its resolution is posted (or edited in) without one. */
const mentionWhenFiring = (mention: string) => `{{ if eq .Status "firing" }}${mention}{{ end }}`;

/** The Go templates of the Slack messages, exposed so tests can render them with `amtool template render`. */
export const SLACK_TEMPLATES = { title: TITLE, text: TEXT, color: COLOR, mention: mentionWhenFiring } as const;

const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `name="value"`: the matcher form both the classic and the UTF-8 matcher parsers accept. */
export function formatMatcher(m: Matcher): string {
  if (!LABEL_NAME.test(m.label)) throw new Error(`matcher label must match ${LABEL_NAME}, got "${m.label}"`);
  const value = m.value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
  return `${m.label}${m.op}"${value}"`;
}

function requireAbsolutePath(key: string, value: string): void {
  const ok = posix.isAbsolute(value) && posix.normalize(value) === value && !/[\s\0]/.test(value) && !value.endsWith("/");
  if (!ok) throw new Error(`${key} must be a normalized absolute file path such as ${ALERTMANAGER_SECRET_DIR}/${SLACK_BOT_TOKEN_KEY}, got "${value}"`);
}

/** Every credential file of a delivery, by the argument key that names it. */
function slackFiles(slack: SlackDelivery): [string, string][] {
  switch (slack.mode) {
    case "bot-token":
      return [["slack.tokenFile", slack.tokenFile]];
    case "webhook-per-channel":
      return SLACK_CHANNEL_KEYS.map((c) => [`slack.webhookUrlFiles.${c}`, slack.webhookUrlFiles[c]]);
    case "legacy-webhook":
      return [["slack.webhookUrlFile", slack.webhookUrlFile]];
  }
}

/** The credential part of one receiver's slack_config. */
function slackCredentials(slack: SlackDelivery, channel: SlackChannelKey): Partial<SlackConfigYaml> {
  switch (slack.mode) {
    case "bot-token":
      return { api_url: SLACK_POST_MESSAGE_URL, http_config: { authorization: { type: "Bearer", credentials_file: slack.tokenFile } }, update_message: true };
    case "webhook-per-channel":
      return { api_url_file: slack.webhookUrlFiles[channel] };
    case "legacy-webhook":
      return {};
  }
}

/** The validated external URL without a trailing slash, or undefined. */
function externalBase(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !["http:", "https:"].includes(url.protocol) || url.search || url.hash || url.username || url.password) {
    throw new Error(`externalUrl must be an http or https URL without credentials, query or fragment, got "${value}"`);
  }
  return url.href.replace(/\/+$/, "");
}

function slackReceiver(key: SlackChannelKey, ch: SlackChannel, slack: SlackDelivery, base: string | undefined): ReceiverYaml {
  return {
    name: ch.receiver,
    slack_configs: [
      {
        channel: ch.channel,
        ...slackCredentials(slack, key),
        send_resolved: true,
        title: TITLE,
        ...(base ? { title_link: `${base}/#/alerts?receiver={{ .Receiver | urlquery }}` } : {}),
        // The message's top-level text (0.34+), the one place Slack turns <!channel> into a mention; in an
        // attachment (pretext, text) it would show as plain text and notify no one.
        ...(ch.mention ? { message_text: mentionWhenFiring(ch.mention) } : {}),
        text: TEXT,
        color: COLOR,
      },
    ],
  };
}

function routeYaml(node: RouteNode, root: boolean): RouteYaml {
  return {
    receiver: node.receiver,
    ...(root ? { group_by: [...GROUP_BY] } : {}),
    ...(node.matchers?.length ? { matchers: node.matchers.map(formatMatcher) } : {}),
    ...(node.continue ? { continue: true } : {}),
    ...(node.timing
      ? { group_wait: node.timing.groupWait, group_interval: node.timing.groupInterval, repeat_interval: node.timing.repeatInterval }
      : {}),
    ...(node.routes?.length ? { routes: node.routes.map((r) => routeYaml(r, false)) } : {}),
  };
}

export function buildAlertmanagerConfig(args: AlertmanagerConfigArgs): AlertmanagerConfig {
  const files = slackFiles(args.slack);
  for (const [key, file] of files) requireAbsolutePath(key, file);
  if (args.heartbeatUrlFile !== undefined) {
    requireAbsolutePath("heartbeatUrlFile", args.heartbeatUrlFile);
    const same = files.find(([, file]) => file === args.heartbeatUrlFile);
    if (same) throw new Error(`heartbeatUrlFile must differ from ${same[0]}, got "${args.heartbeatUrlFile}" for both`);
  }
  const base = externalBase(args.externalUrl);
  const heartbeat = args.heartbeatUrlFile !== undefined;

  const watchdogReceiver: ReceiverYaml = heartbeat
    ? {
        name: HEARTBEAT_RECEIVER,
        // No resolved message: when Prometheus dies, Watchdog resolves, and that ping would mask the silence the
        // heartbeat service is waiting for.
        webhook_configs: [{ url_file: args.heartbeatUrlFile, send_resolved: false, max_alerts: 1 }],
      }
    : { name: BLACKHOLE_RECEIVER };

  return {
    global: { resolve_timeout: "5m", ...(args.slack.mode === "legacy-webhook" ? { slack_api_url_file: args.slack.webhookUrlFile } : {}) },
    route: routeYaml(routeTree({ heartbeat }), true),
    inhibit_rules: INHIBIT_RULES.map((r) => ({
      source_matchers: r.source.map(formatMatcher),
      target_matchers: r.target.map(formatMatcher),
      equal: [...r.equal],
    })),
    receivers: [...SLACK_CHANNEL_KEYS.map((key) => slackReceiver(key, CHANNELS[key], args.slack, base)), watchdogReceiver],
  };
}

/** alertmanager.yml as text: no anchors, no folding, YAML 1.1-safe quoting. */
export function alertmanagerYaml(args: AlertmanagerConfigArgs): string {
  return dump(buildAlertmanagerConfig(args), { noRefs: true, lineWidth: -1 });
}
