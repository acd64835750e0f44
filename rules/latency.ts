/**
 * The seed's latency alerts: P95 above 2s per service, from each service's own latency histogram.
 */
import { SourceName } from "../config/schema";
import { Histogram, M } from "../telemetry/catalog";
import { quantile } from "./promql";
import { LATENCY_FOR, LATENCY_P95_SECONDS, LATENCY_QUANTILE } from "./thresholds";
import { AlertRule, RuleGroup } from "./types";

/** The P95 of a histogram per service, as the alerts and the recording rules compute it. */
export function p95ByService(h: Histogram, service?: SourceName): string {
  return quantile(LATENCY_QUANTILE, h, { by: ["service"], matchers: service ? { service } : {} });
}

function latencyAlert(alert: string, service: SourceName, what: string, h: Histogram): AlertRule {
  return {
    alert,
    expr: `${p95ByService(h, service)} > ${LATENCY_P95_SECONDS}`,
    for: LATENCY_FOR,
    severity: "warning",
    category: "latency",
    service,
    summary: `${what} P95 latency above ${LATENCY_P95_SECONDS}s`,
    description: `P95 of ${h.name} for {{ $labels.service }} is {{ $value | humanizeDuration }} (threshold ${LATENCY_P95_SECONDS}s, for ${LATENCY_FOR}).`,
  };
}

export const LATENCY_ALERTS: readonly AlertRule[] = [
  latencyAlert("HighGatewayLatency", "gateway", "Gateway", M.httpRequestDurationSeconds),
  latencyAlert("HighMCPJungleLatency", "mcpjungle", "MCPJungle", M.mcpOperationDurationSeconds),
  latencyAlert("HighMaxServeLatency", "max-serve", "MAX Serve inference", M.inferenceDurationSeconds),
  latencyAlert("HighMemoryEngineLatency", "memory-engine", "Memory Engine", M.memoryOperationDurationSeconds),
];

export const latencyGroups = (): RuleGroup[] => [{ name: "latency", rules: LATENCY_ALERTS }];
