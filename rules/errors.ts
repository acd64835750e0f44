/**
 * The seed's error-rate alerts: more than 1% of requests failing, per service. They read the error ratios the
 * recording rules publish (recording.ts), computed by `errorRatioByService` from the recorded counter rates.
 * HTTP counts only 5xx (a 4xx is the caller's mistake); inference and MCP count every status but `success`.
 */
import { Counter, M } from "../telemetry/catalog";
import { Matchers, errorRatio, ne, re, selector } from "./promql";
import { RECORDED } from "./recorded-names";
import { ERROR_FOR, ERROR_RATIO } from "./thresholds";
import { AlertRule, RuleGroup } from "./types";

/** The error matchers of each request counter, shared with the recording rules. */
export const HTTP_ERRORS: Matchers<typeof M.httpRequestsTotal> = { status: re("5..") };
export const INFERENCE_ERRORS: Matchers<typeof M.inferenceRequestsTotal> = { status: ne("success") };
export const MCP_ERRORS: Matchers<typeof M.mcpRequestsTotal> = { status: ne("success") };
export const MEMORY_ERRORS: Matchers<typeof M.memoryOperationsTotal> = { status: ne("success") };

/** The error ratio of a counter per service, as the alerts and the recording rules compute it. */
export function errorRatioByService<F extends Counter>(c: F, errors: Matchers<F>, matchers: Matchers<F> = {}): string {
  return errorRatio(c, { errors, by: ["service"], matchers });
}

const description = (what: string) =>
  `{{ $value | humanizePercentage }} of ${what} on {{ $labels.service }} failed over 5m (threshold ${ERROR_RATIO * 100}%, for ${ERROR_FOR}).`;

export const ERROR_ALERTS: readonly AlertRule[] = [
  {
    alert: "HighErrorRate",
    expr: `${RECORDED.httpErrorRatio} > ${ERROR_RATIO}`,
    for: ERROR_FOR,
    severity: "warning",
    category: "errors",
    summary: `HTTP 5xx rate above ${ERROR_RATIO * 100}% on {{ $labels.service }}`,
    description: description("HTTP requests (5xx)"),
  },
  {
    alert: "HighMaxServeErrorRate",
    expr: `${selector(RECORDED.inferenceErrorRatio, { service: "max-serve" })} > ${ERROR_RATIO}`,
    for: ERROR_FOR,
    severity: "warning",
    category: "errors",
    service: "max-serve",
    summary: `MAX Serve inference error rate above ${ERROR_RATIO * 100}%`,
    description: description("inference requests"),
  },
  {
    alert: "HighMCPErrorRate",
    expr: `${RECORDED.mcpErrorRatio} > ${ERROR_RATIO}`,
    for: ERROR_FOR,
    severity: "warning",
    category: "errors",
    summary: `MCP error rate above ${ERROR_RATIO * 100}% on {{ $labels.service }}`,
    description: description("MCP requests"),
  },
];

export const errorGroups = (): RuleGroup[] => [{ name: "errors", rules: ERROR_ALERTS }];
