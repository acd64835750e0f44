/** Unit tests of the alertmanager.yml builder: the contracts of docs/architecture.md "Contracts" (Routing) and the seed's channels. */
import {
  AlertmanagerConfig,
  RouteYaml,
  SLACK_POST_MESSAGE_URL,
  SlackDelivery,
  alertmanagerYaml,
  buildAlertmanagerConfig,
  formatMatcher,
  slackDeliveryFiles,
} from "../../components/alertmanager-config";
import { SLACK_MODES } from "../../config/schema";

const SLACK_FILE = "/etc/alertmanager/secrets/slack-webhook-url";
const TOKEN_FILE = "/etc/alertmanager/secrets/slack-bot-token";
const HEARTBEAT_FILE = "/etc/alertmanager/secrets/heartbeat-url";
const BOT: SlackDelivery = { mode: "bot-token", tokenFile: TOKEN_FILE };
const LEGACY: SlackDelivery = { mode: "legacy-webhook", webhookUrlFile: SLACK_FILE };
/** Channel key -> the receiver posting to it, as the seed names them. */
const RECEIVER_OF = { alerts: "slack-alerts", critical: "slack-critical", gpu: "slack-gpu", drift: "slack-drift", budget: "slack-budget", infra: "slack-infra" } as const;

/** The seed's "Slack Channels" section, copied by hand so a rename in rules/routes.ts cannot pass unnoticed. */
const SEED_CHANNELS = [
  "#ai-platform-alerts",
  "#ai-platform-critical",
  "#ai-platform-gpu",
  "#ai-platform-drift",
  "#ai-platform-budget",
  "#ai-platform-infra",
];

const withHeartbeat = (slack: SlackDelivery = BOT) => buildAlertmanagerConfig({ slack, heartbeatUrlFile: HEARTBEAT_FILE });
const withoutHeartbeat = (slack: SlackDelivery = BOT) => buildAlertmanagerConfig({ slack });
const everyMode = () => SLACK_MODES.map((mode) => slackDeliveryFiles(mode));

function seconds(duration: string): number {
  const m = /^(\d+)(s|m|h)$/.exec(duration);
  if (!m) throw new Error(`unexpected duration "${duration}"`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as "s" | "m" | "h"];
}

function allStrings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(allStrings);
  if (value !== null && typeof value === "object") return Object.values(value).flatMap(allStrings);
  return [];
}

function allKeys(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(allKeys);
  if (value !== null && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => [k, ...allKeys(v)]);
  return [];
}

const criticalRoute = (c: AlertmanagerConfig): RouteYaml | undefined =>
  c.route.routes?.find((r) => r.matchers?.includes('severity="critical"'));

describe("receivers", () => {
  test("every channel of the seed has a receiver posting to it", () => {
    const channels = withHeartbeat().receivers.flatMap((r) => r.slack_configs ?? []).map((s) => s.channel);
    expect([...channels].sort()).toEqual([...SEED_CHANNELS].sort());
  });

  test("the critical receiver's <!channel> is the message's top-level text, where Slack makes it a mention", () => {
    const critical = withHeartbeat().receivers.find((r) => r.name === "slack-critical")!.slack_configs![0];
    expect(critical.message_text).toBe('{{ if eq .Status "firing" }}<!channel>{{ end }}');
    expect(JSON.stringify({ ...critical, message_text: undefined })).not.toContain("<!channel>");
  });

  test("<!channel> appears only in the critical receiver", () => {
    for (const r of withHeartbeat().receivers) {
      expect({ receiver: r.name, mentions: JSON.stringify(r).includes("<!channel>") }).toEqual({
        receiver: r.name,
        mentions: r.name === "slack-critical",
      });
    }
  });

  test("slack messages send resolved notices and carry summary, description and a runbook link", () => {
    for (const s of withHeartbeat().receivers.flatMap((r) => r.slack_configs ?? [])) {
      expect(s.send_resolved).toBe(true);
      expect(s.title).toContain(".Status");
      expect(s.title).toContain(".GroupLabels.alertname");
      expect(s.text).toContain(".Annotations.summary");
      expect(s.text).toContain(".Annotations.description");
      expect(s.text).toContain("<{{ .Annotations.runbook_url }}|Runbook>");
    }
  });

  test("watchdog gets a heartbeat webhook reading its URL from the file, without resolved pings", () => {
    const hb = withHeartbeat().receivers.find((r) => r.name === "heartbeat");
    expect(hb).toEqual({ name: "heartbeat", webhook_configs: [{ url_file: HEARTBEAT_FILE, send_resolved: false, max_alerts: 1 }] });
    expect(withHeartbeat().receivers.find((r) => r.name === "blackhole")).toBeUndefined();
  });

  test("without a heartbeat, watchdog goes to a blackhole with no integrations", () => {
    const names = withoutHeartbeat().receivers.map((r) => r.name);
    expect(names).not.toContain("heartbeat");
    expect(withoutHeartbeat().receivers.find((r) => r.name === "blackhole")).toEqual({ name: "blackhole" });
    expect(withoutHeartbeat().route.routes?.[0]).toEqual({ receiver: "blackhole", matchers: ['alertname="Watchdog"'] });
  });
});

