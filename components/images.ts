/**
 * The one table of container images: exact tags, the user each image runs as, and where the pin comes from.
 * Stack config `observability:images.<key>` replaces the reference (for a mirror); it must stay pinned.
 */
import { StackSettings } from "../config/schema";

export interface ImageSpec {
  /** Registry/repository:tag. */
  readonly ref: string;
  /** The UID the image runs as; 0 means the component must run as root. */
  readonly uid: number;
}

export const IMAGES = {
  prometheus: { ref: "quay.io/prometheus/prometheus:v3.14.0", uid: 65534 },
  alertmanager: { ref: "quay.io/prometheus/alertmanager:v0.34.0", uid: 65534 },
  loki: { ref: "docker.io/grafana/loki:3.7.6", uid: 10001 },
  // Promtail is end of life upstream; 3.6.11 is its last image (see README for the move to Grafana Alloy).
  promtail: { ref: "docker.io/grafana/promtail:3.6.11", uid: 0 },
  otelCollector: { ref: "docker.io/otel/opentelemetry-collector-contrib:0.158.0", uid: 10001 },
  jaeger: { ref: "docker.io/jaegertracing/jaeger:2.13.0", uid: 10001 },
  grafana: { ref: "docker.io/grafana/grafana:13.2.0", uid: 472 },
  dcgmExporter: { ref: "nvcr.io/nvidia/k8s/dcgm-exporter:4.5.3-4.8.2-ubuntu22.04", uid: 0 },
  redisExporter: { ref: "docker.io/oliver006/redis_exporter:v1.88.0", uid: 59000 },
  postgresExporter: { ref: "quay.io/prometheuscommunity/postgres-exporter:v0.20.1", uid: 65534 },
  // The version test/e2e builds from its Go module (scripts/upstream/components.ts); one image for every component.
  thanos: { ref: "quay.io/thanos/thanos:v0.42.4", uid: 1001 },
} as const satisfies Record<keyof StackSettings["images"], ImageSpec>;

export type ImageKey = keyof typeof IMAGES;

/** The image of a component after stack overrides. */
export function imageFor(key: ImageKey, overrides: StackSettings["images"]): ImageSpec {
  return { ...IMAGES[key], ref: overrides[key] ?? IMAGES[key].ref };
}

/** The tag of an image reference (`v3.14.0`), for the `app.kubernetes.io/version` label. */
export function imageTag(ref: string): string {
  const last = ref.split("@")[0].split("/").pop() ?? "";
  const colon = last.lastIndexOf(":");
  return colon >= 0 ? last.slice(colon + 1) : "";
}

const DIGEST = /@sha256:[a-f0-9]{64}$/;

/**
 * With `requireImageDigests`, every image must come from config as the pinned repository and tag plus a digest, so
 * what runs is exactly the content recorded, and still the version the tests ran. Returns one problem per image.
 */
export function imageDigestProblems(settings: Pick<StackSettings, "images" | "requireImageDigests">): string[] {
  if (!settings.requireImageDigests) return [];
  return (Object.keys(IMAGES) as ImageKey[]).flatMap((key) => {
    const ref = settings.images[key];
    const want = `${IMAGES[key].ref}@sha256:<digest>`;
    if (ref === undefined) return [`observability:images.${key}: not set; expected ${want} (observability:requireImageDigests is true)`];
    if (!DIGEST.test(ref)) return [`observability:images.${key}: got ${JSON.stringify(ref)}; expected ${want} (observability:requireImageDigests is true)`];
    const repoTag = ref.replace(DIGEST, "");
    if (repoTag !== IMAGES[key].ref) return [`observability:images.${key}: got ${JSON.stringify(ref)}; expected the pinned ${IMAGES[key].ref} with its digest, the version the tests run`];
    return [];
  });
}
