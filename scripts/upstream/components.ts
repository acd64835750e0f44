/**
 * The upstream programs the tests run, built from their Go modules (scripts/upstream/build.ts), and how each relates
 * to the image the stack deploys. One table: the build script, the tests that locate the binaries and the README's
 * "deployed / tested" table all read it.
 */
import { IMAGES, ImageKey, imageTag } from "../../components/images";
import { COLLECTOR_RELEASE } from "../../components/otel-collector-components";

export type UpstreamName = "prometheus" | "alertmanager" | "otelcol" | "jaeger" | "telemetrygen";

export interface UpstreamBuild {
  readonly name: UpstreamName;
  /** The release built, as its project numbers it (3.14.0, not the Go module's v0.314.0). */
  readonly version: string;
  /** The Go module and its version as the proxy serves it. */
  readonly module: string;
  readonly moduleVersion: string;
  /** The executables the build leaves in its bin folder. */
  readonly binaries: readonly string[];
  /** The image this build stands for in the tests, when it is one the stack deploys. */
  readonly image?: ImageKey;
}

/** `v3.14.0` -> `3.14.0`. */
function release(key: ImageKey): string {
  return imageTag(IMAGES[key].ref).replace(/^v/, "");
}

/** Prometheus 3.MM.P is published as Go module version v0.3MM.P. */
export function prometheusModuleVersion(version: string): string {
  const m = /^3\.(\d+)\.(\d+)$/.exec(version);
  if (!m) throw new Error(`Prometheus version ${JSON.stringify(version)} is not a 3.x release`);
  return `v0.3${m[1].padStart(2, "0")}.${m[2]}`;
}

/**
 * Jaeger v2 releases live in the v1 line of its Go module (one tag each): 2.13.0 is module v1.76.0. Only versions the
 * proxy serves are listed; an image pinned to any other fails here, before a build is tried.
 */
export const JAEGER_MODULE_VERSIONS: Readonly<Record<string, string>> = { "2.13.0": "v1.76.0" };

function jaegerModuleVersion(version: string): string {
  const v = JAEGER_MODULE_VERSIONS[version];
  if (!v) throw new Error(`no Go module version is known for Jaeger ${version}; known: ${Object.keys(JAEGER_MODULE_VERSIONS).join(", ")}`);
  return v;
}

/** telemetrygen only sends test traffic, so any served release does; 0.158.0 and 0.159.0 are refused by the proxy. */
const TELEMETRYGEN_VERSION = "0.160.0";

export function upstreamBuilds(): readonly UpstreamBuild[] {
  const prom = release("prometheus");
  const am = release("alertmanager");
  const jaeger = release("jaeger");
  return [
    { name: "prometheus", version: prom, module: "github.com/prometheus/prometheus", moduleVersion: prometheusModuleVersion(prom), binaries: ["prometheus", "promtool"], image: "prometheus" },
    { name: "alertmanager", version: am, module: "github.com/prometheus/alertmanager", moduleVersion: `v${am}`, binaries: ["alertmanager", "amtool"], image: "alertmanager" },
    { name: "otelcol", version: COLLECTOR_RELEASE, module: "go.opentelemetry.io/collector/cmd/builder", moduleVersion: `v${COLLECTOR_RELEASE}`, binaries: ["otelcol"], image: "otelCollector" },
    { name: "jaeger", version: jaeger, module: "github.com/jaegertracing/jaeger", moduleVersion: jaegerModuleVersion(jaeger), binaries: ["jaeger"], image: "jaeger" },
    { name: "telemetrygen", version: TELEMETRYGEN_VERSION, module: "github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen", moduleVersion: `v${TELEMETRYGEN_VERSION}`, binaries: ["telemetrygen"] },
  ];
}

export interface VersionRow {
  readonly component: string;
  readonly deployed: string;
  readonly tested: string;
  readonly why: string;
}

/**
 * Every deployed image against what the tests run in its place. Where the two differ the row says why; the README
 * carries this table (npm run docs:config) and the test run prints it.
 */
export function versionTable(): readonly VersionRow[] {
  const built = new Map(upstreamBuilds().filter((b) => b.image).map((b) => [b.image as ImageKey, b]));
  const notRun: Partial<Record<ImageKey, string>> = {
    loki: "not run: AGPL, never built here; strict offline key checks against the 3.7 configuration reference",
    promtail: "not run: AGPL, never built here; strict offline key checks against the 3.6 configuration reference",
    grafana: "not run: AGPL, never built here; provisioning and dashboard schema checks offline",
    dcgmExporter: "not run: needs a GPU and NVIDIA's DCGM; a fake exporter with its metric names stands in",
    redisExporter: "not run: a fake exporter with its metric names stands in",
    postgresExporter: "not run: a fake exporter with its metric names stands in",
  };
  return (Object.keys(IMAGES) as ImageKey[]).map((key) => {
    const deployed = imageTag(IMAGES[key].ref).replace(/^v/, "");
    const b = built.get(key);
    if (!b) return { component: key, deployed, tested: "-", why: notRun[key] ?? "not run" };
    return {
      component: key,
      deployed,
      tested: b.version,
      why: b.version === deployed ? `same release, built from ${b.module}@${b.moduleVersion}` : "DIFFERENT: see the pin",
    };
  });
}

export function versionTableMarkdown(): string {
  const rows = versionTable().map((r) => `| ${r.component} | ${r.deployed} | ${r.tested} | ${r.why} |`);
  return ["| component | deployed | tested | why |", "|---|---|---|---|", ...rows].join("\n");
}

export const VERSIONS_START = "<!-- versions:start (generated by npm run docs:config) -->";
export const VERSIONS_END = "<!-- versions:end -->";

/** The README with its deployed/tested table regenerated between the markers. */
export function replaceVersionTable(readme: string): string {
  const start = readme.indexOf(VERSIONS_START);
  const end = readme.indexOf(VERSIONS_END);
  if (start === -1 || end === -1 || end < start) throw new Error("README has no versions markers");
  return `${readme.slice(0, start)}${VERSIONS_START}\n\n${versionTableMarkdown()}\n\n${readme.slice(end)}`;
}
