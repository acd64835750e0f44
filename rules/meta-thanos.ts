/**
 * Self-monitoring of Thanos (objectStorage.buckets.metrics): a sidecar that cannot upload loses every block older than
 * thanos.localRetention, and a halted Compactor stops downsampling and retention without any other symptom. The
 * series exist only with Thanos on; without it these alerts never fire.
 */
import { M } from "../telemetry/catalog";
import { RATE_WINDOW } from "./promql";
import { META_FOR } from "./thresholds";
import { AlertRule } from "./types";

const BY = "service, namespace, instance";

export const THANOS_META_ALERTS: readonly AlertRule[] = [
  {
    alert: "ThanosSidecarUploadFailures",
    expr: `sum by (${BY}) (increase(${M.thanosShipperUploadFailuresTotal.name}[${RATE_WINDOW}])) > 0`,
    for: META_FOR,
    severity: "warning",
    category: "meta",
    summary: "Thanos sidecar {{ $labels.instance }} fails to upload blocks",
    description: "{{ $value | printf \"%.0f\" }} block uploads to the bucket failed in 5m; blocks not uploaded within thanos.localRetention are lost.",
  },
  {
    alert: "ThanosCompactHalted",
    expr: `max by (${BY}) (${M.thanosCompactHalted.name}) == 1`,
    for: META_FOR,
    severity: "warning",
    category: "meta",
    summary: "Thanos Compactor {{ $labels.instance }} has halted",
    description: "The Compactor stopped on an error it cannot pass: no compaction, downsampling or retention runs until it is fixed and restarted.",
  },
];
