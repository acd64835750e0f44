/** A content hash of rendered config files, put on pod templates so a config change rolls the pods. */
import { createHash } from "node:crypto";

export const CONFIG_CHECKSUM_ANNOTATION = "checksum/config";

/** JSON with object keys sorted at every level, so equal content hashes equally whatever the insertion order. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.keys(value as object)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableStringify((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** sha256 of the stable JSON of the given files (e.g. a ConfigMap's `data`). */
export function configChecksum(...files: unknown[]): string {
  return createHash("sha256").update(stableStringify(files)).digest("hex");
}

/** The pod-template annotation for the given config files. */
export function checksumAnnotation(...files: unknown[]): Record<string, string> {
  return { [CONFIG_CHECKSUM_ANNOTATION]: configChecksum(...files) };
}
