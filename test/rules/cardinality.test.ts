/**
 * Scrape guards handed to the Prometheus config builder.
 */
import { DEFAULT_SCRAPE_LIMITS, SCRAPE_LIMIT_OVERRIDES, scrapeLimitFields, scrapeLimitsFor } from "../../rules/cardinality";
import { SESSION_SERIES_JOB, WATCHED_JOBS } from "../../telemetry/catalog";

test("a job without overrides gets the defaults", () => {
  expect(scrapeLimitsFor("gateway")).toEqual(DEFAULT_SCRAPE_LIMITS);
  expect(scrapeLimitsFor("prometheus")).toEqual(DEFAULT_SCRAPE_LIMITS);
  // Its per-user and per-session series are scraped by a job of their own, with the large limit.
  expect(scrapeLimitsFor("memory-engine")).toEqual(DEFAULT_SCRAPE_LIMITS);
});

test("overrides replace only the keys they name", () => {
  expect(scrapeLimitsFor(SESSION_SERIES_JOB)).toEqual({ ...DEFAULT_SCRAPE_LIMITS, sampleLimit: 500_000 });
  expect(scrapeLimitsFor("dcgm-exporter").sampleLimit).toBe(DEFAULT_SCRAPE_LIMITS.sampleLimit);
});

test("overrides are only for watched jobs and the session-series job", () => {
  const jobs: readonly string[] = [...WATCHED_JOBS, SESSION_SERIES_JOB];
  expect(Object.keys(SCRAPE_LIMIT_OVERRIDES).filter((j) => !jobs.includes(j))).toEqual([]);
});

test("limits map to prometheus.yml scrape_config keys", () => {
  expect(scrapeLimitFields(DEFAULT_SCRAPE_LIMITS)).toEqual({
    sample_limit: 20_000,
    label_limit: 30,
    label_name_length_limit: 128,
    label_value_length_limit: 512,
    target_limit: 200,
  });
});
