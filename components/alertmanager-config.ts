/**
 * alertmanager.yml from the typed routes in `rules/routes.ts`. Pure: no Pulumi, no file access.
 *
 * Secrets stay out of the file (it lives in a ConfigMap): the Slack webhook URL is read by Alertmanager from
 * `global.slack_api_url_file`, the heartbeat URL from the webhook's `url_file`, both mounted from a Secret and read
 * at each notification, so rotating the Secret needs no restart.
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

/** Where the Alertmanager component is expected to mount its Secret; the file names are the Secret's keys. */
export const ALERTMANAGER_SECRET_DIR = "/etc/alertmanager/secrets";
export const SLACK_WEBHOOK_URL_KEY = "slack-webhook-url";
export const HEARTBEAT_URL_KEY = "heartbeat-url";

export interface AlertmanagerConfigArgs {
  /** Absolute path, in the Alertmanager container, of the file holding the Slack incoming-webhook URL. */
  readonly slackWebhookUrlFile: string;
  /** Absolute path of the file holding the heartbeat (dead man's switch) URL. Default: none, Watchdog is dropped. */
  readonly heartbeatUrlFile?: string;
  /** The Alertmanager UI as users reach it; Slack titles link there. Default: Alertmanager's `--web.external-url`. */
  readonly externalUrl?: string;
}

export interface SlackConfigYaml {
  channel: string;
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
  global: { resolve_timeout: string; slack_api_url_file: string };
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

/** The Go templates of the Slack messages, exposed so tests can render them with `amtool template render`. */
export const SLACK_TEMPLATES = { title: TITLE, text: TEXT, color: COLOR } as const;

const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `name="value"`: the matcher form both the classic and the UTF-8 matcher parsers accept. */
export function formatMatcher(m: Matcher): string {
  if (!LABEL_NAME.test(m.label)) throw new Error(`matcher label must match ${LABEL_NAME}, got "${m.label}"`);
  const value = m.value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
  return `${m.label}${m.op}"${value}"`;
}

function requireAbsolutePath(key: string, value: string): void {
  const ok = posix.isAbsolute(value) && posix.normalize(value) === value && !/[\s\0]/.test(value) && !value.endsWith("/");
  if (!ok) throw new Error(`${key} must be a normalized absolute file path such as ${ALERTMANAGER_SECRET_DIR}/${SLACK_WEBHOOK_URL_KEY}, got "${value}"`);
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

function slackReceiver(ch: SlackChannel, base: string | undefined): ReceiverYaml {
  return {
    name: ch.receiver,
    slack_configs: [
      {
        channel: ch.channel,
        send_resolved: true,
        title: TITLE,
        ...(base ? { title_link: `${base}/#/alerts?receiver={{ .Receiver | urlquery }}` } : {}),
        // The message's top-level text (0.34+), the one place Slack turns <!channel> into a mention; in an
        // attachment (pretext, text) it would show as plain text and notify no one.
        ...(ch.mention ? { message_text: ch.mention } : {}),
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
  requireAbsolutePath("slackWebhookUrlFile", args.slackWebhookUrlFile);
  if (args.heartbeatUrlFile !== undefined) {
    requireAbsolutePath("heartbeatUrlFile", args.heartbeatUrlFile);
    if (args.heartbeatUrlFile === args.slackWebhookUrlFile) {
      throw new Error(`heartbeatUrlFile must differ from slackWebhookUrlFile, got "${args.heartbeatUrlFile}" for both`);
    }
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
    global: { resolve_timeout: "5m", slack_api_url_file: args.slackWebhookUrlFile },
    route: routeYaml(routeTree({ heartbeat }), true),
    inhibit_rules: INHIBIT_RULES.map((r) => ({
      source_matchers: r.source.map(formatMatcher),
      target_matchers: r.target.map(formatMatcher),
      equal: [...r.equal],
    })),
    receivers: [...Object.values(CHANNELS).map((ch) => slackReceiver(ch, base)), watchdogReceiver],
  };
}

/** alertmanager.yml as text: no anchors, no folding, YAML 1.1-safe quoting. */
export function alertmanagerYaml(args: AlertmanagerConfigArgs): string {
  return dump(buildAlertmanagerConfig(args), { noRefs: true, lineWidth: -1 });
}
