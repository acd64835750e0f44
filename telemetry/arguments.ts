/**
 * Argument checks shared by the metrics exporter and the structured logger. A bad value is a bug in the caller, and
 * some would silently break the pipeline (a label value over Prometheus' length limit fails the whole scrape, a NaN
 * duration poisons a histogram's sum forever), so they throw at the call site with the argument and value named.
 */
import { DEFAULT_SCRAPE_LIMITS } from "../rules/cardinality";

/** Request methods the HTTP helpers accept, upper case as they appear in the `method` label and log field. */
export const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/**
 * Outcomes of an inference, MCP or memory operation (the `status` label). The error-rate rules count every value but
 * `success` as a failure, so the set is closed: a typo such as "sucess" would otherwise count as an error.
 */
export const OUTCOMES = ["success", "error", "timeout", "cancelled", "rejected"] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Results of a drift check (the `status` label of `drift_checks_total`); `error` means the check itself failed. */
export const DRIFT_CHECK_STATUSES = ["ok", "warning", "critical", "error"] as const;
export type DriftCheckStatus = (typeof DRIFT_CHECK_STATUSES)[number];

/** Longest label value Prometheus accepts from our scrape jobs; a longer one fails the target's whole scrape. */
export const MAX_LABEL_VALUE_LENGTH = DEFAULT_SCRAPE_LIMITS.labelValueLengthLimit;

/** A value as it appears in an error message: strings quoted, everything else as JavaScript prints it. */
export function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean" || value === undefined || value === null) return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function fail(where: string, name: string, value: unknown, expected: string): never {
  throw new Error(`${where}: ${name} must be ${expected}, got ${show(value)}`);
}

/** A finite number at least `min` (durations, sizes, scores). */
export function finiteNumber(where: string, name: string, value: unknown, min = 0): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min) fail(where, name, value, `a finite number >= ${min}`);
  return value;
}

/** A finite number within [min, max]. */
export function numberInRange(where: string, name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) fail(where, name, value, `a finite number from ${min} to ${max}`);
  return value;
}

/** An integer at least `min` (token counts, batch sizes, queue depths). */
export function integer(where: string, name: string, value: unknown, min = 0): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) fail(where, name, value, `an integer >= ${min}`);
  return value;
}

/** One of a closed set of strings. */
export function oneOf<const T extends string>(where: string, name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) fail(where, name, value, `one of ${allowed.join(", ")}`);
  return value as T;
}

/** A label value: a non-empty string short enough for the scrape limits, without control characters. */
export function labelValue(where: string, name: string, value: unknown): string {
  // eslint-disable-next-line no-control-regex
  if (typeof value !== "string" || value === "" || value.length > MAX_LABEL_VALUE_LENGTH || /[\u0000-\u001f\u007f]/.test(value)) {
    fail(where, name, value, `a non-empty string of at most ${MAX_LABEL_VALUE_LENGTH} characters without control characters`);
  }
  return value;
}

/** An HTTP status code. */
export function httpStatus(where: string, name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 100 || value > 599) fail(where, name, value, "an integer HTTP status from 100 to 599");
  return value;
}

/**
 * A route template such as `/v1/chat` or `/v1/users/:id`: a path without query or fragment. Raw paths with ids in them
 * would create a series per id.
 */
export function endpoint(where: string, name: string, value: unknown): string {
  const text = labelValue(where, name, value);
  if (!text.startsWith("/") || /[?#\s]/.test(text)) fail(where, name, value, "a route template starting with / without query, fragment or spaces (such as /v1/chat)");
  return text;
}
