/**
 * loki.yaml for Loki 3.7 in simple scalable mode (`-target=write|read|backend`), one file for the three targets: the
 * single binary's schema, limits and retention (loki-config.ts) on S3 instead of the filesystem, rings on memberlist,
 * replication factor 3, and the compactor found at the backend Service. The S3 credentials are not in the file:
 * `${LOKI_S3_ACCESS_KEY_ID}` and `${LOKI_S3_SECRET_ACCESS_KEY}` are expanded by Loki (`-config.expand-env=true`) from
 * env vars that come from the Secret loki-objstore.
 */
import { dump } from "js-yaml";
import { LOKI_DATA_DIR, LOKI_SCHEMA_FROM, LokiConfigArgs, buildLokiConfig } from "./loki-config";

export const LOKI_S3_ACCESS_KEY_ENV = "LOKI_S3_ACCESS_KEY_ID";
export const LOKI_S3_SECRET_KEY_ENV = "LOKI_S3_SECRET_ACCESS_KEY";
/** Each stream is written to three ingesters: one write pod can restart without losing or refusing data. */
export const LOKI_REPLICATION_FACTOR = 3;

export interface LokiScalableConfigArgs extends LokiConfigArgs {
  readonly memberlistPort: number;
  /** `host:port` Loki's gossip joins: the headless Service over every Loki pod. */
  readonly memberlistJoin: string;
  /** `http://host:port` of the backend Service, where the active compactor serves delete requests. */
  readonly compactorAddress: string;
  readonly s3: { readonly endpoint: string; readonly region: string; readonly bucket: string; readonly insecure: boolean; readonly forcePathStyle: boolean };
}

export function buildLokiScalableConfig(args: LokiScalableConfigArgs): Record<string, unknown> {
  const single = buildLokiConfig(args);
  const dir = (sub: string) => `${LOKI_DATA_DIR}/${sub}`;
  return {
    ...single,
    common: {
      path_prefix: LOKI_DATA_DIR,
      replication_factor: LOKI_REPLICATION_FACTOR,
      ring: { kvstore: { store: "memberlist" } },
      storage: {
        s3: {
          endpoint: args.s3.endpoint,
          region: args.s3.region,
          bucketnames: args.s3.bucket,
          insecure: args.s3.insecure,
          s3forcepathstyle: args.s3.forcePathStyle,
          access_key_id: `\${${LOKI_S3_ACCESS_KEY_ENV}}`,
          secret_access_key: `\${${LOKI_S3_SECRET_KEY_ENV}}`,
        },
      },
      compactor_address: args.compactorAddress,
    },
    memberlist: { join_members: [args.memberlistJoin], bind_port: args.memberlistPort },
    // A new store on the bucket from the same first day: the single binary's filesystem chunks are not migrated (README).
    schema_config: { configs: [{ from: LOKI_SCHEMA_FROM, store: "tsdb", object_store: "s3", schema: "v13", index: { prefix: "index_", period: "24h" } }] },
    storage_config: { tsdb_shipper: { active_index_directory: dir("tsdb-index"), cache_location: dir("tsdb-cache") } },
    compactor: { ...single.compactor, delete_request_store: "s3" },
  };
}

/** The YAML text; refuses a `$` other than the two credential references, which `-config.expand-env` would expand. */
export function lokiScalableYaml(config: Record<string, unknown>): string {
  const text = dump(config, { noRefs: true, lineWidth: -1 });
  const stray = text.replace(`\${${LOKI_S3_ACCESS_KEY_ENV}}`, "").replace(`\${${LOKI_S3_SECRET_KEY_ENV}}`, "");
  if (stray.includes("$")) throw new Error("loki scalable config: a \"$\" besides the credential references would be expanded by -config.expand-env");
  return text;
}
