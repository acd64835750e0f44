/** The accepted-exceptions logic of the manifest scanners (scripts/scanners/exceptions.ts), on planted inputs. */
import * as path from "node:path";
import {
  DEFAULT_STACKS,
  ExceptionEntry,
  ExceptionsFileError,
  StackFailure,
  compareFailures,
  entryMatches,
  exceptionsMarkdown,
  loadExceptions,
  parseExceptions,
} from "../../scripts/scanners/exceptions";

const ROOT = path.resolve(__dirname, "../..");

function failure(over: Partial<StackFailure> = {}): StackFailure {
  return { stack: "dev", scanner: "checkov", check: "CKV_K8S_23", kind: "DaemonSet", namespace: "observability-agents", name: "promtail", message: "Minimize the admission of root containers", ...over };
}

function entries(yaml: string): ExceptionEntry[] {
  return parseExceptions(yaml, "planted.yaml");
}

/** The error's problems for a file that must not load. */
function problems(yaml: string): string[] {
  try {
    parseExceptions(yaml, "planted.yaml");
  } catch (e) {
    expect(e).toBeInstanceOf(ExceptionsFileError);
    expect((e as Error).message).toContain("planted.yaml");
    return [...(e as ExceptionsFileError).problems];
  }
  throw new Error("the file loaded, but it is malformed");
}

const ROOT_ENTRY = `
exceptions:
  - scanner: checkov
    check: CKV_K8S_23
    kind: DaemonSet
    name: promtail
    reason: Promtail runs as root to read the root-owned pod log files.
`;

describe("loading", () => {
  test("the scanned stacks are the project's and the checked prod variants, so the variants' workloads are scanned", () => {
    expect(DEFAULT_STACKS).toEqual(["dev", "prod", "prod-ha", "prod-thanos"]);
  });

  test("a valid entry loads with every scanned stack by default and a normalised reason", () => {
    const [e] = entries(`
exceptions:
  - scanner: kube-score
    check: container-resources
    message: CPU limit is not set
    reason: >-
      No CPU limits by design,
      so nothing is throttled.
`);
    expect(e).toEqual({ index: 1, scanner: "kube-score", check: "container-resources", message: "CPU limit is not set", stacks: ["dev", "prod", "prod-ha", "prod-thanos"], reason: "No CPU limits by design, so nothing is throttled." });
  });

  test("an empty list is valid", () => {
    expect(entries("exceptions: []\n")).toEqual([]);
  });

  test("an entry without a reason is an error naming the entry and the key", () => {
    const p = problems(`
exceptions:
  - scanner: checkov
    check: CKV_K8S_11
  - scanner: checkov
    check: CKV_K8S_15
    reason: ok
`);
    expect(p).toEqual([
      expect.stringMatching(/^entry 1 \(checkov CKV_K8S_11\): key "reason": missing/),
      expect.stringMatching(/^entry 2 \(checkov CKV_K8S_15\): key "reason": too short/),
    ]);
  });

  test("an unknown scanner is an error naming the entry, the key and the scanners allowed", () => {
    const p = problems(`
exceptions:
  - scanner: trivy
    check: KSV001
    reason: The scanner is not one this project runs.
`);
    expect(p).toEqual([expect.stringMatching(/^entry 1 \(trivy KSV001\): key "scanner": unknown scanner "trivy"; one of checkov, kube-score$/)]);
  });

  test("every problem of the file is reported at once: unknown key, bad check id, name without kind, unknown stack", () => {
    const p = problems(`
exceptions:
  - scanner: checkov
    check: container-resources
    reason: A kube-score id given to checkov by mistake.
  - scanner: kube-score
    check: container-resources
    nmae: grafana
    reason: A typo in a key must not widen the entry to every object.
  - scanner: kube-score
    check: deployment-replicas
    name: grafana
    stacks: [staging]
    reason: One replica, but the kind is missing and the stack is unknown.
`);
    expect(p).toEqual([
      expect.stringMatching(/^entry 1 \(checkov container-resources\): key "check": expected a checkov Kubernetes check id/),
      expect.stringMatching(/^entry 2 \(kube-score container-resources\): key "nmae": unknown key/),
      expect.stringMatching(/^entry 3 \(kube-score deployment-replicas\): key "kind": missing; an entry with a name needs the kind/),
      expect.stringMatching(/^entry 3 \(kube-score deployment-replicas\): key "stacks": unknown stack "staging"; known: dev, prod, prod-ha, prod-thanos$/),
    ]);
  });

  test("a file without the exceptions list, or with a non-mapping entry, is an error", () => {
    expect(problems("- scanner: checkov\n")).toEqual([expect.stringContaining("expected a mapping with the key `exceptions`")]);
    expect(problems("exceptions:\n  - CKV_K8S_11\n")).toEqual([expect.stringMatching(/^entry 1: expected a mapping/)]);
    expect(problems("exceptions: [\n")).toEqual([expect.stringMatching(/^not valid YAML/)]);
  });

  test("two entries for the same objects and stack are an error", () => {
    const p = problems(`${ROOT_ENTRY}  - scanner: checkov
    check: CKV_K8S_23
    kind: DaemonSet
    name: promtail
    stacks: [prod]
    reason: The same exception again, with another reason.
`);
    expect(p).toEqual([expect.stringMatching(/^entry 2 \(checkov CKV_K8S_23, DaemonSet promtail\): duplicates entry 1 .* for stack prod$/)]);
  });

  test("the committed security/scanner-exceptions.yaml is valid", () => {
    expect(loadExceptions(path.join(ROOT, "security", "scanner-exceptions.yaml")).length).toBeGreaterThan(0);
  });
});

