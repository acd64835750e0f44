/**
 * AWS Signature Version 4 for one request: enough to talk to an S3-compatible store on loopback from the tests
 * (test/e2e/harness/s3.ts) without an SDK. Pure: the clock and the credentials are inputs, so the published test
 * vectors check it (test/unit/sigv4.test.ts).
 */
import { createHash, createHmac } from "node:crypto";

export interface SigV4Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface SigV4Request {
  readonly method: string;
  /** The absolute path, not yet encoded (`/bucket/key`). */
  readonly path: string;
  /** Query parameters, not yet encoded; a parameter without a value has "". */
  readonly query?: Readonly<Record<string, string>>;
  /** Every header to sign, `host` included; `x-amz-date` is added from `date`. */
  readonly headers: Readonly<Record<string, string>>;
  /** Hex SHA-256 of the body (S3 also wants it sent as x-amz-content-sha256). */
  readonly payloadSha256: string;
}

export interface SigV4Scope {
  readonly region: string;
  readonly service: string;
  /** The signing time. */
  readonly date: Date;
}

export const EMPTY_SHA256 = createHash("sha256").update("").digest("hex");

export function sha256Hex(body: string | Buffer): string {
  return createHash("sha256").update(body).digest("hex");
}

/** RFC 3986 percent-encoding: everything but unreserved characters (and `/` when encoding a path). */
export function uriEncode(text: string, keepSlash: boolean): string {
  return Array.from(Buffer.from(text, "utf8"))
    .map((byte) => {
      const c = String.fromCharCode(byte);
      if (/[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === "/")) return c;
      return `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
    })
    .join("");
}

/** `20150830T123600Z`. */
export function amzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac("sha256", key).update(data, "utf8").digest();
}

/** The canonical request of the specification (S3 style: the path encoded once). */
export function canonicalRequest(req: SigV4Request, date: Date): { text: string; signedHeaders: string } {
  const headers = new Map<string, string>();
  for (const [k, v] of Object.entries(req.headers)) headers.set(k.toLowerCase(), v.trim().replace(/\s+/g, " "));
  headers.set("x-amz-date", amzDate(date));
  const names = [...headers.keys()].sort();
  const query = Object.entries(req.query ?? {})
    .map(([k, v]) => [uriEncode(k, false), uriEncode(v, false)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const signedHeaders = names.join(";");
  const text = [req.method, uriEncode(req.path, true), query, names.map((n) => `${n}:${headers.get(n)}\n`).join(""), signedHeaders, req.payloadSha256].join("\n");
  return { text, signedHeaders };
}

/** The headers to send: the request's own, x-amz-date and Authorization. */
export function signRequest(req: SigV4Request, creds: SigV4Credentials, scope: SigV4Scope): Record<string, string> {
  const when = amzDate(scope.date);
  const day = when.slice(0, 8);
  const { text, signedHeaders } = canonicalRequest(req, scope.date);
  const credentialScope = `${day}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", when, credentialScope, sha256Hex(text)].join("\n");
  const key = hmac(hmac(hmac(hmac(`AWS4${creds.secretAccessKey}`, day), scope.region), scope.service), "aws4_request");
  const signature = createHmac("sha256", key).update(stringToSign, "utf8").digest("hex");
  return {
    ...req.headers,
    "x-amz-date": when,
    Authorization: `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${credentialScope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
  };
}
