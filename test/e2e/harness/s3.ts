/**
 * A minimal S3 client for the tests, over fetch with SigV4 (test/support/sigv4.ts): create a bucket, list and read its
 * objects. Path-style addressing (`http://host:port/bucket/key`), as an S3-compatible store on loopback serves it.
 */
import { EMPTY_SHA256, SigV4Credentials, sha256Hex, signRequest, uriEncode } from "../../support/sigv4";

export interface S3Endpoint {
  /** `host:port` of the S3 API (plain HTTP). */
  readonly address: string;
  readonly region: string;
  readonly credentials: SigV4Credentials;
}

/** One request to the S3 API; throws with S3's error body on a status other than 2xx unless `allow` lists it. */
export async function s3Request(
  s3: S3Endpoint,
  method: string,
  path: string,
  opts: { query?: Record<string, string>; body?: string; allow?: readonly number[] } = {},
): Promise<{ status: number; body: string }> {
  const body = opts.body ?? "";
  const payloadSha256 = body ? sha256Hex(body) : EMPTY_SHA256;
  const headers = signRequest(
    { method, path, query: opts.query, headers: { host: s3.address, "x-amz-content-sha256": payloadSha256 }, payloadSha256 },
    s3.credentials,
    { region: s3.region, service: "s3", date: new Date() },
  );
  // fetch sets Host itself (to the same host:port); it refuses to be given one.
  delete headers.host;
  const qs = Object.entries(opts.query ?? {}).map(([k, v]) => `${uriEncode(k, false)}=${uriEncode(v, false)}`).join("&");
  const res = await fetch(`http://${s3.address}${uriEncode(path, true)}${qs ? `?${qs}` : ""}`, { method, headers, body: body || undefined, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  if (!res.ok && !(opts.allow ?? []).includes(res.status)) throw new Error(`S3 ${method} ${path} -> ${res.status}: ${text.slice(0, 500)}`);
  return { status: res.status, body: text };
}

/** The text of every `<tag>` element, in order (S3's XML answers are flat enough for this). */
function xmlValues(xml: string, tag: string): string[] {
  return [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, "g"))].map((m) => m[1].replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'"));
}

export async function createBucket(s3: S3Endpoint, bucket: string): Promise<void> {
  await s3Request(s3, "PUT", `/${bucket}`);
}

/** Every bucket the credentials see (ListBuckets): also the store's readiness check. */
export async function listBuckets(s3: S3Endpoint): Promise<string[]> {
  return xmlValues((await s3Request(s3, "GET", "/")).body, "Name");
}

/** Every object key of the bucket under `prefix` (ListObjectsV2, following continuation tokens). */
export async function listObjects(s3: S3Endpoint, bucket: string, prefix = ""): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const query: Record<string, string> = { "list-type": "2", prefix };
    if (token) query["continuation-token"] = token;
    const { body } = await s3Request(s3, "GET", `/${bucket}`, { query });
    keys.push(...xmlValues(body, "Key"));
    token = xmlValues(body, "IsTruncated")[0] === "true" ? xmlValues(body, "NextContinuationToken")[0] : undefined;
    if (!token) return keys;
  }
  throw new Error(`listing ${bucket} did not end after 1000 pages`);
}

export async function getObject(s3: S3Endpoint, bucket: string, key: string): Promise<string> {
  return (await s3Request(s3, "GET", `/${bucket}/${key}`)).body;
}
