/**
 * The real scanners (checkov and kube-score, as installed by scripts/scanners/install.sh) on a planted bad manifest,
 * read through scan.ts's own runners and parsers: if a scanner's output changes shape, or the parser drops findings,
 * this fails. A scanner that is not installed fails the test with the install command; nothing is skipped.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Failure } from "../../scripts/scanners/exceptions";
import { SCANNER_VERSIONS, manifestObjects, parseCheckovJson, parseKubeScoreJson, runCheckov, runKubeScore, scannerBinary } from "../../scripts/scanners/scan";

const ROOT = path.resolve(__dirname, "../..");

/**
 * A Deployment with a privileged container, a `latest` image and no resources, plus annotations that would hide
 * findings from the scan if they were honoured (every exception belongs in security/scanner-exceptions.yaml).
 */
const PLANTED = `apiVersion: v1
kind: Namespace
metadata:
  name: planted
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: bad
  namespace: planted
  labels: { app: bad }
  annotations:
    checkov.io/skip1: CKV_K8S_16=planted inline suppression
    kube-score/ignore: container-security-context-privileged
spec:
  replicas: 1
  selector:
    matchLabels: { app: bad }
  template:
    metadata:
      labels: { app: bad }
    spec:
      containers:
        - name: app
          image: registry.example/bad:latest
          securityContext:
            privileged: true
`;

let dir: string;
let file: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "scanners-"));
  file = path.join(dir, "manifests.yaml");
  writeFileSync(file, PLANTED);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function checksOn(failures: readonly Failure[], kind: string, name: string): string[] {
  return [...new Set(failures.filter((f) => f.kind === kind && f.namespace === "planted" && f.name === name).map((f) => f.check))].sort();
}

test("scan.ts runs the versions install.sh installs", () => {
  const script = readFileSync(path.join(ROOT, "scripts", "scanners", "install.sh"), "utf8");
  expect(script).toContain(`CHECKOV_VERSION="${SCANNER_VERSIONS.checkov}"`);
  expect(script).toContain(`KUBE_SCORE_VERSION="${SCANNER_VERSIONS["kube-score"]}"`);
});

describe("checkov", () => {
  test("is installed (else run scripts/scanners/install.sh)", () => {
    expect(scannerBinary("checkov")).toContain(`checkov-${SCANNER_VERSIONS.checkov}`);
  });

  test("reports the privileged container, the latest tag and the missing resources of the planted Deployment", () => {
    const failures = parseCheckovJson(runCheckov(file), manifestObjects(PLANTED));
    const checks = checksOn(failures, "Deployment", "bad");
    // CKV_K8S_16 privileged (suppressed by the annotation: still reported), 10/11 CPU request/limit, 12/13 memory
    // request/limit, 14 image tag.
    expect(checks).toEqual(expect.arrayContaining(["CKV_K8S_10", "CKV_K8S_11", "CKV_K8S_12", "CKV_K8S_13", "CKV_K8S_14", "CKV_K8S_16"]));
    expect(failures.find((f) => f.check === "CKV_K8S_16")?.message).toContain("skipped by an annotation: planted inline suppression");
    // Pods checkov derives from the template are named after the Deployment, never as a Pod of their own.
    expect(failures.filter((f) => f.kind === "Pod")).toEqual([]);
    expect(failures.every((f) => f.scanner === "checkov" && f.message !== "")).toBe(true);
  });

  test("a manifest without objects is an error, not a clean pass", () => {
    const empty = path.join(dir, "empty.yaml");
    writeFileSync(empty, "# nothing here\n");
    expect(() => parseCheckovJson(runCheckov(empty))).toThrow(/^checkov: no Kubernetes report in its output/);
  });
});

describe("kube-score", () => {
  test("is installed (else run scripts/scanners/install.sh)", () => {
    expect(scannerBinary("kube-score")).toContain(`kube-score-${SCANNER_VERSIONS["kube-score"]}`);
  });

  test("reports the privileged container, the latest tag and the missing resources of the planted Deployment", () => {
    const failures = parseKubeScoreJson(runKubeScore(file));
    const checks = checksOn(failures, "Deployment", "bad");
    // The kube-score/ignore annotation is disabled (--disable-ignore-checks-annotations): still reported.
    expect(checks).toEqual(expect.arrayContaining(["container-image-tag", "container-resources", "container-security-context-privileged"]));
    // One failure per requirement container-resources names, so an exception can accept one and not the others.
    const resources = failures.filter((f) => f.check === "container-resources").map((f) => f.message);
    expect(resources).toEqual(expect.arrayContaining(["CPU limit is not set", "Memory limit is not set"]));
    expect(failures.every((f) => f.scanner === "kube-score")).toBe(true);
  });
});
