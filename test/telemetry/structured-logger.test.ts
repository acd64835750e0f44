/**
 * The structured logger writes the specification's JSON format field by field (names, order, types, values), takes
 * trace ids from the active OpenTelemetry span (a real tracer provider with the AsyncLocalStorage context manager) or
 * from setTraceContext, filters by level, and rejects bad arguments naming the value.
 */
import { Writable } from "node:stream";
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { LogLevel, getStructuredLogger, setupStructuredLogging } from "../../telemetry/structured-logger";
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

/** Python's level names, which the seed's format uses ("INFO"). */
const SEED_LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"];

/**
 * The seed's JSON fields and their JSON types, from its example and service-specific blocks: 200 and 4 are integers,
 * 125.5, 250.5, 0.18 and 0.15 numbers, the rest strings. Written here, not read from the catalog, so the catalog and
 * the logger cannot agree on a mistake.
 */
const SEED_FIELD_TYPES: Record<string, "string" | "integer" | "number"> = {
  level: "string",
  logger: "string",
  message: "string",
  service: "string",
  trace_id: "string",
  span_id: "string",
  method: "string",
  endpoint: "string",
  status_code: "integer",
  duration_ms: "number",
  model: "string",
  batch_size: "integer",
  latency_ms: "number",
  mcp_server: "string",
  mcp_operation: "string",
  user_id: "string",
  session_id: "string",
  operation: "string",
  drift_score: "number",
  threshold: "number",
};

/** What is wrong with one output line against the seed's format; empty when nothing is. */
function formatProblems(line: string): string[] {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return ["not JSON"];
  }
  if (typeof record !== "object" || record === null || Array.isArray(record)) return ["not a JSON object"];
  const r = record as Record<string, unknown>;
  const problems: string[] = [];
  // JSON.parse keeps the last of duplicate keys; re-serializing shows both duplicates and non-canonical output.
  if (JSON.stringify(r) !== line) problems.push("not canonical JSON (a duplicate key?)");
  const keys = Object.keys(r);
  if (JSON.stringify(keys.slice(0, HEADER.length)) !== JSON.stringify(HEADER)) problems.push(`starts with ${keys.slice(0, HEADER.length).join(",")}, not ${HEADER.join(",")}`);
  if (typeof r.timestamp !== "string" || !ISO_MS_Z.test(r.timestamp)) problems.push(`timestamp ${JSON.stringify(r.timestamp)} is not ISO 8601 UTC with milliseconds`);
  if (!SEED_LEVELS.includes(r.level as string)) problems.push(`level ${JSON.stringify(r.level)} is not one of ${SEED_LEVELS.join(", ")}`);
  for (const key of keys.filter((k) => k !== "timestamp")) {
    const value = r[key];
    const expected = SEED_FIELD_TYPES[key];
    const ok =
      expected === "integer" ? Number.isInteger(value)
      : expected === "number" ? typeof value === "number" && Number.isFinite(value)
      : expected === "string" ? typeof value === "string"
      : ["string", "number", "boolean"].includes(typeof value);
    if (!ok) problems.push(`${key} ${JSON.stringify(value)} is not ${expected ?? "a string, number or boolean"}`);
  }
  // The seed's set_trace_context takes format(trace_id, '032x') and format(span_id, '016x'): both or neither.
  const traced = r.trace_id !== "" || r.span_id !== "";
  if (traced && !(/^[0-9a-f]{32}$/.test(r.trace_id as string) && /^[0-9a-f]{16}$/.test(r.span_id as string))) {
    problems.push(`trace_id ${JSON.stringify(r.trace_id)} and span_id ${JSON.stringify(r.span_id)} are not 32 and 16 lower-case hex digits`);
  }
  return problems;
}

