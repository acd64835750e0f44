/**
 * The structured logger writes the specification's JSON format field by field (names, order, types, values), takes
 * trace ids from the active OpenTelemetry span (a real tracer provider with the AsyncLocalStorage context manager) or
 * from setTraceContext, filters by level, and rejects bad arguments naming the value.
 */
import { Writable } from "node:stream";
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { LOG_FIELDS, LOG_FIELD_NAMES } from "../../telemetry/catalog";
import { FIELD, LogLevel, getStructuredLogger, setupStructuredLogging } from "../../telemetry/structured-logger";
import { clearTraceContext, setTraceContext, withTraceContext } from "../../telemetry/trace-context";

/** A destination that keeps each line. */
function capture(): { stream: Writable; lines: () => Record<string, unknown>[]; raw: () => string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const raw = () => chunks.join("").split("\n").filter((l) => l !== "");
  return { stream, raw, lines: () => raw().map((l) => JSON.parse(l) as Record<string, unknown>) };
}

function setup(service = "gateway", level: LogLevel = "INFO") {
  const out = capture();
  setupStructuredLogging(service, level, { destination: out.stream });
  return out;
}

const HEADER = ["timestamp", "level", "logger", "message", "service", "trace_id", "span_id"];
const ISO_MS_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN = "00f067aa0ba902b7";

beforeEach(() => clearTraceContext());

describe("the specification's JSON format", () => {
  it("writes the request example field by field, in the specification's order", () => {
    const out = setup("gateway");
    setTraceContext(TRACE, SPAN);
    getStructuredLogger("gateway_service").logRequest("POST", "/v1/chat", 200, 125.5);
    const [line] = out.lines();
    expect(Object.keys(line)).toEqual([...HEADER, "method", "endpoint", "status_code", "duration_ms"]);
    expect(line.timestamp).toMatch(ISO_MS_Z);
    expect(Math.abs(Date.parse(line.timestamp as string) - Date.now())).toBeLessThan(60_000);
    expect({ ...line, timestamp: "T" }).toEqual({
      timestamp: "T",
      level: "INFO",
      logger: "gateway_service",
      message: "Request processed",
      service: "gateway",
      trace_id: TRACE,
      span_id: SPAN,
      method: "POST",
      endpoint: "/v1/chat",
      status_code: 200,
      duration_ms: 125.5,
    });
  });

  it("gives each field the catalog's type", () => {
    const out = setup("max-serve");
    const log = getStructuredLogger("max_serve");
    setTraceContext(TRACE, SPAN);
    log.logRequest("POST", "/v1/chat", 200, 125.5);
    log.logInference("llama-3.3-8b", 250.5, { batch_size: 4 });
    log.logMcpOperation("github", "search_repositories", 50.0, { status: "success" });
    log.logMemoryOperation("search", 12.5, { user_id: "user123", session_id: "session456" });
    log.logDrift("llama-3.3-8b", 0.18, 0.15);
    const types = Object.fromEntries(LOG_FIELDS.map((f) => [f.name, f.type]));
    for (const line of out.lines()) {
      for (const [key, value] of Object.entries(line)) {
        const type = types[key];
        if (type === undefined) continue;
        if (type === "integer") expect({ key, ok: Number.isInteger(value) }).toEqual({ key, ok: true });
        else if (type === "number") expect({ key, type: typeof value }).toEqual({ key, type: "number" });
        else expect({ key, type: typeof value }).toEqual({ key, type: "string" });
      }
    }
  });

  it("writes the service-specific fields of MAX Serve, MCP, Memory Engine and Drift Monitor", () => {
    const out = setup("ai-platform");
    const log = getStructuredLogger("svc");
    log.logInference("llama-3.3-8b", 250.5, { batch_size: 4 });
    log.logMcpOperation("github", "search_repositories", 50.0, { status: "success" });
    log.logMemoryOperation("search", 12.5, { user_id: "user123", session_id: "session456" });
    log.logDrift("llama-3.3-8b", 0.18, 0.15);
    const [inference, mcp, memory, drift] = out.lines().map((l) => Object.fromEntries(Object.entries(l).filter(([k]) => !HEADER.includes(k))));
    expect(inference).toEqual({ model: "llama-3.3-8b", batch_size: 4, latency_ms: 250.5 });
    expect(mcp).toEqual({ mcp_server: "github", mcp_operation: "search_repositories", duration_ms: 50, status: "success" });
    expect(memory).toEqual({ user_id: "user123", session_id: "session456", operation: "search", duration_ms: 12.5 });
    expect(drift).toEqual({ model: "llama-3.3-8b", drift_score: 0.18, threshold: 0.15 });
  });

  it("appends extra fields after the record's own, as passed", () => {
    const out = setup("gateway");
    getStructuredLogger("gateway_service").logRequest("POST", "/v1/chat", 200, 125.5, { user_id: "user123", request_id: "req456" });
    const [line] = out.lines();
    expect(Object.keys(line).slice(-2)).toEqual(["user_id", "request_id"]);
    expect(line.user_id).toBe("user123");
  });

  it("writes every field name from the catalog", () => {
    expect(Object.values(FIELD).filter((f) => !LOG_FIELD_NAMES.includes(f))).toEqual([]);
  });

  it("writes one JSON object per line, with no pino keys", () => {
    const out = setup("gateway");
    getStructuredLogger("x").info("line one\nstill line one");
    expect(out.raw()).toHaveLength(1);
    expect(Object.keys(out.lines()[0])).toEqual(HEADER);
  });

  it("has empty trace ids when there is no trace context", () => {
    const out = setup("gateway");
    getStructuredLogger("x").info("no trace");
    expect(out.lines()[0]).toMatchObject({ trace_id: "", span_id: "" });
  });
});

