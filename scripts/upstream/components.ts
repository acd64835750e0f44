/**
 * The upstream programs the tests run, built from their Go modules (scripts/upstream/build.ts), and how each relates
 * to the image the stack deploys. One table: the build script, the tests that locate the binaries and the README's
 * "deployed / tested" table all read it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { IMAGES, ImageKey, imageTag } from "../../components/images";
import { COLLECTOR_RELEASE } from "../../components/otel-collector-components";

export type UpstreamName = "prometheus" | "alertmanager" | "otelcol" | "jaeger" | "telemetrygen" | "thanos" | "seaweedfs" | ClusterToolName;

/** The local cluster and the Pulumi engine of the cluster tests (scripts/cluster/, test/cluster/). */
export type ClusterToolName = "kubernetes" | "kwok" | "pulumi" | "pulumi-kubernetes";

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
  /**
   * Set on the cluster tests' tools: about 20 minutes of building cold, so `build.sh` without names leaves them out
   * and `build.sh --cluster` (run by `npm run test:cluster`) builds them.
   */
  readonly cluster?: true;
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

/**
 * The current 1.36 release the proxy serves. Its go.mod points the staging modules (k8s.io/api, client-go, ...) at
 * folders the module zip leaves out; each is published on its own as v0.MINOR.PATCH.
 */
export const KUBERNETES_VERSION = "1.36.3";

export function kubernetesStagingVersion(version: string): string {
  const m = /^1\.(\d+)\.(\d+)$/.exec(version);
  if (!m) throw new Error(`Kubernetes version ${JSON.stringify(version)} is not a 1.x release`);
  return `v0.${m[1]}.${m[2]}`;
}

const KWOK_VERSION = "0.8.0";

/**
 * The S3-compatible store the Thanos test runs on (MinIO is not served here). The stack deploys no object store: the
 * user brings the bucket. The proxy serves SeaweedFS only as this pseudo-version, commit 7506e5f91cd6 of 2026-11-09,
 * which is SeaweedFS 4.53.
 */
export const SEAWEEDFS_VERSION = "4.53";
export const SEAWEEDFS_MODULE_VERSION = "v0.0.0-20261109003541-7506e5f91cd6";

/** An exact dependency pin of package.json. */
function packagePin(name: string): string {
  const pkg = JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8")) as { dependencies: Record<string, string> };
  const pin = pkg.dependencies[name];
  if (!/^\d+\.\d+\.\d+$/.test(pin ?? "")) throw new Error(`${name} is pinned as ${JSON.stringify(pin)} in package.json, not an exact release`);
  return pin;
}

/** The CLI is built at the release the project's SDK is pinned to, so the Automation API talks to its own engine. */
export function pulumiSdkVersion(): string {
  return packagePin("@pulumi/pulumi");
}

/** The @pulumi/kubernetes release the program is written against; the provider plugin is installed under it. */
export function pulumiKubernetesSdkVersion(): string {
  return packagePin("@pulumi/kubernetes");
}

/**
 * The proxy serves no tagged release of the provider module, only this pseudo-version (commit f47bc2d6f199 of
 * 2026-01-15), so that commit is what the cluster tests run under the SDK's version number.
 */
export const PULUMI_KUBERNETES_PROVIDER_MODULE_VERSION = "v4.0.0-20260115033456-f47bc2d6f199";

export function upstreamBuilds(): readonly UpstreamBuild[] {
  const prom = release("prometheus");
  const am = release("alertmanager");
  const jaeger = release("jaeger");
  const thanos = release("thanos");
  return [
    { name: "prometheus", version: prom, module: "github.com/prometheus/prometheus", moduleVersion: prometheusModuleVersion(prom), binaries: ["prometheus", "promtool"], image: "prometheus" },
    { name: "alertmanager", version: am, module: "github.com/prometheus/alertmanager", moduleVersion: `v${am}`, binaries: ["alertmanager", "amtool"], image: "alertmanager" },
    { name: "otelcol", version: COLLECTOR_RELEASE, module: "go.opentelemetry.io/collector/cmd/builder", moduleVersion: `v${COLLECTOR_RELEASE}`, binaries: ["otelcol"], image: "otelCollector" },
    { name: "jaeger", version: jaeger, module: "github.com/jaegertracing/jaeger", moduleVersion: jaegerModuleVersion(jaeger), binaries: ["jaeger"], image: "jaeger" },
    { name: "telemetrygen", version: TELEMETRYGEN_VERSION, module: "github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen", moduleVersion: `v${TELEMETRYGEN_VERSION}`, binaries: ["telemetrygen"] },
    // Module tags are the releases. 0.42.4 is the newest whose go.mod (go 1.26.0) builds with Go 1.26.8; 0.42.5 needs 1.26.10.
    { name: "thanos", version: thanos, module: "github.com/thanos-io/thanos", moduleVersion: `v${thanos}`, binaries: ["thanos"], image: "thanos" },
    { name: "seaweedfs", version: SEAWEEDFS_VERSION, module: "github.com/seaweedfs/seaweedfs", moduleVersion: SEAWEEDFS_MODULE_VERSION, binaries: ["weed"] },
    ...clusterTools(),
  ];
}

