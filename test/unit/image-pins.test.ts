import { IMAGES, ImageKey, pinnedRef, recordedImage } from "../../components/images";
import { Doc, loadManifests, renderedStack } from "../support/render";

/** Every container image of a rendered stack (init containers included). */
function renderedImages(docs: Doc[]): Set<string> {
  const images = new Set<string>();
  for (const doc of docs) {
    const spec = (doc as { spec?: { template?: { spec?: Record<string, unknown> } } }).spec?.template?.spec;
    for (const list of ["containers", "initContainers"]) {
      for (const c of (spec?.[list] as { image?: string }[] | undefined) ?? []) if (c.image) images.add(c.image);
    }
  }
  return images;
}

/** What a rendered image set says about the table: images not from it, and pinned images pulled by tag only. */
function pinProblems(images: Set<string>): string[] {
  const pinned = new Map((Object.keys(IMAGES) as ImageKey[]).map((k) => [pinnedRef(k), k]));
  const problems: string[] = [];
  for (const image of images) {
    const key = pinned.get(image);
    if (key === undefined) problems.push(`${image}: not a pin of components/images.ts`);
    else if (recordedImage(key).digest === undefined && !recordedImage(key).byTagBecause) problems.push(`${image}: by tag without a reason`);
  }
  return problems;
}

describe.each(["dev", "prod"])("the %s stack's images", (stack) => {
  const images = renderedImages(loadManifests(renderedStack(stack).file));

  it("are the table's pins, by digest wherever one is recorded", () => {
    expect(images.size).toBeGreaterThan(5);
    expect(pinProblems(images)).toEqual([]);
    const withDigest = [...images].filter((i) => /@sha256:[a-f0-9]{64}$/.test(i));
    const recorded = (Object.keys(IMAGES) as ImageKey[]).filter((k) => recordedImage(k).digest !== undefined).map(pinnedRef);
    expect(withDigest.sort()).toEqual(recorded.filter((r) => images.has(r)).sort());
  });

  it("finds a tag-only pull of an image whose digest is recorded", () => {
    const planted = new Set([...images, IMAGES.prometheus.ref]);
    expect(pinProblems(planted)).toEqual([`${IMAGES.prometheus.ref}: not a pin of components/images.ts`]);
  });
});
