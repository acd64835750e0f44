/**
 * The collector builder's manifest for the test distribution: exactly the components of COLLECTOR_COMPONENTS, each at
 * the one contrib release the image is.
 */
import { dump } from "js-yaml";
import { COLLECTOR_COMPONENTS, COLLECTOR_RELEASE, ComponentKind } from "../../components/otel-collector-components";

export function collectorManifest(outputPath: string): string {
  const byKind: Record<ComponentKind, { gomod: string }[]> = { receivers: [], processors: [], exporters: [], extensions: [] };
  for (const c of Object.values(COLLECTOR_COMPONENTS)) byKind[c.kind].push({ gomod: `${c.module} v${COLLECTOR_RELEASE}` });
  for (const list of Object.values(byKind)) list.sort((a, b) => a.gomod.localeCompare(b.gomod));
  return dump(
    {
      dist: {
        name: "otelcol",
        description: "OpenTelemetry Collector with the observability stack's components (tests only)",
        output_path: outputPath,
        version: COLLECTOR_RELEASE,
      },
      ...byKind,
    },
    { lineWidth: -1 },
  );
}
