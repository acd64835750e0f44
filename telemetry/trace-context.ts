/**
 * The trace and span ids a log record carries. The active OpenTelemetry span is picked up on its own; where there is
 * none (a request whose ids came from a header some other way, a worker without OpenTelemetry), `setTraceContext`
 * sets them for the current asynchronous context, the way the specification's `set_trace_context` does per thread.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { isSpanContextValid, trace } from "@opentelemetry/api";
import { show } from "./arguments";

export interface TraceIds {
  /** 32 lower-case hex digits, not all zero (W3C trace-context). */
  readonly traceId: string;
  /** 16 lower-case hex digits, not all zero. */
  readonly spanId: string;
}

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const ALL_ZERO = /^0+$/;

// Per asynchronous context, so concurrent requests in one process never see each other's ids.
const storage = new AsyncLocalStorage<TraceIds | undefined>();

function validate(where: string, traceId: unknown, spanId: unknown): TraceIds {
  if (typeof traceId !== "string" || !TRACE_ID.test(traceId) || ALL_ZERO.test(traceId)) {
    throw new Error(`${where}: traceId must be 32 lower-case hex digits, not all zero (format(trace_id, '032x')), got ${show(traceId)}`);
  }
  if (typeof spanId !== "string" || !SPAN_ID.test(spanId) || ALL_ZERO.test(spanId)) {
    throw new Error(`${where}: spanId must be 16 lower-case hex digits, not all zero (format(span_id, '016x')), got ${show(spanId)}`);
  }
  return { traceId, spanId };
}

/** Sets the ids for the rest of the current asynchronous context (this call's continuation and what it starts). */
export function setTraceContext(traceId: string, spanId: string): void {
  storage.enterWith(validate("setTraceContext", traceId, spanId));
}

/** Runs `fn` with the ids set, and only `fn` (and what it starts): they do not leak into the caller's context. */
export function withTraceContext<T>(ids: TraceIds, fn: () => T): T {
  return storage.run(validate("withTraceContext", ids?.traceId, ids?.spanId), fn);
}

/** Forgets ids set with `setTraceContext` in the current asynchronous context. */
export function clearTraceContext(): void {
  storage.enterWith(undefined);
}

/**
 * The ids for a record written now: the active OpenTelemetry span's when there is a valid one (it is the most precise:
 * a child span started after `setTraceContext` is the one doing the work), else those set with `setTraceContext`.
 */
export function currentTraceContext(): TraceIds | undefined {
  const span = trace.getActiveSpan();
  if (span) {
    const ctx = span.spanContext();
    if (isSpanContextValid(ctx)) return { traceId: ctx.traceId, spanId: ctx.spanId };
  }
  return storage.getStore();
}
