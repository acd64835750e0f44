/**
 * The OpenTelemetry Collector components the stack's config uses, with the Go module each comes from. The config
 * builder names components from this table and the test distribution is generated from it (scripts/upstream), so the
 * binary the tests run has exactly what the rendered config needs, at the release the image is.
 *
 * One contrib release for everything: 0.158.0 is the newest the Go module proxy here serves with every one of these
 * components (0.159.0 lacks the jaeger and zipkin receivers, 0.160.0 the prometheus exporter, 0.161-0.165
 * k8s_attributes). The core modules of a contrib release carry the same version number.
 */
export const COLLECTOR_RELEASE = "0.158.0";

const CORE = "go.opentelemetry.io/collector";
const CONTRIB = "github.com/open-telemetry/opentelemetry-collector-contrib";

export type ComponentKind = "receivers" | "processors" | "exporters" | "extensions";

export interface CollectorComponent {
  readonly kind: ComponentKind;
  /** The Go module (its version is COLLECTOR_RELEASE). */
  readonly module: string;
}

/** Keyed by component type, the name before any `/` in a config key. */
export const COLLECTOR_COMPONENTS = {
  otlp: { kind: "receivers", module: `${CORE}/receiver/otlpreceiver` },
  jaeger: { kind: "receivers", module: `${CONTRIB}/receiver/jaegerreceiver` },
  zipkin: { kind: "receivers", module: `${CONTRIB}/receiver/zipkinreceiver` },
  memory_limiter: { kind: "processors", module: `${CORE}/processor/memorylimiterprocessor` },
  k8s_attributes: { kind: "processors", module: `${CONTRIB}/processor/k8sattributesprocessor` },
  resource: { kind: "processors", module: `${CONTRIB}/processor/resourceprocessor` },
  transform: { kind: "processors", module: `${CONTRIB}/processor/transformprocessor` },
  groupbyattrs: { kind: "processors", module: `${CONTRIB}/processor/groupbyattrsprocessor` },
  batch: { kind: "processors", module: `${CORE}/processor/batchprocessor` },
  otlp_grpc: { kind: "exporters", module: `${CORE}/exporter/otlpexporter` },
  otlp_http: { kind: "exporters", module: `${CORE}/exporter/otlphttpexporter` },
  prometheus: { kind: "exporters", module: `${CONTRIB}/exporter/prometheusexporter` },
  health_check: { kind: "extensions", module: `${CONTRIB}/extension/healthcheckextension` },
  // Only with `otelCollector.queue: persistent`.
  file_storage: { kind: "extensions", module: `${CONTRIB}/extension/storage/filestorage` },
} as const satisfies Record<string, CollectorComponent>;

export type CollectorComponentType = keyof typeof COLLECTOR_COMPONENTS;

/** The component type of a config key: `otlp_grpc/jaeger` is an `otlp_grpc`. */
export function componentType(key: string): string {
  return key.split("/")[0];
}
