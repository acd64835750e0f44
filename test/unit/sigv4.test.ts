/**
 * The test harness' SigV4 signer against published vectors: AWS's signature test suite (`get-vanilla`) and the
 * examples of the S3 API reference (GET Object with a Range header, ListObjects with a query string).
 */
import { EMPTY_SHA256, signRequest } from "../support/sigv4";

const signature = (headers: Record<string, string>): string => /Signature=([0-9a-f]{64})$/.exec(headers.Authorization)?.[1] ?? "";

test("signs the signature test suite's get-vanilla request", () => {
  const headers = signRequest(
    { method: "GET", path: "/", headers: { Host: "example.amazonaws.com" }, payloadSha256: EMPTY_SHA256 },
    { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
    { region: "us-east-1", service: "service", date: new Date("2015-08-30T12:36:00Z") },
  );
  expect(headers.Authorization).toBe(
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
  );
  expect(headers["x-amz-date"]).toBe("20150830T123600Z");
});

describe("the S3 API reference's examples", () => {
  const creds = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };
  const scope = { region: "us-east-1", service: "s3", date: new Date("2013-05-24T00:00:00Z") };
  const base = { host: "examplebucket.s3.amazonaws.com", "x-amz-content-sha256": EMPTY_SHA256 };

  test("GET Object with a Range header", () => {
    const headers = signRequest({ method: "GET", path: "/test.txt", headers: { ...base, range: "bytes=0-9" }, payloadSha256: EMPTY_SHA256 }, creds, scope);
    expect(signature(headers)).toBe("f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
    expect(headers.Authorization).toContain("SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,");
  });

  test("ListObjects with max-keys and prefix, whatever order the query is given in", () => {
    const headers = signRequest({ method: "GET", path: "/", query: { prefix: "J", "max-keys": "2" }, headers: base, payloadSha256: EMPTY_SHA256 }, creds, scope);
    expect(signature(headers)).toBe("34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
  });

  test("another secret gives another signature", () => {
    const headers = signRequest({ method: "GET", path: "/test.txt", headers: { ...base, range: "bytes=0-9" }, payloadSha256: EMPTY_SHA256 }, { ...creds, secretAccessKey: "x" }, scope);
    expect(signature(headers)).not.toBe("f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  });
});
