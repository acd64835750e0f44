/**
 * Alert and recording rules as typed objects. The label and annotation conventions are docs/architecture.md's contract:
 * routing in Alertmanager and the runbooks rely on them.
 */

export type Severity = "critical" | "warning" | "info";
export type Category = "latency" | "errors" | "gpu" | "drift" | "budget" | "infra" | "meta";

export interface AlertRule {
  /** Alert name, PascalCase; the seed's names are a contract. */
  readonly alert: string;
  /** PromQL expression. */
  readonly expr: string;
  /** How long the condition must hold, in Prometheus duration syntax (`5m`); omitted fires at once. */
  readonly for?: string;
  readonly severity: Severity;
  readonly category: Category;
  /** The service the alert is about, when it is about one (otherwise taken from the series' `service` label). */
  readonly service?: string;
  /** Extra static labels. */
  readonly labels?: Readonly<Record<string, string>>;
  /** One line, may use `{{ $labels.x }}` and `{{ $value }}`. */
  readonly summary: string;
  /** What happened and why it matters. */
  readonly description: string;
}

export interface RecordingRule {
  /** `level:metric:operations` naming, e.g. `service:http_request_duration_seconds:p95_5m`. */
  readonly record: string;
  readonly expr: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface RuleGroup {
  /** Group name, unique across all rule files. */
  readonly name: string;
  /** Evaluation interval override (defaults to the global evaluation interval). */
  readonly interval?: string;
  readonly rules: readonly (AlertRule | RecordingRule)[];
}

export const isAlert = (r: AlertRule | RecordingRule): r is AlertRule => "alert" in r;
