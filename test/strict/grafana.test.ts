/**
 * Grafana's rendered files against what Grafana 13.2.0 reads: grafana.ini and the GF_* env, the datasource and
 * dashboard provisioning files, the datasource plugins the image carries, and the datasource uids the dashboards use.
 * Grafana is never run here (AGPL) and ignores unknown keys without a word, so a typo here would go unnoticed in a
 * cluster too.
 */
import { load } from "js-yaml";
import { buildDashboards } from "../../dashboards";
import {
  DASHBOARD_PROVIDERS_FILE_V1,
  DATASOURCES_FILE_V1,
  GRAFANA_DATASOURCE_PLUGINS,
  GRAFANA_IMAGE_ENV,
  GRAFANA_INI_13_2,
  JSON_DATA,
  iniKeyOfEnv,
  pluginOfType,
} from "./reference/grafana-13.2";
import { RenderedStack, STACKS, StackName, plant, rename, renderStack } from "./rendered";
import { IniDocument, Problem, parseIni, validate, validateIni } from "./validate";

interface GrafanaFiles {
  readonly ini: IniDocument;
  readonly env: { name: string; value?: string }[];
  readonly datasources: Record<string, any>;
  readonly providers: Record<string, any>;
  /** Dashboard file name -> model, as the dashboard ConfigMaps hold them. */
  readonly dashboards: Record<string, Record<string, any>>;
}

function grafanaFiles(r: RenderedStack): GrafanaFiles {
  const dashboards: Record<string, Record<string, any>> = {};
  for (const cm of r.configMaps("grafana-dashboard-")) {
    if (cm.metadata.name === "grafana-dashboard-providers") continue;
    for (const [file, text] of Object.entries(cm.data)) dashboards[file] = JSON.parse(text);
  }
  return {
    ini: parseIni(r.file("grafana-config", "grafana.ini")),
    env: r.env("Deployment", "grafana"),
    datasources: load(r.file("grafana-datasources", "datasources.yaml")) as Record<string, any>,
    providers: load(r.file("grafana-dashboard-providers", "dashboards.yaml")) as Record<string, any>,
    dashboards,
  };
}

const files = new Map<StackName, GrafanaFiles>();
beforeAll(() => {
  for (const stack of STACKS) files.set(stack, grafanaFiles(renderStack(stack)));
});
const of = (stack: StackName = "dev") => files.get(stack) as GrafanaFiles;
const messages = (problems: Problem[]) => problems.map((p) => p.message);

/** The datasources file against the provisioning schema, then each jsonData against its plugin's keys. */
function checkDatasources(doc: Record<string, any>): Problem[] {
  const problems = validate(doc, DATASOURCES_FILE_V1);
  ((doc.datasources ?? []) as Record<string, any>[]).forEach((ds, i) => {
    const plugin = pluginOfType(String(ds.type));
    const at = `datasources[${i}]`;
    if (!plugin) {
      problems.push({
        kind: "enum",
        path: `${at}.type`,
        value: ds.type,
        message: `${at}.type: ${JSON.stringify(ds.type)} is not a datasource plugin the Grafana 13.2 image carries (core or bundled: ${Object.keys(GRAFANA_DATASOURCE_PLUGINS).join(", ")}); with preinstall_disabled it would never load`,
      });
      return;
    }
    const jsonData = JSON_DATA[plugin];
    if (ds.jsonData !== undefined && jsonData) problems.push(...validate(ds.jsonData, jsonData, { at: `${at}.jsonData` }));
  });
  return problems;
}

/** Every GF_* variable must set a known grafana.ini key or be one the image's run.sh reads. */
function checkEnv(env: { name: string; value?: string }[]): Problem[] {
  return env
    .filter((e) => e.name.startsWith("GF_"))
    .filter((e) => !(GRAFANA_IMAGE_ENV as readonly string[]).includes(e.name) && !iniKeyOfEnv(e.name))
    .map((e) => ({ kind: "unknown-key" as const, path: `env.${e.name}`, value: e.value, message: `env ${e.name}: sets no grafana.ini key of 13.2 and is not read by the image (value ${JSON.stringify(e.value)})` }));
}

