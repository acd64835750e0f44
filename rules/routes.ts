/**
 * The seed's Slack channels and the Alertmanager route tree and inhibition rules, as typed data. Routing keys only on
 * the labels docs/architecture.md makes every alert carry (`category`, `severity`, `service`), so a new rule needs no routing
 * change. `components/alertmanager-config.ts` turns this into alertmanager.yml.
 */
import type { SlackChannelKey } from "../config/schema";
import { Category } from "./types";

export interface SlackChannel {
  /** Alertmanager receiver name. */
  readonly receiver: string;
  readonly channel: `#${string}`;
  readonly purpose: string;
  /** Slack mention put before the message, so the channel is paged rather than just posted to. */
  readonly mention?: "<!channel>";
}

/** The seed's "Slack Channels" list, one receiver each. */
export const CHANNELS = {
  alerts: { receiver: "slack-alerts", channel: "#ai-platform-alerts", purpose: "default alerts" },
  critical: { receiver: "slack-critical", channel: "#ai-platform-critical", purpose: "critical alerts", mention: "<!channel>" },
  gpu: { receiver: "slack-gpu", channel: "#ai-platform-gpu", purpose: "GPU alerts" },
  drift: { receiver: "slack-drift", channel: "#ai-platform-drift", purpose: "drift detection alerts" },
  budget: { receiver: "slack-budget", channel: "#ai-platform-budget", purpose: "memory budget alerts" },
  infra: { receiver: "slack-infra", channel: "#ai-platform-infra", purpose: "service health and database alerts" },
} as const satisfies Record<SlackChannelKey, SlackChannel>;

export type ChannelKey = keyof typeof CHANNELS;

/** The channel of each category; a critical alert goes to the critical channel as well. */
export const CATEGORY_CHANNEL: Readonly<Record<Category, ChannelKey>> = {
  latency: "alerts",
  errors: "alerts",
  gpu: "gpu",
  drift: "drift",
  budget: "budget",
  infra: "infra",
  meta: "alerts",
};

/** The always-firing alert that proves the alerting pipeline works end to end (a dead man's switch). */
export const WATCHDOG_ALERT = "Watchdog";
/** Receives Watchdog when a heartbeat URL is configured. */
export const HEARTBEAT_RECEIVER = "heartbeat";
/** A receiver with no integrations: Watchdog goes here when there is no heartbeat, so it never reaches Slack. */
export const BLACKHOLE_RECEIVER = "blackhole";

export type MatchOp = "=" | "!=" | "=~" | "!~";

export interface Matcher {
  readonly label: string;
  readonly op: MatchOp;
  readonly value: string;
}

export const eq = (label: string, value: string): Matcher => ({ label, op: "=", value });
export const re = (label: string, value: string): Matcher => ({ label, op: "=~", value });
export const notRe = (label: string, value: string): Matcher => ({ label, op: "!~", value });

/** Durations in Alertmanager syntax. */
export interface Timing {
  readonly groupWait: string;
  readonly groupInterval: string;
  readonly repeatInterval: string;
}

/** One notification per alert and service: a flapping gateway must not hide the same alert on max-serve. */
export const GROUP_BY = ["alertname", "service"] as const;

export const DEFAULT_TIMING: Timing = { groupWait: "30s", groupInterval: "5m", repeatInterval: "4h" };
/** Critical means immediate: a short first wait, and a reminder every hour while it fires. */
export const CRITICAL_TIMING: Timing = { groupWait: "10s", groupInterval: "1m", repeatInterval: "1h" };
/** The heartbeat service expects a ping every minute or so; it alerts when they stop. */
export const HEARTBEAT_TIMING: Timing = { groupWait: "0s", groupInterval: "1m", repeatInterval: "1m" };

export interface RouteNode {
  readonly receiver: string;
  /** All must match; none means the route matches every alert. */
  readonly matchers?: readonly Matcher[];
  /** Keep looking at later sibling routes after this one matched. */
  readonly continue?: boolean;
  readonly timing?: Timing;
  readonly routes?: readonly RouteNode[];
}

/**
 * The route tree. Order matters: Watchdog is caught first and never continues, so it cannot reach Slack; the critical
 * route continues so the alert also reaches its category channel. The last child matches everything because once a
 * child (the critical route) has matched, Alertmanager no longer falls back to the root receiver.
 */
export function routeTree(opts: { readonly heartbeat: boolean }): RouteNode {
  const categoryRoutes = (Object.keys(CATEGORY_CHANNEL) as Category[])
    .filter((c) => CATEGORY_CHANNEL[c] !== "alerts")
    .map((c): RouteNode => ({ receiver: CHANNELS[CATEGORY_CHANNEL[c]].receiver, matchers: [eq("category", c)] }));
  return {
    receiver: CHANNELS.alerts.receiver,
    timing: DEFAULT_TIMING,
    routes: [
      opts.heartbeat
        ? { receiver: HEARTBEAT_RECEIVER, matchers: [eq("alertname", WATCHDOG_ALERT)], timing: HEARTBEAT_TIMING }
        : { receiver: BLACKHOLE_RECEIVER, matchers: [eq("alertname", WATCHDOG_ALERT)] },
      { receiver: CHANNELS.critical.receiver, matchers: [eq("severity", "critical")], continue: true, timing: CRITICAL_TIMING },
      ...categoryRoutes,
      { receiver: CHANNELS.alerts.receiver },
    ],
  };
}

export interface InhibitRule {
  /** Why the target is redundant while the source fires. */
  readonly reason: string;
  readonly source: readonly Matcher[];
  readonly target: readonly Matcher[];
  /** Labels that must be equal on source and target (an absent label counts as equal to an absent label). */
  readonly equal: readonly string[];
}

/**
 * Sources that key on an optional label require it to be set: otherwise a source without `model` would silence every
 * target without `model`, since Alertmanager treats two absent labels as equal.
 */
export const INHIBIT_RULES: readonly InhibitRule[] = [
  {
    reason: "the critical alert already says what the warning says",
    source: [eq("severity", "critical")],
    target: [eq("severity", "warning")],
    equal: ["alertname", "service"],
  },
  {
    reason: "the high drift score implies drift was detected",
    source: [eq("alertname", "HighDriftScore"), re("model", ".+")],
    target: [eq("alertname", "DriftDetected")],
    equal: ["model"],
  },
  {
    reason: "an exceeded budget implies the budget warning",
    source: [eq("alertname", "BudgetExceeded"), re("session_id", ".+")],
    target: [eq("alertname", "BudgetWarning")],
    equal: ["session_id"],
  },
  {
    reason: "a service that is down (every target) explains all of its other alerts; Watchdog must keep firing",
    source: [eq("alertname", "ServiceDown"), re("service", ".+")],
    target: [notRe("alertname", `ServiceDown|${WATCHDOG_ALERT}`)],
    equal: ["service"],
  },
  {
    reason: "one instance down explains that instance's own alerts only, never the rest of its service's fleet",
    source: [eq("alertname", "ServiceInstanceDown"), re("service", ".+"), re("instance", ".+")],
    target: [notRe("alertname", `ServiceDown|ServiceInstanceDown|ServiceDegraded|${WATCHDOG_ALERT}`)],
    equal: ["service", "instance"],
  },
];
