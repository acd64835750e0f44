import { load } from "js-yaml";
import {
  dnsSrvEndpoint,
  prometheusSidecarArgs,
  thanosCompactArgs,
  thanosEndpointConfig,
  thanosObjstoreConfig,
  thanosQueryArgs,
  thanosSidecarArgs,
  thanosSidecarPrometheusClientConfig,
  thanosStoreArgs,
} from "../../components/thanos-config";
import { REPLICA_LABEL, SERVICES } from "../../components/services";

/** `--name=value` flags of an argument list as a map (a bare `--name` maps to `true`). */
function flags(args: string[]): Map<string, string | true> {
  const out = new Map<string, string | true>();
  for (const a of args.filter((x) => x.startsWith("--"))) {
    const eq = a.indexOf("=");
    if (eq < 0) out.set(a.slice(2), true);
    else out.set(a.slice(2, eq), a.slice(eq + 1));
  }
  return out;
}

describe("thanosObjstoreConfig", () => {
  it("writes an S3 bucket with the endpoint, region, TLS choice and static credentials", () => {
    const text = thanosObjstoreConfig({ endpoint: "s3.example.com:443", bucket: "metrics", region: "eu-west-1", insecure: false, credentials: { accessKey: "AK", secretKey: "SK" } });
    expect(load(text)).toEqual({ type: "S3", config: { bucket: "metrics", endpoint: "s3.example.com:443", region: "eu-west-1", insecure: false, access_key: "AK", secret_key: "SK" } });
  });

  it("leaves the credentials to the client's default chain when none are given, and sets path-style lookup on request", () => {
    const doc = load(thanosObjstoreConfig({ endpoint: "127.0.0.1:8333", bucket: "b", region: "us-east-1", insecure: true, bucketLookupType: "path" })) as { config: Record<string, unknown> };
    expect(doc.config).not.toHaveProperty("access_key");
    expect(doc.config).not.toHaveProperty("secret_key");
    expect(doc.config.bucket_lookup_type).toBe("path");
    expect(doc.config.insecure).toBe(true);
  });
});

describe("thanosSidecarPrometheusClientConfig", () => {
  it("sends basic auth from the password file, never the password", () => {
    expect(load(thanosSidecarPrometheusClientConfig({ username: "observability", passwordFile: "/etc/web-auth/password" }))).toEqual({
      basic_auth: { username: "observability", password_file: "/etc/web-auth/password" },
    });
  });

  it("verifies Prometheus' certificate against the CA and name when TLS is on", () => {
    const doc = load(thanosSidecarPrometheusClientConfig({ username: "u", passwordFile: "/p", tls: { caFile: "/tls/ca.crt", serverName: "prometheus.observability.svc" } }));
    expect(doc).toMatchObject({ tls_config: { ca_file: "/tls/ca.crt", server_name: "prometheus.observability.svc" } });
  });
});

describe("thanosSidecarArgs", () => {
  const base = { tsdbPath: "/prometheus", prometheusUrl: "http://localhost:9090", prometheusClientConfigFile: "/c/http.yml", objstoreConfigFile: "/o/objstore.yml" };

  it("reads Prometheus' TSDB and API with the client file and uploads to the bucket, on the contract's ports by default", () => {
    const args = thanosSidecarArgs(base);
    expect(args[0]).toBe("sidecar");
    const f = flags(args);
    expect(f.get("tsdb.path")).toBe("/prometheus");
    expect(f.get("prometheus.url")).toBe("http://localhost:9090");
    expect(f.get("prometheus.http-client-file")).toBe("/c/http.yml");
    expect(f.get("objstore.config-file")).toBe("/o/objstore.yml");
    expect(f.get("grpc-address")).toBe(`0.0.0.0:${SERVICES.thanosSidecar.ports.grpc.port}`);
    expect(f.get("http-address")).toBe(`0.0.0.0:${SERVICES.thanosSidecar.ports.http.port}`);
    expect(f.has("shipper.upload-compacted")).toBe(false);
  });

  it("takes loopback addresses and the one-time upload of compacted blocks", () => {
    const f = flags(thanosSidecarArgs({ ...base, grpcAddress: "127.0.0.1:19091", httpAddress: "127.0.0.1:19092", uploadCompacted: true }));
    expect(f.get("grpc-address")).toBe("127.0.0.1:19091");
    expect(f.get("http-address")).toBe("127.0.0.1:19092");
    expect(f.get("shipper.upload-compacted")).toBe(true);
  });

  it("pairs with Prometheus flags that turn local compaction off (min = max block duration)", () => {
    const f = flags(prometheusSidecarArgs());
    expect(f.get("storage.tsdb.min-block-duration")).toBe(f.get("storage.tsdb.max-block-duration"));
    expect(f.get("storage.tsdb.min-block-duration")).toBe("2h");
  });
});

describe("thanosQueryArgs and thanosEndpointConfig", () => {
  it("deduplicates on the replica label and reads the endpoints from the file", () => {
    const f = flags(thanosQueryArgs({ endpointConfigFile: "/etc/thanos/endpoints.yml" }));
    expect(f.get("query.replica-label")).toBe(REPLICA_LABEL);
    expect(f.get("endpoint.sd-config-file")).toBe("/etc/thanos/endpoints.yml");
    expect(f.get("query.auto-downsampling")).toBe(true);
    expect(f.get("http-address")).toBe(`0.0.0.0:${SERVICES.thanosQuery.ports.http.port}`);
    // --endpoint is deprecated in v0.42; the endpoints live in the file only.
    expect(f.has("endpoint")).toBe(false);
  });

  it("lists each address as an endpoint, SRV names built from the port name and host", () => {
    const srv = dnsSrvEndpoint("sidecar-grpc", "thanos-sidecar.observability.svc");
    expect(srv).toBe("dnssrv+_sidecar-grpc._tcp.thanos-sidecar.observability.svc");
    expect(load(thanosEndpointConfig([srv, "127.0.0.1:19091"]))).toEqual({ endpoints: [{ address: srv }, { address: "127.0.0.1:19091" }] });
  });
});

describe("thanosStoreArgs", () => {
  it("serves the bucket from a data dir and takes loopback tuning", () => {
    const f = flags(thanosStoreArgs({ dataDir: "/data", objstoreConfigFile: "/o.yml", grpcAddress: "127.0.0.1:1", syncBlockDuration: "10s", consistencyDelay: "0s" }));
    expect(Object.fromEntries(f)).toEqual({
      "data-dir": "/data",
      "objstore.config-file": "/o.yml",
      "grpc-address": "127.0.0.1:1",
      "http-address": `0.0.0.0:${SERVICES.thanosStore.ports.http.port}`,
      "sync-block-duration": "10s",
      "consistency-delay": "0s",
    });
  });
});

describe("thanosCompactArgs", () => {
  it("keeps running, downsamples and applies the retention of each resolution", () => {
    const args = thanosCompactArgs({ dataDir: "/data", objstoreConfigFile: "/o.yml", retention: { raw: "90d", fiveMinutes: "180d", oneHour: "2y" } });
    expect(args[0]).toBe("compact");
    const f = flags(args);
    expect(f.get("wait")).toBe(true);
    expect(f.has("downsampling.disable")).toBe(false);
    expect(f.get("retention.resolution-raw")).toBe("90d");
    expect(f.get("retention.resolution-5m")).toBe("180d");
    expect(f.get("retention.resolution-1h")).toBe("2y");
    expect(f.has("wait-interval")).toBe(false);
  });
});