interface Ref {
  readonly path: string;
  readonly uid: string;
  readonly type?: string;
}

/** `datasource: {uid, type}` objects and `datasourceUid` strings anywhere in a dashboard model. */
function datasourceRefs(value: unknown, path = ""): Ref[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => datasourceRefs(v, `${path}[${i}]`));
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => {
    const at = path ? `${path}.${k}` : k;
    const own: Ref[] = [];
    if (k === "datasource" && v !== null && typeof v === "object" && typeof (v as Ref).uid === "string") own.push({ path: at, uid: (v as Ref).uid, type: (v as Ref).type });
    if (k === "datasourceUid" && typeof v === "string") own.push({ path: at, uid: v });
    return [...own, ...datasourceRefs(v, at)];
  });
}

/** Grafana's own pseudo datasources (annotations, dashboard and mixed queries, expressions): never provisioned. */
const BUILT_IN_TYPES = new Set(["grafana", "datasource", "mixed", "__expr__"]);

/** Dashboard references to a uid that is not provisioned, or provisioned with another plugin type. */
function checkDashboardRefs(dashboards: Record<string, Record<string, any>>, datasources: Record<string, any>[]): string[] {
  const typeOf = new Map(datasources.map((d) => [String(d.uid), String(d.type)]));
  const out: string[] = [];
  for (const [file, model] of Object.entries(dashboards)) {
    const variables = new Map(((model.templating?.list ?? []) as { name: string; type: string }[]).map((t) => [t.name, t.type]));
    for (const ref of datasourceRefs(model)) {
      if (ref.type && BUILT_IN_TYPES.has(ref.type)) continue;
      const variable = /^\$\{?(\w+)\}?$/.exec(ref.uid)?.[1];
      if (variable) {
        if (variables.get(variable) !== "datasource") out.push(`${file} ${ref.path}: ${ref.uid} is not a datasource template variable`);
        continue;
      }
      if (!typeOf.has(ref.uid)) out.push(`${file} ${ref.path}: datasource uid ${JSON.stringify(ref.uid)} is not provisioned (provisioned: ${[...typeOf.keys()].join(", ")})`);
      else if (ref.type && ref.type !== typeOf.get(ref.uid)) out.push(`${file} ${ref.path}: type ${JSON.stringify(ref.type)} but uid ${ref.uid} is provisioned as ${typeOf.get(ref.uid)}`);
    }
  }
  return out;
}

describe.each(STACKS)("rendered Grafana files (%s)", (stack) => {
  it("grafana.ini has no unknown section or key, and every value has the documented type and enum value", () => {
    expect(messages(validateIni(of(stack).ini, GRAFANA_INI_13_2))).toEqual([]);
  });

  it("sets every GF_* variable to a known grafana.ini key or one the image reads", () => {
    expect(messages(checkEnv(of(stack).env))).toEqual([]);
    expect(of(stack).env.map((e) => e.name)).toEqual(expect.arrayContaining(["GF_PATHS_CONFIG", "GF_SECURITY_ADMIN_PASSWORD__FILE", "GF_SECURITY_SECRET_KEY__FILE"]));
  });

  it("provisions datasources that match the apiVersion 1 schema, with plugin jsonData keys of the right type", () => {
    expect(messages(checkDatasources(of(stack).datasources))).toEqual([]);
  });

  it("provisions dashboard providers that match the apiVersion 1 schema", () => {
    expect(messages(validate(of(stack).providers, DASHBOARD_PROVIDERS_FILE_V1))).toEqual([]);
  });

  it("uses only datasource plugins the 13.2 image carries, and turns preinstall off so nothing is downloaded", () => {
    expect(of(stack).ini.plugins.preinstall_disabled).toBe("true");
    const types = (of(stack).datasources.datasources as { type: string }[]).map((d) => d.type);
    for (const type of types) expect({ type, plugin: pluginOfType(type) }).toEqual({ type, plugin: type });
  });

  it("ships every dashboard model, and each references only provisioned datasource uids with their provisioned type", () => {
    expect(Object.keys(of(stack).dashboards).sort()).toEqual(Object.keys(buildDashboards()).sort());
    expect(checkDashboardRefs(of(stack).dashboards, of(stack).datasources.datasources)).toEqual([]);
  });
});

