/**
 * The specification's structured JSON logs, one object per line, keys in the specification's order:
 *
 *   {"timestamp":"2026-12-01T12:00:00.000Z","level":"INFO","logger":"gateway_service","message":"Request processed",
 *    "service":"gateway","trace_id":"…","span_id":"…","method":"POST","endpoint":"/v1/chat","status_code":200,
 *    "duration_ms":125.5}
 *
 * `timestamp` is the time of the event, now when written: Loki refuses lines older than 7 days (and Promtail drops
 * them before the push, so one stale line cannot fail a batch).
 *
 * Promtail parses exactly these names (the catalog's LOG_FIELDS); `trace_id` and `span_id` come from the active
 * OpenTelemetry span or from `setTraceContext`, and are empty strings when there is neither, so every record has the
 * same keys. Written with pino (level filtering, buffered stdout writes); the key order is ours.
 *
 *   setupStructuredLogging("gateway", "INFO");
 *   const log = getStructuredLogger("gateway_service");
 *   log.logRequest("POST", "/v1/chat", 200, 125.5, { user_id: "user123", request_id: "req456" });
 */
import pino from "pino";
import { HTTP_METHODS, HttpMethod, OUTCOMES, endpoint, finiteNumber, httpStatus, integer, oneOf, show } from "./arguments";
import { LOG_FIELD_NAMES } from "./catalog";
import { currentTraceContext } from "./trace-context";

/** The level names of the format (Python's), most verbose first. */
export const LOG_LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const PINO_LEVEL: Record<LogLevel, pino.Level> = { DEBUG: "debug", INFO: "info", WARNING: "warn", ERROR: "error", CRITICAL: "fatal" };

/** Field names this module writes, checked against the catalog when the module loads (a renamed field fails fast). */
function catalogFields<const T extends readonly string[]>(names: T): { readonly [K in T[number]]: K } {
  const missing = names.filter((n) => !LOG_FIELD_NAMES.includes(n));
  if (missing.length > 0) throw new Error(`structured logger: fields ${missing.join(", ")} are not in the catalog's LOG_FIELDS`);
  return Object.fromEntries(names.map((n) => [n, n])) as { readonly [K in T[number]]: K };
}

export const FIELD = catalogFields([
  "timestamp",
  "level",
  "logger",
  "message",
  "service",
  "trace_id",
  "span_id",
  "method",
  "endpoint",
  "status_code",
  "duration_ms",
  "model",
  "batch_size",
  "latency_ms",
  "mcp_server",
  "mcp_operation",
  "user_id",
  "session_id",
  "operation",
  "drift_score",
  "threshold",
] as const);

/** The header every record starts with; service-specific and extra fields follow. */
const HEADER_FIELDS: readonly string[] = [FIELD.timestamp, FIELD.level, FIELD.logger, FIELD.message, FIELD.service, FIELD.trace_id, FIELD.span_id];

export type LogValue = string | number | boolean;
/** Extra fields, written under the names given (snake_case, as in the format: `user_id`, `request_id`). */
export type LogFields = Readonly<Record<string, LogValue | undefined>>;

const FIELD_NAME = /^[a-z_][a-z0-9_]*$/;

export interface LoggingOptions {
  /** Where lines go. Default: standard output (file descriptor 1), written synchronously so a crash loses nothing. */
  readonly destination?: pino.DestinationStream | NodeJS.WritableStream;
}

interface LoggingState {
  readonly service: string;
  readonly level: LogLevel;
  readonly root: pino.Logger;
}

/** Used until `setupStructuredLogging` runs: records still carry every key, with OpenTelemetry's unknown-service name. */
const DEFAULT_SERVICE = "unknown_service";
let state: LoggingState | undefined;

function createRoot(level: LogLevel, destination: LoggingOptions["destination"]): pino.Logger {
  return pino(
    {
      level: PINO_LEVEL[level],
      // No pid, hostname or numeric level: the record is only what the format names.
      base: null,
      // pino starts a line with the level formatter's output and then the time; an empty level object and a time
      // without its leading comma make `timestamp` the first key. The level goes in the record, after it.
      formatters: { level: () => ({}) },
      timestamp: () => `"${FIELD.timestamp}":"${new Date().toISOString()}"`,
    },
    (destination ?? pino.destination({ dest: 1, sync: true })) as pino.DestinationStream,
  );
}

