/**
 * The one table of container images: exact tags, the user each image runs as, and where the pin comes from.
 * Stack config `observability:images.<key>` replaces the reference (for a mirror); it must stay pinned.
 */
import { StackSettings } from "../config/schema";

export interface ImageSpec {
  /** Registry/repository:tag, with `@sha256:<digest>` once the digest is recorded (see `RecordedImage.digest`). */
  readonly ref: string;
  /** The UID the image runs as; 0 means the component must run as root. */
  readonly uid: number;
}

/** An image of the table: pulled by its recorded digest, or by tag for a stated reason (one of the two). */
export type RecordedImage = ImageSpec &
  (
    | {
        /** The multi-arch index digest of `ref` (what `crane digest <ref>` prints); the stacks pull by it. */
        readonly digest: string;
        readonly byTagBecause?: undefined;
      }
    | {
        readonly digest?: undefined;
        /** Why no digest is recorded yet; shown in the README's image table. */
        readonly byTagBecause: string;
      }
  );

// Digests: the index digests that independent public pins of these exact tags agree on (read where this project
// cannot reach a registry); `crane digest <ref>` confirms each before a first prod deploy (README, Images).
export const IMAGES = {
  prometheus: {
    ref: "quay.io/prometheus/prometheus:v3.14.0",
    uid: 65534,
    digest: "sha256:5ce7540c3c00ef4ab0c9d2c995c6a5b9c421f44b4a115d97a2c7af3b1c21cbb0",
  },
  alertmanager: {
    ref: "quay.io/prometheus/alertmanager:v0.34.0",
    uid: 65534,
    digest: "sha256:690c7b525f4367aa91f73e2f91c632206d32e97c6384bdbf2fb7a861b420340d",
  },
  loki: {
    ref: "docker.io/grafana/loki:3.7.6",
    uid: 10001,
    digest: "sha256:efd47c67f9bac88ca29bcf8cb997d9ab29d1848bd0aff579282295542a745952",
  },
  // Promtail is end of life upstream; 3.6.11 is its last image (see README for the move to Grafana Alloy).
  promtail: {
    ref: "docker.io/grafana/promtail:3.6.11",
    uid: 0,
    digest: "sha256:a761cb834cfaeee29745440d4884d6748f0a08d8f68928db1d707018c1dcfbe9",
  },
  otelCollector: {
    ref: "docker.io/otel/opentelemetry-collector-contrib:0.158.0",
    uid: 10001,
    digest: "sha256:c5918f78992ee73b0d6f0e599423ac5ec52dd5d9726733114d6eca53d5a32ed5",
  },
  jaeger: {
    ref: "docker.io/jaegertracing/jaeger:2.13.0",
    uid: 10001,
    byTagBecause: "no public pin of this tag by digest to read it from; record it with `crane digest`",
  },
  grafana: {
    ref: "docker.io/grafana/grafana:13.2.0",
    uid: 472,
    digest: "sha256:3fd54ae1214669f8355f065ec9f6445d5279a3d77095ab048ca045685272429b",
  },
  // NVIDIA publishes 4.5.3-4.8.2 as a distroless image only (no -ubuntu22.04 tag: NVIDIA/dcgm-exporter#703).
  dcgmExporter: {
    ref: "nvcr.io/nvidia/k8s/dcgm-exporter:4.5.3-4.8.2-distroless",
    uid: 0,
    digest: "sha256:60d3b00ac80b4ae77f94dae2f943685605585ad9e92fdccda3154d009ae317cc",
  },
  redisExporter: {
    ref: "docker.io/oliver006/redis_exporter:v1.88.0",
    uid: 59000,
    byTagBecause: "public pins of this tag disagree (it was rebuilt); `crane digest` must settle which one is current",
  },
  postgresExporter: {
    ref: "quay.io/prometheuscommunity/postgres-exporter:v0.20.1",
    uid: 65534,
    digest: "sha256:ac5ec343104fae0e2d84a27bb8d69b38430a11910c5382cad85d478d2bab713e",
  },
  // The version test/e2e builds from its Go module (scripts/upstream/components.ts); one image for every component.
  // The image's own user is 1001; every Thanos container runs as nobody (65534) instead, as the sidecar must (it
  // shares the Prometheus pod's user and data volume): one owner for every Thanos data volume, and a UID above 10000,
  // outside the range a node's own users take (CKV_K8S_40). The binary needs no home or file of that user.
  thanos: {
    ref: "quay.io/thanos/thanos:v0.42.4",
    uid: 65534,
    digest: "sha256:b567818fe608067eb0f1d7c2c4fe361e7ad83c8a256234c97685f1d0bf670cc8",
  },
} as const satisfies Record<keyof StackSettings["images"], RecordedImage>;

export type ImageKey = keyof typeof IMAGES;

/** The image of a component after stack overrides. */
export function imageFor(key: ImageKey, overrides: StackSettings["images"]): ImageSpec {
  return { uid: IMAGES[key].uid, ref: overrides[key] ?? pinnedRef(key) };
}

/** An image's entry in the table, digest or reason included. */
export function recordedImage(key: ImageKey): RecordedImage {
  return IMAGES[key];
}

/** The pinned reference: the tag, plus the recorded digest where there is one. */
export function pinnedRef(key: ImageKey): string {
  const image = recordedImage(key);
  return image.digest ? `${image.ref}@${image.digest}` : image.ref;
}

/** The tag of an image reference (`v3.14.0`), for the `app.kubernetes.io/version` label. */
export function imageTag(ref: string): string {
  const last = ref.split("@")[0].split("/").pop() ?? "";
  const colon = last.lastIndexOf(":");
  return colon >= 0 ? last.slice(colon + 1) : "";
}

const DIGEST = /@sha256:[a-f0-9]{64}$/;

/**
 * With `requireImageDigests`, every image must be the pinned repository and tag plus a digest (recorded here or set
 * in `images.<name>`), so what runs is exactly the content recorded, and still the version the tests ran. Returns one
 * problem per image.
 */
export function imageDigestProblems(settings: Pick<StackSettings, "images" | "requireImageDigests">): string[] {
  if (!settings.requireImageDigests) return [];
  return (Object.keys(IMAGES) as ImageKey[]).flatMap((key) => {
    const ref = settings.images[key] ?? (DIGEST.test(pinnedRef(key)) ? pinnedRef(key) : undefined);
    const want = `${IMAGES[key].ref}@sha256:<digest>`;
    if (ref === undefined) return [`observability:images.${key}: not set; expected ${want} (observability:requireImageDigests is true)`];
    if (!DIGEST.test(ref)) return [`observability:images.${key}: got ${JSON.stringify(ref)}; expected ${want} (observability:requireImageDigests is true)`];
    const repoTag = ref.replace(DIGEST, "");
    if (repoTag !== IMAGES[key].ref) return [`observability:images.${key}: got ${JSON.stringify(ref)}; expected the pinned ${IMAGES[key].ref} with its digest, the version the tests run`];
    return [];
  });
}
