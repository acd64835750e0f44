/** The native-histogram twins of the bench: what each twin reads and records, from the stack's recording groups. */
import { M, bucket } from "../../telemetry/catalog";
import { RATED_HISTOGRAMS, recordedRateName } from "../../rules/rated";
import { ratedGroupName, recordingGroups } from "../../rules/recording";
import { twinGroup, twinGroupName } from "./native-histograms";

const classic = (name: string) => {
  const g = recordingGroups().find((x) => x.name === name);
  if (!g) throw new Error(`no recording group ${name}`);
  return { rules: g.rules.map((r) => ({ record: "record" in r ? r.record : undefined, expr: r.expr })) };
};

test("the http twin rates the native series once, with the bucket rate's labels less le, and reads its P95 from that rate", () => {
  const h = M.httpRequestDurationSeconds;
  const twin = twinGroup(h, classic(ratedGroupName(h)));
  expect(twin.name).toBe(twinGroupName(h));
  expect(twin.rules).toEqual([
    { record: "native_namespace_service:http_request_duration_seconds:rate5m", expr: "sum by (job, namespace, service, method, endpoint) (rate(http_request_duration_seconds[5m]))" },
    { record: "native_service:http_request_duration_seconds:p95_5m", expr: "histogram_quantile(0.95, sum by (service) (native_namespace_service:http_request_duration_seconds:rate5m))" },
  ]);
});

test.each(RATED_HISTOGRAMS.map((h) => [h.name, h] as const))("the %s twin reads no classic series and no le", (_, h) => {
  const twin = twinGroup(h, classic(ratedGroupName(h)));
  for (const r of twin.rules) {
    expect(r.expr).not.toMatch(/_bucket|_sum\b|_count\b|\ble\b/);
    expect(r.expr).not.toContain(recordedRateName(bucket(h)));
  }
  const quantiles = classic(ratedGroupName(h)).rules.filter((r) => r.expr.includes("histogram_quantile(")).length;
  expect(twin.rules).toHaveLength(1 + quantiles);
});

test("a quantile that reads anything but the family's recorded bucket rate is refused, naming the rule", () => {
  const h = M.httpRequestDurationSeconds;
  const planted = { rules: [{ record: "service:x:p95_5m", expr: "histogram_quantile(0.95, sum by (service, le) (rate(http_request_duration_seconds_bucket[5m])))" }] };
  expect(() => twinGroup(h, planted)).toThrow(/service:x:p95_5m: a quantile that does not read namespace_service:http_request_duration_seconds_bucket:rate5m/);
});
