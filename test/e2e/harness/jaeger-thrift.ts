/**
 * The legacy Jaeger span formats the collector's `jaeger` receiver accepts, encoded here from the specifications
 * rather than with a client library, so the test sends exactly the bytes a Jaeger client would:
 *
 * - a `jaeger.thrift` Batch (one Process, its Spans) in Thrift's binary protocol: the body of `POST /api/traces`;
 * - the Agent service's oneway `emitBatch(1: Batch batch)` call as a Thrift message in the compact protocol (UDP 6831)
 *   and in the binary protocol (UDP 6832);
 * - the same Batch as the `jaeger.api_v2` protobuf `PostSpansRequest`, posted as a unary gRPC call over HTTP/2
 *   (gRPC 14250), with Node's http2 module: the gRPC framing is five bytes, no library needed.
 *
 * One model (`JaegerBatch`), three encodings: a field numbered wrongly in one would show up as that receiver's
 * service missing in Jaeger.
 */
import * as http2 from "node:http2";

export type JaegerTagValue = string | boolean | bigint | number;

export interface JaegerSpan {
  /** 128-bit trace id, unsigned. */
  readonly traceId: bigint;
  /** 64-bit span id, unsigned, non-zero. */
  readonly spanId: bigint;
  readonly operationName: string;
  /** Start time and duration in microseconds, as jaeger.thrift counts them. */
  readonly startMicros: bigint;
  readonly durationMicros: bigint;
  readonly tags?: Readonly<Record<string, JaegerTagValue>>;
}

export interface JaegerBatch {
  readonly serviceName: string;
  readonly processTags?: Readonly<Record<string, JaegerTagValue>>;
  readonly spans: readonly JaegerSpan[];
}

const U64 = (1n << 64n) - 1n;

/** jaeger.thrift keeps ids in signed i64 halves; api_v2 in big-endian bytes. */
function traceIdHalves(traceId: bigint): { high: bigint; low: bigint } {
  return { high: BigInt.asIntN(64, (traceId >> 64n) & U64), low: BigInt.asIntN(64, traceId & U64) };
}

