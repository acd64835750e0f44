/**
 * Stack files the tests render besides the project's own: a project stack with a few keys changed (the dev stack
 * delivering to Slack with a bot token, so the end-to-end suite runs both Slack modes on otherwise identical files;
 * the prod stack on object storage, so the render, schema, policy and NetworkPolicy tests cover the scale-out modes).
 * CommonJS, since jest's global setup loads it untransformed.
 */
const { readFileSync, writeFileSync } = require("node:fs");
const path = require("node:path");
const { dump, load } = require("js-yaml");

const ROOT = path.resolve(__dirname, "..", "..");

/** Variant name -> the project stack it starts from and the top-level keys it replaces. */
const VARIANTS = {
  "dev-bot-token": { base: "dev", set: { "observability:slack": { mode: "bot-token" } } },
  // Prod on object storage (README: Scale-out): Thanos beside the Prometheus pair and Loki in simple scalable mode.
  // The credentials are not in the
  // file; render fills in placeholders, as for any secret a setting needs.
  "prod-thanos": {
    base: "prod",
    set: {
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

/** Writes the variant's stack file into `dir` and returns its path and the stack name it renders as. */
function writeVariant(name, dir) {
  const v = VARIANTS[name];
  if (!v) throw new Error(`no stack variant ${JSON.stringify(name)}; known: ${Object.keys(VARIANTS).join(", ")}`);
  const doc = load(readFileSync(path.join(ROOT, `Pulumi.${v.base}.yaml`), "utf8"));
  doc.config = { ...doc.config, ...v.set };
  const file = path.join(dir, `Pulumi.${name}.yaml`);
  writeFileSync(file, dump(doc, { noRefs: true, lineWidth: -1 }));
  return { file, stack: v.base };
}

module.exports = { VARIANTS, writeVariant };
