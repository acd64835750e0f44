/**
 * The seed's latency alerts: P95 above 2s per service, from each service's own latency histogram. They read the P95
 * the recording rules publish (recording.ts), computed by `p95ByService` from the recorded bucket rates.
 */
import { SourceName } from "../config/schema";
import { Histogram, M } from "../telemetry/catalog";
import { quantile, selector } from "./promql";
import { RECORDED } from "./recorded-names";
import { LATENCY_FOR, LATENCY_P95_SECONDS, LATENCY_QUANTILE } from "./thresholds";
import { AlertRule, RuleGroup } from "./types";

/** The P95 of a histogram per service, as the alerts and the recording rules compute it. */
export function p95ByService(h: Histogram): string {
  return quantile(LATENCY_QUANTILE, h, { by: ["service"] });
}

function latencyAlert(alert: string, service: SourceName, what: string, h: Histogram, p95: string): AlertRule {
  return {
    alert,
    expr: `${selector(p95, { service })} > ${LATENCY_P95_SECONDS}`,
    for: LATENCY_FOR,
    severity: "warning",
    category: "latency",
    service,
    summary: `${what} P95 latency above ${LATENCY_P95_SECONDS}s`,
    description: `P95 of ${h.name} for {{ $labels.service }} is {{ $value | humanizeDuration }} (threshold ${LATENCY_P95_SECONDS}s, for ${LATENCY_FOR}).`,
  };
}

export const LATENCY_ALERTS: readonly AlertRule[] = [
  latencyAlert("HighGatewayLatency", "gateway", "Gateway", M.httpRequestDurationSeconds, RECORDED.httpP95),
  latencyAlert("HighMCPJungleLatency", "mcpjungle", "MCPJungle", M.mcpOperationDurationSeconds, RECORDED.mcpP95),
  latencyAlert("HighMaxServeLatency", "max-serve", "MAX Serve inference", M.inferenceDurationSeconds, RECORDED.inferenceP95),
  latencyAlert("HighMemoryEngineLatency", "memory-engine", "Memory Engine", M.memoryOperationDurationSeconds, RECORDED.memoryP95),
];

export const latencyGroups = (): RuleGroup[] => [{ name: "latency", rules: LATENCY_ALERTS }];
