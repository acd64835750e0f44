/** Stack config of the scale-out modes (objectStorage, thanos): what is accepted and each error, naming key and value. */
import { ConfigError, parseStackConfig } from "../../config/parse";

const BUCKETS = { endpoint: "s3.eu-west-1.amazonaws.com:443", buckets: { metrics: "prod-metrics", logs: "prod-logs" } };
const CREDENTIALS = { "observability:objectStorageAccessKeyId": "AKIAEXAMPLE", "observability:objectStorageSecretAccessKey": "secret-example-key" };

/** A valid base (the Slack mode's credential set), so each case shows only its own problems. */
const BASE = { "observability:slackBotToken": "xoxb-0000000000-0000000000-testtoken" };
const parse = (raw: Record<string, unknown>) => parseStackConfig({ ...BASE, ...raw });

function problems(raw: Record<string, unknown>): string[] {
  try {
    parse(raw);
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.problems.map((p) => `${p.key}: ${p.message}`);
  }
}

describe("objectStorage and thanos config", () => {
  it("defaults to no bucket, us-east-1, TLS, and the Thanos retentions 90d/180d/2y with 3d on the claim", () => {
    const { settings, secrets } = parse({});
    expect(settings.objectStorage).toEqual({ endpoint: "", region: "us-east-1", insecure: false, forcePathStyle: false, buckets: {} });
    expect(settings.thanos.retention).toEqual({ raw: "90d", fiveMinutes: "180d", oneHour: "2y" });
    expect(settings.thanos.localRetention).toBe("3d");
    expect(secrets.objectStorageAccessKeyId).toBeUndefined();
  });

  it("accepts both buckets with endpoint and credentials, and a single Prometheus replica with Thanos", () => {
    const { settings, secrets } = parse({ "observability:objectStorage": BUCKETS, "observability:prometheus": { replicas: 1 }, ...CREDENTIALS });
    expect(settings.objectStorage.buckets).toEqual({ metrics: "prod-metrics", logs: "prod-logs" });
    expect(secrets.objectStorageSecretAccessKey).toBe("secret-example-key");
  });

  it("rejects an endpoint with a scheme, naming the key and the value", () => {
    expect(problems({ "observability:objectStorage": { ...BUCKETS, endpoint: "https://s3.example.com:443" }, ...CREDENTIALS })).toEqual([
      'observability:objectStorage.endpoint: got "https://s3.example.com:443"; expected host:port without a scheme, such as s3.eu-west-1.amazonaws.com:443 (objectStorage.insecure chooses http)',
    ]);
  });

  it("rejects a bucket without credentials or endpoint", () => {
    expect(problems({ "observability:objectStorage": { buckets: { metrics: "prod-metrics" } } })).toEqual([
      'observability:objectStorage.endpoint: got ""; expected host:port of the S3 API because objectStorage.buckets.metrics is set',
      "observability:objectStorageAccessKeyId: is required because objectStorage.buckets.metrics is set; set it with pulumi config set --secret objectStorageAccessKeyId ...",
      "observability:objectStorageSecretAccessKey: is required because objectStorage.buckets.metrics is set; set it with pulumi config set --secret objectStorageSecretAccessKey ...",
    ]);
  });

  it("rejects credentials that no bucket uses, and one bucket for both signals", () => {
    expect(problems({ ...CREDENTIALS })).toHaveLength(2);
    expect(problems({ "observability:objectStorage": { ...BUCKETS, buckets: { metrics: "shared", logs: "shared" } }, ...CREDENTIALS })).toEqual([
      'observability:objectStorage.buckets.logs: got "shared", the same as objectStorage.buckets.metrics; expected a bucket of its own (Thanos\' Compactor treats every object in its bucket as its own)',
    ]);
  });

  it("rejects a coarser resolution kept shorter than a finer one, and a local retention beyond the raw one", () => {
    expect(problems({ "observability:thanos": { retention: { raw: "90d", fiveMinutes: "30d", oneHour: "2y" } } })).toEqual([
      'observability:thanos.retention.fiveMinutes: got "30d"; expected at least thanos.retention.raw (90d): a coarser resolution is only read after the finer one is gone',
    ]);
    expect(problems({ "observability:objectStorage": BUCKETS, ...CREDENTIALS, "observability:thanos": { localRetention: "100d" } })).toEqual([
      'observability:thanos.localRetention: got "100d"; expected at most thanos.retention.raw (90d): the bucket holds the long history, the claim only what is not uploaded yet',
    ]);
  });

  it("rejects a local retention the sidecar cannot work with, and a bucket name S3 refuses", () => {
    expect(problems({ "observability:thanos": { localRetention: "2h" } })[0]).toMatch(/^observability:thanos\.localRetention: got "2h"; expected .*at least 6h/);
    expect(problems({ "observability:objectStorage": { ...BUCKETS, buckets: { metrics: "Prod_Metrics" } }, ...CREDENTIALS })[0]).toMatch(/^observability:objectStorage\.buckets\.metrics: got "Prod_Metrics"; expected an S3 bucket name/);
  });
});
