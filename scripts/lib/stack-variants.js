/**
 * Stack files the tests render besides the project's own: a project stack with a few keys changed (the dev stack
 * delivering to Slack with a bot token, so the end-to-end suite runs both Slack modes on otherwise identical files;
 * the prod stack with its shared stores configured, and the prod stack on object storage, so the scale-out paths are
 * rendered and checked like prod).
 * CommonJS, since jest's global setup loads it untransformed.
 */
const { readFileSync, writeFileSync } = require("node:fs");
const path = require("node:path");
const { dump, load } = require("js-yaml");

const ROOT = path.resolve(__dirname, "..", "..");

/**
 * Variant name -> the project stack it starts from, the top-level keys it replaces (`set`) and the keys it merges into
 * the base's objects (`merge`, key by key, so the base's other settings stay). `checked`: the render, schema, policy,
 * network and strict tests run it as they run dev and prod.
 */
const VARIANTS = {
  "dev-bot-token": { base: "dev", set: { "observability:slack": { mode: "bot-token" } } },
  "prod-ha": {
    base: "prod",
    checked: true,
    merge: {
      // In-cluster Elasticsearch (reached by namespace) with a user and a private CA.
      "observability:jaeger": {
        storage: "elasticsearch",
        elasticsearch: { serverUrls: ["https://jaeger-es-http.search.svc:9200"], indexPrefix: "ai-platform-prod", username: "jaeger", caConfigMap: "search-ca" },
      },
      // A PostgreSQL outside the cluster (reached through its CIDR), verified against a private CA.
      "observability:grafana": {
        database: { type: "postgres", host: "grafana-db.db.example.internal", port: 5432, name: "grafana", user: "grafana", sslMode: "verify-full", caConfigMap: "grafana-db-ca", cidrs: ["10.20.0.0/16"] },
      },
    },
  },
  // Prod on object storage (README: Scale-out): Thanos beside the Prometheus pair and Loki in simple scalable mode.
  // The credentials are not in the file; render fills in placeholders, as for any secret a setting needs.
  "prod-thanos": {
    base: "prod",
    checked: true,
    merge: {
      "observability:objectStorage": {
        endpoint: "s3.eu-west-1.amazonaws.com:443",
        region: "eu-west-1",
        buckets: { metrics: "ai-platform-prod-metrics", logs: "ai-platform-prod-logs" },
      },
      // An S3 range of eu-west-1, so the tests see the bucket reachable and the rest of the internet not.
      "observability:network": { objectStorageCidrs: ["52.218.0.0/17"] },
    },
  },
};

/** The stacks the render, schema, policy, network and strict tests check: the project's two and the checked variants. */
const CHECKED_STACKS = ["dev", "prod", ...Object.keys(VARIANTS).filter((name) => VARIANTS[name].checked)];

/** `over` merged into `base` key by key (objects recursively; lists and scalars replaced). */
function deepMerge(base, over) {
  if (typeof base !== "object" || base === null || Array.isArray(base) || typeof over !== "object" || over === null || Array.isArray(over)) return over;
  const out = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
  return out;
}

/** Writes the variant's stack file into `dir` and returns its path and the stack name it renders as. */
function writeVariant(name, dir) {
  const v = VARIANTS[name];
  if (!v) throw new Error(`no stack variant ${JSON.stringify(name)}; known: ${Object.keys(VARIANTS).join(", ")}`);
  const doc = load(readFileSync(path.join(ROOT, `Pulumi.${v.base}.yaml`), "utf8"));
  doc.config = { ...doc.config, ...(v.set ?? {}) };
  for (const [key, value] of Object.entries(v.merge ?? {})) doc.config[key] = deepMerge(doc.config[key], value);
  const file = path.join(dir, `Pulumi.${name}.yaml`);
  writeFileSync(file, dump(doc, { noRefs: true, lineWidth: -1 }));
  return { file, stack: v.base };
}

/**
 * The render arguments selecting a checked stack: `--stack <name>` for a project stack; for a variant, its stack file
 * written into `dir` and `--stack <base> --config-file <file>`.
 */
function stackRenderArgs(name, dir) {
  if (!VARIANTS[name]) return ["--stack", name];
  const variant = writeVariant(name, dir);
  return ["--stack", variant.stack, "--config-file", variant.file];
}

module.exports = { VARIANTS, CHECKED_STACKS, writeVariant, stackRenderArgs };