describe("levels", () => {
  it("writes the level names upper case and picks them by outcome", () => {
    const out = setup("gateway", "DEBUG");
    const log = getStructuredLogger("x");
    log.debug("d");
    log.logRequest("GET", "/v1/models", 404, 1);
    log.logRequest("GET", "/v1/models", 503, 1);
    log.logMcpOperation("github", "search", 1, { status: "timeout" });
    log.logDrift("m", 0.1, 0.15);
    log.logDrift("m", 0.2, 0.15);
    log.critical("c");
    expect(out.lines().map((l) => [l.level, l.message])).toEqual([
      ["DEBUG", "d"],
      ["WARNING", "Request processed"],
      ["ERROR", "Request processed"],
      ["ERROR", "MCP operation completed"],
      ["INFO", "No drift detected"],
      ["WARNING", "Drift detected"],
      ["CRITICAL", "c"],
    ]);
  });

  it("drops records below the configured level", () => {
    const out = setup("gateway", "WARNING");
    const log = getStructuredLogger("x");
    log.debug("d");
    log.info("i");
    log.warning("w");
    log.error("e");
    expect(out.lines().map((l) => l.level)).toEqual(["WARNING", "ERROR"]);
    expect(log.isEnabled("INFO")).toBe(false);
  });

  it("follows a later setup from loggers created before it", () => {
    const log = getStructuredLogger("early");
    const out = setup("learning-engine");
    log.info("after setup");
    expect(out.lines()[0]).toMatchObject({ service: "learning-engine", logger: "early" });
  });
});