function currentState(): LoggingState {
  if (!state) state = { service: DEFAULT_SERVICE, level: "INFO", root: createRoot("INFO", undefined) };
  return state;
}

/** Configures the process: its service name (the `service` field) and the least severe level written. */
export function setupStructuredLogging(service: string, level: LogLevel = "INFO", opts: LoggingOptions = {}): void {
  if (typeof service !== "string" || !/^[a-z0-9][a-z0-9_-]*$/.test(service)) {
    throw new Error(`setupStructuredLogging: service must be a service name (lower case letters, digits, '-' and '_'), got ${show(service)}`);
  }
  const lvl = oneOf("setupStructuredLogging", "level", level, LOG_LEVELS);
  state = { service, level: lvl, root: createRoot(lvl, opts.destination) };
}

/** A logger named `name` (the `logger` field, such as `gateway_service`); it follows later setup calls. */
export function getStructuredLogger(name: string): StructuredLogger {
  return new StructuredLogger(name);
}

function checkExtra(where: string, fields: LogFields | undefined, taken: ReadonlySet<string>): [string, LogValue][] {
  if (fields === undefined) return [];
  if (typeof fields !== "object" || fields === null || Array.isArray(fields)) throw new Error(`${where}: fields must be an object of extra fields, got ${show(fields)}`);
  const out: [string, LogValue][] = [];
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (!FIELD_NAME.test(key)) throw new Error(`${where}: field name ${show(key)} must be snake_case (lower case letters, digits and '_')`);
    if (taken.has(key)) throw new Error(`${where}: field ${show(key)} is set by the logger itself and cannot be passed as an extra field`);
    if (typeof value === "number" && !Number.isFinite(value)) throw new Error(`${where}: field ${show(key)} must be a finite number, got ${show(value)}`);
    if (!["string", "number", "boolean"].includes(typeof value)) throw new Error(`${where}: field ${show(key)} must be a string, number or boolean, got ${show(value)}`);
    out.push([key, value]);
  }
  return out;
}

export class StructuredLogger {
  constructor(readonly name: string) {
    if (typeof name !== "string" || name.trim() === "") throw new Error(`getStructuredLogger: name must be a non-empty string, got ${show(name)}`);
  }

  /** Whether a record at this level would be written (skip building expensive fields otherwise). */
  isEnabled(level: LogLevel): boolean {
    return currentState().root.isLevelEnabled(PINO_LEVEL[oneOf("isEnabled", "level", level, LOG_LEVELS)]);
  }

  debug(message: string, fields?: LogFields): void {
    this.write("debug", "DEBUG", message, [], fields);
  }

  info(message: string, fields?: LogFields): void {
    this.write("info", "INFO", message, [], fields);
  }

  warning(message: string, fields?: LogFields): void {
    this.write("warning", "WARNING", message, [], fields);
  }

  error(message: string, fields?: LogFields): void {
    this.write("error", "ERROR", message, [], fields);
  }

  critical(message: string, fields?: LogFields): void {
    this.write("critical", "CRITICAL", message, [], fields);
  }

  /** A handled request: INFO, WARNING for a 4xx, ERROR for a 5xx. */
  logRequest(method: HttpMethod, endpointTemplate: string, statusCode: number, durationMs: number, fields?: LogFields): void {
    const where = "logRequest";
    const code = httpStatus(where, "statusCode", statusCode);
    this.write(where, code >= 500 ? "ERROR" : code >= 400 ? "WARNING" : "INFO", "Request processed", [
      [FIELD.method, oneOf(where, "method", method, HTTP_METHODS)],
      [FIELD.endpoint, endpoint(where, "endpoint", endpointTemplate)],
      [FIELD.status_code, code],
      [FIELD.duration_ms, finiteNumber(where, "durationMs", durationMs)],
    ], fields);
  }

