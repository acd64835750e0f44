import { load } from "js-yaml";
import { parseStackConfig } from "../../config/parse";
import { BadgerBackend, JAEGER_DATA_DIR, JAEGER_STORAGE, JaegerConfig, buildJaegerConfig, jaegerYaml } from "../../components/jaeger-config";

const defaults = parseStackConfig({ "observability:slackBotToken": "xoxb-1-2-test" }).settings.jaeger;
const build = (over: Partial<typeof defaults> = {}) => buildJaegerConfig({ settings: { ...defaults, ...over } });
const badgerOf = (c: JaegerConfig) => c.extensions.jaeger_storage.backends[JAEGER_STORAGE].badger as BadgerBackend;

describe("Jaeger config.yaml builder", () => {
  const c = build();
  const badger = badgerOf(c);

  it("keeps Badger's keys and values on the mounted volume, not ephemeral", () => {
    expect(JAEGER_DATA_DIR).toBe("/badger");
    expect(badger.directories).toEqual({ keys: "/badger/data/keys", values: "/badger/data/values" });
    expect(badger.ephemeral).toBe(false);
  });

  it("keeps spans for the configured retention, 168h by default", () => {
    expect(defaults.spanRetention).toBe("168h");
    expect(badger.ttl.spans).toBe("168h");
    expect(badgerOf(build({ spanRetention: "336h" })).ttl.spans).toBe("336h");
  });

  it("stores what the OTLP and Jaeger gRPC receivers take in, and queries the same store", () => {
    expect(c.service.pipelines.traces).toEqual({ receivers: ["otlp", "jaeger"], processors: ["batch"], exporters: ["jaeger_storage_exporter"] });
    expect(c.exporters.jaeger_storage_exporter.trace_storage).toBe(JAEGER_STORAGE);
    expect(c.extensions.jaeger_query.storage.traces).toBe(JAEGER_STORAGE);
    // Its own query traces would bypass the collector (no environment, no cluster) and slow every shutdown.
    expect(c.extensions.jaeger_query.enable_tracing).toBe(false);
    expect(c.service.extensions).toEqual(["jaeger_storage", "jaeger_query", "healthcheckv2"]);
  });

  it("binds the receivers, the UI and the health check to 0.0.0.0 on the seed's ports", () => {
    expect(c.receivers.otlp.protocols.grpc.endpoint).toBe("0.0.0.0:4317");
    expect(c.receivers.otlp.protocols.http.endpoint).toBe("0.0.0.0:4318");
    expect(c.receivers.jaeger.protocols.grpc.endpoint).toBe("0.0.0.0:14250");
    expect(c.extensions.jaeger_query.http.endpoint).toBe("0.0.0.0:16686");
    expect(c.extensions.healthcheckv2).toEqual({ use_v2: true, http: { endpoint: "0.0.0.0:13133", status: { enabled: true, path: "/status" } } });
  });

  it("serves internal metrics on 0.0.0.0:8888 with the collector's naming", () => {
    expect(c.service.telemetry.metrics.readers).toEqual([
      { pull: { exporter: { prometheus: { host: "0.0.0.0", port: 8888, without_scope_info: true, without_units: true, without_type_suffix: false } } } },
    ]);
  });

  it("renders YAML that reads back to the same config", () => {
    expect(load(jaegerYaml(c))).toEqual(JSON.parse(JSON.stringify(c)));
  });

  it("rejects a retention below an hour", () => {
    expect(() => build({ spanRetention: "30m" })).toThrow('jaeger span retention "30m" must be at least 1h');
  });
});
