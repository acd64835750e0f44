/**
 * What the end-to-end tests expect, written from the specification and docs/architecture.md rather than read from the code under
 * test: the seed's alert names, and the channel contract (category channel, critical also #ai-platform-critical with
 * an `<!channel>` mention). Severity and category of each alert are read from the rendered rule files.
 */
import { load } from "js-yaml";
import { RenderedStack } from "./stack-files";

/** Every alert of the specification's "Alert Rules" section. */
export const SEED_ALERTS = [
  "HighGatewayLatency",
  "HighMCPJungleLatency",
  "HighMaxServeLatency",
  "HighMemoryEngineLatency",
  "HighErrorRate",
  "HighMaxServeErrorRate",
  "HighMCPErrorRate",
  "HighGPUUtilization",
  "HighGPUMemory",
  "HighGPUTemperature",
  "DriftDetected",
  "HighDriftScore",
  "BudgetExceeded",
  "BudgetWarning",
  "ServiceDown",
  "HighRequestQueueDepth",
  "PostgreSQLPoolExhausted",
  "RedisMemoryHigh",
] as const;
export type SeedAlert = (typeof SEED_ALERTS)[number];

/** The seed's "Slack Channels", keyed as the stack's Secret names their webhooks (`slack-webhook-<key>`). */
export const SEED_CHANNELS = {
  alerts: "#ai-platform-alerts",
  critical: "#ai-platform-critical",
  gpu: "#ai-platform-gpu",
  drift: "#ai-platform-drift",
  budget: "#ai-platform-budget",
  infra: "#ai-platform-infra",
} as const;

export const CRITICAL_CHANNEL = "#ai-platform-critical";
export const MENTION = "<!channel>";

/** docs/architecture.md "Contracts" (Routing): each category to its channel, everything else to #ai-platform-alerts. */
const CATEGORY_CHANNEL: Readonly<Record<string, string>> = {
  gpu: "#ai-platform-gpu",
  drift: "#ai-platform-drift",
  budget: "#ai-platform-budget",
  infra: "#ai-platform-infra",
};
const DEFAULT_CHANNEL = "#ai-platform-alerts";

export interface RenderedAlert {
  readonly alert: string;
  readonly for?: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** The alerting rules of the rendered rule files, by name. */
export function renderedAlerts(rendered: RenderedStack): Map<string, RenderedAlert> {
  const out = new Map<string, RenderedAlert>();
  for (const text of Object.values(rendered.ruleFiles)) {
    const doc = load(text) as { groups: { rules: (RenderedAlert & { record?: string })[] }[] };
    for (const g of doc.groups) for (const r of g.rules) if (r.alert) out.set(r.alert, r);
  }
  return out;
}

/** The channels an alert must reach, per the contract, from its rendered severity and category. */
export function expectedChannels(rule: RenderedAlert): string[] {
  const channels = [CATEGORY_CHANNEL[rule.labels.category] ?? DEFAULT_CHANNEL];
  if (rule.labels.severity === "critical") channels.push(CRITICAL_CHANNEL);
  return channels.sort();
}