function bigEndian(value: bigint, bytes: number): Buffer {
  const out = Buffer.alloc(bytes);
  let v = BigInt.asUintN(bytes * 8, value);
  for (let i = bytes - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

// ---- Thrift: a value tree, written by either protocol -----------------------------------------------------------

type ThriftType = "bool" | "i32" | "i64" | "double" | "string" | "struct" | "list";

type ThriftValue =
  | { readonly t: "bool"; readonly v: boolean }
  | { readonly t: "i32"; readonly v: number }
  | { readonly t: "i64"; readonly v: bigint }
  | { readonly t: "double"; readonly v: number }
  | { readonly t: "string"; readonly v: string }
  | { readonly t: "struct"; readonly fields: readonly ThriftField[] }
  | { readonly t: "list"; readonly elem: ThriftType; readonly items: readonly ThriftValue[] };

type ThriftField = readonly [id: number, value: ThriftValue];

const i32 = (v: number): ThriftValue => ({ t: "i32", v });
const i64 = (v: bigint): ThriftValue => ({ t: "i64", v: BigInt.asIntN(64, v) });
const str = (v: string): ThriftValue => ({ t: "string", v });
const struct = (...fields: ThriftField[]): ThriftValue => ({ t: "struct", fields });
const list = (elem: ThriftType, items: readonly ThriftValue[]): ThriftValue => ({ t: "list", elem, items });

/** jaeger.thrift `TagType`: STRING, DOUBLE, BOOL, LONG, BINARY. */
const TAG_TYPE = { string: 0, double: 1, bool: 2, long: 3 } as const;

/** `struct Tag { 1: key, 2: vType, 3: vStr, 4: vDouble, 5: vBool, 6: vLong }`. */
function thriftTag(key: string, value: JaegerTagValue): ThriftValue {
  if (typeof value === "string") return struct([1, str(key)], [2, i32(TAG_TYPE.string)], [3, str(value)]);
  if (typeof value === "number") return struct([1, str(key)], [2, i32(TAG_TYPE.double)], [4, { t: "double", v: value }]);
  if (typeof value === "boolean") return struct([1, str(key)], [2, i32(TAG_TYPE.bool)], [5, { t: "bool", v: value }]);
  return struct([1, str(key)], [2, i32(TAG_TYPE.long)], [6, i64(value)]);
}

const thriftTags = (tags: Readonly<Record<string, JaegerTagValue>> | undefined): ThriftValue =>
  list("struct", Object.entries(tags ?? {}).map(([k, v]) => thriftTag(k, v)));

/**
 * `struct Span { 1: traceIdLow, 2: traceIdHigh, 3: spanId, 4: parentSpanId, 5: operationName, 7: flags,
 * 8: startTime, 9: duration, 10: tags }`; flags 1 is "sampled", without which a backend may drop the span.
 */
function thriftSpan(span: JaegerSpan): ThriftValue {
  const { high, low } = traceIdHalves(span.traceId);
  return struct(
    [1, i64(low)],
    [2, i64(high)],
    [3, i64(span.spanId)],
    [4, i64(0n)],
    [5, str(span.operationName)],
    [7, i32(1)],
    [8, i64(span.startMicros)],
    [9, i64(span.durationMicros)],
    [10, thriftTags(span.tags)],
  );
}

/** `struct Batch { 1: Process process, 2: list<Span> spans }`, `struct Process { 1: serviceName, 2: tags }`. */
function thriftBatch(batch: JaegerBatch): ThriftValue {
  return struct([1, struct([1, str(batch.serviceName)], [2, thriftTags(batch.processTags)])], [2, list("struct", batch.spans.map(thriftSpan))]);
}

/** Thrift message type of a call that expects no reply, as the Agent's emitBatch is declared. */
const ONEWAY = 4;

class ByteSink {
  private readonly chunks: Buffer[] = [];
  push(b: Buffer | number[]): void {
    this.chunks.push(Buffer.isBuffer(b) ? b : Buffer.from(b));
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** TBinaryProtocol: fixed-width big-endian integers, a type byte and i16 id per field, i32-length strings. */
const BINARY_TYPE: Readonly<Record<ThriftType, number>> = { bool: 2, double: 4, i32: 8, i64: 10, string: 11, struct: 12, list: 15 };

function writeBinary(out: ByteSink, value: ThriftValue): void {
  switch (value.t) {
    case "bool":
      out.push([value.v ? 1 : 0]);
      return;
    case "i32": {
      const b = Buffer.alloc(4);
      b.writeInt32BE(value.v);
      out.push(b);
      return;
    }
    case "i64": {
      const b = Buffer.alloc(8);
      b.writeBigInt64BE(value.v);
      out.push(b);
      return;
    }
    case "double": {
      const b = Buffer.alloc(8);
      b.writeDoubleBE(value.v);
      out.push(b);
      return;
    }
    case "string": {
      const bytes = Buffer.from(value.v, "utf8");
      writeBinary(out, i32(bytes.length));
      out.push(bytes);
      return;
    }
    case "struct":
      for (const [id, field] of value.fields) {
        const header = Buffer.alloc(3);
        header.writeUInt8(BINARY_TYPE[field.t], 0);
        header.writeInt16BE(id, 1);
        out.push(header);
        writeBinary(out, field);
      }
      out.push([0]);
      return;
    case "list":
      out.push([BINARY_TYPE[value.elem]]);
      writeBinary(out, i32(value.items.length));
      for (const item of value.items) writeBinary(out, item);
      return;
  }
}

/** TCompactProtocol: zigzag varints, field ids as deltas in the type byte, bools folded into the field header. */
const COMPACT_TYPE: Readonly<Record<Exclude<ThriftType, "bool">, number>> = { i32: 5, i64: 6, double: 7, string: 8, list: 9, struct: 12 };
const COMPACT_TRUE = 1;
const COMPACT_FALSE = 2;

function varint(value: bigint): number[] {
  const bytes: number[] = [];
  let v = BigInt.asUintN(64, value);
  while (v >= 0x80n) {
    bytes.push(Number((v & 0x7fn) | 0x80n));
    v >>= 7n;
  }
  bytes.push(Number(v));
  return bytes;
}

const zigzag = (v: bigint): bigint => BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));

function writeCompact(out: ByteSink, value: ThriftValue): void {
  switch (value.t) {
    case "bool":
      // Only list elements get here; fields carry their bool in the header. Nothing in jaeger.thrift needs it.
      throw new Error("a list of bools is not used by jaeger.thrift");
    case "i32":
      out.push(varint(zigzag(BigInt(value.v))));
      return;
    case "i64":
      out.push(varint(zigzag(value.v)));
      return;
    case "double": {
      const b = Buffer.alloc(8);
      b.writeDoubleLE(value.v);
      out.push(b);
      return;
    }
    case "string": {
      const bytes = Buffer.from(value.v, "utf8");
      out.push(varint(BigInt(bytes.length)));
      out.push(bytes);
      return;
    }
    case "struct": {
      let last = 0;
      for (const [id, field] of value.fields) {
        const type = field.t === "bool" ? (field.v ? COMPACT_TRUE : COMPACT_FALSE) : COMPACT_TYPE[field.t];
        const delta = id - last;
        if (delta > 0 && delta <= 15) out.push([(delta << 4) | type]);
        else out.push([type, ...varint(zigzag(BigInt(id)))]);
        last = id;
        if (field.t !== "bool") writeCompact(out, field);
      }
      out.push([0]);
      return;
    }
    case "list": {
      if (value.elem === "bool") throw new Error("a list of bools is not used by jaeger.thrift");
      const type = COMPACT_TYPE[value.elem];
      const n = value.items.length;
      out.push(n < 15 ? [(n << 4) | type] : [0xf0 | type, ...varint(BigInt(n))]);
      for (const item of value.items) writeCompact(out, item);
      return;
    }
  }
}

/** The `emitBatch` arguments: `struct emitBatch_args { 1: Batch batch }`. */
const emitBatchArgs = (batch: JaegerBatch): ThriftValue => struct([1, thriftBatch(batch)]);

/** A Batch alone in the binary protocol: what Jaeger's HTTP endpoint (`POST /api/traces`, application/x-thrift) takes. */
export function batchBinary(batch: JaegerBatch): Buffer {
  const out = new ByteSink();
  writeBinary(out, thriftBatch(batch));
  return out.toBuffer();
}

/** One UDP datagram for the binary-protocol agent port: a strict (versioned) message header, then the arguments. */
export function emitBatchBinary(batch: JaegerBatch, seqId = 1): Buffer {
  const out = new ByteSink();
  const header = Buffer.alloc(4);
  // Strict binary messages start with version 1 in the high half and the message type in the low byte.
  header.writeUInt32BE((0x8001_0000 | ONEWAY) >>> 0);
  out.push(header);
  writeBinary(out, str("emitBatch"));
  writeBinary(out, i32(seqId));
  writeBinary(out, emitBatchArgs(batch));
  return out.toBuffer();
}

/** One UDP datagram for the compact-protocol agent port: protocol id 0x82, version 1 with the type, seq id, name. */
export function emitBatchCompact(batch: JaegerBatch, seqId = 1): Buffer {
  const out = new ByteSink();
  out.push([0x82, (ONEWAY << 5) | 1]);
  out.push(varint(BigInt(seqId)));
  writeCompact(out, str("emitBatch"));
  writeCompact(out, emitBatchArgs(batch));
  return out.toBuffer();
}

// ---- api_v2 protobuf over gRPC ------------------------------------------------------------------------------------

/** Protobuf wire types used here: varint and length-delimited. */
const VARINT = 0;
const LEN = 2;

const key = (field: number, wire: number): number[] => varint(BigInt((field << 3) | wire));
const pbVarint = (field: number, v: bigint): Buffer => Buffer.from([...key(field, VARINT), ...varint(v)]);
function pbBytes(field: number, bytes: Buffer): Buffer {
  return Buffer.concat([Buffer.from([...key(field, LEN), ...varint(BigInt(bytes.length))]), bytes]);
}
const pbString = (field: number, s: string): Buffer => pbBytes(field, Buffer.from(s, "utf8"));
/** google.protobuf.Timestamp and Duration share the layout `1: int64 seconds, 2: int32 nanos`. */
const pbTime = (field: number, micros: bigint): Buffer => pbBytes(field, Buffer.concat([pbVarint(1, micros / 1_000_000n), pbVarint(2, (micros % 1_000_000n) * 1000n)]));

/** `KeyValue { 1: key, 2: v_type (STRING 0, BOOL 1, INT64 2, FLOAT64 3), 3: v_str, 4: v_bool, 5: v_int64, 6: v_float64 }`. */
function pbKeyValue(field: number, k: string, value: JaegerTagValue): Buffer {
  const parts = [pbString(1, k)];
  if (typeof value === "string") parts.push(pbString(3, value));
  else if (typeof value === "boolean") parts.push(pbVarint(2, 1n), pbVarint(4, value ? 1n : 0n));
  else if (typeof value === "bigint") parts.push(pbVarint(2, 2n), pbVarint(5, value));
  else {
    const d = Buffer.alloc(8);
    d.writeDoubleLE(value);
    // fixed64 wire type (1) for a double.
    parts.push(pbVarint(2, 3n), Buffer.concat([Buffer.from(key(6, 1)), d]));
  }
  return pbBytes(field, Buffer.concat(parts));
}

const pbTags = (field: number, tags: Readonly<Record<string, JaegerTagValue>> | undefined): Buffer[] => Object.entries(tags ?? {}).map(([k, v]) => pbKeyValue(field, k, v));

/** `Span { 1: trace_id, 2: span_id, 3: operation_name, 5: flags, 6: start_time, 7: duration, 8: tags }`. */
function pbSpan(span: JaegerSpan): Buffer {
  return Buffer.concat([
    pbBytes(1, bigEndian(span.traceId, 16)),
    pbBytes(2, bigEndian(span.spanId, 8)),
    pbString(3, span.operationName),
    pbVarint(5, 1n),
    pbTime(6, span.startMicros),
    pbTime(7, span.durationMicros),
    ...pbTags(8, span.tags),
  ]);
}

/** `PostSpansRequest { 1: Batch batch }`, `Batch { 1: repeated Span spans, 2: Process process }`, `Process { 1: service_name, 2: tags }`. */
export function postSpansRequest(batch: JaegerBatch): Buffer {
  const process = Buffer.concat([pbString(1, batch.serviceName), ...pbTags(2, batch.processTags)]);
  const body = Buffer.concat([...batch.spans.map((s) => pbBytes(1, pbSpan(s))), pbBytes(2, process)]);
  return pbBytes(1, body);
}

/**
 * `jaeger.api_v2.CollectorService/PostSpans` as one gRPC call over cleartext HTTP/2. Resolves when the server's
 * status is OK; rejects with the gRPC status and message otherwise.
 */
export function postSpansGrpc(address: string, batch: JaegerBatch, timeoutMs = 10_000): Promise<void> {
  const message = postSpansRequest(batch);
  // A gRPC message frame: one byte "not compressed", four bytes big-endian length.
  const frame = Buffer.alloc(5);
  frame.writeUInt32BE(message.length, 1);
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://${address}`);
    const done = (error?: Error) => {
      clearTimeout(timer);
      session.close();
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(() => {
      session.destroy();
      reject(new Error(`PostSpans to ${address} took over ${timeoutMs} ms`));
    }, timeoutMs);
    session.once("error", done);
    const req = session.request({
      ":method": "POST",
      ":path": "/jaeger.api_v2.CollectorService/PostSpans",
      "content-type": "application/grpc",
      te: "trailers",
    });
    let status: string | undefined;
    let statusMessage = "";
    const take = (headers: http2.IncomingHttpHeaders) => {
      if (headers["grpc-status"] !== undefined) status = String(headers["grpc-status"]);
      if (headers["grpc-message"] !== undefined) statusMessage = decodeURIComponent(String(headers["grpc-message"]));
    };
    // A server that fails early sends the status in the headers ("trailers-only"); otherwise it comes in the trailers.
    req.on("response", take);
    req.on("trailers", take);
    req.on("data", () => undefined);
    req.once("error", done);
    req.once("close", () => {
      if (status === "0") done();
      else done(new Error(`PostSpans to ${address}: grpc-status ${status ?? "missing"} ${statusMessage}`.trim()));
    });
    req.end(Buffer.concat([frame, message]));
  });
}