function clusterTools(): readonly UpstreamBuild[] {
  const cli = pulumiSdkVersion();
  return [
    { name: "kubernetes", version: KUBERNETES_VERSION, module: "k8s.io/kubernetes", moduleVersion: `v${KUBERNETES_VERSION}`, binaries: ["kube-apiserver", "kube-controller-manager", "kube-scheduler"], cluster: true },
    { name: "kwok", version: KWOK_VERSION, module: "sigs.k8s.io/kwok", moduleVersion: `v${KWOK_VERSION}`, binaries: ["kwok"], cluster: true },
    { name: "pulumi", version: cli, module: "github.com/pulumi/pulumi/pkg/v3", moduleVersion: `v${cli}`, binaries: ["pulumi"], cluster: true },
    {
      name: "pulumi-kubernetes",
      version: PULUMI_KUBERNETES_PROVIDER_MODULE_VERSION.replace(/^v/, ""),
      module: "github.com/pulumi/pulumi-kubernetes/provider/v4",
      moduleVersion: PULUMI_KUBERNETES_PROVIDER_MODULE_VERSION,
      binaries: ["pulumi-resource-kubernetes"],
      cluster: true,
    },
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

/**
 * What the cluster tests run in place of a user's cluster and Pulumi installation. Kept out of versionTable(), whose
 * rows are the stack's images (each tested at its own release), and printed below them in the same table.
 */
export function clusterToolRows(): readonly VersionRow[] {
  const b = (name: ClusterToolName) => clusterTools().find((x) => x.name === name) as UpstreamBuild;
  const kube = b("kubernetes");
  const kwok = b("kwok");
  const cli = b("pulumi");
  const provider = b("pulumi-kubernetes");
  const commit = provider.moduleVersion.split("-").pop() as string;
  const date = provider.moduleVersion.replace(/^v\d+\.\d+\.\d+-(\d{4})(\d{2})(\d{2}).*$/, "$1-$2-$3");
  return [
    {
      component: "kubernetes (cluster tests)",
      deployed: "the cluster's (1.30 or later)",
      tested: kube.version,
      why: `kube-apiserver, kube-controller-manager and kube-scheduler built from ${kube.module}@${kube.moduleVersion} (staging modules at ${kubernetesStagingVersion(kube.version)}); etcd from Debian's etcd-server (3.4)`,
    },
    { component: "kwok (cluster tests)", deployed: "-", tested: kwok.version, why: `simulated nodes and pod lifecycle in place of kubelets, built from ${kwok.module}@${kwok.moduleVersion}` },
    { component: "pulumi CLI", deployed: `${cli.version} (@pulumi/pulumi)`, tested: cli.version, why: `same release, built from ${cli.module}@${cli.moduleVersion}` },
    {
      component: "pulumi-resource-kubernetes",
      deployed: `${pulumiKubernetesSdkVersion()} (@pulumi/kubernetes)`,
      tested: `commit ${commit} (${date})`,
      why:
        `DIFFERENT: the proxy serves no tagged provider, only ${provider.module}@${provider.moduleVersion}; built from it and installed ` +
        `as ${pulumiKubernetesSdkVersion()}: the cluster tests run that commit, not the ${pulumiKubernetesSdkVersion()} release, and the engine warns of the version it reports`,
    },
  ];
}

/** What the tests run that the stack does not deploy at all, and why. */
export function testOnlyRows(): readonly VersionRow[] {
  const weed = upstreamBuilds().find((b) => b.name === "seaweedfs") as UpstreamBuild;
  return [
    {
      component: "seaweedfs (Thanos test)",
      deployed: "- (the user's S3 bucket)",
      tested: weed.version,
      why: `test only: the S3-compatible bucket of the Thanos test (\`weed server -s3\` on loopback), built from ${weed.module}@${weed.moduleVersion}; MinIO is not served here`,
    },
  ];
}

export function versionTableMarkdown(): string {
  const rows = [...versionTable(), ...clusterToolRows(), ...testOnlyRows()].map((r) => `| ${r.component} | ${r.deployed} | ${r.tested} | ${r.why} |`);
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
