import { parseStackConfig } from "../../config/parse";
import { buildLokiConfig, LOKI_SCHEMA_FROM } from "../../components/loki-config";

const defaults = parseStackConfig({ "observability:slackBotToken": "xoxb-1-2-test" }).settings.loki;
const build = (over: Partial<typeof defaults> = {}) => buildLokiConfig({ settings: { ...defaults, ...over }, httpPort: 3100, grpcPort: 9095 });

describe("loki.yaml builder", () => {
  const c = build();

  it("serves HTTP on 3100 and gRPC on 9095 for one tenant", () => {
    expect(c.server).toMatchObject({ http_listen_port: 3100, grpc_listen_port: 9095 });
    expect(c.auth_enabled).toBe(false);
  });

  it("stores TSDB schema v13 with a 24h index on the filesystem volume", () => {
    expect(c.schema_config.configs).toEqual([
      { from: LOKI_SCHEMA_FROM, store: "tsdb", object_store: "filesystem", schema: "v13", index: { prefix: "index_", period: "24h" } },
    ]);
    expect(new Date(LOKI_SCHEMA_FROM).getTime()).toBeLessThan(Date.now());
    for (const dir of [c.common.path_prefix, c.common.storage.filesystem.chunks_directory, c.storage_config.tsdb_shipper.active_index_directory, c.ingester.wal.dir, c.compactor.working_directory]) {
      expect(dir.startsWith("/loki")).toBe(true);
    }
  });

  it("deletes logs after the configured retention through the compactor", () => {
    expect(c.compactor).toMatchObject({ retention_enabled: true, delete_request_store: "filesystem" });
    expect(c.limits_config.retention_period).toBe("2160h");
    expect(build({ retention: "720h" }).limits_config.retention_period).toBe("720h");
  });

  it("applies the seed's ingestion, stream and query limits, TSDB key included", () => {
    expect(c.limits_config).toMatchObject({
      ingestion_rate_mb: 16,
      max_global_streams_per_user: 10000,
      max_query_parallelism: 32,
      tsdb_max_query_parallelism: 32,
      allow_structured_metadata: true,
    });
    expect(c.limits_config.ingestion_burst_size_mb as number).toBeGreaterThanOrEqual(16);
  });

  it("uses no key Loki 3 removed", () => {
    const text = JSON.stringify(c);
    for (const removed of ["shared_store", "enforce_metric_name", "boltdb"]) expect(text).not.toContain(removed);
  });

  it("rejects a burst below the rate and a retention off the index period", () => {
    expect(() => build({ ingestionRateMB: 16, ingestionBurstSizeMB: 8 })).toThrow("loki ingestion burst 8MB must be at least the rate 16MB/s");
    expect(() => build({ retention: "36h" })).toThrow('loki retention "36h" must be a multiple of the 24h index period');
  });
});
