import { IMAGES, imageDigestProblems, ImageKey, pinnedRef } from "../../components/images";
import { runStack } from "../support/program";

const digest = (c: string) => c.repeat(64);
const allPinned = Object.fromEntries((Object.keys(IMAGES) as ImageKey[]).map((k) => [k, `${IMAGES[k].ref}@sha256:${digest("b")}`]));

describe("requireImageDigests", () => {
  it("is off by default: tags alone pass", () => {
    expect(imageDigestProblems({ images: {}, requireImageDigests: false })).toEqual([]);
  });

  it("names every image that has no recorded digest and is not set to its pinned tag with one", () => {
    const problems = imageDigestProblems({ images: {}, requireImageDigests: true });
    const byTag = (Object.keys(IMAGES) as ImageKey[]).filter((k) => pinnedRef(k) === IMAGES[k].ref);
    expect(byTag.length).toBeGreaterThan(0);
    expect(problems).toEqual(
      byTag.map((k) => `observability:images.${k}: not set; expected ${IMAGES[k].ref}@sha256:<digest> (observability:requireImageDigests is true)`),
    );
  });

  it("takes a recorded digest as the pin, and still refuses an override by tag only", () => {
    expect(pinnedRef("prometheus")).toBe(`${IMAGES.prometheus.ref}@${IMAGES.prometheus.digest}`);
    const problems = imageDigestProblems({ images: { prometheus: IMAGES.prometheus.ref }, requireImageDigests: true });
    expect(problems[0]).toMatch(/^observability:images\.prometheus: got "quay\.io\/prometheus\/prometheus:v3\.14\.0"; expected/);
  });

  it("accepts the pinned tags with digests, refuses a tag only, and a digest on another version", () => {
    expect(imageDigestProblems({ images: allPinned, requireImageDigests: true })).toEqual([]);
    const tagOnly = { ...allPinned, grafana: IMAGES.grafana.ref };
    expect(imageDigestProblems({ images: tagOnly, requireImageDigests: true })).toEqual([
      `observability:images.grafana: got "${IMAGES.grafana.ref}"; expected ${IMAGES.grafana.ref}@sha256:<digest> (observability:requireImageDigests is true)`,
    ]);
    const otherVersion = { ...allPinned, loki: `docker.io/grafana/loki:3.8.0@sha256:${digest("c")}` };
    expect(imageDigestProblems({ images: otherVersion, requireImageDigests: true })[0]).toMatch(/^observability:images\.loki: got .*; expected the pinned docker\.io\/grafana\/loki:3\.7\.6 with its digest/);
  });

  it("fails the program when a digest is missing, naming the key", async () => {
    await expect(runStack("prod", { "observability:requireImageDigests": "true" })).rejects.toThrow(/observability:images\.jaeger: not set/);
  });
});
