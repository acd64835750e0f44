/**
 * The series whose rate is recorded: the one place the platform's raw counters and histogram buckets are rated. Each
 * is rated once per window by a recording rule (recording.ts) that sums the replicas of a service away and keeps the
 * family's own labels; alerts, quantiles and dashboard panels read that recorded rate instead of rating the raw
 * series again, so the cost of rating grows with the raw series once, not once per reader.
 */
import { Counter, Histogram, M, bucket, count, sum } from "../telemetry/catalog";

/** The one rate window of the recorded rates (and of the rules' own rates). */
export const RATE_WINDOW = "5m";

/** Target labels a recorded rate keeps: the service's identity. `instance` and the pod's labels are summed away. */
export const RATED_TARGET_LABELS = ["job", "namespace", "service"] as const;

/** The platform's counters: they grow with endpoints, models, operations and replicas. */
export const RATED_COUNTERS: readonly Counter[] = [
  M.httpRequestsTotal,
  M.inferenceRequestsTotal,
  M.inferenceTokensTotal,
  M.mcpRequestsTotal,
  M.memoryOperationsTotal,
  M.driftChecksTotal,
  M.routerDecisionsTotal,
  M.cacheHitsTotal,
  M.cacheMissesTotal,
];

/** The platform's histograms: buckets, sum and count are all recorded (quantiles, means and observation rates). */
export const RATED_HISTOGRAMS: readonly Histogram[] = [
  M.httpRequestDurationSeconds,
  M.inferenceDurationSeconds,
  M.inferenceBatchSize,
  M.mcpOperationDurationSeconds,
  M.memoryOperationDurationSeconds,
  M.memorySearchResults,
  M.driftDetectionDurationSeconds,
  M.routerDecisionDurationSeconds,
  M.requestQueueWaitSeconds,
];

/**
 * Histograms of the stack's dependencies whose quantiles a dashboard shows: only their buckets are recorded. Their
 * `_count` stays raw: the self-monitoring alerts read it per instance, which a recorded rate sums away.
 */
export const RATED_BUCKETS_ONLY: readonly Histogram[] = [M.lokiRequestDurationSeconds, M.qdrantRestResponsesDurationSeconds];

/** One raw series rated by a recording rule: its name, the recorded name, and the labels the recorded rate keeps. */
export interface RatedSeries {
  /** The raw series, as scraped: `http_requests_total`, `http_request_duration_seconds_bucket`. */
  readonly raw: string;
  /**
   * `namespace_service:<raw>:rate5m` (a counter without its `_total`, as a rate is no total): by job, namespace and
   * service, with the family's own labels (and `le`).
   */
  readonly recorded: string;
  /** Labels of the recorded series, in `by` order. */
  readonly labels: readonly string[];
  /** The family the series belongs to. */
  readonly family: Counter | Histogram;
}

export const recordedRateName = (raw: string): string => `namespace_service:${raw.replace(/_total$/, "")}:rate${RATE_WINDOW}`;

function rated(raw: string, family: Counter | Histogram, extra: readonly string[] = []): RatedSeries {
  // request_queue_* carry their own `service`, which the scrape renames: keep each label once.
  const labels = [...new Set<string>([...RATED_TARGET_LABELS, ...family.labels, ...extra])];
  return { raw, recorded: recordedRateName(raw), labels, family };
}

/** Every rated series, in rule order: per family, counters first, then each histogram's bucket, sum and count. */
export const RATED_SERIES: readonly RatedSeries[] = [
  ...RATED_COUNTERS.map((c) => rated(c.name, c)),
  ...RATED_HISTOGRAMS.flatMap((h) => [rated(bucket(h), h, ["le"]), rated(sum(h), h), rated(count(h), h)]),
  ...RATED_BUCKETS_ONLY.map((h) => rated(bucket(h), h, ["le"])),
];

const BY_RAW: ReadonlyMap<string, RatedSeries> = new Map(RATED_SERIES.map((s) => [s.raw, s]));

/** The recorded rate of a raw series, or undefined when that series is not rated by a recording rule. */
export function ratedSeries(raw: string): RatedSeries | undefined {
  return BY_RAW.get(raw);
}
