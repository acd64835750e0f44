import { buildDcgmCounters } from "../../components/dcgm-exporter-config";
import { MAX_DASHBOARD_BYTES, buildDatasources, dashboardConfigMaps } from "../../components/grafana-config";
import { buildDashboards } from "../../dashboards";

const dashboards = buildDashboards();
// Every datasource provisioned, PostgreSQL included (postgres.enabled is the default).
const provisioned = buildDatasources({
  prometheusUrl: "http://prometheus:9090",
  prometheusAuth: { user: "observability", passwordFile: "/etc/grafana/web-auth/password" },
  lokiUrl: "http://loki:3100",
  jaegerUrl: "http://jaeger:16686",
  scrapeInterval: "15s",
  postgres: { host: "pg", port: 5432, database: "db", user: "ro", sslMode: "require" },
}).datasources;
const typeOf = new Map(provisioned.map((d) => [d.uid, d.type]));

/** Grafana's built-in pseudo datasources (annotations, mixed and dashboard queries), not provisioned ones. */
const BUILT_IN_TYPES = new Set(["grafana", "datasource", "__expr__"]);

interface Ref {
  readonly file: string;
  readonly path: string;
  readonly uid: string;
  readonly type?: string;
}

/** Every datasource reference in a dashboard: `datasource: {uid, type}` objects and `datasourceUid` strings. */
function refsOf(file: string, value: unknown, path = ""): Ref[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => refsOf(file, v, `${path}[${i}]`));
  if (value === null || typeof value !== "object") return [];
  const out: Ref[] = [];
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const at = `${path}.${k}`;
    if (k === "datasource" && v !== null && typeof v === "object" && typeof (v as Record<string, unknown>).uid === "string") {
      const ref = v as { uid: string; type?: string };
      out.push({ file, path: at, uid: ref.uid, type: ref.type });
    } else if (k === "datasourceUid" && typeof v === "string") {
      out.push({ file, path: at, uid: v });
    }
    out.push(...refsOf(file, v, at));
  }
  return out;
}

const templateVariables = (d: Record<string, any>) => new Map<string, string>(((d.templating?.list ?? []) as { name: string; type: string }[]).map((t) => [t.name, t.type]));

describe("provisioned dashboards", () => {
  it("exist, one file per dashboard named after its uid", () => {
    expect(Object.keys(dashboards).length).toBeGreaterThanOrEqual(10);
    for (const [file, d] of Object.entries(dashboards)) expect(file).toBe(`${(d as { uid: string }).uid}.json`);
  });

  it("refer only to provisioned datasource uids, with the provisioned plugin type", () => {
    const refs = Object.entries(dashboards).flatMap(([file, d]) => refsOf(file, d));
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      if (ref.type && BUILT_IN_TYPES.has(ref.type)) continue;
      const variable = /^\$\{?(\w+)\}?$/.exec(ref.uid)?.[1];
      if (variable) {
        // A datasource template variable resolves to one of the provisioned datasources at view time.
        expect({ ref, type: templateVariables(dashboards[ref.file] as Record<string, any>).get(variable) }).toEqual({ ref, type: "datasource" });
        continue;
      }
      expect({ ref, provisioned: typeOf.has(ref.uid) }).toEqual({ ref, provisioned: true });
      if (ref.type) expect({ ref, type: typeOf.get(ref.uid) }).toEqual({ ref, type: ref.type });
    }
  });

  it("each fit a ConfigMap of their own", () => {
    const maps = dashboardConfigMaps(dashboards);
    expect(maps).toHaveLength(Object.keys(dashboards).length);
    for (const m of maps) for (const text of Object.values(m.data)) expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_DASHBOARD_BYTES);
  });

  it("read only DCGM fields the exporter's counters file exports", () => {
    const used = new Set(JSON.stringify(dashboards).match(/DCGM_FI_[A-Z0-9_]+/g) ?? []);
    const base = new Set(buildDcgmCounters({ profiling: false }).map((c) => c.field));
    const withProfiling = new Set(buildDcgmCounters({ profiling: true }).map((c) => c.field));
    for (const field of used) expect({ field, exported: (field.startsWith("DCGM_FI_PROF_") ? withProfiling : base).has(field) || field === "DCGM_FI_DRIVER_VERSION" }).toEqual({ field, exported: true });
  });
});
