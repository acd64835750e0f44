import {
  CONFIG_CHECKSUM_ANNOTATION,
  checksumAnnotation,
  configChecksum,
  httpProbe,
  labels,
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  selectorLabels,
  stableStringify,
  startupProbe,
} from "../../components/kube";
import { IMAGES, imageFor, imageTag } from "../../components/images";
import { AGENTS_POD_SECURITY, SERVERS_POD_SECURITY, podSecurityLabels } from "../../components/namespaces";

describe("labels", () => {
  it("gives the recommended labels with a stable selector subset", () => {
    const l = labels({ name: "prometheus", component: "metrics-server", version: "v3.14.0" });
    expect(l).toEqual({
      "app.kubernetes.io/name": "prometheus",
      "app.kubernetes.io/instance": "prometheus",
      "app.kubernetes.io/component": "metrics-server",
      "app.kubernetes.io/part-of": "ai-platform-observability",
      "app.kubernetes.io/managed-by": "pulumi",
      "app.kubernetes.io/version": "v3.14.0",
    });
    const s = selectorLabels({ name: "prometheus" });
    expect(Object.keys(s).sort()).toEqual(["app.kubernetes.io/instance", "app.kubernetes.io/name"]);
    for (const [k, v] of Object.entries(s)) expect(l[k]).toBe(v);
  });

  it("keeps the version out of the selector", () => {
    expect(JSON.stringify(selectorLabels({ name: "loki", instance: "logs" }))).not.toContain("version");
  });
});

describe("security contexts", () => {
  it("meets Pod Security restricted in every container", () => {
    expect(restrictedContainerSecurityContext()).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
  });

  it("runs the pod as the image's user and gives it its volumes", () => {
    expect(restrictedPodSecurityContext({ uid: 10001 })).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      fsGroup: 10001,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(restrictedPodSecurityContext({ uid: 472, gid: 0 }).fsGroup).toBe(0);
  });
});

describe("probes", () => {
  it("builds an HTTP probe with defaults", () => {
    expect(httpProbe("/-/ready", "http")).toEqual({
      httpGet: { path: "/-/ready", port: "http" },
      initialDelaySeconds: 0,
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 3,
    });
  });

  it("rejects a relative probe path", () => {
    expect(() => httpProbe("ready", 3100)).toThrow('probe path must start with "/": got "ready"');
  });

  it("allows the given startup time", () => {
    const p = startupProbe("/-/ready", 9090, 600);
    expect((p.periodSeconds as number) * (p.failureThreshold as number)).toBe(600);
  });
});

describe("config checksum", () => {
  it("does not depend on key order", () => {
    expect(stableStringify({ b: 1, a: { d: [1, 2], c: "x" } })).toBe('{"a":{"c":"x","d":[1,2]},"b":1}');
    expect(configChecksum({ a: 1, b: 2 })).toBe(configChecksum({ b: 2, a: 1 }));
  });

  it("changes when the content changes", () => {
    expect(configChecksum({ "prometheus.yml": "scrape_interval: 15s" })).not.toBe(configChecksum({ "prometheus.yml": "scrape_interval: 30s" }));
    expect(Object.keys(checksumAnnotation("x"))).toEqual([CONFIG_CHECKSUM_ANNOTATION]);
    expect(checksumAnnotation("x")[CONFIG_CHECKSUM_ANNOTATION]).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("images", () => {
  it("pins every image by an exact tag", () => {
    for (const { ref } of Object.values(IMAGES)) {
      expect(imageTag(ref)).toMatch(/^v?\d+\.\d+\.\d+/);
    }
  });

  it("applies an override and reads its tag", () => {
    expect(imageFor("loki", { loki: "mirror.local:5000/grafana/loki:3.7.6" }).ref).toBe("mirror.local:5000/grafana/loki:3.7.6");
    expect(imageFor("loki", {}).ref).toBe(`${IMAGES.loki.ref}@${IMAGES.loki.digest}`);
    expect(imageFor("jaeger", {}).ref).toBe(IMAGES.jaeger.ref);
    expect(imageTag("mirror.local:5000/grafana/loki:3.7.6")).toBe("3.7.6");
  });
});

describe("pod security labels", () => {
  it("enforces restricted on servers and privileged on agents, with warn and audit on both", () => {
    expect(podSecurityLabels(SERVERS_POD_SECURITY)).toMatchObject({
      "pod-security.kubernetes.io/enforce": "restricted",
      "pod-security.kubernetes.io/warn": "restricted",
      "pod-security.kubernetes.io/audit": "restricted",
    });
    const agents = podSecurityLabels(AGENTS_POD_SECURITY);
    expect(agents["pod-security.kubernetes.io/enforce"]).toBe("privileged");
    expect(agents["pod-security.kubernetes.io/warn"]).toBeDefined();
    expect(agents["pod-security.kubernetes.io/audit"]).toBeDefined();
  });
});