  /** A finished inference (MAX Serve fields); `batch_size` among the fields is checked to be a positive integer. */
  logInference(model: string, latencyMs: number, fields?: LogFields & { readonly batch_size?: number }): void {
    const where = "logInference";
    const { batch_size: batchSize, ...rest } = fields ?? {};
    this.write(where, "INFO", "Inference completed", [
      [FIELD.model, nonEmpty(where, "model", model)],
      ...(batchSize === undefined ? [] : [[FIELD.batch_size, integer(where, "batch_size", batchSize, 1)] as [string, LogValue]]),
      [FIELD.latency_ms, finiteNumber(where, "latencyMs", latencyMs)],
    ], rest);
  }

  /** A finished MCP call; a `status` other than success logs at ERROR. */
  logMcpOperation(server: string, operation: string, durationMs: number, fields?: LogFields & { readonly status?: (typeof OUTCOMES)[number] }): void {
    const where = "logMcpOperation";
    const { status, ...rest } = fields ?? {};
    const outcome = status === undefined ? undefined : oneOf(where, "status", status, OUTCOMES);
    this.write(where, outcome === undefined || outcome === "success" ? "INFO" : "ERROR", "MCP operation completed", [
      [FIELD.mcp_server, nonEmpty(where, "server", server)],
      [FIELD.mcp_operation, nonEmpty(where, "operation", operation)],
      [FIELD.duration_ms, finiteNumber(where, "durationMs", durationMs)],
      ...(outcome === undefined ? [] : [["status", outcome] as [string, LogValue]]),
    ], rest);
  }

  /** A memory engine operation (Memory Engine fields). */
  logMemoryOperation(operation: string, durationMs: number, fields?: LogFields & { readonly user_id?: string; readonly session_id?: string }): void {
    const where = "logMemoryOperation";
    const { user_id: userId, session_id: sessionId, ...rest } = fields ?? {};
    this.write(where, "INFO", "Memory operation completed", [
      ...(userId === undefined ? [] : [[FIELD.user_id, nonEmpty(where, "user_id", userId)] as [string, LogValue]]),
      ...(sessionId === undefined ? [] : [[FIELD.session_id, nonEmpty(where, "session_id", sessionId)] as [string, LogValue]]),
      [FIELD.operation, nonEmpty(where, "operation", operation)],
      [FIELD.duration_ms, finiteNumber(where, "durationMs", durationMs)],
    ], rest);
  }

  /** A drift check (Drift Monitor fields): WARNING "Drift detected" above the threshold, INFO otherwise. */
  logDrift(model: string, driftScore: number, threshold: number, fields?: LogFields): void {
    const where = "logDrift";
    const score = finiteNumber(where, "driftScore", driftScore);
    const limit = finiteNumber(where, "threshold", threshold);
    const drifted = score > limit;
    this.write(where, drifted ? "WARNING" : "INFO", drifted ? "Drift detected" : "No drift detected", [
      [FIELD.model, nonEmpty(where, "model", model)],
      [FIELD.drift_score, score],
      [FIELD.threshold, limit],
    ], fields);
  }

  private write(where: string, level: LogLevel, message: string, specific: readonly [string, LogValue][], fields: LogFields | undefined): void {
    if (typeof message !== "string") throw new Error(`${where}: message must be a string, got ${show(message)}`);
    const taken = new Set([...HEADER_FIELDS, ...specific.map(([k]) => k)]);
    const extra = checkExtra(where, fields, taken);
    const { service, root } = currentState();
    const method = PINO_LEVEL[level];
    if (!root.isLevelEnabled(method)) return;
    const ids = currentTraceContext();
    // Insertion order is output order: the header, then the service's fields, then the caller's.
    const record: Record<string, LogValue> = {
      [FIELD.level]: level,
      [FIELD.logger]: this.name,
      [FIELD.message]: message,
      [FIELD.service]: service,
      [FIELD.trace_id]: ids?.traceId ?? "",
      [FIELD.span_id]: ids?.spanId ?? "",
    };
    for (const [k, v] of specific) record[k] = v;
    for (const [k, v] of extra) record[k] = v;
    root[method](record);
  }
}

function nonEmpty(where: string, name: string, value: unknown): string {
  if (typeof value !== "string" || value.trim() === "") throw new Error(`${where}: ${name} must be a non-empty string, got ${show(value)}`);
  return value;
}