/** Every line written follows the format. */
function expectSeedFormat(lines: string[]): void {
  expect(lines.length).toBeGreaterThan(0);
  expect(lines.map((line) => ({ line, problems: formatProblems(line) }))).toEqual(lines.map((line) => ({ line, problems: [] })));
}

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

  it("writes every record of every helper in the seed's format, keys in order", () => {
    const out = setup("max-serve");
    const log = getStructuredLogger("max_serve");
    setTraceContext(TRACE, SPAN);
    log.logRequest("POST", "/v1/chat", 200, 125.5);
    log.logInference("llama-3.3-8b", 250.5, { batch_size: 4 });
    log.logMcpOperation("github", "search_repositories", 50.0, { status: "success" });
    log.logMemoryOperation("search", 12.5, { user_id: "user123", session_id: "session456" });
    log.logDrift("llama-3.3-8b", 0.18, 0.15);
    clearTraceContext();
    log.warning("untraced");
    expectSeedFormat(out.raw());
    expect(out.lines().map((l) => Object.keys(l).slice(HEADER.length))).toEqual([
      ["method", "endpoint", "status_code", "duration_ms"],
      ["model", "batch_size", "latency_ms"],
      // `status` is the seed's own extra argument: log_mcp_operation('github', 'search', 50.0, status='success').
      ["mcp_server", "mcp_operation", "duration_ms", "status"],
      ["user_id", "session_id", "operation", "duration_ms"],
      ["model", "drift_score", "threshold"],
      [],
    ]);
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

  it("writes one JSON object per line, with no pino keys", () => {
    const out = setup("gateway");
    getStructuredLogger("x").info("line one\nstill line one");
    expect(out.raw()).toHaveLength(1);
    expect(Object.keys(out.lines()[0])).toEqual(HEADER);
    expect(out.lines()[0].message).toBe("line one\nstill line one");
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
    expectSeedFormat(out.raw());
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
    // The later request finishes first; each line still carries its own request's id.
    expect(out.lines().map((l) => [l.message, l.trace_id])).toEqual([
      ["2".repeat(32), "2".repeat(32)],
      ["1".repeat(32), "1".repeat(32)],
    ]);
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

describe("the format check", () => {
  // Each line breaks the seed's format in one way; the check must name it, or it could not catch the logger doing so.
  const good = JSON.stringify({ timestamp: "2026-12-01T12:00:00.000Z", level: "INFO", logger: "gateway_service", message: "Request processed", service: "gateway", trace_id: TRACE, span_id: SPAN, method: "POST", endpoint: "/v1/chat", status_code: 200, duration_ms: 125.5 });
  const bad: [string, string, string[]][] = [
    ["the level before the timestamp", good.replace('{"timestamp":"2026-12-01T12:00:00.000Z","level":"INFO"', '{"level":"INFO","timestamp":"2026-12-01T12:00:00.000Z"'), ["starts with level,timestamp"]],
    ["a missing span_id", good.replace(`,"span_id":"${SPAN}"`, ""), ["starts with", "are not 32 and 16 lower-case hex digits"]],
    ["a status code as a string", good.replace('"status_code":200', '"status_code":"200"'), ['status_code "200" is not integer']],
    ["a fractional status code", good.replace('"status_code":200', '"status_code":200.5'), ["status_code 200.5 is not integer"]],
    ["a duration as a string", good.replace('"duration_ms":125.5', '"duration_ms":"125.5"'), ['duration_ms "125.5" is not number']],
    ["a pino level name", good.replace('"level":"INFO"', '"level":"info"'), ['level "info" is not one of']],
    ["a numeric pino level", good.replace('"level":"INFO"', '"level":30'), ["level 30 is not one of", "level 30 is not string"]],
    ["a timestamp without milliseconds", good.replace("12:00:00.000Z", "12:00:00Z"), ["is not ISO 8601 UTC with milliseconds"]],
    ["an upper-case trace id", good.replace(TRACE, TRACE.toUpperCase()), ["are not 32 and 16 lower-case hex digits"]],
    ["a trace id without a span id", good.replace(`"span_id":"${SPAN}"`, '"span_id":""'), ["are not 32 and 16 lower-case hex digits"]],
    ["the seed's short example ids", good.replace(TRACE, "abc123").replace(SPAN, "def456"), ["are not 32 and 16 lower-case hex digits"]],
    ["a duplicate key", good.replace('"method":"POST"', '"method":"GET","method":"POST"'), ["duplicate key"]],
    ["an object as a field", good.replace('"method":"POST"', '"method":"POST","user":{}'), ["user {} is not a string, number or boolean"]],
  ];

  it("accepts the seed's example", () => {
    expect(formatProblems(good)).toEqual([]);
  });

  it.each(bad)("rejects %s", (_name, line, problems) => {
    expect(formatProblems(line)).toEqual(problems.map((p) => expect.stringContaining(p)));
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

  it("writes nothing for a rejected call", () => {
    const out = setup("gateway", "DEBUG");
    const rejected = getStructuredLogger("x");
    expect(() => rejected.logRequest("GET", "/v1/chat", 1000, 5)).toThrow();
    expect(() => rejected.logInference("m", 1, { batch_size: 0 })).toThrow();
    expect(() => rejected.info("x", { trace_id: "abc" })).toThrow();
    expect(out.raw()).toEqual([]);
  });
});