describe("matching", () => {
  const [narrow] = entries(ROOT_ENTRY);

  test("a failure no entry covers is reported as unexplained", () => {
    const privileged = failure({ check: "CKV_K8S_16", message: "Container should not be privileged" });
    const r = compareFailures([narrow], [failure(), privileged], ["dev"]);
    expect(r.unexplained).toEqual([privileged]);
    expect(r.accepted).toEqual([{ failure: failure(), entry: narrow }]);
    expect(r.stale).toEqual([]);
  });

  test("a narrow entry does not cover another object, another kind of the same name, or another scanner", () => {
    const others = [
      failure({ name: "dcgm-exporter" }),
      failure({ kind: "Deployment" }),
      failure({ scanner: "kube-score", check: "CKV_K8S_23" }),
    ];
    for (const f of others) expect(entryMatches(narrow, f)).toBe(false);
    expect(compareFailures([narrow], [failure(), ...others], ["dev"]).unexplained).toEqual(others);
  });

  test("an entry without kind and name covers every object; a namespace or message narrows it", () => {
    const [blanket, inAgents, cpuOnly] = entries(`
exceptions:
  - scanner: checkov
    check: CKV_K8S_23
    reason: Every object, for the sake of the test.
  - scanner: checkov
    check: CKV_K8S_23
    namespace: observability-agents
    stacks: [prod]
    reason: Only the agents namespace, for the sake of the test.
  - scanner: kube-score
    check: container-resources
    message: CPU limit is not set
    reason: Only the CPU limit finding, for the sake of the test.
`);
    expect(entryMatches(blanket, failure({ kind: "StatefulSet", namespace: "observability", name: "loki" }))).toBe(true);
    expect(entryMatches(inAgents, failure({ stack: "prod" }))).toBe(true);
    expect(entryMatches(inAgents, failure({ stack: "prod", namespace: "observability" }))).toBe(false);
    const ks = (message: string) => failure({ scanner: "kube-score", check: "container-resources", message });
    expect(entryMatches(cpuOnly, ks("CPU limit is not set"))).toBe(true);
    expect(entryMatches(cpuOnly, ks("Memory limit is not set"))).toBe(false);
  });

  test("an entry of one stack does not cover the other", () => {
    const [prodOnly] = entries(`
exceptions:
  - scanner: kube-score
    check: statefulset-has-host-podantiaffinity
    kind: StatefulSet
    name: prometheus
    stacks: [prod]
    reason: Spread constraints instead of anti-affinity.
`);
    const f = (stack: string) => failure({ stack, scanner: "kube-score", check: "statefulset-has-host-podantiaffinity", kind: "StatefulSet", namespace: "observability", name: "prometheus" });
    const r = compareFailures([prodOnly], [f("dev"), f("prod")], ["dev", "prod"]);
    expect(r.unexplained).toEqual([f("dev")]);
    expect(r.stale).toEqual([]);
  });

  test("an entry that matches nothing is reported as stale, per stack it applies to that was scanned", () => {
    const r = compareFailures([narrow], [failure({ stack: "dev" })], ["dev", "prod"]);
    expect(r.unexplained).toEqual([]);
    expect(r.stale).toEqual([{ entry: narrow, stack: "prod" }]);
    // A stack that was not scanned says nothing about the entry.
    expect(compareFailures([narrow], [failure({ stack: "dev" })], ["dev"]).stale).toEqual([]);
    expect(compareFailures([narrow], [], ["dev"]).stale).toEqual([{ entry: narrow, stack: "dev" }]);
  });

  test("a failure two entries cover is accepted once and neither entry is stale", () => {
    const both = entries(`${ROOT_ENTRY}  - scanner: checkov
    check: CKV_K8S_23
    kind: DaemonSet
    reason: Every DaemonSet, overlapping the entry above.
`);
    const r = compareFailures(both, [failure()], ["dev"]);
    expect(r.accepted).toHaveLength(1);
    expect(r.stale).toEqual([]);
  });
});

test("the Markdown table has a row per entry, escaping pipes", () => {
  const md = exceptionsMarkdown(
    entries(`${ROOT_ENTRY}  - scanner: kube-score
    check: deployment-replicas
    kind: Deployment
    name: otel-collector
    stacks: [dev]
    reason: One replica in dev | two in prod.
`),
  ).split("\n");
  expect(md).toEqual([
    "| scanner | check | objects | stacks | reason |",
    "|---|---|---|---|---|",
    "| checkov | `CKV_K8S_23` | DaemonSet promtail | all | Promtail runs as root to read the root-owned pod log files. |",
    "| kube-score | `deployment-replicas` | Deployment otel-collector | dev | One replica in dev \\| two in prod. |",
  ]);
});
