import { IMAGES, imageDigestProblems, ImageKey } from "../../components/images";
import { runStack } from "../support/program";

const digest = (c: string) => c.repeat(64);
const allPinned = Object.fromEntries((Object.keys(IMAGES) as ImageKey[]).map((k) => [k, `${IMAGES[k].ref}@sha256:${digest("b")}`]));

describe("requireImageDigests", () => {
  it("is off by default: tags alone pass", () => {
    expect(imageDigestProblems({ images: {}, requireImageDigests: false })).toEqual([]);
  });

  it("names every image that is not set to its pinned tag with a digest", () => {
    const problems = imageDigestProblems({ images: {}, requireImageDigests: true });
    expect(problems).toHaveLength(Object.keys(IMAGES).length);
    expect(problems[0]).toBe("observability:images.prometheus: not set; expected quay.io/prometheus/prometheus:v3.14.0@sha256:<digest> (observability:requireImageDigests is true)");
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
    await expect(runStack("prod", { "observability:requireImageDigests": "true" })).rejects.toThrow(/observability:images\.prometheus: not set/);
  });
});