describe("route tree", () => {
  test("groups by alertname and service", () => {
    expect(withHeartbeat().route.group_by).toEqual(["alertname", "service"]);
  });

  test("critical route waits at most 10s, continues, and sits right after watchdog", () => {
    const c = withHeartbeat();
    const crit = criticalRoute(c);
    expect(crit?.receiver).toBe("slack-critical");
    expect(crit?.continue).toBe(true);
    expect(seconds(crit?.group_wait ?? "999h")).toBeLessThanOrEqual(10);
    expect(c.route.routes?.indexOf(crit as RouteYaml)).toBe(1);
  });

  test("repeat intervals are multiples of group intervals, so the configured value is the effective one", () => {
    const routes = [withHeartbeat().route, ...(withHeartbeat().route.routes ?? [])];
    for (const r of routes.filter((x) => x.repeat_interval)) {
      expect(seconds(r.repeat_interval as string) % seconds(r.group_interval as string)).toBe(0);
    }
  });

  test("watchdog route is first and does not continue", () => {
    const first = withHeartbeat().route.routes?.[0];
    expect(first?.matchers).toEqual(['alertname="Watchdog"']);
    expect(first?.continue).toBeUndefined();
  });
});

describe("inhibit rules", () => {
  const rules = withHeartbeat().inhibit_rules;

  test("a critical alert inhibits the warning of the same alertname and service", () => {
    expect(rules).toContainEqual({ source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ["alertname", "service"] });
  });

  test("HighDriftScore inhibits DriftDetected for the same model", () => {
    expect(rules).toContainEqual({
      source_matchers: ['alertname="HighDriftScore"', 'model=~".+"'],
      target_matchers: ['alertname="DriftDetected"'],
      equal: ["model"],
    });
  });

  test("BudgetExceeded inhibits BudgetWarning for the same session_id", () => {
    expect(rules).toContainEqual({
      source_matchers: ['alertname="BudgetExceeded"', 'session_id=~".+"'],
      target_matchers: ['alertname="BudgetWarning"'],
      equal: ["session_id"],
    });
  });

  test("ServiceDown inhibits the other alerts of its service, but not itself nor Watchdog", () => {
    expect(rules).toContainEqual({
      source_matchers: ['alertname="ServiceDown"', 'service=~".+"'],
      target_matchers: ['alertname!~"ServiceDown|Watchdog"'],
      equal: ["service"],
    });
  });

  test("ServiceInstanceDown inhibits only its own instance's alerts, never the service-wide ones", () => {
    expect(rules).toContainEqual({
      source_matchers: ['alertname="ServiceInstanceDown"', 'service=~".+"', 'instance=~".+"'],
      target_matchers: ['alertname!~"ServiceDown|ServiceInstanceDown|ServiceDegraded|Watchdog"'],
      equal: ["service", "instance"],
    });
  });

  test("there are exactly the five specified rules", () => {
    expect(rules).toHaveLength(5);
  });
});

describe("slack modes", () => {
  const slackConfigs = (c: AlertmanagerConfig) => c.receivers.flatMap((r) => (r.slack_configs ?? []).map((s) => ({ receiver: r.name, ...s })));

  test("bot-token: every receiver posts with chat.postMessage, the token file as bearer credentials, editing its message on resolve", () => {
    const c = withHeartbeat(slackDeliveryFiles("bot-token"));
    expect(c.global.slack_api_url_file).toBeUndefined();
    for (const s of slackConfigs(c)) {
      expect({ receiver: s.receiver, api_url: s.api_url, http_config: s.http_config, update_message: s.update_message, api_url_file: s.api_url_file }).toEqual({
        receiver: s.receiver,
        api_url: "https://slack.com/api/chat.postMessage",
        http_config: { authorization: { type: "Bearer", credentials_file: TOKEN_FILE } },
        update_message: true,
        api_url_file: undefined,
      });
    }
  });

  test("webhook-per-channel: each receiver reads its own channel's webhook file, and no other credential", () => {
    const c = withHeartbeat(slackDeliveryFiles("webhook-per-channel"));
    expect(c.global.slack_api_url_file).toBeUndefined();
    const files = Object.fromEntries(slackConfigs(c).map((s) => [s.receiver, s.api_url_file]));
    expect(files).toEqual(
      Object.fromEntries(Object.entries(RECEIVER_OF).map(([channel, receiver]) => [receiver, `/etc/alertmanager/secrets/slack-webhook-${channel}`])),
    );
    for (const s of slackConfigs(c)) expect([s.api_url, s.http_config, s.update_message]).toEqual([undefined, undefined, undefined]);
  });

  test("legacy-webhook: one global webhook file, nothing per receiver", () => {
    const c = withHeartbeat(LEGACY);
    expect(c.global.slack_api_url_file).toBe(SLACK_FILE);
    for (const s of slackConfigs(c)) expect([s.api_url, s.api_url_file, s.http_config, s.update_message]).toEqual([undefined, undefined, undefined, undefined]);
  });
});

