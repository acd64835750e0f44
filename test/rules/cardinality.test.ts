/**
 * Scrape guards handed to the Prometheus config builder.
 */
import { DEFAULT_SCRAPE_LIMITS, SCRAPE_LIMIT_OVERRIDES, scrapeLimitFields, scrapeLimitsFor } from "../../rules/cardinality";
import { WATCHED_JOBS } from "../../telemetry/catalog";

test("a job without overrides gets the defaults", () => {
  expect(scrapeLimitsFor("gateway")).toEqual(DEFAULT_SCRAPE_LIMITS);
  expect(scrapeLimitsFor("prometheus")).toEqual(DEFAULT_SCRAPE_LIMITS);
});

test("overrides replace only the keys they name", () => {
  expect(scrapeLimitsFor("memory-engine")).toEqual({ ...DEFAULT_SCRAPE_LIMITS, sampleLimit: 200_000 });
  expect(scrapeLimitsFor("dcgm-exporter").sampleLimit).toBe(DEFAULT_SCRAPE_LIMITS.sampleLimit);
});

test("overrides are only for watched jobs", () => {
  expect(Object.keys(SCRAPE_LIMIT_OVERRIDES).filter((j) => !(WATCHED_JOBS as readonly string[]).includes(j))).toEqual([]);
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
