/**
 * Cross-key rules of the scale-out modes (objectStorage, thanos): a bucket needs an endpoint and credentials, each
 * signal its own bucket, and the Compactor's retentions must not keep a coarser resolution shorter than a finer one.
 */
import { Problem, durationSeconds, quantityValue } from "./fields";
import { CONFIG_NAMESPACE, SecretValues, StackSettings } from "./schema";

const key = (path: string) => `${CONFIG_NAMESPACE}:${path}`;

export function scaleOutChecks(c: StackSettings & SecretValues, problems: Problem[]): void {
  const o = c.objectStorage;
  const used = (["metrics", "logs"] as const).filter((b) => o.buckets[b] !== undefined);
  const usedBy = used.map((b) => `objectStorage.buckets.${b}`).join(" and ");
  if (used.length > 0 && o.endpoint === "") {
    problems.push({ key: key("objectStorage.endpoint"), message: `got ""; expected host:port of the S3 API because ${usedBy} is set` });
  }
  for (const name of ["objectStorageAccessKeyId", "objectStorageSecretAccessKey"] as const) {
    if (used.length > 0 && c[name] === undefined) {
      problems.push({ key: key(name), message: `is required because ${usedBy} is set; set it with pulumi config set --secret ${name} ...` });
    }
    if (used.length === 0 && c[name] !== undefined) {
      problems.push({ key: key(name), message: "is set, but no objectStorage.buckets.* is: nothing would use it; set a bucket, or remove it with pulumi config rm" });
    }
  }
  if (o.buckets.metrics !== undefined && o.buckets.metrics === o.buckets.logs) {
    problems.push({
      key: key("objectStorage.buckets.logs"),
      message: `got ${JSON.stringify(o.buckets.logs)}, the same as objectStorage.buckets.metrics; expected a bucket of its own (Thanos' Compactor treats every object in its bucket as its own)`,
    });
  }
  const r = c.thanos.retention;
  const pairs = [
    ["fiveMinutes", "raw"],
    ["oneHour", "fiveMinutes"],
  ] as const;
  for (const [coarse, fine] of pairs) {
    if (durationSeconds(r[coarse]) < durationSeconds(r[fine])) {
      problems.push({
        key: key(`thanos.retention.${coarse}`),
        message: `got ${JSON.stringify(r[coarse])}; expected at least thanos.retention.${fine} (${r[fine]}): a coarser resolution is only read after the finer one is gone`,
      });
    }
  }
  if (o.buckets.metrics !== undefined && durationSeconds(c.thanos.localRetention) > durationSeconds(r.raw)) {
    problems.push({
      key: key("thanos.localRetention"),
      message: `got ${JSON.stringify(c.thanos.localRetention)}; expected at most thanos.retention.raw (${r.raw}): the bucket holds the long history, the claim only what is not uploaded yet`,
    });
  }
  for (const name of ["sidecarResources", "queryResources", "storeResources", "compactResources"] as const) {
    const res = c.thanos[name];
    if (quantityValue(res.memoryLimit) < quantityValue(res.memory)) {
      problems.push({ key: key(`thanos.${name}.memoryLimit`), message: `got ${JSON.stringify(res.memoryLimit)}; expected at least the memory request ${JSON.stringify(res.memory)}` });
    }
  }
}