describe("trace context", () => {
  const manager = new AsyncLocalStorageContextManager();
  const provider = new BasicTracerProvider();
  const tracer = provider.getTracer("structured-logger-test");
  beforeAll(() => {
    context.setGlobalContextManager(manager.enable());
  });
  afterAll(() => {
    context.disable();
  });

  it("picks up the active OpenTelemetry span, across awaits", async () => {
    const out = setup("gateway");
    const log = getStructuredLogger("x");
    let ids: { traceId: string; spanId: string } | undefined;
    await tracer.startActiveSpan("request", async (span) => {
      ids = { traceId: span.spanContext().traceId, spanId: span.spanContext().spanId };
      await new Promise((r) => setTimeout(r, 5));
      log.info("inside the span");
      span.end();
    });
    log.info("after the span");
    const [inside, after] = out.lines();
    expect(inside).toMatchObject({ trace_id: ids!.traceId, span_id: ids!.spanId });
    expect(inside.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(inside.span_id).toMatch(/^[0-9a-f]{16}$/);
    expect(after).toMatchObject({ trace_id: "", span_id: "" });
  });

  it("prefers the active span to ids set earlier, and falls back to them outside it", () => {
    const out = setup("gateway");
    const log = getStructuredLogger("x");
    setTraceContext(TRACE, SPAN);
    let child = "";
    tracer.startActiveSpan("child", (span) => {
      child = span.spanContext().spanId;
      log.info("in child");
      span.end();
    });
    log.info("outside");
    const [inChild, outside] = out.lines();
    expect(inChild.span_id).toBe(child);
    expect(outside).toMatchObject({ trace_id: TRACE, span_id: SPAN });
  });

  it("keeps ids of concurrent requests apart", async () => {
    const out = setup("gateway");
    const log = getStructuredLogger("x");
    const request = async (traceId: string, delayMs: number) => {
      setTraceContext(traceId, SPAN);
      await new Promise((r) => setTimeout(r, delayMs));
      log.info(traceId);
    };
    await Promise.all([request("1".repeat(32), 20), request("2".repeat(32), 5)]);
    for (const line of out.lines()) expect(line.trace_id).toBe(line.message);
  });

  it("scopes withTraceContext to its callback", () => {
    const out = setup("gateway");
    const log = getStructuredLogger("x");
    withTraceContext({ traceId: TRACE, spanId: SPAN }, () => log.info("in"));
    log.info("out");
    expect(out.lines().map((l) => l.trace_id)).toEqual([TRACE, ""]);
  });

  it("ignores a non-recording span with an invalid context", () => {
    const out = setup("gateway");
    context.with(trace.setSpan(context.active(), trace.wrapSpanContext({ traceId: "0".repeat(32), spanId: "0".repeat(16), traceFlags: 0 })), () => {
      getStructuredLogger("x").info("invalid span");
    });
    expect(out.lines()[0]).toMatchObject({ trace_id: "", span_id: "" });
  });
});

describe("rejects bad arguments", () => {
  beforeEach(() => setup("gateway"));
  const log = getStructuredLogger("x");
  const cases: [string, () => void, string][] = [
    ["an unknown level", () => setupStructuredLogging("gateway", "info" as never), 'setupStructuredLogging: level must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, got "info"'],
    ["a service name with spaces", () => setupStructuredLogging("my service"), 'setupStructuredLogging: service must be a service name (lower case letters, digits, \'-\' and \'_\'), got "my service"'],
    ["an empty logger name", () => getStructuredLogger(""), 'getStructuredLogger: name must be a non-empty string, got ""'],
    ["a negative duration", () => log.logRequest("POST", "/v1/chat", 200, -5), "logRequest: durationMs must be a finite number >= 0, got -5"],
    ["a bad method", () => log.logRequest("FETCH" as never, "/v1/chat", 200, 5), 'logRequest: method must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, got "FETCH"'],
    ["a bad status code", () => log.logRequest("GET", "/v1/chat", 1000, 5), "logRequest: statusCode must be an integer HTTP status from 100 to 599, got 1000"],
    ["a NaN latency", () => log.logInference("m", NaN), "logInference: latencyMs must be a finite number >= 0, got NaN"],
    ["a fractional batch size", () => log.logInference("m", 1, { batch_size: 2.5 }), "logInference: batch_size must be an integer >= 1, got 2.5"],
    ["an unknown MCP status", () => log.logMcpOperation("github", "search", 1, { status: "ok" as never }), 'logMcpOperation: status must be one of success, error, timeout, cancelled, rejected, got "ok"'],
    ["an infinite drift score", () => log.logDrift("m", Infinity, 0.15), "logDrift: driftScore must be a finite number >= 0, got Infinity"],
    ["an extra field overriding the header", () => log.info("x", { trace_id: "abc" }), 'info: field "trace_id" is set by the logger itself and cannot be passed as an extra field'],
    ["an extra field overriding a record field", () => log.logRequest("GET", "/v1/chat", 200, 1, { status_code: 500 }), 'logRequest: field "status_code" is set by the logger itself'],
    ["a camelCase extra field", () => log.info("x", { requestId: "r" }), 'info: field name "requestId" must be snake_case'],
    ["an extra field that is an object", () => log.info("x", { user: {} as never }), 'info: field "user" must be a string, number or boolean, got {}'],
    ["a trace id of the wrong length", () => setTraceContext("abc123", SPAN), "setTraceContext: traceId must be 32 lower-case hex digits, not all zero (format(trace_id, '032x')), got \"abc123\""],
    ["an all-zero span id", () => setTraceContext(TRACE, "0".repeat(16)), "setTraceContext: spanId must be 16 lower-case hex digits"],
  ];
  it.each(cases)("rejects %s", (_name, call, message) => {
    expect(call).toThrow(message);
  });
});