describe("secrets", () => {
  test.each(SLACK_MODES.map((m) => [m]))("%s: no inline secret field, only *_file paths; the one URL is Slack's API method", (mode) => {
    for (const c of [withHeartbeat(slackDeliveryFiles(mode)), withoutHeartbeat(slackDeliveryFiles(mode))]) {
      expect(allStrings(c).filter((s) => s.includes("://") && s !== SLACK_POST_MESSAGE_URL)).toEqual([]);
      expect(allKeys(c).filter((k) => ["slack_api_url", "url", "app_token", "credentials", "slack_app_token"].includes(k))).toEqual([]);
    }
  });

  test.each(SLACK_MODES.map((m) => [m]))("%s: the YAML text holds no webhook host", (mode) => {
    const yaml = alertmanagerYaml({ slack: slackDeliveryFiles(mode), heartbeatUrlFile: HEARTBEAT_FILE });
    expect(yaml).not.toMatch(/hooks\.slack\.com|xox[a-z]-/);
  });

  test("externalUrl is the only other URL that may appear, as the title link", () => {
    const c = buildAlertmanagerConfig({ slack: LEGACY, externalUrl: "https://alerts.example.com/am/" });
    const urls = allStrings(c).filter((s) => s.includes("://"));
    expect(urls.length).toBe(c.receivers.filter((r) => r.slack_configs).length);
    for (const u of urls) expect(u).toBe("https://alerts.example.com/am/#/alerts?receiver={{ .Receiver | urlquery }}");
  });
});

describe("output", () => {
  test("is deterministic", () => {
    for (const slack of everyMode()) {
      const args = { slack, heartbeatUrlFile: HEARTBEAT_FILE };
      expect(alertmanagerYaml(args)).toBe(alertmanagerYaml(args));
    }
  });

  test("matchers use double-quoted values and escape quotes and backslashes", () => {
    expect(formatMatcher({ label: "alertname", op: "=", value: 'a"b\\c' })).toBe('alertname="a\\"b\\\\c"');
  });
});

describe("input validation", () => {
  test.each(["relative/path", "/etc/../secrets/x", "/etc/alertmanager/secrets/", "/etc/with space/x", ""])(
    "rejects a Slack credential file %p in every mode, naming the key and the value",
    (bad) => {
      const perChannel = slackDeliveryFiles("webhook-per-channel") as Extract<SlackDelivery, { mode: "webhook-per-channel" }>;
      const cases: [SlackDelivery, string][] = [
        [{ mode: "bot-token", tokenFile: bad }, "slack.tokenFile"],
        [{ mode: "legacy-webhook", webhookUrlFile: bad }, "slack.webhookUrlFile"],
        [{ ...perChannel, webhookUrlFiles: { ...perChannel.webhookUrlFiles, drift: bad } }, "slack.webhookUrlFiles.drift"],
      ];
      for (const [slack, key] of cases) {
        expect(() => buildAlertmanagerConfig({ slack })).toThrow(`${key} must be a normalized absolute file path`);
        expect(() => buildAlertmanagerConfig({ slack })).toThrow(`got "${bad}"`);
      }
    },
  );

  test("rejects a relative heartbeatUrlFile", () => {
    expect(() => buildAlertmanagerConfig({ slack: BOT, heartbeatUrlFile: "heartbeat-url" })).toThrow(
      'heartbeatUrlFile must be a normalized absolute file path such as /etc/alertmanager/secrets/slack-bot-token, got "heartbeat-url"',
    );
  });

  test("rejects the same file for slack and heartbeat", () => {
    expect(() => buildAlertmanagerConfig({ slack: LEGACY, heartbeatUrlFile: SLACK_FILE })).toThrow(
      `heartbeatUrlFile must differ from slack.webhookUrlFile, got "${SLACK_FILE}" for both`,
    );
  });

  test.each(["not a url", "ftp://am.example.com", "https://am.example.com/?x=1", "https://am.example.com/#/alerts", "https://u:p@am.example.com"])(
    "rejects externalUrl %p, naming the value",
    (bad) => {
      expect(() => buildAlertmanagerConfig({ slack: BOT, externalUrl: bad })).toThrow(`externalUrl must be an http or https URL`);
      expect(() => buildAlertmanagerConfig({ slack: BOT, externalUrl: bad })).toThrow(`got "${bad}"`);
    },
  );

  test("rejects a matcher label that neither matcher parser accepts", () => {
    expect(() => formatMatcher({ label: "service.name", op: "=", value: "api" })).toThrow('matcher label must match /^[A-Za-z_][A-Za-z0-9_]*$/, got "service.name"');
  });
});