describe("the Grafana check catches", () => {
  it("a misspelled grafana.ini key, which Grafana would ignore (and then download plugins at start)", () => {
    const ini = rename(of().ini, "plugins.preinstall_disabled", "preinstall_disable");
    expect(messages(validateIni(ini, GRAFANA_INI_13_2))).toEqual(['[plugins].preinstall_disable: unknown key (value "true"); did you mean "preinstall_disabled"?']);
  });

  it("a datasource key of the apiVersion 0 schema in an apiVersion 1 file", () => {
    const doc = rename(of().datasources, "datasources[0].isDefault", "is_default");
    expect(messages(checkDatasources(doc))).toEqual(["datasources[0].is_default: key of another version (value true): apiVersion 0 key; apiVersion 1 names it isDefault"]);
  });

  it("a value outside an enum in grafana.ini and in a provisioning file", () => {
    const ini = plant(of().ini, "security.cookie_samesite", "relaxed");
    expect(messages(validateIni(ini, GRAFANA_INI_13_2))).toEqual(['[security].cookie_samesite: "relaxed" is not one of "lax", "strict", "none", "disabled"']);
    const doc = plant(of().datasources, "datasources[0].access", "server");
    expect(messages(checkDatasources(doc))).toEqual(['datasources[0].access: "server" is not one of "proxy", "direct"']);
  });

  it("a duration Grafana cannot parse in a datasource's jsonData", () => {
    const doc = plant(of().datasources, "datasources[0].jsonData.timeInterval", "15 seconds");
    expect(messages(checkDatasources(doc))).toEqual([
      'datasources[0].jsonData.timeInterval: "15 seconds" is not a Grafana interval (one integer with ms, s, m, h, d, w, M or y, optionally signed; e.g. 15s, -5m)',
    ]);
  });

  it("a datasource type the image does not carry", () => {
    const doc = plant(of().datasources, "datasources[1].type", "grafana-clickhouse-datasource");
    expect(messages(checkDatasources(doc))).toEqual([expect.stringMatching(/^datasources\[1\]\.type: "grafana-clickhouse-datasource" is not a datasource plugin the Grafana 13\.2 image carries/)]);
  });

  it("a provisioning file without its required fields or with the wrong apiVersion", () => {
    const doc = plant(of().datasources, "apiVersion", 2);
    const noName = structuredClone(doc);
    delete noName.datasources[0].name;
    expect(messages(checkDatasources(noName))).toEqual(["apiVersion: 2 is not 1", "datasources[0].name: required key is missing"]);
    const providers = structuredClone(of().providers);
    delete providers.providers[0].options.path;
    expect(messages(validate(providers, DASHBOARD_PROVIDERS_FILE_V1))).toEqual(["providers[0].options.path: required key is missing"]);
  });

  it("an unknown GF_* variable and a dashboard reference to a datasource that is not provisioned", () => {
    expect(messages(checkEnv([{ name: "GF_PLUGINS_PREINSTALL_DISABLE", value: "true" }]))).toEqual([
      'env GF_PLUGINS_PREINSTALL_DISABLE: sets no grafana.ini key of 13.2 and is not read by the image (value "true")',
    ]);
    const file = Object.keys(of().dashboards)[0];
    const broken = structuredClone(of().dashboards);
    broken[file].panels[0].datasource = { type: "prometheus", uid: "prometheus-old" };
    expect(checkDashboardRefs(broken, of().datasources.datasources)).toContainEqual(`${file} panels[0].datasource: datasource uid "prometheus-old" is not provisioned (provisioned: prometheus, loki, jaeger, postgres)`);
  });
});
