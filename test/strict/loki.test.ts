/**
 * loki.yaml of the rendered stacks against the Loki 3.7.6 configuration reference. Loki is never run here (AGPL), and
 * it refuses to start on an unknown key, so this is the check that stands in for its start-up.
 */
import { load } from "js-yaml";
import { LOKI_3_7 } from "./reference/loki-3.7";
import { STACKS, StackName, plant, renderStack } from "./rendered";
import { Problem, specAt, validate } from "./validate";

const configs = new Map<StackName, Record<string, unknown>>();
beforeAll(() => {
  for (const stack of STACKS) configs.set(stack, load(renderStack(stack).file("loki-config", "loki.yaml")) as Record<string, unknown>);
});

const config = (stack: StackName = "dev") => configs.get(stack) as Record<string, unknown>;
const messages = (problems: Problem[]) => problems.map((p) => p.message);

describe.each(STACKS)("rendered loki.yaml (%s)", (stack) => {
  it("has no key, type, enum or duration problem against the 3.7.6 reference", () => {
    expect(messages(validate(config(stack), LOKI_3_7))).toEqual([]);
  });
});

describe("the Loki check catches", () => {
  it("a misspelled key, naming its path and value and the key meant", () => {
    const problems = validate(plant(config(), "limits_config.retention_perod", "2160h"), LOKI_3_7);
    expect(messages(problems)).toEqual(['limits_config.retention_perod: unknown key (value "2160h"); did you mean "retention_period"?']);
  });

  it("a key Loki 3.0 removed (compactor.shared_store), with what replaced it", () => {
    const problems = validate(plant(config(), "compactor.shared_store", "filesystem"), LOKI_3_7);
    expect(problems.map((p) => p.kind)).toEqual(["removed-key"]);
    expect(problems[0].message).toMatch(/^compactor\.shared_store: key of another version \(value "filesystem"\): removed in Loki 3\.0/);
  });

  it("a value outside an enum, with the closest allowed value", () => {
    const problems = validate(plant(config(), "common.ring.kvstore.store", "in-memory"), LOKI_3_7);
    expect(messages(problems)).toEqual([
      'common.ring.kvstore.store: "in-memory" is not one of "consul", "etcd", "inmemory", "memberlist", "multi"; did you mean "inmemory"?',
    ]);
  });

  it("a duration the key's parser rejects", () => {
    const problems = validate(plant(config(), "limits_config.retention_period", "90 days"), LOKI_3_7);
    expect(problems.map((p) => [p.kind, p.path, p.value])).toEqual([["duration", "limits_config.retention_period", "90 days"]]);
    expect(problems[0].message).toMatch(/^limits_config\.retention_period: "90 days" is not a Prometheus duration/);
  });

  it("a day unit on a Go duration, which the Prometheus-style keys accept", () => {
    // retention_period is a model.Duration (90d is fine); retention_delete_delay is a time.Duration (1d is not).
    expect(validate(plant(config(), "limits_config.retention_period", "90d"), LOKI_3_7)).toEqual([]);
    const problems = validate(plant(config(), "compactor.retention_delete_delay", "1d"), LOKI_3_7);
    expect(messages(problems)).toEqual([
      'compactor.retention_delete_delay: "1d" is not a Go duration (units ns, us, ms, s, m, h; e.g. 30s, 1h30m; no d, w or y)',
    ]);
  });

  it("a block the reference leaves undescribed, rather than passing it unchecked", () => {
    const problems = validate(plant(config(), "query_scheduler.use_scheduler_ring", true), LOKI_3_7);
    expect(problems.map((p) => [p.kind, p.path])).toEqual([["undescribed", "query_scheduler"]]);
  });
});

describe("the simple scalable config (prod-thanos)", () => {
  const ssd = () => config("prod-thanos");

  it("is the scalable one: S3 store, memberlist rings, replication factor 3", () => {
    expect(ssd()).toMatchObject({
      common: { replication_factor: 3, ring: { kvstore: { store: "memberlist" } }, storage: { s3: { bucketnames: "ai-platform-prod-logs" } } },
      memberlist: { bind_port: 7946 },
      compactor: { delete_request_store: "s3" },
    });
    expect((ssd().schema_config as { configs: { object_store: string }[] }).configs.map((c) => c.object_store)).toEqual(["s3"]);
  });

  it("holds env references, never credentials", () => {
    const s3 = (ssd().common as { storage: { s3: Record<string, unknown> } }).storage.s3;
    expect([s3.access_key_id, s3.secret_access_key]).toEqual(["${LOKI_S3_ACCESS_KEY_ID}", "${LOKI_S3_SECRET_ACCESS_KEY}"]);
  });

  it("catches a misspelled memberlist key", () => {
    expect(messages(validate(plant(ssd(), "memberlist.join_member", ["x:7946"]), LOKI_3_7))).toEqual([
      'memberlist.join_member: unknown key (value ["x:7946"]); did you mean "join_members"?',
    ]);
  });

  it("catches an unknown S3 key and a Go duration with a day unit in memberlist", () => {
    const problems = validate(plant(plant(ssd(), "common.storage.s3.bucket_names", "b"), "memberlist.rejoin_interval", "1d"), LOKI_3_7);
    expect(problems.map((p) => [p.kind, p.path])).toEqual([
      ["unknown-key", "common.storage.s3.bucket_names"],
      ["duration", "memberlist.rejoin_interval"],
    ]);
  });
});

describe("the Loki reference", () => {
  it("still has the table_manager retention keys in 3.7 (deprecated, not removed), so they are no 'other version' plant", () => {
    expect(specAt(LOKI_3_7, "table_manager.retention_period")).toEqual({ kind: "duration", syntax: "prometheus" });
    expect(specAt(LOKI_3_7, "table_manager.retention_deletes_enabled")).toEqual({ kind: "bool" });
  });

  it("types the durations the stack sets by the Go type behind each key", () => {
    for (const key of ["limits_config.retention_period", "limits_config.max_query_lookback", "limits_config.reject_old_samples_max_age"]) {
      expect({ key, spec: specAt(LOKI_3_7, key) }).toEqual({ key, spec: { kind: "duration", syntax: "prometheus" } });
    }
    for (const key of ["compactor.compaction_interval", "compactor.retention_delete_delay"]) {
      expect({ key, spec: specAt(LOKI_3_7, key) }).toEqual({ key, spec: { kind: "duration", syntax: "go" } });
    }
    expect(specAt(LOKI_3_7, "schema_config.configs[].index.period")).toEqual({ kind: "duration", syntax: "prometheus" });
  });
});
