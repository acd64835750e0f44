/**
 * Per-job scrape guards for the Prometheus config builder. A target over a limit fails its whole scrape (`up` = 0,
 * ServiceDown and PrometheusScrapeSampleLimitHit fire; for the session-series job SessionSeriesScrapeFailing instead of
 * ServiceDown), so the limits sit well above normal output: they stop a label explosion from taking Prometheus down,
 * not ordinary growth.
 */
import { ExporterJob, SESSION_SERIES_JOB, SourceName } from "../telemetry/catalog";

export interface ScrapeLimits {
  /** Samples per scrape after relabelling (`sample_limit`). */
  readonly sampleLimit: number;
  /** Labels per series, target labels included (`label_limit`). */
  readonly labelLimit: number;
  /** Characters of a label name (`label_name_length_limit`). */
  readonly labelNameLengthLimit: number;
  /** Characters of a label value (`label_value_length_limit`). */
  readonly labelValueLengthLimit: number;
  /** Targets per scrape job after relabelling (`target_limit`). */
  readonly targetLimit: number;
}

export const DEFAULT_SCRAPE_LIMITS: ScrapeLimits = {
  sampleLimit: 20_000,
  labelLimit: 30,
  labelNameLengthLimit: 128,
  // Long enough for a route template or a Kubernetes pod name, short enough to reject a raw query string.
  labelValueLengthLimit: 512,
  targetLimit: 200,
};

/** Jobs whose normal output differs from the default, and why. */
export const SCRAPE_LIMIT_OVERRIDES: Partial<Record<SourceName | ExporterJob | typeof SESSION_SERIES_JOB, Partial<ScrapeLimits>>> = {
  // One memory_items_total series per user and three budget series per live session, by the seed's design, and nothing
  // else: the memory-engine job drops these families and keeps the default for the service's own metrics. 500k is
  // nearly three times the ~175k users at which the two used to fail together under one 200k limit.
  [SESSION_SERIES_JOB]: { sampleLimit: 500_000 },
  // Histograms per model and batch size.
  "max-serve": { sampleLimit: 50_000 },
  // pg_stat_activity_count has a series per database, state, user and application.
  "postgres-exporter": { sampleLimit: 50_000 },
  // One target per GPU node; pod attribution and MIG add labels to every series.
  "dcgm-exporter": { labelLimit: 40, targetLimit: 1_000 },
};

/** The limits of a scrape job: the default with the job's overrides. */
export function scrapeLimitsFor(job: string): ScrapeLimits {
  const override = (SCRAPE_LIMIT_OVERRIDES as Readonly<Record<string, Partial<ScrapeLimits>>>)[job] ?? {};
  return { ...DEFAULT_SCRAPE_LIMITS, ...override };
}

/** The limits as prometheus.yml scrape_config keys. */
export function scrapeLimitFields(limits: ScrapeLimits): Record<string, number> {
  return {
    sample_limit: limits.sampleLimit,
    label_limit: limits.labelLimit,
    label_name_length_limit: limits.labelNameLengthLimit,
    label_value_length_limit: limits.labelValueLengthLimit,
    target_limit: limits.targetLimit,
  };
}
