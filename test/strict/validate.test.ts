/** The strict validator's own rules: duration syntaxes, suggestions, INI parsing, and what counts as a type error. */
import { block, bool, bytes, either, goDuration, int, isDuration, listOf, mapOf, nothing, oneOf, parseIni, promDuration, str, undescribed, validate, validateIni } from "./validate";

describe("duration syntaxes", () => {
  it.each([
    ["1h30m", true, true],
    ["500ms", true, true],
    ["0", true, true],
    ["1.5h", true, false],
    ["90d", false, true],
    ["1w", false, true],
    ["30m1h", true, false],
    ["5 m", false, false],
    ["", false, false],
    ["10", false, false],
  ])("%j: Go %s, Prometheus %s", (text, go, prometheus) => {
    expect([isDuration(text, "go"), isDuration(text, "prometheus")]).toEqual([go, prometheus]);
  });

  it("reads Grafana intervals as one signed integer and unit", () => {
    expect(["15s", "-5m", "1M", "2w"].map((t) => isDuration(t, "grafana"))).toEqual([true, true, true, true]);
    expect(["1h30m", "15 s", "1.5h"].map((t) => isDuration(t, "grafana"))).toEqual([false, false, false]);
  });

  it("refuses a bare number where a duration is expected (Go would read nanoseconds)", () => {
    expect(validate({ d: 30 }, block({ d: goDuration })).map((p) => p.kind)).toEqual(["duration"]);
  });
});

describe("strict walk", () => {
  const spec = block({
    retention_period: promDuration,
    enabled: bool,
    size: bytes,
    store: oneOf(["inmemory", "consul"]),
    labels: mapOf(either(nothing, str())),
    list: listOf(block({ name: str() }, { required: ["name"] })),
    blob: undescribed(),
  });

  it("reports nothing for a document the reference fully describes", () => {
    expect(validate({ retention_period: "90d", enabled: false, size: "64KB", store: "consul", labels: { a: null, b: "c" }, list: [{ name: "x" }] }, spec)).toEqual([]);
  });

  it("names the path and value of each problem, in document order", () => {
    const problems = validate({ enabld: true, size: "lots", list: [{}, { name: 3 }], labels: { a: [1] }, blob: { x: 1 } }, spec);
    expect(problems.map((p) => p.message)).toEqual([
      "enabld: unknown key (value true); did you mean \"enabled\"?",
      'size: "lots" is not a byte size (an integer, or a number with B, KB, MB, GB, KiB, MiB, ...)',
      "list[0].name: required key is missing",
      "list[1].name: 3 is not a string",
      "labels.a: [1] is not null (an empty value) or a string",
      "blob: exists upstream but this reference does not describe its contents; describe it from the upstream reference before using it (value {\"x\":1})",
    ]);
  });

  it("suggests only close names", () => {
    expect(validate({ zzz: 1 }, block({ retention_period: int }))[0].message).toBe("zzz: unknown key (value 1)");
  });
});

describe("INI", () => {
  it("parses sections and key = value lines, ignoring comments", () => {
    expect(parseIni("; top\napp_mode = production\n[server]\nhttp_port = 3000\n# c\n[auth.anonymous]\nenabled = false\n")).toEqual({
      "": { app_mode: "production" },
      server: { http_port: "3000" },
      "auth.anonymous": { enabled: "false" },
    });
  });

  it("rejects repeated keys and sections, and lines that are neither", () => {
    expect(() => parseIni("[a]\nx = 1\nx = 2\n")).toThrow("line 3: [a] x is set twice");
    expect(() => parseIni("[a]\n[a]\n")).toThrow("line 2: section [a] appears twice");
    expect(() => parseIni("[a]\njust text\n")).toThrow('line 2: "just text" is neither a [section] nor key = value');
  });

  it("checks text values as booleans and integers, and unknown sections with a suggestion", () => {
    const sections = { server: block({ http_port: int, enable_gzip: bool }) };
    expect(validateIni({ server: { http_port: "3000", enable_gzip: "true" } }, sections)).toEqual([]);
    expect(validateIni({ server: { http_port: "30x0", enable_gzip: "yes" }, sever: {} }, sections).map((p) => p.message)).toEqual([
      '[server].http_port: "30x0" is not an integer',
      '[server].enable_gzip: "yes" is not a boolean (true or false)',
      "[sever]: unknown section; did you mean [server]?",
    ]);
  });
});
