/**
 * The seed's drift alerts. Both fire above the critical threshold; Alertmanager inhibits the warning then.
 */
import { M } from "../telemetry/catalog";
import { DRIFT_CRITICAL, DRIFT_FOR, DRIFT_WARNING } from "./thresholds";
import { AlertRule, RuleGroup } from "./types";

const description = (threshold: number) =>
  `Drift score of model {{ $labels.model }} is {{ $value | printf "%.2f" }} (threshold ${threshold}, for ${DRIFT_FOR}); its inputs no longer look like its training data.`;

export const DRIFT_ALERTS: readonly AlertRule[] = [
  {
    alert: "DriftDetected",
    expr: `${M.driftScore.name} > ${DRIFT_WARNING}`,
    for: DRIFT_FOR,
    severity: "warning",
    category: "drift",
    summary: "Drift detected for model {{ $labels.model }}",
    description: description(DRIFT_WARNING),
  },
  {
    alert: "HighDriftScore",
    expr: `${M.driftScore.name} > ${DRIFT_CRITICAL}`,
    for: DRIFT_FOR,
    severity: "critical",
    category: "drift",
    summary: "High drift score for model {{ $labels.model }}",
    description: description(DRIFT_CRITICAL),
  },
];

export const driftGroups = (): RuleGroup[] => [{ name: "drift", rules: DRIFT_ALERTS }];
