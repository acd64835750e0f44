/**
 * The seed's memory budget alerts, per session (the only alerts allowed to carry `session_id`: the seed's budget
 * metrics are per session and the runbook needs the session to act on).
 */
import { M } from "../telemetry/catalog";
import { BUDGET_EXCEEDED_FOR, BUDGET_EXCEEDED_RATIO, BUDGET_WARNING_FOR, BUDGET_WARNING_RATIO } from "./thresholds";
import { AlertRule, RuleGroup } from "./types";

export const BUDGET_ALERTS: readonly AlertRule[] = [
  {
    alert: "BudgetExceeded",
    expr: `${M.memoryBudgetUtilization.name} >= ${BUDGET_EXCEEDED_RATIO}`,
    for: BUDGET_EXCEEDED_FOR,
    severity: "critical",
    category: "budget",
    summary: "Memory budget exceeded for session {{ $labels.session_id }}",
    description: `Session {{ $labels.session_id }} on {{ $labels.service }} uses {{ $value | humanizePercentage }} of its memory budget (for ${BUDGET_EXCEEDED_FOR}); further writes will be refused or evict memories.`,
  },
  {
    alert: "BudgetWarning",
    expr: `${M.memoryBudgetUtilization.name} > ${BUDGET_WARNING_RATIO}`,
    for: BUDGET_WARNING_FOR,
    severity: "warning",
    category: "budget",
    summary: `Memory budget above ${BUDGET_WARNING_RATIO * 100}% for session {{ $labels.session_id }}`,
    description: `Session {{ $labels.session_id }} on {{ $labels.service }} uses {{ $value | humanizePercentage }} of its memory budget (threshold ${BUDGET_WARNING_RATIO * 100}%, for ${BUDGET_WARNING_FOR}).`,
  },
];

export const budgetGroups = (): RuleGroup[] => [{ name: "budget", rules: BUDGET_ALERTS }];
